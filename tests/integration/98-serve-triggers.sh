#!/usr/bin/env bash
# 98-serve-triggers: the daemon's triggers through real HTTP against a real
# `dockrev serve` (auth none, loopback, a free port), the real engine and
# registry.  An update through POST /api/v1/update gives a job id at once,
# its SSE stream ends with the job's final state, and Docker runs what the
# job says (new digest; or the old one after a rollback).  Dry runs record
# nothing; a burst of 10 triggers for one service makes one job; job
# filters, pagination and log pages; container start/stop/delete (409
# while a job holds it); audit of every trigger; webhooks (HMAC good, bad
# signature, replay, stale, oversized, URL token good and wrong);
# Watchtower with and without its token; a schedule fires once when the
# test clock (DOCKREV_CLOCK_FILE) jumps past it, and missed runs are not
# replayed; the daemon killed -9 mid-job and started again: the job ends
# terminal and matches Docker.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it98-$$
P=it98-$$
export DOCKREV_STATE_DIR=$T_TMP/state
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
CLOCK=$T_TMP/clock
T0=1767225600			# 2026-01-01T00:00:00Z
# the scheduler reads the clock file each tick: replace it whole, never
# truncate-and-write (a reader could catch it empty)
set_clock() { echo "$1" >"$CLOCK.new" && mv -f "$CLOCK.new" "$CLOCK"; }
set_clock $T0
WT_TOKEN=wt-$(openssl rand -hex 16)
DPID=

ok "image app:1.0" img_build "$R/app:1.0" --health true --marker a10
ok "image app:1.1" img_build "$R/app:1.1" --health true --marker a11
new_digest=$(reg_manifest_digest "$REG_PLAIN" "it98-$$/app" 1.1)
old_digest=$(reg_manifest_digest "$REG_PLAIN" "it98-$$/app" 1.0)
ok "image bad:1.0" img_build "$R/bad:1.0" --health true --marker b10
ok "image bad:1.1" img_build "$R/bad:1.1" --health false --marker b11
bad_old=$(reg_manifest_digest "$REG_PLAIN" "it98-$$/bad" 1.0)
ok "image slow:1.0" img_build "$R/slow:1.0" --health true --marker s10
# slow:1.1 turns healthy after 15 s (no failure counts before 60 s): its
# job stays in the gate long enough to be poked at and killed mid-way
ok "image slow:1.1" img_build "$R/slow:1.1" --health 'test -f /tmp/ready' --health-start 60 \
	--cmd "trap 'exit 0' TERM; sleep 15; touch /tmp/ready; while :; do sleep 1; done"

start_daemon() {
	DOCKREV_AUTH_MODE=none DOCKREV_CLOCK_FILE=$CLOCK \
		DOCKREV_HTTP_API_TOKEN=$WT_TOKEN DOCKREV_LABEL_ENABLE=true \
		DOCKREV_HEALTH_DEADLINE_S=30 DOCKREV_SETTLE_S=1 \
		DOCKREV_SCHEDULE_CHECK="0 12 * * *" DOCKREV_SCHEDULE_CHECK_JITTER=0 \
		"$DOCKREV" serve --listen "127.0.0.1:$PORT" >>"$T_TMP/serve.log" 2>&1 &
	DPID=$!
	wait_for 15 curl -sf "$BASE/healthz" >/dev/null
}
test_cleanup() {
	[ -z "$DPID" ] || kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	if [ "$T_FAIL" -gt 0 ]; then
		echo "# serve log (tail):"
		tail -n 40 "$T_TMP/serve.log" | sed 's/^/#   /'
	fi
}

