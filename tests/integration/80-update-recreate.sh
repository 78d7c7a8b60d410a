#!/usr/bin/env bash
# 80-update-recreate: `dockrev update` of standalone containers never loses
# them.  Happy path with old/new digests recorded and data kept; a new
# image that is unhealthy, that exits, that starts slowly, that has no
# HEALTHCHECK; then kill -9 (DOCKREV_CRASH_AT) right after every step of
# the update and of the rollback: the next dockrev run finishes the job,
# exactly one container has the name, it serves the old or the new image,
# and the job's state says which.  Rollback works with the registry down;
# a rollback that cannot work ends rollback_failed, without loops.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it80-$$
export DOCKREV_STATE_DIR=$T_TMP/state
UPD=("$DOCKREV" update --yes --json --settle 1 --deadline 15)

img_build "$R/app:1.0" --health true --marker v10 >/dev/null
old_digest=$(reg_manifest_digest "$REG_PLAIN" "it80-$$/app" 1.0)
img_build "$R/app:1.1" --health true --marker v11 >/dev/null
new_digest=$(reg_manifest_digest "$REG_PLAIN" "it80-$$/app" 1.1)
img_build "$R/bad:1.0" --health true --marker b10 >/dev/null
img_build "$R/bad:1.1" --health false --marker b11 >/dev/null
img_build "$R/dies:1.0" --marker d10 >/dev/null
img_build "$R/dies:1.1" --exit 3 >/dev/null
img_build "$R/slow:1.0" --health true --marker s10 >/dev/null
img_build "$R/slow:1.1" --health 'test -f /tmp/ready' \
	--cmd "trap 'exit 0' TERM; sleep 3; touch /tmp/ready; while :; do sleep 1; done" >/dev/null
img_build "$R/plain:1.0" --marker p10 >/dev/null
img_build "$R/plain:1.1" --marker p11 >/dev/null

# run_app NAME REPO: a container with a named, an anonymous and a bind
# volume, each holding a sentinel.
run_app() {
	mkdir -p "$T_TMP/bind-$1"
	run_ctr "$1" "$R/$2:1.0" -v "it80-$$-$1:/named" -v /anon \
		-v "$T_TMP/bind-$1:/bind" --health-start-period 10s >/dev/null
	docker exec "$1" sh -c 'for d in /named /anon /bind; do echo kept > $d/sentinel; done'
}
sentinels() { docker exec "$1" sh -c 'cat /named/sentinel /anon/sentinel /bind/sentinel' 2>&1 | tr '\n' ' '; }
image_of() { docker inspect -f '{{.Config.Image}}' "$1" 2>/dev/null; }
count_named() { docker ps -a --filter "name=^/$1(-dockrev-old-.*)?$" -q | wc -l; }
state_of() { "$DOCKREV" job "$1" --json 2>/dev/null | jq -r .state; }

# ---- happy path ---------------------------------------------------------------
run_app u-ok app
out=$("${UPD[@]}" --service u-ok 2>"$T_TMP/err")
is "update to a healthy image: exit 0" "$?" 0
is "job succeeded" "$(jq -r .state <<<"$out")" succeeded
is "new tag recorded" "$(jq -r '.targets[0].new_tag' <<<"$out")" 1.1
is "old tag recorded" "$(jq -r '.targets[0].old_tag' <<<"$out")" 1.0
is "new digest recorded" "$(jq -r '.targets[0].new_digest' <<<"$out")" "$new_digest"
is "old digest recorded" "$(jq -r '.targets[0].old_digest' <<<"$out")" "$old_digest"
like "old image ID recorded" "$(jq -r '.targets[0].old_image_id' <<<"$out")" '^sha256:'
is "runs the new image" "$(image_of u-ok)" "$R/app:1.1"
is "data in named, anonymous and bind volumes kept" "$(sentinels u-ok)" "kept kept kept "
is "the old container is gone after the commit" "$(count_named u-ok)" 1
out=$("${UPD[@]}" --service u-ok 2>&1)
like "nothing more to do: says up to date" "$out" 'up to date'

# ---- gates that fail ----------------------------------------------------------
run_app u-bad bad
out=$("${UPD[@]}" --service u-bad 2>"$T_TMP/err")
is "unhealthy new image: exit 1" "$?" 1
is "unhealthy: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "unhealthy: back on the old image" "$(image_of u-bad)" "$R/bad:1.0"
is "unhealthy: healthy again" "$(docker inspect -f '{{.State.Health.Status}}' u-bad)" healthy
is "unhealthy: data kept" "$(sentinels u-bad)" "kept kept kept "
is "unhealthy: one container with the name" "$(count_named u-bad)" 1

run_app u-dies dies
out=$("${UPD[@]}" --service u-dies 2>"$T_TMP/err")
is "new image exits: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "exits: old image running" "$(image_of u-dies):$(docker inspect -f '{{.State.Running}}' u-dies)" "$R/dies:1.0:true"

run_app u-slow slow
out=$("${UPD[@]}" --service u-slow 2>"$T_TMP/err")
is "slow start inside the deadline: succeeded" "$(jq -r .state <<<"$out")" succeeded

