#!/usr/bin/env bash
# 82-update-dependents: a standalone container others depend on (one
# sharing its network namespace, `--network container:X`, one with a
# legacy link to it).  The update recreates the dependents on the new
# container once it passed the gate; a rollback puts them back on the old
# one, restarted so that they share its live namespace again; kill -9
# after every step ends with a terminal job and dependents that run on the
# X that runs, with a network.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it82-$$
export DOCKREV_STATE_DIR=$T_TMP/state
UPD=("$DOCKREV" update --yes --json --settle 1 --deadline 15)
P=it82-$$

img_build "$R/app:1.0" --health true --marker v10 >/dev/null
img_build "$R/app:1.1" --health true --marker v11 >/dev/null
img_build "$R/bad:1.0" --health true --marker b10 >/dev/null
img_build "$R/bad:1.1" --health false --marker b11 >/dev/null
LOOP="trap 'exit 0' TERM; while :; do sleep 1; done"

# trio NAME REPO: NAME on REPO:1.0, NAME-ns in its network namespace,
# NAME-link linking to it.
trio() {
	run_ctr "$1" "$R/$2:1.0" >/dev/null
	run_ctr "$1-ns" "$RIG_BASE_IMAGE" --network "container:$1" -- \
		sh -c "$LOOP" >/dev/null
	run_ctr "$1-link" "$RIG_BASE_IMAGE" --link "$1:x" -- \
		sh -c "$LOOP" >/dev/null
}
id_of() { docker inspect -f '{{.Id}}' "$1" 2>/dev/null; }
image_of() { docker inspect -f '{{.Config.Image}}' "$1" 2>/dev/null; }
netmode() { docker inspect -f '{{.HostConfig.NetworkMode}}' "$1" 2>/dev/null; }
running() { docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null; }
# has_eth0 NAME: the namespace it shares is alive (a stale one has lo only).
has_eth0() { docker exec "$1" cat /proc/net/dev 2>/dev/null | grep -c 'eth0:'; }
count() { docker ps -a -q --filter "name=^/$1(-dockrev-old-.*)?$" | wc -l; }
state_of() { "$DOCKREV" job "$1" --json 2>/dev/null | jq -r .state; }

# check_trio DESC NAME: the dependents run on the X that runs now.
check_trio() {
	local x
	x=$(id_of "$2")
	is "$1: one $2" "$(count "$2")" 1
	is "$1: one $2-ns" "$(count "$2-ns")" 1
	is "$1: one $2-link" "$(count "$2-link")" 1
	is "$1: $2-ns shares the running $2" "$(netmode "$2-ns")" "container:$x"
	is "$1: $2-ns runs" "$(running "$2-ns")" true
	is "$1: $2-ns has a live network" "$(has_eth0 "$2-ns")" 1
	is "$1: $2-link runs" "$(running "$2-link")" true
	ok "$1: $2-link reaches $2 by its link name" docker exec "$2-link" \
		ping -c 1 -W 2 x
}

# ---- happy path ---------------------------------------------------------------
trio "$P-a" app
old=$(id_of "$P-a")
ns_old=$(id_of "$P-a-ns")
out=$("${UPD[@]}" --service "$P-a" 2>"$T_TMP/err")
is "update: succeeded" "$(jq -r .state <<<"$out")" succeeded
is "update: runs 1.1" "$(image_of "$P-a")" "$R/app:1.1"
is "update: a new $P-a" "$([ "$(id_of "$P-a")" != "$old" ] && echo yes)" yes
is "update: $P-ns recreated" "$([ "$(id_of "$P-a-ns")" != "$ns_old" ] && echo yes)" yes
is "update: the dependents keep their image" "$(image_of "$P-a-ns")" "$RIG_BASE_IMAGE"
check_trio "update" "$P-a"

# ---- the new X fails its gate: everything back -------------------------------
trio "$P-b" bad
old=$(id_of "$P-b")
ns_old=$(id_of "$P-b-ns")
out=$("${UPD[@]}" --service "$P-b" 2>"$T_TMP/err")
is "unhealthy: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "unhealthy: the old $P-b runs" "$(id_of "$P-b")" "$old"
is "unhealthy: the old $P-b-ns runs" "$(id_of "$P-b-ns")" "$ns_old"
check_trio "unhealthy" "$P-b"

# ---- kill -9 after every step, and during the rollback -------------------------
# Each case has its own containers and state directory, so they run at
# once (the crash and the recovery); the checks come afterwards.
crash_case() {
	local step=$1 n=$2 img=$3
	export DOCKREV_STATE_DIR=$T_TMP/state-$n
	trio "$n" "$img"
	DOCKREV_CRASH_AT=$step "${UPD[@]}" --service "$n" >/dev/null 2>&1
	echo $? >"$T_TMP/$n.died"
	"$DOCKREV" jobs >/dev/null 2>&1
	"$DOCKREV" jobs --json | jq -r --arg n "$n" \
		'[.[] | select(.target == $n)][0].id' >"$T_TMP/$n.id"
}
cases=()
for step in plan_dependents rename_old create_new connect_networks stop_old \
	start_new health dependents remove_old; do
	cases+=("$step $P-k${step//_/} app")
done
for step in rollback rollback_dependents; do
	cases+=("$step $P-r${step//_/} bad")
done
pids=()
for c in "${cases[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge 4 ]; do
		wait -n
	done
	# shellcheck disable=SC2086
	crash_case $c &
	pids+=($!)
done
wait "${pids[@]}"
for c in "${cases[@]}"; do
	read -r step n img <<<"$c"
	export DOCKREV_STATE_DIR=$T_TMP/state-$n
	is "crash after $step: died" "$(cat "$T_TMP/$n.died")" 137
	st=$(state_of "$(cat "$T_TMP/$n.id")")
	if [ "$img" = bad ]; then
		is "crash after $step: rolled_back" "$st" rolled_back
	else
		like "crash after $step: job finished ($st)" "$st" \
			'^(succeeded|rolled_back|failed)$'
	fi
	case $st in
	succeeded) is "crash after $step: succeeded = 1.1" "$(image_of "$n")" "$R/$img:1.1" ;;
	*) is "crash after $step: $st = 1.0" "$(image_of "$n")" "$R/$img:1.0" ;;
	esac
	check_trio "crash after $step" "$n"
done

finish
