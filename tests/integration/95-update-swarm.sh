#!/usr/bin/env bash
# 95-update-swarm: `dockrev update` of Swarm services.  A stack service
# whose tag moved (old/new digest in the job, the spec pinned to the new
# digest, the task runs the new image), a new version tag (--to), a new
# image that never gets healthy (Swarm pauses, Dockrev puts the old image
# back: rolled_back, exit 1), one that Swarm finds healthy but that fails
# Dockrev's gate later (the same), a service whose own failure action is
# rollback (reported rolled_back, never succeeded), then kill -9
# (DOCKREV_CRASH_AT) right after every step of the update and of the
# rollback: the next dockrev run finishes the job, the service runs the old
# or the new image as the job's state says, with exactly one running task.
# Initialises a single-node swarm when the engine is in none, and leaves
# it again at the end only then.
. "$(dirname "$0")/lib.sh"

DOCKREV=${DOCKREV:-$T_ROOT/dockrev}
R=$REG_PLAIN/it95-$$
P=it95-$$
export DOCKREV_STATE_DIR=$T_TMP/state
UPD=(update --yes --json --settle 1 --deadline 30)
T_SWARM_INIT=0

test_cleanup() {
	docker stack rm "${P}s" >/dev/null 2>&1
	if [ "$T_SWARM_INIT" = 1 ]; then
		rm_labelled "dockrev.test.script=$T_ID"
		docker swarm leave --force >/dev/null 2>&1
	fi
}

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
	if ! docker swarm init --advertise-addr 127.0.0.1 >"$T_TMP/init" 2>&1; then
		fail "docker swarm init" "$(cat "$T_TMP/init")"
		finish
	fi
	T_SWARM_INIT=1
fi

img_build "$R/fl:latest" --health true --marker f1 >/dev/null
fl1=$(reg_manifest_digest "$REG_PLAIN" "$P/fl" latest)
img_build "$R/app:1.0" --health true --marker v10 >/dev/null
d10=$(reg_manifest_digest "$REG_PLAIN" "$P/app" 1.0)
img_build "$R/app:1.1" --health true --marker v11 >/dev/null
d11=$(reg_manifest_digest "$REG_PLAIN" "$P/app" 1.1)
img_build "$R/bad:1.0" --health true --marker b10 >/dev/null
b10=$(reg_manifest_digest "$REG_PLAIN" "$P/bad" 1.0)
img_build "$R/bad:1.1" --health false --marker b11 >/dev/null
img_build "$R/late:1.0" --health true --marker l10 >/dev/null
l10=$(reg_manifest_digest "$REG_PLAIN" "$P/late" 1.0)
img_build "$R/late:1.1" --health 'test ! -f /tmp/sick' --marker l11 \
	--cmd "trap 'exit 0' TERM; sleep 20; touch /tmp/sick; while :; do sleep 1; done" >/dev/null

# svc NAME IMAGE [SERVICE-CREATE-OPTIONS...]: a one-replica service,
# labelled for cleanup, converged.  The image's HEALTHCHECK command with a
# timeout a loaded engine meets.
svc() {
	local name=$1 image=$2
	shift 2
	docker service create -q --detach=false --name "$name" \
		--label dockrev.test=1 --label "dockrev.test.script=$T_ID" \
		--container-label dockrev.test=1 \
		--container-label "dockrev.test.script=$T_ID" \
		--health-interval 1s --health-timeout 20s --health-retries 3 \
		--update-monitor 2s "$@" "$image" >/dev/null 2>"$T_TMP/svc.err"
}
spec_image() {
	docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$1"
}
running_tasks() {
	docker ps -q --filter "label=com.docker.swarm.service.name=$1" \
		--filter status=running | wc -l
}
# marker NAME: /marker of the service's one running, healthy task.
marker() {
	local c
	[ "$(running_tasks "$1")" = 1 ] || return 1
	c=$(docker ps -q --filter "label=com.docker.swarm.service.name=$1" \
		--filter status=running)
	[ "$(docker inspect -f '{{.State.Health.Status}}' "$c")" = healthy ] ||
		return 1
	docker exec "$c" cat /marker
}
# settled NAME MARKER: one running healthy task, serving MARKER.
settled() { [ "$(marker "$1" 2>/dev/null)" = "$2" ]; }
job_of() {
	"$DOCKREV" jobs --json | jq -r --arg t "$1" \
		'[.[] | select(.target == $t)][0].id'
}

# ---- a stack service whose tag moved -----------------------------------------
cat >"$T_TMP/stack.yml" <<EOF
version: "3.8"
services:
  web:
    image: $R/fl:latest
    labels:
      dockrev.test: "1"
      dockrev.test.script: "$T_ID"
    healthcheck:
      interval: 1s
      timeout: 20s
      retries: 3
    deploy:
      labels:
        dockrev.test: "1"
        dockrev.test.script: "$T_ID"
      update_config:
        monitor: 2s
