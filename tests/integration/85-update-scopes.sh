#!/usr/bin/env bash
# 85-update-scopes: `dockrev update --stack` and `--all` (one job per
# service, the services of a stack one after the other, different stacks
# in parallel worker processes), `--dry-run` (changes nothing),
# `dockrev rollback` (back to what ran before, offline, or to a named tag
# or digest) and `dockrev stack add` (a registered stack's files win over
# the labels of a project whose directory moved).  Hostile names are
# refused and nothing runs.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it85-$$
F=$REG_FAULT/it85f-$$
export DOCKREV_STATE_DIR=$T_TMP/state
UPD=("$DOCKREV" update --yes --json --settle 1 --deadline 20)
RB=("$DOCKREV" rollback --yes --json --settle 1 --deadline 20)
P=it85p$$

img_build "$R/a:1.0" --health true --marker a10 >/dev/null
img_build "$R/a:1.1" --health true --marker a11 >/dev/null
img_build "$R/b:2.0" --health true --marker b20 >/dev/null
img_build "$R/b:2.1" --health true --marker b21 >/dev/null
img_build "$R/s:3.0" --health true --marker s30 >/dev/null
img_build "$R/s:3.1" --health true --marker s31 >/dev/null
img_build "$F/off:1.0" --health true --marker o10 >/dev/null
img_build "$F/off:1.1" --health true --marker o11 >/dev/null
img_build "$R/bad:1.0" --health true --marker x10 >/dev/null
img_build "$R/maj:1.0" --health true --marker m10 >/dev/null
img_build "$R/maj:2.0" --health true --marker m20 >/dev/null
img_build "$R/bad:1.1" --health false --marker x11 >/dev/null

# project NAME [SERVICE=IMAGE ...]: a project in its own directory.
project() {
	local n=$1 d=$T_TMP/$1 kv
	shift
	mkdir -p "$d"
	{
		echo 'version: "3"'
		echo 'services:'
		for kv in "$@"; do
			echo "  ${kv%%=*}:"
			echo "    image: ${kv#*=}"
			echo "    labels: [dockrev.test=1, \"dockrev.test.script=$T_ID\", dockrev.enable=true]"
		done
	} >"$d/docker-compose.yml"
	(cd "$d" && docker-compose -p "$P$n" up -d >/dev/null 2>&1) ||
		fail "compose up $n"
}
image_of() { docker inspect -f '{{.Config.Image}}' "$1" 2>/dev/null; }
imgid_of() { docker inspect -f '{{.Image}}' "$1" 2>/dev/null; }
down() { (cd "$T_TMP/$1" && docker-compose -p "$P$1" down -v -t 1 >/dev/null 2>&1); }
owner_of() { "$DOCKREV" job "$1" --json | jq -r .owner; }
# state_is DESC JSON WANT: the job's state, with its steps and log when not.
state_is() {
	local got id
	got=$(jq -r .state <<<"$2")
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		id=$(jq -r .id <<<"$2")
		fail "$1" "got: $got" "want: $3" "$("$DOCKREV" job "$id" 2>&1 | tail -n 40)"
	fi
}
test_cleanup() {
	local n
	for n in s1 s2 mv; do down "$n"; done
}

# ---- --stack: every service of one stack, one job each ----------------------------
project s1 "web=$R/a:1.0" "db=$R/b:2.0"
project s2 "web=$R/a:1.0"
run_ctr "$P-solo" "$R/s:3.0" --label dockrev.enable=true >/dev/null
s2_before=$(docker ps -q --filter "label=com.docker.compose.project=${P}s2")
solo_before=$(docker inspect -f '{{.Id}}' "$P-solo")

out=$("$DOCKREV" update --stack "${P}s1" --dry-run --json 2>"$T_TMP/err")
is "dry run: exit 0" "$?" 0
is "dry run: two services planned" "$(jq length <<<"$out")" 2
is "dry run: web still runs 1.0" "$(image_of "${P}s1_web_1")" "$R/a:1.0"
is "dry run: no job recorded" "$("$DOCKREV" jobs --json | jq length)" 0

out=$("${UPD[@]}" --stack "${P}s1" 2>"$T_TMP/err")
is "stack: exit 0" "$?" 0
is "stack: two jobs" "$(jq length <<<"$out")" 2
is "stack: both succeeded" "$(jq -r '[.[].state] | unique | join(",")' <<<"$out")" succeeded
is "stack: web runs 1.1" "$(image_of "${P}s1_web_1")" "$R/a:1.1"
is "stack: db runs 2.1" "$(image_of "${P}s1_db_1")" "$R/b:2.1"
is "stack: old and new digests recorded" \
	"$(jq -r '[.[].targets[0] | (.old_digest != null and .new_digest != null and .old_digest != .new_digest)] | all' <<<"$out")" true
