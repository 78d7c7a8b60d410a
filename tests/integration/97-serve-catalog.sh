#!/usr/bin/env bash
# 97-serve-catalog: the catalog of a real `dockrev serve` (auth mode none on
# a free loopback port) against the real engine and registry: a Compose
# stack with updates in /api/v1/stacks (candidate, kind, same_level,
# arch_match, best), each ignore-rule kind hiding the right candidates
# with its rule and reason and best/status following, disable/enable/
# delete restoring them, bad rules and settings refused with the error
# shape, settings shown, preview, POST /check picking up a pushed tag, a
# container started after the daemon showing up through Docker events
# (and leaving), checks running in a child process (named in the log, its
# registry requests counted; killed mid-check: a failed check, the previous
# snapshot still served; killed when the daemon stops), the persisted
# snapshot served at once after a restart, and `dockrev check --json` /
# `dockrev update` honouring the rules.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it97-$$
P=it97p$$
export DOCKREV_STATE_DIR=$T_TMP/state
export DOCKREV_AUTH_MODE=none
export DOCKREV_LABEL_ENABLE=true
SRV_PID=""
PORT=""
FAULTS=0

img_build "$R/app:5.2.0" --health true --marker a520 >/dev/null
img_build "$R/app:5.2.1" --health true --marker a521 >/dev/null
img_build "$R/app:5.3.0" --health true --marker a530 >/dev/null
img_build "$R/app:6.0.0" --health true --marker a600 >/dev/null
img_build "$R/bad:1.0" --health true --marker b10 >/dev/null
img_build "$R/bad:1.1" --health false --marker b11 >/dev/null

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
serve_start() {
	PORT=$(free_port)
	"$DOCKREV" serve --listen "127.0.0.1:$PORT" >>"$T_TMP/serve.log" 2>&1 &
	SRV_PID=$!
	wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" ||
		fail "daemon answers /healthz" "$(tail -n 20 "$T_TMP/serve.log")"
}
serve_stop() {
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}
test_cleanup() {
	serve_stop
	[ "$FAULTS" = 0 ] || curl -sf -X POST "http://$REG_FAULT/_fault?reset=1" >/dev/null
	[ "$T_FAIL" = 0 ] || cp "$T_TMP/serve.log" "${TMPDIR:-/tmp}/dockrev-97-serve.log" 2>/dev/null
	(cd "$T_TMP/shop" 2>/dev/null && docker-compose -p "$P" down -v -t 1 >/dev/null 2>&1)
}
# api METHOD PATH [JSON]: the body on stdout; the status in $T_TMP/code.
api() {
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' -X "$1")
	[ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data "$3")
	curl "${args[@]}" "http://127.0.0.1:$PORT$2" >"$T_TMP/code"
	cat "$T_TMP/body"
}
code() { cat "$T_TMP/code"; }
# svc [JQ]: a field of shop/web in /api/v1/stacks.
svc() {
	api GET /api/v1/stacks | jq -rc --arg s "$P" \
		".stacks[] | select(.name == \$s) | .services[] | select(.name == \"web\") | ${1:-.}"
}
tags() { svc "[.$1[].tag] | join(\",\")"; }
rule() { # rule KIND VALUE REASON -> the new rule's id
	api POST "/api/v1/services/$P/web/rules" \
		"$(jq -nc --arg k "$1" --arg v "$2" --arg r "$3" '{kind:$k, value:$v, reason:$r}')" | jq -r .id
}

# ---- a Compose stack with updates --------------------------------------------------
mkdir -p "$T_TMP/shop"
cat >"$T_TMP/shop/docker-compose.yml" <<EOF
version: "3"
services:
  web:
    image: $R/app:5.2.0
    labels: [dockrev.test=1, "dockrev.test.script=$T_ID", dockrev.enable=true]
EOF
(cd "$T_TMP/shop" && docker-compose -p "$P" up -d >/dev/null 2>&1) || fail "compose up"

serve_start
wait_for 60 sh -c "curl -s http://127.0.0.1:$PORT/api/v1/stacks | jq -e '.checked_at != null' >/dev/null" ||
	fail "the first check finishes" "$(tail -n 20 "$T_TMP/serve.log")"