# req METHOD PATH [BODY]: prints the body, then the status on its own line.
req() {
	local m=$1 p=$2
	shift 2
	if [ $# -gt 0 ]; then
		curl -s -m 60 -X "$m" -H 'Content-Type: application/json' \
			--data-binary "$1" -w '\n%{http_code}' "$BASE$p"
	else
		curl -s -m 60 -X "$m" -w '\n%{http_code}' "$BASE$p"
	fi
}
body() { sed '$d' <<<"$1"; }
code() { tail -n 1 <<<"$1"; }
job_state() { curl -s "$BASE/api/v1/jobs/$1" | jq -r .state; }
terminal() { [[ $(job_state "$1") =~ ^(succeeded|rolled_back|failed|rollback_failed)$ ]]; }
image_of() { docker inspect -f '{{.Config.Image}}' "$1" 2>/dev/null; }
digest_running() { docker image inspect -f '{{join .RepoDigests " "}}' "$(docker inspect -f '{{.Image}}' "$1")"; }
ctr() { run_ctr "$1" "$2" --label dockrev.enable=true >/dev/null; }

ctr "$P-web" "$R/app:1.0"
ctr "$P-bad" "$R/bad:1.0"
ctr "$P-burst" "$R/app:1.0"
ctr "$P-misc" "$R/app:1.0"
ctr "$P-hook" "$R/app:1.0"
ctr "$P-tok" "$R/app:1.0"
ctr "$P-wt" "$R/bad:1.0"
ctr "$P-slow" "$R/slow:1.0"

start_daemon
is "the daemon starts and answers /healthz" "$(curl -s "$BASE/healthz" | jq -r .status)" ok

# ---- dry run: the plan, nothing recorded ---------------------------------------
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-web\",\"dry_run\":true}")
is "dry run: 200" "$(code "$r")" 200
is "dry run: the plan takes 1.0 -> 1.1" \
	"$(body "$r" | jq -r '.plan[0] | "\(.stack) \(.service) \(.from_tag) \(.to_tag) \(.to_digest) \(.swap)"')" \
	"_ $P-web 1.0 1.1 $new_digest recreate"
is "dry run: no job recorded" "$(curl -s "$BASE/api/v1/jobs" | jq '.jobs | length')" 0
is "dry run: still the old image" "$(image_of "$P-web")" "$R/app:1.0"

# ---- update a service: 202, SSE to the end, new digest -----------------------
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-web\"}")
is "update: 202" "$(code "$r")" 202
web_job=$(body "$r" | jq -r '.jobs[0]')
like "update: a job id at once" "$web_job" '^[0-9]+$'
curl -s -N -m 90 "$BASE/api/v1/jobs/$web_job/events" >"$T_TMP/sse-web"
like "SSE: state events" "$(grep -c '^event: state' "$T_TMP/sse-web")" '^[1-9]'
like "SSE: step events" "$(grep -c '^event: step' "$T_TMP/sse-web")" '^[1-9]'
like "SSE: log events" "$(grep -c '^event: log' "$T_TMP/sse-web")" '^[1-9]'
is "SSE: ends with event: end" "$(grep '^event:' "$T_TMP/sse-web" | tail -n 1)" "event: end"
is "SSE: the end says succeeded" \
	"$(grep -A1 '^event: end' "$T_TMP/sse-web" | sed -n 's/^data: //p' | jq -r .state)" succeeded
is "the job succeeded" "$(job_state "$web_job")" succeeded
is "the container runs the new tag" "$(image_of "$P-web")" "$R/app:1.1"
like "the container runs the new digest" "$(digest_running "$P-web")" "$new_digest"
d=$(curl -s "$BASE/api/v1/jobs/$web_job")
is "detail: targets with old and new digests" \
	"$(jq -r '.targets[0] | "\(.old_digest) \(.new_digest) \(.result)"' <<<"$d")" \
	"$old_digest $new_digest updated"
like "detail: steps" "$(jq '.steps | length' <<<"$d")" '^[1-9]'
is "detail: trigger_source api, actor anonymous" \
	"$(jq -r '"\(.trigger_source) \(.actor)"' <<<"$d")" "api anonymous"

# ---- a failing update: rolled back, the old digest runs ----------------------
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-bad\"}")
bad_job=$(body "$r" | jq -r '.jobs[0]')
curl -s -N -m 120 "$BASE/api/v1/jobs/$bad_job/events" >"$T_TMP/sse-bad"
is "unhealthy update: SSE ends rolled_back" \
	"$(grep -A1 '^event: end' "$T_TMP/sse-bad" | sed -n 's/^data: //p' | jq -r .state)" rolled_back
is "unhealthy update: old tag running" "$(image_of "$P-bad")" "$R/bad:1.0"
like "unhealthy update: old digest running" "$(digest_running "$P-bad")" "$bad_old"
is "unhealthy update: running" "$(docker inspect -f '{{.State.Running}}' "$P-bad")" true

