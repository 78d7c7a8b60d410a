#!/usr/bin/env bash
# 70-health: the health gate on real containers.  Healthy at once; healthy
# only after a slow start (a start period, inside the deadline: passes);
# never healthy;
# unhealthy; no HEALTHCHECK (running for the settle time passes); exits at
# once; crash-looping under a restart policy.  And it reacts to Docker's
# status change from events, not by sleeping through the deadline.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it70-$$
HW=$RIG_TOOLS/healthwait
[ -x "$HW" ] || HW=$T_ROOT/build/tools/healthwait
gate() { "$HW" "$@" 2>"$T_TMP/hw.err"; }
field() { jq -r ".$1" <<<"$2"; }

img_build "$R/ok:1" --health 'true' >/dev/null
img_build "$R/slow:1" --health 'test -f /tmp/ready' \
	--cmd "trap 'exit 0' TERM; sleep 4; touch /tmp/ready; while :; do sleep 1; done" >/dev/null
img_build "$R/never:1" --health 'false' >/dev/null
img_build "$R/plain:1" >/dev/null
img_build "$R/dies:1" --exit 3 >/dev/null

run_ctr h-ok "$R/ok:1" >/dev/null
out=$(gate h-ok 20000 1500)
is "healthy at once: passes" "$(field result "$out")" healthy
is "healthy at once: has a healthcheck" "$(field has_healthcheck "$out")" true
like "healthy at once: within a few seconds" "$(field elapsed_ms "$out")" '^[0-9]{3,4}$'

run_ctr h-slow "$R/slow:1" --health-start-period=20s >/dev/null
out=$(gate h-slow 30000 1000)
is "healthy after a slow start inside the deadline: passes" "$(field result "$out")" healthy
like "slow start: healthy after 4 s or more" "$(field healthy_after_ms "$out")" '^([4-9][0-9]{3}|[1-2][0-9]{4})$'

run_ctr h-slow2 "$R/slow:1" --health-start-period=20s >/dev/null
out=$(gate h-slow2 2000 1000)
is "slow start past a 2 s deadline: timeout" "$(field result "$out")" timeout

run_ctr h-never "$R/never:1" >/dev/null
out=$(gate h-never 30000 1000)
is "a failing healthcheck: unhealthy" "$(field result "$out")" unhealthy
like "unhealthy is seen when Docker says it (retries=2, interval 1 s), not at the deadline" \
	"$(field elapsed_ms "$out")" '^[0-9]{1,4}$'

run_ctr h-plain "$R/plain:1" >/dev/null
out=$(gate h-plain 30000 2000)
is "no healthcheck, running: passes after the settle time" "$(field result "$out")" healthy
is "no healthcheck: says so" "$(field has_healthcheck "$out")" false
like "no healthcheck: took the settle time" "$(field elapsed_ms "$out")" '^(2[0-9]{3}|3[0-9]{3})$'

run_ctr h-dies "$R/dies:1" >/dev/null
sleep 1
out=$(gate h-dies 30000 2000)
is "exits at once: exited" "$(field result "$out")" exited
like "exited: says the exit code" "$(cat "$T_TMP/hw.err")" 'exit code 3'

run_ctr h-loop "$R/dies:1" --restart always >/dev/null
out=$(gate h-loop 30000 8000)
like "crash loop under restart=always: restarted or exited, never healthy" \
	"$(field result "$out")" '^(restarted|exited)$'

out=$(gate h-nosuch 5000 1000)
is "no such container: exited (gone)" "$(field result "$out")" exited

# Reaction time: the container turns unhealthy while we wait.
img_build "$R/flip:1" --health 'test ! -f /tmp/bad' >/dev/null
run_ctr h-flip "$R/flip:1" >/dev/null
gate h-flip 20000 600000 >"$T_TMP/flip.out" &
gpid=$!
sleep 3
t_flip=$(date +%s%3N)
docker exec h-flip touch /tmp/bad
wait "$gpid"
t_done=$(date +%s%3N)
is "healthy then unhealthy during the settle time: unhealthy" \
	"$(field result "$(cat "$T_TMP/flip.out")")" unhealthy
# Docker needs interval x retries (2 s) to declare it; we add at most ~1 s.
like "reacts within Docker's 2 s plus 1 s" "$((t_done - t_flip))" '^([0-9]{1,3}|[12][0-9]{3})$'
finish
