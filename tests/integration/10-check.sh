#!/usr/bin/env bash
# 10-check: `dockrev check` on the plain registry: floating tags (up to
# date, moved), version tags (candidates keep prefix and flavor, kinds,
# same-level, no pre-releases), skip policies and the labels of Watchtower,
# WUD and Diun, Compose grouping, --all, the JSON shape and exit statuses.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it10-$$
J=$T_TMP/check.json

# item NAME [JQ]: a field of the container NAME in the last check.
item() { jq -r --arg n "$1" ".items[] | select(.container == \$n) | ${2:-.}" "$J"; }
cands() { item "$1" '[.candidates[] | .tag + ":" + .kind + ":" + (.same_level|tostring) + ":" + (.arch_match|tostring)] | join(" ")'; }
check() {
	"$DOCKREV" check --json "$@" >"$J" 2>"$T_TMP/check.err"
	is "dockrev check --json $* exits 0" "$?" 0
}

# ---- images -----------------------------------------------------------------------
old=$(img_build "$R/app:5.2" --marker old)
img_build "$R/app:5.3" --marker new53 >/dev/null
img_build "$R/app:5.3.1" --marker new531 >/dev/null
img_build "$R/app:6.0" --marker new60 >/dev/null
img_build "$R/app:5.4-rc1" --marker rc >/dev/null
img_build "$R/app:latest" --marker latest >/dev/null
img_build "$R/pg:17-alpine" --marker a17 >/dev/null
img_build "$R/pg:18-alpine" --marker a18 >/dev/null
img_build "$R/pg:18" --marker p18 >/dev/null
img_build "$R/pg:18-slim" --marker s18 >/dev/null
img_build "$R/pg:17.2-alpine" --marker a172 >/dev/null
img_build "$R/v:v1.2.3" --marker v123 >/dev/null
img_build "$R/v:v1.2.4" --marker v124 >/dev/null
img_build "$R/v:1.9.9" --marker noprefix >/dev/null
img_build "$R/rc:2.0-rc1" --marker rc1 >/dev/null
img_build "$R/rc:2.0-rc2" --marker rc2 >/dev/null
img_build "$R/rc:2.0" --marker rel >/dev/null
img_build "$R/float:latest" --marker f1 >/dev/null
img_build "$R/moved:latest" --marker m1 >/dev/null
img_build "$R/filt:1.0" --marker f10 >/dev/null
img_build "$R/filt:1.1" --marker f11 >/dev/null
img_build "$R/filt:2.0" --marker f20 >/dev/null

run_ctr c-app "$R/app:5.2" >/dev/null
run_ctr c-pg "$R/pg:17-alpine" >/dev/null
run_ctr c-v "$R/v:v1.2.3" >/dev/null
run_ctr c-rc "$R/rc:2.0-rc1" >/dev/null
run_ctr c-float "$R/float:latest" >/dev/null
run_ctr c-moved "$R/moved:latest" >/dev/null
run_ctr c-app-latest "$R/app:latest" >/dev/null
# The tag moves after the container started (a newer push).
img_build "$R/moved:latest" --marker m2 >/dev/null
moved_new=$(reg_manifest_digest "$REG_PLAIN" "it10-$$/moved" latest)