is "GET /stacks: 200" "$(api GET /api/v1/stacks >/dev/null; code)" 200
is "stack kind" "$(api GET /api/v1/stacks | jq -r --arg s "$P" '.stacks[] | select(.name == $s) | .kind')" compose
is "service container" "$(svc '.containers | join(",")')" "${P}_web_1"
is "tag" "$(svc .tag)" 5.2.0
is "status" "$(svc .status)" update_available
is "candidates" "$(svc '[.candidates[] | .tag + ":" + .kind + ":" + (.same_level|tostring) + ":" + (.arch_match|tostring)] | join(" ")')" \
	"6.0.0:major:true:true 5.3.0:minor:true:true 5.2.1:patch:true:true"
is "best: the same-level minor, never the major" "$(svc .best.tag)" 5.3.0
is "no ignored yet" "$(tags ignored)" ""
is "default settings" "$(svc .settings)" \
	'{"auto_rollback":true,"health_deadline_s":120,"settle_s":10,"allow_arch_mismatch":false}'
like "counts" "$(api GET /api/v1/stacks | jq -c .counts)" '"updates":[1-9]'
is "GET /stacks/{stack}" "$(api GET "/api/v1/stacks/$P" | jq -r '.services[0].name')" web
is "GET /stacks/{unknown}: 404" "$(api GET /api/v1/stacks/nope$$ | jq -r .error.code) $(code)" "not_found 404"
is "GET /services/{stack}/{service}" "$(api GET "/api/v1/services/$P/web" | jq -r '.best.tag, (.jobs|type), (.rules|length)' | tr '\n' ' ')" "5.3.0 array 0 "
is "GET unknown service: 404" "$(api GET "/api/v1/services/$P/nope" >/dev/null; code)" 404

# ---- ignore rules: each kind -------------------------------------------------------
id=$(rule exact 5.3.0 "5.3.0 leaks memory")
is "POST rule: 201" "$(code)" 201
is "exact hides 5.3.0" "$(tags ignored)" 5.3.0
is "exact: rule id, kind, value" "$(svc '.ignored[0].rule | "\(.id) \(.kind) \(.value)"')" "$id exact 5.3.0"
is "exact: reason" "$(svc '.ignored[0].reason')" "5.3.0 leaks memory"
is "exact: best falls back to the same-level patch" "$(svc .best.tag)" 5.2.1
is "rules listed with the service" "$(api GET "/api/v1/services/$P/web" | jq -r '.rules[0].id')" "$id"
is "GET rules" "$(api GET "/api/v1/services/$P/web/rules" | jq -r '.rules | length')" 1

api PATCH "/api/v1/rules/$id" '{"enabled":false}' >/dev/null
is "PATCH disable: 200" "$(code)" 200
is "disabled: nothing ignored" "$(tags ignored)" ""
is "disabled: best back to 5.3.0" "$(svc .best.tag)" 5.3.0
api PATCH "/api/v1/rules/$id" '{"enabled":true}' >/dev/null
is "enabled again: 5.3.0 hidden" "$(tags ignored)" 5.3.0
api DELETE "/api/v1/rules/$id" >/dev/null
is "DELETE: 204" "$(code)" 204
is "deleted: candidates restored" "$(tags candidates)" 6.0.0,5.3.0,5.2.1
is "DELETE again: 404" "$(api DELETE "/api/v1/rules/$id" | jq -r .error.code) $(code)" "not_found 404"

id=$(rule prefix 6. "")
is "prefix hides 6.0.0" "$(tags ignored)" 6.0.0
like "prefix: generated reason names the rule" "$(svc '.ignored[0].reason')" "rule $id \\(prefix 6\\.\\)"
is "prefix: best unchanged" "$(svc .best.tag)" 5.3.0
api DELETE "/api/v1/rules/$id" >/dev/null

id=$(rule regex '^5\.(2|3)\.' "stay on 5.2.0")
is "regex hides 5.3.0 and 5.2.1" "$(tags ignored)" 5.3.0,5.2.1
is "regex: no best (only a major is left)" "$(svc .best)" null
is "regex: still an update (6.0.0)" "$(svc .status)" update_available
is "regex: rule kind" "$(svc '.ignored[1].rule.kind')" regex
api DELETE "/api/v1/rules/$id" >/dev/null

