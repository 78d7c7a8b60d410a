#!/usr/bin/env bash
# 90-update-compose: `dockrev update --service PROJECT/SERVICE` with the real
# docker-compose.  A new version tag edits only the image value of the
# compose file (or the .env variable it reads); a moved tag is pulled and
# the service recreated; an unhealthy new image rolls back: the file is
# restored byte for byte and the old image ID runs again, without a pull.
# kill -9 after each step of the update and of the rollback ends in a
# terminal job that matches what runs.  A compose file that moved away
# fails the job before anything stops.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it90-$$
export DOCKREV_STATE_DIR=$T_TMP/state
UPD=("$DOCKREV" update --yes --json --settle 1 --deadline 15)
P=it90p$$

img_build "$R/app:1.0" --health true --marker a10 >/dev/null
img_build "$R/app:1.1" --health true --marker a11 >/dev/null
img_build "$R/bad:1.0" --health true --marker b10 >/dev/null
img_build "$R/bad:1.1" --health false --marker b11 >/dev/null
img_build "$R/env:1.0" --health true --marker e10 >/dev/null
img_build "$R/env:1.1" --health true --marker e11 >/dev/null
img_build "$R/fl:latest" --health true --marker f1 >/dev/null
img_build "$R/envbad:1.0" --health true --marker eb10 >/dev/null
img_build "$R/envbad:1.1" --health false --marker eb11 >/dev/null

# project NAME IMAGE-LINE: a one-service project "web" in its own dir.
project() {
	local d=$T_TMP/$1
	mkdir -p "$d"
	cat >"$d/docker-compose.yml" <<YML
version: "3"   # a comment that must survive
services:
  web:
    image: $2     # and this one
    labels: [dockrev.test=1, "dockrev.test.script=$T_ID"]
    volumes: [data:/data]
  other:
    image: $R/app:1.0
    labels: [dockrev.test=1, "dockrev.test.script=$T_ID"]
volumes:
  data: {}
YML
	cp "$d/docker-compose.yml" "$d/before.yml"
	(cd "$d" && docker-compose -p "$P$1" up -d >/dev/null 2>&1)
	docker exec "${P}${1}_web_1" sh -c 'echo kept > /data/sentinel'
}
web_image() { docker inspect -f '{{.Config.Image}}' "${P}${1}_web_1" 2>/dev/null; }
web_id() { docker ps -q --filter "label=com.docker.compose.project=$P$1" --filter label=com.docker.compose.service=web; }
other_id() { docker ps -q --filter "label=com.docker.compose.project=$P$1" --filter label=com.docker.compose.service=other; }
down() { (cd "$T_TMP/$1" && docker-compose -p "$P$1" down -v -t 1 >/dev/null 2>&1); }
state_of() { "$DOCKREV" job "$1" --json 2>/dev/null | jq -r .state; }

# ---- a new version tag ------------------------------------------------------------
project a "$R/app:1.0"
other_before=$(other_id a)
out=$("${UPD[@]}" --service "${P}a/web" 2>"$T_TMP/err")
is "new tag: exit 0" "$?" 0
is "new tag: succeeded" "$(jq -r .state <<<"$out")" succeeded
is "new tag: runs 1.1" "$(web_image a)" "$R/app:1.1"
is "new tag: only the image value changed in the file" \
	"$(diff "$T_TMP/a/before.yml" "$T_TMP/a/docker-compose.yml" | grep -c '^[<>]')" 2
like "new tag: the comments are still there" "$(cat "$T_TMP/a/docker-compose.yml")" 'image: .*app:1\.1     # and this one'
is "new tag: the other service was not touched (--no-deps)" "$(other_id a)" "$other_before"
is "new tag: data kept" "$(docker exec "${P}a_web_1" cat /data/sentinel)" kept
is "new tag: swap recorded as compose" "$(jq -r '.targets[0].swap' <<<"$out")" compose
down a

# ---- a moved tag ---------------------------------------------------------------------
project f "$R/fl:latest"
old_img=$(docker inspect -f '{{.Image}}' "${P}f_web_1")
img_build "$R/fl:latest" --health true --marker f2 >/dev/null
docker rmi "$R/fl:latest" >/dev/null 2>&1	# the host still has the old one only
docker tag "$old_img" "$R/fl:latest"
out=$("${UPD[@]}" --service "${P}f/web" 2>"$T_TMP/err")
is "moved tag: succeeded" "$(jq -r .state <<<"$out")" succeeded
is "moved tag: a new image ID runs" "$([ "$(docker inspect -f '{{.Image}}' "${P}f_web_1")" != "$old_img" ] && echo yes)" yes
cmp -s "$T_TMP/f/before.yml" "$T_TMP/f/docker-compose.yml"
is "moved tag: the compose file is untouched" "$?" 0
down f