is "stack: scope in the trigger parameters" \
	"$(jq -r '.[0].trigger_params.scope' <<<"$out")" stack
is "stack: the other stack was not touched" \
	"$(docker ps -q --filter "label=com.docker.compose.project=${P}s2")" "$s2_before"
is "stack: the standalone container was not touched" \
	"$(docker inspect -f '{{.Id}}' "$P-solo")" "$solo_before"
out=$("${UPD[@]}" --stack "${P}s1" 2>"$T_TMP/err")
is "stack again: nothing to do, exit 0" "$?" 0
is "stack again: no job" "$(jq length <<<"$out")" 0

# ---- never a major jump without --to ----------------------------------------------
run_ctr "$P-maj" "$R/maj:1.0" >/dev/null
out=$("${UPD[@]}" --service "$P-maj" 2>&1)
is "major: exit 0" "$?" 0
like "major: up to date, 2.0 offered with --to" "$out" 'up to date \(newer, use --to: 2\.0\)'
is "major: still 1.0" "$(image_of "$P-maj")" "$R/maj:1.0"
out=$("${UPD[@]}" --service "$P-maj" --to 2.0 2>"$T_TMP/err")
state_is "major with --to: succeeded" "$out" succeeded
is "major with --to: runs 2.0" "$(image_of "$P-maj")" "$R/maj:2.0"

# ---- --all: the other stack and the standalone container, in parallel workers ----------
# Opt-in mode (--label-enable, like Watchtower's): only this test's
# containers, which carry dockrev.enable=true, not whatever else runs.
out=$("$DOCKREV" update --all --label-enable --dry-run 2>"$T_TMP/err")
like "all, dry run: plans the other stack" "$out" "plan: ${P}s2/web: .*a:1.0 -> .*a:1.1"
like "all, dry run: plans the standalone container" "$out" "plan: $P-solo: .*s:3.0 -> .*s:3.1"
is "all, dry run: nothing changed" "$(docker inspect -f '{{.Id}}' "$P-solo")" "$solo_before"
run_ctr "$P-optout" "$R/s:3.0" >/dev/null
out=$("${UPD[@]}" --all --label-enable --parallel 2 2>"$T_TMP/err")
is "all: exit 0" "$?" 0
mine=$(jq -c --arg p "$P" '[.[] | select(.target | startswith($p))]' <<<"$out")
is "all: the two of this test updated" "$(jq length <<<"$mine")" 2
is "all: succeeded" "$(jq -r '[.[].state] | unique | join(",")' <<<"$mine")" succeeded
is "all: the other stack runs 1.1" "$(image_of "${P}s2_web_1")" "$R/a:1.1"
is "all: the standalone container runs 3.1" "$(image_of "$P-solo")" "$R/s:3.1"
is "all: scope recorded" "$(jq -r '.[0].trigger_params.scope' <<<"$mine")" all
is "all: a container without the enable label is left alone" \
	"$(image_of "$P-optout")" "$R/s:3.0"
is "all: two stacks, two worker processes" \
	"$(jq -r '[.[].owner] | unique | length' <<<"$mine")" 2

# ---- rollback: what ran before, from the engine, no registry needed ----------------
run_ctr "$P-off" "$F/off:1.0" >/dev/null
off_old=$(imgid_of "$P-off")
out=$("${UPD[@]}" --service "$P-off" 2>"$T_TMP/err")
state_is "offline: updated first" "$out" succeeded
curl -sf -X POST "http://$REG_FAULT/_fault?status500=100000" >/dev/null
out=$("${RB[@]}" --service "$P-off" 2>"$T_TMP/err")
rc=$?
curl -sf -X POST "http://$REG_FAULT/_fault?reset=1" >/dev/null
is "rollback: exit 0 with the registry failing" "$rc" 0
state_is "rollback: succeeded" "$out" succeeded
is "rollback: a job of kind rollback" "$(jq -r .kind <<<"$out")" rollback
is "rollback: the old image ID runs again" "$(imgid_of "$P-off")" "$off_old"
is "rollback: under its old tag" "$(image_of "$P-off")" "$F/off:1.0"
is "rollback: recorded 1.1 -> 1.0" "$(jq -r '.targets[0] | "\(.old_tag) -> \(.new_tag)"' <<<"$out")" "1.1 -> 1.0"

# A Compose service: back to 1.0, the file edited back.
out=$("${RB[@]}" --service "${P}s1/web" 2>"$T_TMP/err")
state_is "rollback compose: succeeded" "$out" succeeded
is "rollback compose: runs 1.0" "$(image_of "${P}s1_web_1")" "$R/a:1.0"
like "rollback compose: the file says 1.0" "$(cat "$T_TMP/s1/docker-compose.yml")" "image: $R/a:1\.0"