# ---- a burst of 10 triggers: one job ----------------------------------------
for i in $(seq 1 10); do
	curl -s -X POST -H 'Content-Type: application/json' \
		--data-binary "{\"scope\":\"service\",\"target\":\"_/$P-burst\"}" \
		"$BASE/api/v1/update" >"$T_TMP/burst-$i" &
done
wait_for 30 test "$(cat "$T_TMP"/burst-* | jq -r '.jobs[0]' | grep -c .)" = 10
is "burst: 10 answers, one job id" "$(cat "$T_TMP"/burst-* | jq -r '.jobs[0]' | sort -u | wc -l)" 1
is "burst: 9 of them joined" "$(cat "$T_TMP"/burst-* | jq -r '.joined' | grep -c true)" 9
burst_job=$(jq -r '.jobs[0]' "$T_TMP/burst-1")
wait_for 60 terminal "$burst_job"
is "burst: the one job succeeded" "$(job_state "$burst_job")" succeeded
is "burst: exactly one job for the service" \
	"$(curl -s "$BASE/api/v1/jobs?service=_/$P-burst" | jq '.jobs | length')" 1

# ---- jobs: filters, pagination, logs ------------------------------------------
is "filter state=rolled_back" "$(curl -s "$BASE/api/v1/jobs?state=rolled_back" | jq -r '[.jobs[].id] | join(",")')" "$bad_job"
is "filter service" "$(curl -s "$BASE/api/v1/jobs?service=$P-web" | jq -r '[.jobs[].id] | join(",")')" "$web_job"
is "filter source=api: 3 jobs" "$(curl -s "$BASE/api/v1/jobs?source=api" | jq '.jobs | length')" 3
is "filter source=webhook: none yet" "$(curl -s "$BASE/api/v1/jobs?source=webhook" | jq '.jobs | length')" 0
p1=$(curl -s "$BASE/api/v1/jobs?limit=2")
is "page 1: 2 jobs, newest first" "$(jq -r '[.jobs[].id] | join(",")' <<<"$p1")" "$burst_job,$bad_job"
next=$(jq -r .next <<<"$p1")
is "page 2 from next" "$(curl -s "$BASE/api/v1/jobs?limit=2&before=$next" | jq -r '([.jobs[].id] | join(",")), .next')" "$web_job
null"
is "bad state filter: 400" "$(code "$(req GET '/api/v1/jobs?state=nope')")" 400
is "no such job: 404" "$(code "$(req GET /api/v1/jobs/999999)")" 404
l1=$(curl -s "$BASE/api/v1/jobs/$web_job/logs?limit=2")
is "logs page 1: 2 lines" "$(jq '.lines | length' <<<"$l1")" 2
la=$(jq -r .next <<<"$l1")
l2=$(curl -s "$BASE/api/v1/jobs/$web_job/logs?after=$la&limit=1000")
like "logs page 2: the rest, done" "$(jq -r '"\(.lines | length) \(.done) \(.next)"' <<<"$l2")" '^[1-9][0-9]* true null$'
is "logs pages do not overlap" "$(jq -r ".lines[0].id > $la" <<<"$l2")" true

# ---- containers ----------------------------------------------------------------
c=$(curl -s "$BASE/api/v1/containers")
is "containers: listed with state" "$(jq -r ".containers[] | select(.name == \"$P-misc\") | \"\(.state) \(.stack) \(.service)\"" <<<"$c")" "running _ $P-misc"
is "stop: 204" "$(code "$(req POST "/api/v1/containers/$P-misc/stop")")" 204
is "stopped" "$(docker inspect -f '{{.State.Running}}' "$P-misc")" false
is "start: 204" "$(code "$(req POST "/api/v1/containers/$P-misc/start")")" 204
is "started" "$(docker inspect -f '{{.State.Running}}' "$P-misc")" true
is "delete: 204" "$(code "$(req DELETE "/api/v1/containers/$P-misc")")" 204
is "deleted" "$(docker ps -aq --filter "name=^/$P-misc\$" | wc -l)" 0
is "unknown container: 404" "$(code "$(req POST "/api/v1/containers/$P-nope/stop")")" 404