run_app u-plain plain
out=$("${UPD[@]}" --service u-plain 2>"$T_TMP/err")
is "no HEALTHCHECK, keeps running: succeeded" "$(jq -r .state <<<"$out")" succeeded

# ---- kill -9 after every step, then recovery ------------------------------------
for step in pull plan rename_old create_new connect_networks stop_old start_new health remove_old; do
	n=c-$step
	run_app "$n" app
	DOCKREV_CRASH_AT=$step "${UPD[@]}" --service "$n" >/dev/null 2>&1
	is "crash after $step: the process died" "$?" 137
	"$DOCKREV" jobs >/dev/null 2>"$T_TMP/rec"
	id=$("$DOCKREV" jobs --json | jq -r --arg n "$n" '[.[] | select(.target == $n)][0].id')
	st=$(state_of "$id")
	img=$(image_of "$n")
	like "crash after $step: job finished ($st)" "$st" '^(succeeded|rolled_back|failed)$'
	is "crash after $step: exactly one container" "$(count_named "$n")" 1
	is "crash after $step: it runs" "$(docker inspect -f '{{.State.Running}}' "$n")" true
	case $st in
	succeeded) is "crash after $step: succeeded means the new image" "$img" "$R/app:1.1" ;;
	*) is "crash after $step: $st means the old image" "$img" "$R/app:1.0" ;;
	esac
	is "crash after $step: data kept" "$(sentinels "$n")" "kept kept kept "
done

for step in rollback verify_rollback; do
	n=r-$step
	run_app "$n" bad
	DOCKREV_CRASH_AT=$step "${UPD[@]}" --service "$n" >/dev/null 2>&1
	is "crash during rollback ($step): died" "$?" 137
	"$DOCKREV" jobs >/dev/null 2>&1
	id=$("$DOCKREV" jobs --json | jq -r --arg n "$n" '[.[] | select(.target == $n)][0].id')
	is "crash during rollback ($step): rolled_back" "$(state_of "$id")" rolled_back
	is "crash during rollback ($step): old image" "$(image_of "$n")" "$R/bad:1.0"
	is "crash during rollback ($step): one container" "$(count_named "$n")" 1
done

# ---- rollback with the registry unreachable -----------------------------------------
F=$REG_FAULT/it80f-$$
img_build "$F/app:1.0" --health true --marker f10 >/dev/null
img_build "$F/app:1.1" --health false --marker f11 >/dev/null
run_ctr u-off "$F/app:1.0" >/dev/null
DOCKREV_CRASH_AT=start_new "${UPD[@]}" --service u-off >/dev/null 2>&1
curl -sf -X POST "http://$REG_FAULT/_fault?status500=100000" >/dev/null
"$DOCKREV" jobs >/dev/null 2>&1
curl -sf -X POST "http://$REG_FAULT/_fault?reset=1" >/dev/null
id=$("$DOCKREV" jobs --json | jq -r '[.[] | select(.target == "u-off")][0].id')
is "registry down: the rollback works offline" "$(state_of "$id")" rolled_back
is "registry down: old image running" "$(image_of u-off)" "$F/app:1.0"

# ---- a rollback that cannot work ---------------------------------------------------
img_build "$R/lost:1.0" --health true --marker l10 >/dev/null
img_build "$R/lost:1.1" --health false --marker l11 >/dev/null
run_app u-lost lost
DOCKREV_CRASH_AT=stop_old "${UPD[@]}" --service u-lost >/dev/null 2>&1
parked=$(docker ps -a --filter "name=^/u-lost-dockrev-old-" --format '{{.Names}}')
docker rm -f "$parked" >/dev/null
lost_id=$(docker image inspect -f '{{.Id}}' "$R/lost:1.0")
docker rmi -f "$lost_id" >/dev/null 2>&1
is "the old image is really gone" "$(docker image inspect "$lost_id" >/dev/null 2>&1; echo $?)" 1
"$DOCKREV" jobs >/dev/null 2>&1
id=$("$DOCKREV" jobs --json | jq -r '[.[] | select(.target == "u-lost")][0].id')
is "old container and image gone: rollback_failed" "$(state_of "$id")" rollback_failed
"$DOCKREV" jobs >/dev/null 2>&1
is "rollback_failed is final: no second attempt" \
	"$("$DOCKREV" job "$id" --json | jq '[.steps[] | select(.name == "rollback")] | length')" 1

# ---- hostile input -------------------------------------------------------------------
"$DOCKREV" update --yes --service 'a;id' >"$T_TMP/h" 2>&1
is "a name with ; is not found, nothing runs" "$?" 1
"$DOCKREV" update --yes --service u-ok --to '$(id)' >"$T_TMP/h" 2>&1
is "a tag with \$( is refused" "$?" 2
"$DOCKREV" update --service u-bad </dev/null >"$T_TMP/h" 2>&1
is "no --yes and no terminal: refused" "$?" 2
is "refused: still the same image" "$(image_of u-bad)" "$R/bad:1.0"
docker volume ls -q --filter "name=it80-$$" | xargs -r docker volume rm -f >/dev/null 2>&1
finish
