#!/usr/bin/env bash
# 96-serve: `dockrev serve` through real HTTP with curl: health and
# readiness (the real engine; an unreachable one), the forward-auth rules
# (missing, untrusted peer, twice, underscore variant, trusted), the origin
# check, body caps, the error shapes of 404/405, /metrics as Prometheus
# text, `dockrev healthcheck` up and down, configuration errors (bad file
# with FILE:LINE, auth none on 0.0.0.0 refused with nothing listening),
# the environment over the file, crash recovery of an unfinished job at
# start, SIGTERM, and a restart on the same state file.
. "$(dirname "$0")/lib.sh"

DOCKREV=${DOCKREV:-$T_ROOT/dockrev}
export DOCKREV_STATE_DIR=$T_TMP/state
export DOCKREV_TRUSTED_PROXIES=127.0.0.1/32
unset DOCKREV_AUTH_MODE DOCKREV_LISTEN DOCKREV_CONFIG DOCKREV_ORIGIN
PID=
PORT=

test_cleanup() {
	[ -z "$PID" ] || kill -TERM "$PID" 2>/dev/null
	[ -z "$PID" ] || wait "$PID" 2>/dev/null
}

# start LOG [ARGS...]: runs the daemon on an ephemeral loopback port,
# waits for its "listening" line, sets PID and PORT.
start() {
	local log=$1
	shift
	"$DOCKREV" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
	PID=$!
	if ! wait_for 10 grep -q 'listening' "$log"; then
		cat "$log" >&2
		return 1
	fi
	PORT=$(sed -nE 's/.*listening.*address[=":]+127\.0\.0\.1:([0-9]+).*/\1/p' \
		"$log" | head -n 1)
	[ -n "$PORT" ]
}

# stop: SIGTERM, wait; the exit status in STOP_RC.
stop() {
	kill -TERM "$PID"
	wait "$PID"
	STOP_RC=$?
	PID=
}

# call METHOD PATH [CURL-ARGS...]: sets CODE, BODY (file $T_TMP/body) and
# HDRS (file $T_TMP/hdrs).
call() {
	local method=$1 path=$2
	shift 2
	CODE=$(curl -sS -m 10 -o "$T_TMP/body" -D "$T_TMP/hdrs" \
		-w '%{http_code}' -X "$method" "$@" \
		"http://127.0.0.1:$PORT$path" 2>"$T_TMP/curl.err") || CODE=curl-failed
}

body() { cat "$T_TMP/body"; }
err_code() { jq -r '.error.code // empty' "$T_TMP/body" 2>/dev/null; }
# The unified error shape: exactly {"error":{"code":S,"message":S}}.
err_shape() {
	jq -e '(keys == ["error"]) and (.error | keys == ["code", "message"])
		and (.error.code | type == "string")
		and (.error.message | type == "string")' \
		"$T_TMP/body" >/dev/null 2>&1 && echo ok || echo bad
}

U=(-H 'X-Forwarded-User: alice')

# ---- a first daemon: auth forward, 127.0.0.1/32 trusted -------------------

# An unfinished job whose process is gone: start-up must finish it.
mkdir -p "$DOCKREV_STATE_DIR"
"$DOCKREV" jobs >/dev/null 2>&1 # creates the state file and its schema
sqlite3 "$DOCKREV_STATE_DIR/dockrev.db" "INSERT INTO jobs (kind, scope,
	target, trigger_source, dry_run, state, owner, created_at, updated_at)
	VALUES ('update', 'service', 'it96/web', 'api', 0, 'running',
	'pid:4194000:1', 1, 1);" ||
	fail "seed an interrupted job"

start "$T_TMP/serve1.log" || fail "daemon starts"
is "the interrupted job was finished before serving" \
	"$(sqlite3 "$DOCKREV_STATE_DIR/dockrev.db" \
		"SELECT state FROM jobs WHERE target = 'it96/web'")" failed
like "the log says so" "$(cat "$T_TMP/serve1.log")" \
	'finished interrupted jobs count=1'

call GET /healthz
is "/healthz without auth: 200" "$CODE" 200
is "/healthz body" "$(body)" '{"status":"ok"}'

wait_for 10 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' \
	http://127.0.0.1:$PORT/readyz)\" = 200 ]"
call GET /readyz
is "/readyz with the store open and the engine up: 200" "$CODE" 200
is "/readyz body" "$(body)" '{"status":"ready"}'

call GET /api/v1/me
is "no user header: 401" "$CODE" 401
is "no user header: unauthorized" "$(err_code)" unauthorized
is "401 has the error shape" "$(err_shape)" ok

call GET /api/v1/me "${U[@]}" --interface 127.0.0.2
is "user header from an untrusted peer (127.0.0.2): 401" "$CODE" 401

call GET /api/v1/me "${U[@]}" -H 'X-Forwarded-User: bob'
is "user header twice: 401" "$CODE" 401