# Policies.
run_ctr c-pinned "$R/app@$old" >/dev/null
docker build -q -t "it10-local-$$:1.0" - >/dev/null <<DF
FROM $RIG_BASE_IMAGE
LABEL dockrev.test=1
CMD ["sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]
DF
run_ctr c-local "it10-local-$$:1.0" >/dev/null
run_ctr c-off "$R/app:5.2" --label dockrev.enable=false >/dev/null
run_ctr c-wt "$R/app:5.2" --label com.centurylinklabs.watchtower.enable=false >/dev/null
run_ctr c-wud "$R/app:5.2" --label wud.watch=false >/dev/null
run_ctr c-diun "$R/app:5.2" --label diun.enable=false >/dev/null
run_ctr c-wt-on "$R/app:5.2" --label com.centurylinklabs.watchtower.enable=true >/dev/null
run_ctr c-excl "$R/filt:1.0" --label 'wud.tag.exclude=^2\.' >/dev/null
run_ctr c-incl "$R/filt:1.0" --label 'wud.tag.include=^2\.' >/dev/null
run_ctr c-badre "$R/filt:1.0" --label 'wud.tag.include=(' >/dev/null
run_ctr c-digest "$R/app:5.2" --label wud.watch.digest=true >/dev/null
run_ctr c-stopped "$R/app:5.2" >/dev/null
docker stop -t 1 c-stopped >/dev/null

check

# ---- floating tags --------------------------------------------------------------
is "floating tag unchanged: up_to_date" "$(item c-float .status)" up_to_date
is "floating tag: remote digest equals current" \
	"$(item c-float '.remote_digest == .current_digest')" true
is "moved tag: update_available" "$(item c-moved .status)" update_available
is "moved tag: remote digest is the new push" "$(item c-moved .remote_digest)" "$moved_new"
like "moved tag: current digest is what runs" "$(item c-moved .current_digest)" '^sha256:[0-9a-f]{64}$'
is "moved tag: the image as configured" "$(item c-moved .image)" "$R/moved:latest"
# The reference a container was created with is remembered by its ID (state
# dir), for the containers that exist only; bad lines are dropped.
cif=$DOCKREV_STATE_DIR/container-images
mid=$(docker inspect -f '{{.Id}}' c-moved)
is "moved tag: the configured reference is remembered by container ID" \
	"$(grep -c "^$mid $R/moved:latest\$" "$cif")" 1
is "... in a file of mode 0600" "$(stat -c %a "$cif")" 600
printf 'garbage\n%s NOT/A/REF\n%064d %s\n' "$mid" 0 "$R/gone:1" >>"$cif"
check
is "remembered: the same reference" "$(item c-moved .image)" "$R/moved:latest"
is "remembered: the same verdict" "$(item c-moved .status)" update_available
is "a container that is gone, and bad lines, are dropped" \
	"$(grep -c "^0\{64\} \|garbage\|NOT" "$cif") $(grep -c "^$mid " "$cif")" "0 1"
is "latest beside version tags: no candidates" "$(item c-app-latest '.candidates | length')" 0

# ---- version tags -----------------------------------------------------------------
is "5.2: update_available" "$(item c-app .status)" update_available
is "5.2: candidates are 6.0 (major), 5.3.1 (minor), 5.3 (minor, same level); no rc" \
	"$(cands c-app)" "6.0:major:true:true 5.3.1:minor:false:true 5.3:minor:true:true"
like "5.2: candidate digests" "$(item c-app '.candidates[0].digest')" '^sha256:[0-9a-f]{64}$'
is "5.2: no remote digest for a version tag" "$(item c-app .remote_digest)" null
is "17-alpine: only 18-alpine (flavor kept; 17.2-alpine is in 17)" \
	"$(cands c-pg)" "18-alpine:major:true:true"
is "v1.2.3: only v-prefixed v1.2.4" "$(cands c-v)" "v1.2.4:patch:true:true"
is "2.0-rc1 (a pre-release): the release wins over 2.0-rc2" "$(cands c-rc)" "2.0:patch:true:true"

# ---- policies ---------------------------------------------------------------------
is "pinned by digest: skipped" "$(item c-pinned .status)" skipped
is "pinned by digest: reason" "$(item c-pinned .reason)" "pinned by digest"
is "local build: skipped" "$(item c-local .status)" skipped
like "local build: reason" "$(item c-local .reason)" '^local image'
for c in c-off:dockrev.enable c-wt:watchtower c-wud:wud.watch c-diun:diun.enable; do
	is "${c%%:*}: skipped" "$(item "${c%%:*}" .status)" skipped
	like "${c%%:*}: reason names the label" "$(item "${c%%:*}" .reason)" "${c#*:}"
done
is "watchtower.enable=true is checked" "$(item c-wt-on .status)" update_available
is "wud.tag.exclude hides 2.0" "$(cands c-excl)" "1.1:minor:true:true"
is "wud.tag.include keeps only 2.0" "$(cands c-incl)" "2.0:major:true:true"
is "bad include regex: error" "$(item c-badre .status)" error
like "bad include regex: reason names the label" "$(item c-badre .reason)" 'wud.tag.include'
is "wud.watch.digest=true: remote digest of the version tag" \
	"$(item c-digest '.remote_digest == .current_digest')" true
is "stopped containers are left out by default" "$(item c-stopped .container)" ""

check --all
is "--all includes stopped containers" "$(item c-stopped .status)" update_available

# ---- JSON shape -------------------------------------------------------------------
is "top-level keys" "$(jq -c 'keys' "$J")" '["host","items","stats"]'
is "host keys" "$(jq -c '.host | keys' "$J")" '["arch","os","variant"]'
is "host platform" "$(jq -r '.host.os + "/" + .host.arch' "$J")" "$(host_platform)"
is "item keys" "$(item c-app 'keys | tojson')" \
	'["candidates","container","current_digest","ignored","image","reason","remote_digest","service","stack","status"]'
is "candidate keys" "$(item c-app '.candidates[0] | keys | tojson')" \
	'["arch_match","digest","kind","platforms","same_level","tag"]'
is "a single-platform candidate lists the host platform" \
	"$(item c-app '.candidates[0].platforms | tojson')" "[\"$(host_platform)\"]"
is "stats keys" "$(jq -c '.stats | keys' "$J")" '["duration_ms","images","registry_requests"]'
is "image as configured" "$(item c-app .image)" "$R/app:5.2"
is "standalone: stack null" "$(item c-app .stack)" null

# ---- Compose grouping (real docker-compose) -----------------------------------------
mkdir -p "$T_TMP/shop"
cat >"$T_TMP/shop/docker-compose.yml" <<YML
version: "3"
services:
  web:
    image: $R/app:5.3
    labels: [dockrev.test=1, dockrev.test.script=$T_ID]
  cache:
    image: $R/float:latest
    labels: [dockrev.test=1, dockrev.test.script=$T_ID]
YML
ok "docker-compose up" docker-compose -p "it10shop$$" -f "$T_TMP/shop/docker-compose.yml" up -d
check
is "compose service: stack" "$(item "it10shop$$_web_1" .stack)" "it10shop$$"
is "compose service: service" "$(item "it10shop$$_web_1" .service)" web
is "compose 5.3: 6.0 only (5.3 already follows 5.3.1; 5.4-rc1 is a pre-release)" \
	"$(cands "it10shop$$_web_1")" "6.0:major:true:true"
is "compose cache: up to date" "$(item "it10shop$$_cache_1" .status)" up_to_date
"$DOCKREV" check >"$T_TMP/table.txt" 2>&1
like "table groups by stack" "$(cat "$T_TMP/table.txt")" "it10shop$$ \(compose\)"
like "table ends with totals" "$(tail -n 1 "$T_TMP/table.txt")" 'containers, [0-9]+ with updates'
docker-compose -p "it10shop$$" -f "$T_TMP/shop/docker-compose.yml" down -t 1 >/dev/null 2>&1

# ---- exit statuses ------------------------------------------------------------------
DOCKER_HOST=unix:///nonexistent.sock "$DOCKREV" check >"$T_TMP/out" 2>&1
is "no engine: exit 1" "$?" 1
like "no engine: says so" "$(cat "$T_TMP/out")" 'cannot reach the Docker engine'
DOCKER_HOST='ftp://x' "$DOCKREV" check >"$T_TMP/out" 2>&1
is "bad DOCKER_HOST: exit 1" "$?" 1
"$DOCKREV" check --bogus >/dev/null 2>&1
is "unknown option: exit 2" "$?" 2
finish