# --to a tag, then --to a digest.
out=$("${RB[@]}" --service "${P}s1/db" --to 2.0 2>"$T_TMP/err")
state_is "rollback --to tag: succeeded" "$out" succeeded
is "rollback --to tag: runs 2.0" "$(image_of "${P}s1_db_1")" "$R/b:2.0"
d31=$(reg_manifest_digest "$REG_PLAIN" "it85-$$/s" 3.1)
d30=$(reg_manifest_digest "$REG_PLAIN" "it85-$$/s" 3.0)
out=$("${RB[@]}" --service "$P-solo" --to "$d30" 2>"$T_TMP/err")
state_is "rollback --to digest: succeeded" "$out" succeeded
is "rollback --to digest: runs the 3.0 image" "$(imgid_of "$P-solo")" \
	"$(docker image inspect -f '{{.Id}}' "$R/s:3.0")"
is "rollback --to digest: the digest recorded" "$(jq -r '.targets[0].new_digest' <<<"$out")" "$d30"
is "rollback --to digest: from 3.1" "$(jq -r '.targets[0].old_digest' <<<"$out")" "$d31"

# Nothing on record: refused, nothing changed.
run_ctr "$P-fresh" "$R/s:3.0" >/dev/null
fresh=$(docker inspect -f '{{.Id}}' "$P-fresh")
"${RB[@]}" --service "$P-fresh" >/dev/null 2>"$T_TMP/err"
is "rollback, no record: exit 1" "$?" 1
like "rollback, no record: says so" "$(cat "$T_TMP/err")" "no update of it on record"
is "rollback, no record: untouched" "$(docker inspect -f '{{.Id}}' "$P-fresh")" "$fresh"

# A rollback whose old image fails the gate: rolled back to where it was.
run_ctr "$P-rbad" "$R/bad:1.1" >/dev/null
out=$("${RB[@]}" --service "$P-rbad" --to 1.0 2>"$T_TMP/err")
state_is "rollback to a healthy tag: succeeded" "$out" succeeded

# ---- stack add: the project's directory moved ------------------------------------------
project mv "web=$R/a:1.0"
mkdir -p "$T_TMP/moved"
mv "$T_TMP/mv/docker-compose.yml" "$T_TMP/moved/docker-compose.yml"
mvid=$(docker ps -q --filter "label=com.docker.compose.project=${P}mv")
"${UPD[@]}" --service "${P}mv/web" >/dev/null 2>"$T_TMP/err"
is "moved, unregistered: exit 1" "$?" 1
like "moved, unregistered: says which file and how to fix it" "$(cat "$T_TMP/err")" "does not exist.*stack add"
is "moved, unregistered: nothing stopped" "$(docker ps -q --filter "label=com.docker.compose.project=${P}mv")" "$mvid"
out=$("$DOCKREV" stack add "${P}mv" -f "$T_TMP/moved/docker-compose.yml" 2>&1)
is "stack add: exit 0" "$?" 0
is "stack ls: registered" "$("$DOCKREV" stack ls --json | jq -r --arg n "${P}mv" '.[] | select(.name == $n) | .source')" registered
out=$("${UPD[@]}" --stack "${P}mv" 2>"$T_TMP/err")
state_is "moved, registered: updated" "$(jq '.[0]' <<<"$out")" succeeded
like "moved, registered: the registered file was edited" "$(cat "$T_TMP/moved/docker-compose.yml")" "image: $R/a:1\.1"
mv "$T_TMP/moved/docker-compose.yml" "$T_TMP/mv/docker-compose.yml"

"$DOCKREV" stack add "${P}x" -f "$T_TMP/nope.yml" >/dev/null 2>"$T_TMP/err"
is "stack add, missing file: exit 1" "$?" 1
for bad in 'a;id' '$(id)' '-rf' $'new\nline' 'UPPER'; do
	"$DOCKREV" stack add "$bad" -f "$T_TMP/mv/docker-compose.yml" >/dev/null 2>&1
	rc=$?
	is "stack add refuses name $(printf %q "$bad")" "$rc" 2
done

# ---- hostile scopes ---------------------------------------------------------------------------
touch "$T_TMP/pwned"
for bad in 'a;touch pwned' '$(touch pwned)' '-x' $'s\nb'; do
	"${UPD[@]}" --stack "$bad" >/dev/null 2>&1
	rc=$?
	like "update --stack $(printf %q "$bad"): refused" "$rc" '^[12]$'
done
rm -f "$T_TMP/pwned"
(cd "$T_TMP" && "${UPD[@]}" --stack 'x;touch pwned2' >/dev/null 2>&1)
is "nothing was executed" "$(ls "$T_TMP" | grep -c pwned)" 0
"${UPD[@]}" --stack s --all >/dev/null 2>&1
is "two scopes: usage error" "$?" 2
"${UPD[@]}" --all --to 1.1 >/dev/null 2>&1
is "--to without --service: usage error" "$?" 2

finish