EOF
ok "stack deploy" docker stack deploy -c "$T_TMP/stack.yml" "${P}s"
S=${P}s_web
wait_for 120 settled "$S" f1
is "stack: the spec is pinned to the digest" "$(spec_image "$S")" "$R/fl:latest@$fl1"
img_build "$R/fl:latest" --health true --marker f2 >/dev/null
fl2=$(reg_manifest_digest "$REG_PLAIN" "$P/fl" latest)
out=$("$DOCKREV" "${UPD[@]}" --service "${P}s/web" 2>"$T_TMP/err")
is "moved tag: exit 0" "$?" 0
is "moved tag: succeeded" "$(jq -r .state <<<"$out")" succeeded
is "moved tag: target STACK/SERVICE" "$(jq -r .target <<<"$out")" "${P}s/web"
is "moved tag: swap swarm" "$(jq -r '.targets[0].swap' <<<"$out")" swarm
is "moved tag: old digest recorded" "$(jq -r '.targets[0].old_digest' <<<"$out")" "$fl1"
is "moved tag: new digest recorded" "$(jq -r '.targets[0].new_digest' <<<"$out")" "$fl2"
id=$(jq -r .id <<<"$out")
is "moved tag: dockrev job N --json has both digests" \
	"$("$DOCKREV" job "$id" --json | jq -r '.targets[0] | "\(.old_digest) \(.new_digest)"')" "$fl1 $fl2"
is "moved tag: the spec is pinned to the new digest" "$(spec_image "$S")" "$R/fl:latest@$fl2"
wait_for 60 settled "$S" f2
is "moved tag: the one running task runs the new image" "$(marker "$S")" f2
is "moved tag: steps" "$(jq -r '[.steps[].name] | join(" ")' <<<"$out")" \
	"pull service_update wait_update health"
out=$("$DOCKREV" "${UPD[@]}" --service "$S" 2>&1)
like "moved tag: then up to date (by the service's full name)" "$out" 'up to date'

# ---- a new version tag ---------------------------------------------------------
N=$P-to
svc "$N" "$R/app:1.0" || fail "create $N" "$(cat "$T_TMP/svc.err")"
out=$("$DOCKREV" "${UPD[@]}" --service "$N" --to 1.1 2>"$T_TMP/err")
is "--to 1.1: exit 0" "$?" 0
is "--to 1.1: succeeded" "$(jq -r .state <<<"$out")" succeeded
is "--to 1.1: tags recorded" "$(jq -r '.targets[0] | "\(.old_tag) \(.new_tag)"' <<<"$out")" "1.0 1.1"
is "--to 1.1: digests recorded" "$(jq -r '.targets[0] | "\(.old_digest) \(.new_digest)"' <<<"$out")" "$d10 $d11"
is "--to 1.1: the spec is pinned to 1.1's digest" "$(spec_image "$N")" "$R/app:1.1@$d11"
wait_for 60 settled "$N" v11
is "--to 1.1: the task runs 1.1" "$(marker "$N")" v11

# ---- a new image that never gets healthy -----------------------------------------
N=$P-bad
svc "$N" "$R/bad:1.0" || fail "create $N" "$(cat "$T_TMP/svc.err")"
out=$("$DOCKREV" "${UPD[@]}" --service "$N" --to 1.1 2>"$T_TMP/err")
is "unhealthy new image: exit 1" "$?" 1
is "unhealthy: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "unhealthy: target rolled_back" "$(jq -r '.targets[0].result' <<<"$out")" rolled_back
is "unhealthy: the spec has the old image again" "$(spec_image "$N")" "$R/bad:1.0@$b10"
wait_for 60 settled "$N" b10
is "unhealthy: the old image runs, healthy, one task" "$(marker "$N")" b10

# ---- healthy for Swarm, unhealthy within Dockrev's settle time ----------------------
N=$P-late
svc "$N" "$R/late:1.0" || fail "create $N" "$(cat "$T_TMP/svc.err")"
out=$("$DOCKREV" update --yes --json --settle 60 --deadline 30 --service "$N" \
	--to 1.1 2>"$T_TMP/err")
is "sick after Swarm's monitor: exit 1" "$?" 1
is "sick after Swarm's monitor: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "sick after Swarm's monitor: Swarm had completed" \
	"$(jq -r '[.steps[] | select(.name == "wait_update")][0].status' <<<"$out")" done
is "sick after Swarm's monitor: Dockrev's gate failed" \
	"$(jq -r '[.steps[] | select(.name == "health")][0].status' <<<"$out")" failed
is "sick after Swarm's monitor: the spec has the old image" "$(spec_image "$N")" "$R/late:1.0@$l10"
wait_for 60 settled "$N" l10
is "sick after Swarm's monitor: the old image runs" "$(marker "$N")" l10