# ---- webhooks --------------------------------------------------------------------
r=$(req POST /api/v1/webhooks "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"service\",\"target\":\"_/$P-hook\",\"auth\":\"hmac\"}")
is "create hmac webhook: 201" "$(code "$r")" 201
hid=$(body "$r" | jq -r .id)
secret=$(body "$r" | jq -r .secret)
like "the secret is shown once" "$secret" '^[A-Za-z0-9_-]{43}$'
is "the list never shows it" "$(curl -s "$BASE/api/v1/webhooks" | grep -c -- "$secret")" 0
sign() { # sign TS DELIVERY BODY [SECRET]
	printf '%s.%s.%s' "$1" "$2" "$3" | openssl dgst -sha256 -hmac "${4:-$secret}" -r | cut -d' ' -f1
}
deliver() { # deliver TS DELIVERY BODY SIG
	curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H "X-Dockrev-Timestamp: $1" -H "X-Dockrev-Delivery: $2" \
		-H "X-Dockrev-Signature: sha256=$4" --data-binary "$3" "$BASE/hooks/$hid"
}
hb='{"ref":"refs/tags/1.1"}'
now=$(date +%s)
r=$(deliver "$now" d1 "$hb" "$(sign "$now" d1 "$hb" wrong-secret)")
is "bad signature: 401" "$(code "$r")" 401
is "bad signature: no job" "$(curl -s "$BASE/api/v1/jobs?source=webhook" | jq '.jobs | length')" 0
is "bad signature: audited as denied, without the secret" \
	"$(curl -s "$BASE/api/v1/audit" | jq -r '[.entries[] | select(.action == "webhook")][0].result')" denied
is "the audit never holds the secret" "$(curl -s "$BASE/api/v1/audit?limit=1000" | grep -c -- "$secret")" 0
r=$(deliver "$now" d2 "$hb" "$(sign "$now" d2 "$hb")")
is "good signature: 202" "$(code "$r")" 202
hook_job=$(body "$r" | jq -r '.jobs[0]')
like "good signature: a job" "$hook_job" '^[0-9]+$'
r=$(deliver "$now" d2 "$hb" "$(sign "$now" d2 "$hb")")
is "replayed delivery id: 409" "$(code "$r")" 409
old=$((now - 400))
r=$(deliver "$old" d3 "$hb" "$(sign "$old" d3 "$hb")")
is "stale timestamp: 401" "$(code "$r")" 401
head -c 300000 /dev/zero | tr '\0' a >"$T_TMP/big"
r=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H "X-Dockrev-Timestamp: $now" -H "X-Dockrev-Delivery: d4" \
	-H "X-Dockrev-Signature: sha256=00" --data-binary @"$T_TMP/big" "$BASE/hooks/$hid")
is "oversized body: 413" "$(code "$r")" 413
wait_for 60 terminal "$hook_job"
is "webhook job succeeded" "$(job_state "$hook_job")" succeeded
is "webhook job: trigger_source webhook" "$(curl -s "$BASE/api/v1/jobs/$hook_job" | jq -r .trigger_source)" webhook
is "the webhook container runs 1.1" "$(image_of "$P-hook")" "$R/app:1.1"