id=$(rule semver '>=5.2.1' "frozen")
is "semver hides everything newer" "$(tags ignored)" 6.0.0,5.3.0,5.2.1
is "semver: up to date" "$(svc .status)" up_to_date
is "semver: rule value" "$(svc '.ignored[0].rule | "\(.id) \(.kind) \(.value)"')" "$id semver >=5.2.1"
is "semver: counts follow" "$(api GET "/api/v1/stacks/$P" | jq -r .counts.updates)" 0
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v k="$1 " 'index($0, k) == 1 {print $NF}'; }
is "semver: metrics follow the rules" "$(metric "dockrev_update_available{stack=\"$P\",service=\"web\"}")" 0

# The CLI honours the rules: check --json moves them, update takes none.
out=$("$DOCKREV" check --json 2>"$T_TMP/check.err")
is "check --json: ignored with rule and reason" \
	"$(jq -r --arg c "${P}_web_1" '.items[] | select(.container == $c) | [.ignored[] | .tag + ":" + (.rule.id|tostring) + ":" + .reason] | join(" ")' <<<"$out")" \
	"6.0.0:$id:frozen 5.3.0:$id:frozen 5.2.1:$id:frozen"
is "check --json: candidates empty, up to date" \
	"$(jq -r --arg c "${P}_web_1" '.items[] | select(.container == $c) | "\(.candidates | length) \(.status)"' <<<"$out")" "0 up_to_date"
out=$("$DOCKREV" update --service "$P/web" --yes --json 2>&1)
like "update: nothing to take" "$out" "up to date"
out=$("$DOCKREV" update --service "$P/web" --to 5.3.0 --yes --json 2>&1)
is "update --to an ignored tag: refused" "$?" 1
like "update --to: says why" "$out" "ignored: frozen"
is "still runs 5.2.0" "$(docker inspect -f '{{.Config.Image}}' "${P}_web_1")" "$R/app:5.2.0"
api DELETE "/api/v1/rules/$id" >/dev/null