call GET /api/v1/me -H 'X_Forwarded_User: alice'
is "X_Forwarded_User alone: 401" "$CODE" 401
call GET /api/v1/me "${U[@]}" -H 'X_Forwarded_User: root'
is "X-Forwarded-User with X_Forwarded_User beside it: 401" "$CODE" 401

call GET /api/v1/me "${U[@]}"
is "user header from the trusted proxy: 200" "$CODE" 200
is "/api/v1/me names the user" "$(jq -c . "$T_TMP/body")" \
	'{"user":"alice","auth_mode":"forward"}'

call POST /api/v1/me "${U[@]}" -H 'Origin: http://evil.example'
is "cross-origin POST: 403" "$CODE" 403
is "cross-origin POST: forbidden" "$(err_code)" forbidden
call POST /api/v1/me "${U[@]}" -H 'Sec-Fetch-Site: cross-site'
is "cross-site POST (Sec-Fetch-Site): 403" "$CODE" 403
call POST /api/v1/me "${U[@]}" -H "Origin: http://127.0.0.1:$PORT"
is "same-origin POST passes the origin check (then 405)" "$CODE" 405
call POST /api/v1/me "${U[@]}" -H 'Sec-Fetch-Site: same-origin'
is "Sec-Fetch-Site same-origin passes (then 405)" "$CODE" 405

head -c 70000 /dev/zero | tr '\0' 'x' >"$T_TMP/big"
call POST /api/v1/me "${U[@]}" -H 'Content-Type: application/json' \
	--data-binary "@$T_TMP/big"
is "oversized body: 413" "$CODE" 413
is "oversized body: payload_too_large" "$(err_code)" payload_too_large
call POST /api/v1/me "${U[@]}" -H 'Transfer-Encoding: chunked' \
	--data-binary "@$T_TMP/big"
is "oversized chunked body: 413" "$CODE" 413

call GET /api/v1/nowhere "${U[@]}"
is "unknown path: 404" "$CODE" 404
is "404: not_found" "$(err_code)" not_found
is "404 has the error shape" "$(err_shape)" ok

call DELETE /api/v1/me "${U[@]}"
is "wrong method: 405" "$CODE" 405
is "405: method_not_allowed" "$(err_code)" method_not_allowed
is "405 has the error shape" "$(err_shape)" ok
like "405 has Allow" "$(tr -d '\r' <"$T_TMP/hdrs")" $'\nAllow: GET, HEAD\n'

is "HEAD of a GET route: 200 and no body" "$(curl -sS -m 10 -I "${U[@]}" \
	-o /dev/null -w '%{http_code} %{size_download}' \
	"http://127.0.0.1:$PORT/api/v1/me")" "200 0"

call GET '/api/v1/%2e%2e/me' "${U[@]}" --path-as-is
is "a '..' segment: 400" "$CODE" 400

call GET /metrics
is "/metrics follows the API's auth" "$CODE" 401
call GET /metrics "${U[@]}"
is "/metrics: 200" "$CODE" 200
like "/metrics is Prometheus text" "$(grep -i '^content-type' \
	"$T_TMP/hdrs")" 'text/plain; version=0.0.4'
bad=$(grep -cvE '^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9.e+]+)$' \
	"$T_TMP/body")
is "every /metrics line is a comment or NAME{labels} VALUE" "$bad" 0
like "/metrics counts the 401s" "$(body)" \
	'dockrev_http_requests_total\{code="401"\} [0-9]+'
like "/metrics has TYPE lines" "$(body)" \
	'# TYPE dockrev_http_requests_total counter'

# The access log: one line per request, the user but no header value,
# query string or secret.
call GET '/api/v1/me?token=sekrit' "${U[@]}" -H 'Origin: http://evil.example'
log=$(cat "$T_TMP/serve1.log")
like "the access log has the request" "$log" \
	'request method=GET path=/api/v1/me status=200 ms=[0-9.]+ user=alice peer=127.0.0.1'
if grep -qE 'sekrit|evil\.example|bob|root' "$T_TMP/serve1.log"; then
	fail "the access log holds no query string or other header value" \
		"$(grep -E 'sekrit|evil|bob|root' "$T_TMP/serve1.log")"
else
	pass "the access log holds no query string or other header value"
fi

ok "healthcheck exits 0 while the daemon is up" \
	"$DOCKREV" healthcheck --url "http://127.0.0.1:$PORT/healthz"
ok "healthcheck finds the daemon from DOCKREV_LISTEN" \
	env DOCKREV_LISTEN="0.0.0.0:$PORT" "$DOCKREV" healthcheck

rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
printf '# idle RSS of dockrev serve: %s kB\n' "$rss"