# ---- Swarm rolls back on its own ---------------------------------------------------
N=$P-sw
svc "$N" "$R/bad:1.0" --update-failure-action rollback --rollback-monitor 2s ||
	fail "create $N" "$(cat "$T_TMP/svc.err")"
out=$("$DOCKREV" "${UPD[@]}" --service "$N" --to 1.1 2>"$T_TMP/err")
is "Swarm rollback: exit 1" "$?" 1
is "Swarm rollback: not succeeded but rolled_back" "$(jq -r .state <<<"$out")" rolled_back
like "Swarm rollback: the summary says Swarm rolled back" "$(jq -r .summary <<<"$out")" 'Swarm rolled back'
is "Swarm rollback: target rolled_back" "$(jq -r '.targets[0].result' <<<"$out")" rolled_back
is "Swarm rollback: Dockrev did not roll back itself" \
	"$(jq '[.steps[] | select(.name == "rollback")] | length' <<<"$out")" 0
is "Swarm rollback: the old image was verified" \
	"$(jq -r '[.steps[] | select(.name == "verify_rollback")][0].status' <<<"$out")" done
is "Swarm rollback: the spec has the old image" "$(spec_image "$N")" "$R/bad:1.0@$b10"
wait_for 60 settled "$N" b10
is "Swarm rollback: the old image runs" "$(marker "$N")" b10

# ---- kill -9 after every step, then recovery (in parallel, one state each) -----------
# crash_case NAME STEP REPO: creates the service on REPO:1.0, updates it to
# 1.1 dying after STEP, recovers with `dockrev jobs`; writes what it saw.
crash_case() {
	local n=$1 step=$2 repo=$3 f=$T_TMP/crash-$1 id
	export DOCKREV_STATE_DIR=$T_TMP/state-$n
	if ! svc "$n" "$R/$repo:1.0"; then
		echo "create=failed" >"$f"
		return
	fi
	DOCKREV_CRASH_AT=$step "$DOCKREV" "${UPD[@]}" --service "$n" --to 1.1 \
		>/dev/null 2>&1
	echo "rc=$?" >"$f"
	"$DOCKREV" jobs >/dev/null 2>"$T_TMP/rec-$n"
	id=$(job_of "$n/$n")
	"$DOCKREV" job "$id" --json >"$f.job"
	echo "spec=$(spec_image "$n")" >>"$f"
	echo "done" >>"$f"
}
for step in pull service_update wait_update health; do
	crash_case "$P-c-${step//_/-}" "$step" app &
done
for step in rollback wait_rollback verify_rollback; do
	crash_case "$P-r-${step//_/-}" "$step" bad &
done
wait
for step in pull service_update wait_update health; do
	n=$P-c-${step//_/-}
	f=$T_TMP/crash-$n
	is "crash after $step: the process died" "$(sed -n 's/^rc=//p' "$f")" 137
	st=$(jq -r .state "$f.job" 2>/dev/null)
	like "crash after $step: job finished ($st)" "$st" '^(succeeded|rolled_back|failed)$'
	spec=$(sed -n 's/^spec=//p' "$f")
	case $st in
	succeeded) want_spec="$R/app:1.1@$d11" want=v11 ;;
	failed) want_spec="$R/app:1.0@$d10" want=v10
		is "crash after $step: failed means nothing changed" \
			"$(jq -r '.targets[0].result' "$f.job")" unchanged ;;
	*) want_spec="$R/app:1.0@$d10" want=v10 ;;
	esac
	is "crash after $step: $st and the spec agree" "$spec" "$want_spec"
	wait_for 60 settled "$n" "$want"
	is "crash after $step: one running task on the job's image" "$(marker "$n")" "$want"
done
for step in rollback wait_rollback verify_rollback; do
	n=$P-r-${step//_/-}
	f=$T_TMP/crash-$n
	is "crash during rollback ($step): died" "$(sed -n 's/^rc=//p' "$f")" 137
	is "crash during rollback ($step): rolled_back" "$(jq -r .state "$f.job" 2>/dev/null)" rolled_back
	is "crash during rollback ($step): old spec" "$(sed -n 's/^spec=//p' "$f")" "$R/bad:1.0@$b10"
	wait_for 60 settled "$n" b10
	is "crash during rollback ($step): one running task, old image" "$(marker "$n")" b10
done

# ---- hostile input -------------------------------------------------------------------
"$DOCKREV" update --yes --service "$P;id" >"$T_TMP/h" 2>&1
is "a service name with ; is not found, nothing runs" "$?" 1
"$DOCKREV" update --yes --service "$P-to" --to '$(id)' >"$T_TMP/h" 2>&1
is "a tag with \$( is refused" "$?" 2
is "refused: the spec is unchanged" "$(spec_image "$P-to")" "$R/app:1.1@$d11"
finish
