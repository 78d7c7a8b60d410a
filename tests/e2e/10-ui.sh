#!/usr/bin/env bash
# 10-ui: the web UI, embedded in dockrev, in headless chromium (Debian's,
# driven by playwright-core from web/node_modules) against a real
# `dockrev serve` over the real engine and registry.  Seeds two Compose
# stacks: PROJa's "web" service has updates (1.0 -> 1.1 minor, 2.0 major),
# PROJb's "bad" service has a new image that is unhealthy; starts the daemon
# (DOCKREV_AUTH_MODE=none on 127.0.0.1 and a free port), checks how the
# daemon serves the bundle over HTTP (types, caching, gzip, index.html for
# UI paths, JSON 404 for API paths), runs tests/e2e/ui.mjs (the browser
# scenarios; it writes docs/screenshots/), then checks with the engine
# that what the browser did happened: web runs 1.1, bad runs 1.0 again.
# Prints "e2e 10-ui: N passed, M failed" (and ui.mjs its own line).
. "$(dirname "$0")/../integration/lib.sh"

# The summary line says e2e, not integration.
finish() {
	T_FINISHED=1
	printf 'e2e %s: %d passed, %d failed\n' "$T_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}

R=$REG_PLAIN/e2e10-$$
P=e2e10p$$
D=$T_TMP/$P
export DOCKREV_STATE_DIR=$T_TMP/state
SHOTS=${E2E_SHOTS:-$T_ROOT/docs/screenshots}
daemon=""
touch "$T_TMP/start"	# screenshots must be newer: written by this run

test_cleanup() {
	[ -z "$daemon" ] || kill "$daemon" 2>/dev/null
	local n
	for n in a b; do
		(cd "$D/$n" && docker-compose -p "$P$n" down -v -t 1 >/dev/null 2>&1)
	done
}

# free_port: a TCP port nothing listens on.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

ok "chromium is installed" test -x "${CHROMIUM:-/usr/bin/chromium}" || finish
ok "playwright-core is in web/node_modules" \
	test -f "$T_ROOT/web/node_modules/playwright-core/package.json" || finish

img_build "$R/app:1.0" --health true --marker a10 >/dev/null &&
	img_build "$R/app:1.1" --health true --marker a11 >/dev/null &&
	img_build "$R/app:2.0" --health true --marker a20 >/dev/null &&
	img_build "$R/bad:1.0" --health true --marker b10 >/dev/null &&
	img_build "$R/bad:1.1" --health false --marker b11 >/dev/null
ok "test images pushed" test $? = 0 || finish

# project NAME SERVICE IMAGE: a one-service Compose project in $D/NAME.
project() {
	mkdir -p "$D/$1"
	cat >"$D/$1/docker-compose.yml" <<YML
version: "3"
services:
  $2:
    image: $3
    labels: [dockrev.test=1, "dockrev.test.script=$T_ID"]
YML
	(cd "$D/$1" && docker-compose -p "$P$1" up -d)
}
ok "compose stack ${P}a up" project a web "$R/app:1.0" || finish
ok "compose stack ${P}b up" project b bad "$R/bad:1.0" || finish

port=$(free_port) || { fail "a free port"; finish; }
URL=http://127.0.0.1:$port
DOCKREV_AUTH_MODE=none DOCKREV_LISTEN=127.0.0.1:$port \
	"$DOCKREV" serve --listen "127.0.0.1:$port" >"$T_TMP/serve.log" 2>&1 &
daemon=$!
if ! wait_for 20 curl -sf "$URL/readyz"; then
	fail "dockrev serve is ready" "$(tail -n 30 "$T_TMP/serve.log")"
	finish
fi
pass "dockrev serve is ready"

# ---- the bundle over HTTP --------------------------------------------------------
hdr() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }
h=$(hdr "$URL/")
like "/: index.html, text/html" "$h" $'\n[Cc]ontent-[Tt]ype: text/html; charset=utf-8'
like "/: not cached without revalidation" "$h" $'\n[Cc]ache-[Cc]ontrol: no-cache'
like "/: a Content-Security-Policy" "$h" $'\n[Cc]ontent-[Ss]ecurity-[Pp]olicy: default-src \'self\''
index=$(curl -sf "$URL/")
like "/: the app's page" "$index" '<div id="root"></div>'
js=$(grep -o '/assets/[^"]*\.js' <<<"$index" | head -n 1)
h=$(hdr "$URL$js")
like "hashed asset: JavaScript" "$h" $'\n[Cc]ontent-[Tt]ype: text/javascript'
like "hashed asset: cached a year, immutable" "$h" 'max-age=31536000, immutable'
h=$(hdr -H 'Accept-Encoding: gzip' "$URL$js")
like "hashed asset: gzip when accepted" "$h" $'\n[Cc]ontent-[Ee]ncoding: gzip'
is "hashed asset: the gzip variant is the same file" \
	"$(curl -s -H 'Accept-Encoding: gzip' "$URL$js" | gunzip | sha256sum)" \
	"$(curl -s "$URL$js" | sha256sum)"
is "a UI path gets index.html" "$(curl -sf "$URL/jobs/12" | sha256sum)" \
	"$(sha256sum <<<"$index")"
is "a missing hashed asset: 404" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/assets/gone-0000.js")" 404
is "an unknown API path: 404 JSON, not the UI" \
	"$(curl -s "$URL/api/v1/no-such-thing" | jq -r .error.code)" not_found

# ---- the seeded stack as the API sees it -----------------------------------------
ok "check" curl -sf -X POST -H 'Content-Type: application/json' \
	-d '{"scope":"all"}' "$URL/api/v1/check"
best=$(curl -sf "$URL/api/v1/services/${P}a/web" | jq -r .best.tag)
is "API: web's best candidate is 1.1" "$best" 1.1
for s in a/web b/bad; do
	ok "API: short health gate for $P$s" curl -sf -X PUT \
		-H 'Content-Type: application/json' \
		-d '{"settle_s":1,"health_deadline_s":20}' \
		"$URL/api/v1/services/$P$s/settings"
done

# ---- the browser ------------------------------------------------------------------
E2E_URL=$URL E2E_HOST_PLATFORM=$(host_platform) E2E_STACK=${P}a E2E_WEB=web E2E_BAD_STACK=${P}b E2E_BAD=bad \
	E2E_SHOTS=$SHOTS \
	E2E_DAEMON_PID=$daemon node "$T_ROOT/tests/e2e/ui.mjs" \
	>"$T_TMP/browser.out" 2>&1
rc=$?
cat "$T_TMP/browser.out"
is "browser scenarios: exit 0" "$rc" 0 ||
	printf '#   serve log:\n%s\n' "$(tail -n 40 "$T_TMP/serve.log" | sed 's/^/#   /')"

# ---- what the browser did, as the engine sees it ----------------------------------
image_of() { docker inspect -f '{{.Config.Image}}' "$1" 2>/dev/null; }
is "engine: web runs 1.1 (the update from the UI)" \
	"$(image_of "${P}a_web_1")" "$R/app:1.1"
is "engine: bad runs 1.0 again (rolled back)" "$(image_of "${P}b_bad_1")" \
	"$R/bad:1.0"
is "engine: bad is healthy" \
	"$(docker inspect -f '{{.State.Health.Status}}' "${P}b_bad_1" 2>/dev/null)" healthy
for f in overview service update-plan job jobs settings; do
	for t in light dark; do
		ok "screenshot $f-$t.png written by this run" \
			test -s "$SHOTS/$f-$t.png" -a "$SHOTS/$f-$t.png" -nt "$T_TMP/start"
	done
done
finish