# ---- the tag in .env -----------------------------------------------------------------
mkdir -p "$T_TMP/e"
printf '# versions\nAPP_IMAGE=%s\nOTHER=1\n' "$R/env:1.0" >"$T_TMP/e/.env"
cp "$T_TMP/e/.env" "$T_TMP/e/env.before"
project e '${APP_IMAGE}'
out=$("${UPD[@]}" --service "${P}e/web" 2>"$T_TMP/err")
is ".env: succeeded" "$(jq -r .state <<<"$out")" succeeded
is ".env: runs 1.1" "$(web_image e)" "$R/env:1.1"
is ".env: the variable was edited, nothing else" "$(diff "$T_TMP/e/env.before" "$T_TMP/e/.env" | grep -c '^[<>]')" 2
cmp -s "$T_TMP/e/before.yml" "$T_TMP/e/docker-compose.yml"
is ".env: the compose file is untouched" "$?" 0
down e

# ---- the tag in .env, and the new image is unhealthy: .env restored ----
mkdir -p "$T_TMP/eb"
printf '# versions\nAPP_IMAGE=%s\nOTHER=1\n' "$R/envbad:1.0" >"$T_TMP/eb/.env"
cp "$T_TMP/eb/.env" "$T_TMP/eb/env.before"
project eb '${APP_IMAGE}'
out=$("${UPD[@]}" --service "${P}eb/web" 2>"$T_TMP/err")
is ".env, unhealthy: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
cmp -s "$T_TMP/eb/env.before" "$T_TMP/eb/.env"
is ".env, unhealthy: the .env file is restored byte for byte" "$?" 0
cmp -s "$T_TMP/eb/before.yml" "$T_TMP/eb/docker-compose.yml"
is ".env, unhealthy: the compose file is untouched" "$?" 0
is ".env, unhealthy: the old image runs" "$(web_image eb)" "$R/envbad:1.0"
down eb

# ---- unhealthy: rollback -------------------------------------------------------------
project b "$R/bad:1.0"
out=$("${UPD[@]}" --service "${P}b/web" 2>"$T_TMP/err")
is "unhealthy: exit 1" "$?" 1
is "unhealthy: rolled_back" "$(jq -r .state <<<"$out")" rolled_back
is "unhealthy: the old image runs again" "$(web_image b)" "$R/bad:1.0"
is "unhealthy: healthy" "$(docker inspect -f '{{.State.Health.Status}}' "${P}b_web_1")" healthy
cmp -s "$T_TMP/b/before.yml" "$T_TMP/b/docker-compose.yml"
is "unhealthy: the compose file is restored byte for byte" "$?" 0
is "unhealthy: data kept" "$(docker exec "${P}b_web_1" cat /data/sentinel)" kept
down b

# ---- kill -9 after each step -------------------------------------------------------------
for step in pull edit_compose up health rollback verify_rollback; do
	n=k${step//_/}
	case $step in rollback|verify_rollback) img=bad ;; *) img=app ;; esac
	project "$n" "$R/$img:1.0"
	DOCKREV_CRASH_AT=$step "${UPD[@]}" --service "${P}$n/web" >/dev/null 2>&1
	is "crash after $step: died" "$?" 137
	"$DOCKREV" jobs >/dev/null 2>&1
	id=$("$DOCKREV" jobs --json | jq -r --arg t "${P}$n/web" '[.[] | select(.target == $t)][0].id')
	st=$(state_of "$id")
	like "crash after $step: job finished ($st)" "$st" '^(succeeded|rolled_back|failed)$'
	is "crash after $step: one web container" "$(web_id "$n" | wc -l)" 1
	case $st in
	succeeded) is "crash after $step: succeeded = 1.1" "$(web_image "$n")" "$R/$img:1.1" ;;
	*)
		is "crash after $step: $st = the old image" "$(web_image "$n")" "$R/$img:1.0"
		cmp -s "$T_TMP/$n/before.yml" "$T_TMP/$n/docker-compose.yml"
		is "crash after $step: $st = the original compose file" "$?" 0
		;;
	esac
	down "$n"
done

# ---- a compose file that moved away: nothing stops -------------------------------------
project m "$R/app:1.0"
mv "$T_TMP/m/docker-compose.yml" "$T_TMP/m/moved.yml"
before=$(web_id m)
"${UPD[@]}" --service "${P}m/web" >"$T_TMP/out" 2>&1
is "moved compose file: exit 1" "$?" 1
like "moved compose file: says so" "$(cat "$T_TMP/out")" 'does not exist'
is "moved compose file: the container was not touched" "$(web_id m)" "$before"
mv "$T_TMP/m/moved.yml" "$T_TMP/m/docker-compose.yml"
down m

"$DOCKREV" update --yes --service 'x/$(id)' >"$T_TMP/out" 2>&1
is "a hostile service name is not found" "$?" 1
finish