OLD_PORT=$PORT
stop
is "SIGTERM: exit status 0" "$STOP_RC" 0
like "SIGTERM: the log says it stopped" "$(tail -n 2 "$T_TMP/serve1.log")" \
	'stopped'
code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' \
	"http://127.0.0.1:$OLD_PORT/healthz")
is "SIGTERM: the port is closed" "$code" 000
"$DOCKREV" healthcheck --url "http://127.0.0.1:$OLD_PORT/healthz" \
	2>/dev/null
is "healthcheck exits 1 when the daemon is down" "$?" 1
env DOCKREV_LISTEN="127.0.0.1:$OLD_PORT" "$DOCKREV" healthcheck 2>"$T_TMP/hc.err"
is "healthcheck from DOCKREV_LISTEN exits 1 when the daemon is down" "$?" 1
like "it says which URL failed" "$(cat "$T_TMP/hc.err")" \
	"^dockrev healthcheck: http://127\.0\.0\.1:$OLD_PORT/healthz: "

# ---- configuration ------------------------------------------------------------

printf 'listen: 127.0.0.1:0\nauth:\n  mode: basic\n' >"$T_TMP/bad.yaml"
out=$("$DOCKREV" serve --config "$T_TMP/bad.yaml" 2>&1)
is "a bad config file: exit 2" "$?" 2
like "a bad config file: FILE:LINE and the key" "$out" \
	"bad\.yaml:3: auth\.mode: want forward or none"

printf 'listen: 127.0.0.1:0\nsurprise: 1\n' >"$T_TMP/unknown.yaml"
out=$(DOCKREV_CONFIG=$T_TMP/unknown.yaml "$DOCKREV" serve 2>&1)
is "an unknown key (DOCKREV_CONFIG): exit 2" "$?" 2
like "an unknown key: named with FILE:LINE" "$out" \
	'unknown\.yaml:2: unknown key "surprise"'

out=$(DOCKREV_AUTH_MODE=none timeout 10 "$DOCKREV" serve \
	--listen "0.0.0.0:$OLD_PORT" 2>&1)
is "auth none on 0.0.0.0: exit 2" "$?" 2
like "auth none on 0.0.0.0: says why" "$out" 'only allowed on a loopback'
code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' \
	"http://127.0.0.1:$OLD_PORT/healthz")
is "auth none on 0.0.0.0: nothing listening" "$code" 000

# The environment wins over the file: the file says text logs and a
# header, the environment says JSON and the default header.
printf 'log:\n  format: text\nauth:\n  header: Remote-User\n' \
	>"$T_TMP/env.yaml"
DOCKREV_LOG_FORMAT=json DOCKREV_AUTH_HEADER=X-Forwarded-User \
	start "$T_TMP/serve2.log" --config "$T_TMP/env.yaml" ||
	fail "daemon with a config file starts"
# (The first line may be the check's start: it runs beside the listen.)
is "env over file: the log is JSON" \
	"$(jq -r 'select(.msg == "listening") | .msg' "$T_TMP/serve2.log" 2>/dev/null | head -n 1)" listening
call GET /api/v1/me "${U[@]}"
is "env over file: the header is the environment's" "$CODE" 200
stop
is "restart: SIGTERM again exits 0" "$STOP_RC" 0

# ---- restart on the same state file; mode none ------------------------------

ino=$(stat -c %i "$DOCKREV_STATE_DIR/dockrev.db")
DOCKREV_AUTH_MODE=none start "$T_TMP/serve3.log" || fail "restart"
call GET /readyz
wait_for 10 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' \
	http://127.0.0.1:$PORT/readyz)\" = 200 ]"
call GET /readyz
is "restart: ready on the same store" "$CODE" 200
is "restart: the same state file" \
	"$(stat -c %i "$DOCKREV_STATE_DIR/dockrev.db")" "$ino"
is "restart: the finished job is still there" \
	"$(sqlite3 "$DOCKREV_STATE_DIR/dockrev.db" \
		"SELECT count(*) FROM jobs WHERE target = 'it96/web' AND
		state = 'failed'")" 1
call GET /api/v1/me
is "auth none: anonymous" "$(jq -c . "$T_TMP/body")" \
	'{"user":"anonymous","auth_mode":"none"}'
stop
is "auth none: stop exits 0" "$STOP_RC" 0

# ---- the engine unreachable: not ready, still healthy -----------------------

DOCKER_HOST=unix://$T_TMP/no-engine.sock start "$T_TMP/serve4.log" ||
	fail "daemon without an engine starts"
call GET /readyz
is "/readyz without an engine: 503" "$CODE" 503
is "/readyz without an engine: not_ready with a reason" \
	"$(jq -r '.status + " " + (.reason | test("engine") | tostring)' \
		"$T_TMP/body")" "not_ready true"
call GET /healthz
is "/healthz without an engine: 200" "$CODE" 200
stop
is "no engine: stop exits 0" "$STOP_RC" 0

finish