r=$(req POST /api/v1/webhooks "{\"name\":\"legacy\",\"action\":\"update\",\"scope\":\"service\",\"target\":\"_/$P-tok\",\"auth\":\"token\"}")
url=$(body "$r" | jq -r .url)
like "token webhook: a URL with its token" "$url" '^/hooks/t/[A-Za-z0-9_-]{43}$'
r=$(req POST "/hooks/t/wrong${url#/hooks/t/}" '{}')
is "wrong token: 401" "$(code "$r")" 401
r=$(req POST "/hooks/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" '{}')
is "unknown token: 401" "$(code "$r")" 401
r=$(req POST "$url" '{}')
is "right token: 202" "$(code "$r")" 202
tok_job=$(body "$r" | jq -r '.jobs[0]')
wait_for 60 terminal "$tok_job"
is "token webhook job succeeded" "$(job_state "$tok_job")" succeeded
is "the token never shows in the list" "$(curl -s "$BASE/api/v1/webhooks" | grep -c -- "${url#/hooks/t/}")" 0
is "delete webhook: 204" "$(code "$(req DELETE "/api/v1/webhooks/$hid")")" 204
r=$(deliver "$now" d9 "$hb" "$(sign "$now" d9 "$hb")")
is "deleted webhook: 401" "$(code "$r")" 401

# ---- Watchtower ------------------------------------------------------------------
r=$(curl -s -w '\n%{http_code}' -X POST "$BASE/v1/update?image=$R/bad")
is "Watchtower without the token: 401" "$(code "$r")" 401
r=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer nope" "$BASE/v1/update?image=$R/bad")
is "Watchtower with a wrong token: 401" "$(code "$r")" 401
r=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $WT_TOKEN" "$BASE/v1/update?image=$R/bad")
is "Watchtower with the token: 202" "$(code "$r")" 202
is "Watchtower: one job per container of the image (2)" "$(body "$r" | jq '.jobs | length')" 2
for j in $(body "$r" | jq -r '.jobs[]'); do wait_for 90 terminal "$j"; done
is "Watchtower jobs rolled back (unhealthy 1.1)" \
	"$(for j in $(body "$r" | jq -r '.jobs[]'); do job_state "$j"; done | sort -u)" rolled_back

# ---- audit ------------------------------------------------------------------------
a=$(curl -s "$BASE/api/v1/audit?limit=1000")
is "audit: the API updates (dry run and real)" \
	"$(jq "[.entries[] | select(.action == \"update\" and .trigger_source == \"api\")] | length" <<<"$a")" 13
is "audit: the dry run is marked" \
	"$(jq -r '[.entries[] | select(.params.dry_run == true)][0].summary' <<<"$a")" "dry run"
is "audit: webhook triggers with their job" \
	"$(jq -r "[.entries[] | select(.job_id == $hook_job)][0] | \"\(.actor) \(.trigger_source) \(.origin)\"" <<<"$a")" \
	"webhook:ci webhook 127.0.0.1"
is "audit: Watchtower denials and the trigger" \
	"$(jq -r '[.entries[] | select(.actor == "watchtower") | .result] | sort | join(",")' <<<"$a")" "denied,denied,ok,ok"
is "audit: container actions" \
	"$(jq -r "[.entries[] | select(.target == \"$P-misc\") | .action] | sort | join(\",\")" <<<"$a")" "delete,start,stop"
now_ms=$(($(date +%s) * 1000))
is "audit: until in the past: nothing" "$(curl -s "$BASE/api/v1/audit?until=1000" | jq '.entries | length')" 0
like "audit: since recent: entries" "$(curl -s "$BASE/api/v1/audit?since=$((now_ms - 600000))" | jq '.entries | length')" '^[1-9]'

# ---- settings and the scheduler ------------------------------------------------
s=$(curl -s "$BASE/api/v1/settings")
is "settings: the configured check schedule" "$(jq -r '.schedules.check | "\(.expr) \(.enabled)"' <<<"$s")" "0 12 * * * true"
is "settings: update off by default" "$(jq -r '.schedules.update.enabled' <<<"$s")" false
is "settings: bad cron refused" "$(code "$(req PUT /api/v1/settings '{"schedules":{"update":{"expr":"61 * * * *","enabled":true}}}')")" 400
is "settings: bad concurrency refused" "$(code "$(req PUT /api/v1/settings '{"concurrency":0}')")" 400
r=$(req PUT /api/v1/settings '{"concurrency":3}')
is "settings: concurrency changed" "$(body "$r" | jq .concurrency)" 3
sched_checks() { curl -s "$BASE/api/v1/audit?limit=1000" | jq '[.entries[] | select(.actor == "scheduler" and .action == "check")] | length'; }
is "no check before 12:00" "$(sched_checks)" 0
set_clock $((T0 + 12 * 3600 + 30))
wait_for 10 test "$(sched_checks)" -ge 1
sleep 1.5
is "the check schedule fired once at 12:00" "$(sched_checks)" 1
set_clock $((T0 + 12 * 3600 + 60))
sleep 1.5
is "and not again the same day" "$(sched_checks)" 1
set_clock $((T0 + 3 * 86400 + 13 * 3600))
wait_for 10 test "$(sched_checks)" -ge 2
sleep 1.5
is "three days later: one more, missed runs not replayed" "$(sched_checks)" 2

# ---- kill -9 the daemon in the middle of a job ----------------------------------
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-slow\",\"dry_run\":true}")
is "the slow update's plan: 1.0 -> 1.1" \
	"$(body "$r" | jq -r '.plan[0] | "\(.from_tag) -> \(.to_tag)"')" "1.0 -> 1.1"
is "slow runs 1.0" "$(image_of "$P-slow")" "$R/slow:1.0"
t0=$(date +%s%N)
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-slow\"}")
slow_job=$(body "$r" | jq -r '.jobs[0]')
t1=$(date +%s%N)
is "the slow update: 202, a new job" "$(code "$r") $(body "$r" | jq -c .joined)" "202 false"
wait_for 30 test "$(job_state "$slow_job")" = running
echo "# slow job $slow_job: POST took $(((t1 - t0) / 1000000)) ms, running after $((($(date +%s%N) - t1) / 1000000)) ms more"
if ! is "the slow job runs" "$(job_state "$slow_job")" running; then
	curl -s "$BASE/api/v1/jobs/$slow_job" | jq -c '{state, summary, steps: [.steps[]? | .name]}' | sed 's/^/#   /'
	curl -s "$BASE/api/v1/jobs/$slow_job/logs?limit=50" | jq -r '.lines[]?.line' | sed 's/^/#   log: /'
