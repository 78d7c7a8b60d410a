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

run_ctr h-slow "$R/slow:1" --health-start-period=20s >/dev/null
out=$(gate h-slow 30000 1000)
is "healthy after a slow start inside the deadline: passes" "$(field result "$out")" healthy
like "slow start: healthy only after the start (3 s or more)" "$(field healthy_after_ms "$out")" '^([3-9][0-9]{3}|[1-9][0-9]{4,})$'

run_ctr h-slow2 "$R/slow:1" --health-start-period=20s >/dev/null
out=$(gate h-slow2 2000 1000)
is "slow start past a 2 s deadline: timeout" "$(field result "$out")" timeout

run_ctr h-never "$R/never:1" >/dev/null
out=$(gate h-never 30000 1000)
is "a failing healthcheck: unhealthy" "$(field result "$out")" unhealthy
is "unhealthy is what Docker said, not the 30 s deadline running out" \
	"$(field result "$out")" unhealthy

run_ctr h-plain "$R/plain:1" >/dev/null
out=$(gate h-plain 30000 2000)
is "no healthcheck, running: passes after the settle time" "$(field result "$out")" healthy
is "no healthcheck: says so" "$(field has_healthcheck "$out")" false
like "no healthcheck: waited the whole settle time" "$(field elapsed_ms "$out")" '^([2-9][0-9]{3}|[1-9][0-9]{4,})$'

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

# The container turns unhealthy during the settle time: the gate must see
# it (from the events) instead of sleeping out the 600 s settle time.
img_build "$R/flip:1" --health 'test ! -f /tmp/bad' >/dev/null
run_ctr h-flip "$R/flip:1" >/dev/null
timeout 120 "$HW" h-flip 20000 600000 >"$T_TMP/flip.out" 2>/dev/null &
gpid=$!
sleep 3
docker exec h-flip touch /tmp/bad
wait "$gpid"
is "healthy then unhealthy during the settle time: unhealthy, long before the settle time ends" \
	"$(field result "$(cat "$T_TMP/flip.out")")" unhealthy
finish