# ---- bad rules, preview ------------------------------------------------------------
is "bad regex: 400 bad_request" "$(api POST "/api/v1/services/$P/web/rules" '{"kind":"regex","value":"(x"}' | jq -r .error.code) $(code)" "bad_request 400"
like "bad regex: the parser's message" "$(jq -r .error.message "$T_TMP/body")" "."
is "bad semver: 400" "$(api POST "/api/v1/services/$P/web/rules" '{"kind":"semver","value":">=6 <<7"}' >/dev/null; code)" 400
is "unknown kind: 400" "$(api POST "/api/v1/services/$P/web/rules" '{"kind":"glob","value":"x"}' >/dev/null; code)" 400
is "missing value: 400" "$(api POST "/api/v1/services/$P/web/rules" '{"kind":"exact"}' >/dev/null; code)" 400
is "not JSON: 400" "$(api POST "/api/v1/services/$P/web/rules" 'nope' >/dev/null; code)" 400
is "bad rules stored nothing" "$(api GET "/api/v1/services/$P/web/rules" | jq -r '.rules | length')" 0
is "PATCH to a bad value: 400" "$(id=$(rule exact 9.9 x); api PATCH "/api/v1/rules/$id" '{"kind":"semver","value":"~~"}' | jq -r .error.code; api DELETE "/api/v1/rules/$id" >/dev/null)" bad_request
is "preview semver >=6" "$(api POST "/api/v1/services/$P/web/rules/preview" '{"kind":"semver","value":">=6"}' | jq -r '[.hides[].tag] | join(",")')" 6.0.0
is "preview stored nothing" "$(tags ignored)" ""

# ---- settings ----------------------------------------------------------------------
is "deadline 0: 400" "$(api PUT "/api/v1/services/$P/web/settings" '{"health_deadline_s":0}' | jq -r .error.code) $(code)" "bad_request 400"
is "settle 601: 400" "$(api PUT "/api/v1/services/$P/web/settings" '{"settle_s":601}' >/dev/null; code)" 400
is "auto_rollback not a boolean: 400" "$(api PUT "/api/v1/services/$P/web/settings" '{"auto_rollback":"no"}' >/dev/null; code)" 400
is "unknown setting: 400" "$(api PUT "/api/v1/services/$P/web/settings" '{"colour":1}' >/dev/null; code)" 400
is "PUT settings: the result" "$(api PUT "/api/v1/services/$P/web/settings" '{"settle_s":2,"auto_rollback":false}' | jq -c .)" \
	'{"auto_rollback":false,"health_deadline_s":120,"settle_s":2,"allow_arch_mismatch":false}'
is "settings visible in /stacks" "$(svc .settings)" \
	'{"auto_rollback":false,"health_deadline_s":120,"settle_s":2,"allow_arch_mismatch":false}'
api PUT "/api/v1/services/$P/web/settings" '{"health_deadline_s":30}' >/dev/null
is "a partial PUT keeps the rest" "$(svc '[.settings.settle_s, .settings.health_deadline_s]')" "[2,30]"

# ---- POST /check picks up a pushed tag -----------------------------------------------
img_build "$R/app:5.4.0" --health true --marker a540 >/dev/null
is "before the check: 5.3.0 is best" "$(svc .best.tag)" 5.3.0
is "POST /check bad scope: 400" "$(api POST /api/v1/check '{"scope":"everything"}' >/dev/null; code)" 400
is "POST /check unknown service: 404" "$(api POST /api/v1/check "{\"scope\":\"service\",\"target\":\"$P/nope\"}" >/dev/null; code)" 404
out=$(api POST /api/v1/check "{\"scope\":\"service\",\"target\":\"$P/web\"}")
is "POST /check service: 200" "$(code)" 200
is "POST /check answers the fresh document" \
	"$(jq -r --arg s "$P" '.stacks[] | select(.name == $s) | .services[0].best.tag' <<<"$out")" 5.4.0
is "the pushed tag is a candidate" "$(tags candidates)" 6.0.0,5.4.0,5.2.1
is "metrics: an update to take" "$(metric "dockrev_update_available{stack=\"$P\",service=\"web\"}")" 1
like "metrics: checks counted" "$(metric 'dockrev_checks_total{result="ok"}')" '^[1-9][0-9]*$'
like "metrics: last check time" "$(metric 'dockrev_last_check_timestamp_seconds')" '^1[0-9]{9}'
# Concurrent checks share runs: all answer 200.
pids=()
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data '{"scope":"all"}' "http://127.0.0.1:$PORT/api/v1/check" >"$T_TMP/cc$i" &
	pids+=($!)
done
wait "${pids[@]}"
is "three concurrent checks: 200 each" "$(cat "$T_TMP/cc1" "$T_TMP/cc2" "$T_TMP/cc3")" 200200200

# ---- Docker events: a container started after the daemon -----------------------------
run_ctr "$P-late" "$R/app:5.2.0" --label dockrev.enable=true >/dev/null
late() { api GET /api/v1/stacks | jq -r --arg n "$P-late" '.stacks[] | select(.name == "_") | .services[] | select(.name == $n) | .status'; }
wait_for 20 sh -c "[ -n \"\$(curl -s http://127.0.0.1:$PORT/api/v1/stacks | jq -r '.stacks[] | select(.name == \"_\") | .services[] | select(.name == \"$P-late\") | .name')\" ]" ||
	fail "events: the new container shows up without POST /check"
is "events: new container checked alone" "$(late)" update_available
docker rm -f "$P-late" >/dev/null
wait_for 20 sh -c "[ -z \"\$(curl -s http://127.0.0.1:$PORT/api/v1/stacks | jq -r '.stacks[] | select(.name == \"_\") | .services[] | select(.name == \"$P-late\") | .name')\" ]" &&
	pass "events: a removed container disappears" || fail "events: a removed container disappears"

# ---- service settings honoured by `dockrev update` -----------------------------------
# auto_rollback false: an unhealthy new version fails the job and stays
# (the default would roll back, see 80-update-recreate); the deadline and
# settle time come from the settings too (no flags).
run_ctr "$P-solo" "$R/bad:1.0" --label dockrev.enable=true >/dev/null
api PUT "/api/v1/services/_/$P-solo/settings" '{"auto_rollback":false,"health_deadline_s":5,"settle_s":0}' >/dev/null
is "settings for a standalone container: 200" "$(code)" 200
t0=$(date +%s)
out=$("$DOCKREV" update --service "$P-solo" --yes --json 2>"$T_TMP/upd.err")
is "update with auto_rollback false: job failed" "$(jq -r .state <<<"$out")" failed
is "no rollback: the new version stays" "$(docker inspect -f '{{.Config.Image}}' "$P-solo")" "$R/bad:1.1"
like "the 5 s deadline of the settings, not 120 s" "$(( $(date +%s) - t0 ))" '^([0-9]|[1-3][0-9])$'
jid=$(jq -r .id <<<"$out")
wait_for 20 sh -c "curl -s http://127.0.0.1:$PORT/api/v1/services/_/$P-solo | jq -e '.jobs[0].id == $jid' >/dev/null" &&
	pass "GET service lists its job" || fail "GET service lists its job" "$(api GET "/api/v1/services/_/$P-solo")"
docker rm -f "$P-solo" >/dev/null
wait_for 20 sh -c "[ -z \"\$(curl -s http://127.0.0.1:$PORT/api/v1/stacks | jq -r '.stacks[] | select(.name == \"_\") | .services[] | select(.name == \"$P-solo\") | .name')\" ]" ||
	fail "events: the removed solo container disappears"
sleep 1

# ---- checks run in a child process ---------------------------------------------------
# The daemon runs no registry code: every check is `dockrev check
# --catalog-json` in a child it names in the log.
# log_from N: the daemon's log after its first N lines.
log_from() { tail -n +"$(($1 + 1))" "$T_TMP/serve.log"; }
# child_pid N TARGET: the pid of the first check child for TARGET logged
# after line N.
child_pid() {
	log_from "$1" | grep 'check process started' | grep -F "target=$2 " |
		head -n 1 | sed -E 's/.* pid=([0-9]+).*/\1/'
}
num() { echo "${1:-0}" | awk '{printf "%d", $1}'; }
like "check done names its child" "$(grep 'check done' "$T_TMP/serve.log" | tail -n 1)" ' pid=[1-9][0-9]*'
req0=$(num "$(metric dockrev_registry_requests_total)")
n=$(wc -l <"$T_TMP/serve.log")
api POST /api/v1/check "{\"scope\":\"service\",\"target\":\"$P/web\"}" >/dev/null
is "POST /check in a child: 200" "$(code)" 200
pid=$(child_pid "$n" "$P/web")
like "the check's child is logged with its pid" "$pid" '^[1-9][0-9]*$'
like "check done names the same child" "$(log_from "$n" | grep 'check done' | head -n 1)" " target=$P/web pid=$pid\$"
ok "the child is gone once the check is done" sh -c "! kill -0 $pid 2>/dev/null"
req1=$(num "$(metric dockrev_registry_requests_total)")
ok "the child's registry requests are counted ($req0 -> $req1)" test "$req1" -gt "$req0"
is "still the fresh snapshot" "$(svc .best.tag)" 5.4.0
# The daemon itself never asked a registry nor hashed anything: libcurl
# and libcrypto (opened on first use, src/*-lazy.c) are not in its memory,
# so it idles small; the engine client is its own HTTP (src/httpc*.c).
maps=$(grep -oE '/lib[a-z0-9_]+\.so[.0-9]*' "/proc/$SRV_PID/maps" | sort -u | tr '\n' ' ')
unlike "the daemon has not loaded libcurl after checks" "$maps" 'libcurl'
unlike "the daemon has not loaded libcrypto after checks" "$maps" 'libcrypto'
like "the daemon has loaded libmicrohttpd (it serves)" "$maps" 'libmicrohttpd'

# A registry that answers 429, Retry-After: 30 (the fault proxy): its
# check hangs for a while.
HANG_REF=$REG_FAULT/it97-$$/hang:1.0
img_build "$HANG_REF" --marker h10 >/dev/null
FAULTS=1
curl -sf -X POST "http://$REG_FAULT/_fault?reset=1&clear_stats=1&status429=1000&retry_after=30" >/dev/null ||
	fail "the fault proxy takes the fault"
checked=$(api GET /api/v1/stacks | jq -c .checked_at)
errs0=$(num "$(metric 'dockrev_checks_total{result="error"}')")

# Docker events: the new service is checked alone, in a child that hangs.
n=$(wc -l <"$T_TMP/serve.log")
run_ctr "$P-hang" "$HANG_REF" --label dockrev.enable=true >/dev/null
wait_for 20 sh -c "[ -n \"\$(tail -n +$((n + 1)) $T_TMP/serve.log | grep 'check process started' | grep -F 'target=_/$P-hang ')\" ]" ||
	fail "events: a check child for the new service" "$(log_from "$n")"
pid=$(child_pid "$n" "_/$P-hang")
is "the check runs in a child of the daemon" "$(ps -o ppid= -p "$pid" | tr -d ' ')" "$SRV_PID"
is "the child is dockrev check --catalog-json" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" \
	"$(readlink -f "$DOCKREV") check --catalog-json --service _/$P-hang "
kill -9 "$pid"
wait_for 20 sh -c "tail -n +$((n + 1)) $T_TMP/serve.log | grep -q 'inventory refresh failed.*pid $pid) was killed by signal 9'" &&
	pass "child killed: the refresh failed, saying so" ||
	fail "child killed: the refresh failed, saying so" "$(log_from "$n")"
is "healthz after the killed child" "$(api GET /healthz >/dev/null; code)" 200
is "the previous snapshot is still served" "$(api GET /api/v1/stacks | jq -c .checked_at)" "$checked"
is "its services too" "$(svc .best.tag)" 5.4.0
is "the hung service was not published" "$(api GET /api/v1/stacks | jq -r --arg n "$P-hang" '[.stacks[].services[] | select(.name == $n)] | length')" 0

# POST /check of that service: the child killed is a failed check.
n=$(wc -l <"$T_TMP/serve.log")
api POST /api/v1/check "{\"scope\":\"service\",\"target\":\"_/$P-hang\"}" >"$T_TMP/hang.out" &
cpid=$!
wait_for 20 sh -c "[ -n \"\$(tail -n +$((n + 1)) $T_TMP/serve.log | grep 'check process started' | grep -F 'target=_/$P-hang ')\" ]" ||
	fail "POST /check: a check child" "$(log_from "$n")"
pid=$(child_pid "$n" "_/$P-hang")
kill -9 "$pid"
wait "$cpid"
like "POST /check, child killed: a server error" "$(code)" "^5[0-9][0-9]$"
like "POST /check, child killed: says so" "$(jq -r .error.message "$T_TMP/hang.out")" "pid $pid\\) was killed by signal 9"
like "the daemon logs the failed check with its child" "$(log_from "$n" | grep 'check failed' | head -n 1)" " pid=$pid error="
is "metrics: the failed check counted" "$(num "$(metric 'dockrev_checks_total{result="error"}')")" $((errs0 + 1))
is "the snapshot is unchanged" "$(api GET /api/v1/stacks | jq -c .checked_at)" "$checked"

# Stopping the daemon mid-check kills the child.
n=$(wc -l <"$T_TMP/serve.log")
api POST /api/v1/check "{\"scope\":\"service\",\"target\":\"_/$P-hang\"}" >/dev/null &
cpid=$!
wait_for 20 sh -c "[ -n \"\$(tail -n +$((n + 1)) $T_TMP/serve.log | grep 'check process started' | grep -F 'target=_/$P-hang ')\" ]" ||
	fail "a third check child" "$(log_from "$n")"
pid=$(child_pid "$n" "_/$P-hang")
t0=$(date +%s)
serve_stop
wait "$cpid"
like "the daemon stops at once mid-check" "$(( $(date +%s) - t0 ))" '^[0-9]$'
ok "its check child is gone" sh -c "! kill -0 $pid 2>/dev/null"
export DOCKREV_CHECK_ON_START=0
serve_start
unset DOCKREV_CHECK_ON_START
docker rm -f "$P-hang" >/dev/null
curl -sf -X POST "http://$REG_FAULT/_fault?reset=1" >/dev/null
FAULTS=0
is "after the restart: the snapshot is unchanged" "$(api GET /api/v1/stacks | jq -c .checked_at)" "$checked"
sleep 1

# ---- restart: the persisted snapshot at once --------------------------------------------
before=$(api GET /api/v1/stacks | jq -c '.checked_at')
serve_stop
export DOCKREV_CHECK_ON_START=0
serve_start
unset DOCKREV_CHECK_ON_START
is "restart: same checked_at at once" "$(api GET /api/v1/stacks | jq -c .checked_at)" "$before"
is "restart: the service and its best" "$(svc .best.tag)" 5.4.0
is "restart: settings still there" "$(svc .settings.settle_s)" 2

finish