fi
r=$(req DELETE "/api/v1/containers/$P-slow")
is "delete while its job runs: 409" "$(code "$r")" 409
is "stop while its job runs: 409" "$(code "$(req POST "/api/v1/containers/$P-slow/stop")")" 409
parked() { docker ps -a --filter "name=^/$P-slow-dockrev-old-" --format '{{.Names}}'; }
wait_for 20 test -n "$(parked)"
r=$(req DELETE "/api/v1/containers/$(parked)")
is "delete the job's parked old container: 409" "$(code "$r")" 409
r=$(req POST /api/v1/update "{\"scope\":\"service\",\"target\":\"_/$P-slow\"}")
is "another trigger while it runs joins it" "$(code "$r") $(body "$r" | jq -c '[.jobs, .joined]')" \
	"202 [[$slow_job],true]"
is "the job still runs when poked at" "$(job_state "$slow_job")" running
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
start_daemon
is "the daemon starts again" "$(curl -s "$BASE/healthz" | jq -r .status)" ok
wait_for 90 terminal "$slow_job"
st=$(job_state "$slow_job")
like "after kill -9: the job ends succeeded or rolled_back" "$st" '^(succeeded|rolled_back)$'
want=$R/slow:1.1
[ "$st" = succeeded ] || want=$R/slow:1.0
is "after kill -9: Docker runs what the job says" "$(image_of "$P-slow")" "$want"
is "after kill -9: the container runs" "$(docker inspect -f '{{.State.Running}}' "$P-slow")" true
is "after kill -9: one container with the name" \
	"$(docker ps -a --filter "name=^/$P-slow(-dockrev-old-.*)?\$" -q | wc -l)" 1
is "the settings survived the restart" "$(curl -s "$BASE/api/v1/settings" | jq .concurrency)" 3

# ---- the update schedule (off by default) fires once --------------------------
r=$(req PUT /api/v1/settings '{"schedules":{"update":{"expr":"0 18 * * *","tz":"UTC","jitter_s":0,"enabled":true}}}')
is "settings: update schedule enabled" "$(body "$r" | jq -r '.schedules.update | "\(.expr) \(.enabled)"')" "0 18 * * * true"
sched_updates() { curl -s "$BASE/api/v1/audit?limit=1000" | jq '[.entries[] | select(.actor == "scheduler" and .action == "update")] | length'; }
is "no scheduled update before 18:00" "$(sched_updates)" 0
set_clock $((T0 + 3 * 86400 + 18 * 3600 + 10))
wait_for 30 test "$(sched_updates)" -ge 1
sched_jobs=$(curl -s "$BASE/api/v1/jobs?source=schedule" | jq -r '.jobs[].id')
like "the update schedule made jobs (the bad services)" "$(echo $sched_jobs | wc -w)" '^[1-9]'
for j in $sched_jobs; do wait_for 90 terminal "$j"; done
is "the update schedule fired once" "$(sched_updates)" 1

finish
