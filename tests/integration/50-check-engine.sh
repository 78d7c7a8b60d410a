#!/usr/bin/env bash
# 50-check-engine: how dockrev talks to the engine.  It negotiates the API
# version with the real daemon (never a fixed one), works over tcp:// as
# over the unix socket, and groups Swarm services by stack with the digest
# Swarm pinned as the current one.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN/it50-$$
J=$T_TMP/check.json
item() { jq -r --arg n "$1" ".items[] | select(.container == \$n) | ${2:-.}" "$J"; }
svc_item() { jq -r --arg s "$1" "[.items[] | select(.service == \$s)][0] | ${2:-.}" "$J"; }
pids=()
swarm_started=0
test_cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	docker stack rm "it50st$$" >/dev/null 2>&1
	[ $swarm_started = 1 ] && docker swarm leave --force >/dev/null 2>&1
	true
}

img_build "$R/app:1.0" --marker e10 >/dev/null
img_build "$R/app:1.1" --marker e11 >/dev/null
run_ctr e-app "$R/app:1.0" >/dev/null

# ---- API version negotiation, seen on the wire -----------------------------------
socat -v "UNIX-LISTEN:$T_TMP/d.sock,fork" UNIX-CONNECT:/var/run/docker.sock \
	2>"$T_TMP/wire.log" &
pids+=($!)
wait_for 5 test -S "$T_TMP/d.sock"
DOCKER_HOST=unix://$T_TMP/d.sock "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "check through a unix socket proxy exits 0" "$?" 0
daemon_api=$(docker version -f '{{.Server.APIVersion}}')
want=$daemon_api
[ "$(printf '%s\n1.47\n' "$daemon_api" | sort -V | tail -n1)" = "$daemon_api" ] && want=1.47
like "first request is the unversioned /_ping (its Api-Version header)" \
	"$(grep -m1 -aoE '(GET|POST|HEAD) /[^ ]*' "$T_TMP/wire.log")" '^GET /_ping$'
# (Calls run on several connections at once, so socat's log lines may
# interleave: look for the versioned prefixes, not whole request lines.)
like "then the calls speak v$want (daemon offers $daemon_api)" \
	"$(grep -aoE '(GET|POST) /v[0-9.]+/' "$T_TMP/wire.log" | sort -u | tr '\n' ' ')" "GET /v$want/"
is "no call uses another version" \
	"$(grep -aoE '(GET|POST) /v[0-9.]+/' "$T_TMP/wire.log" | sort -u | grep -vc "/v$want/")" 0
is "the item is there" "$(item e-app .status)" update_available

# ---- engine-info: /info and /version remembered per dockerd instance -------------
# Over the real socket the peer is dockerd itself: the first check writes
# engine-info.json keyed on its pid, start time and config file; a later
# check believes it (an edited platform shows through), and a key that is
# not this dockerd's is ignored (the real platform again).
S=$T_TMP/ei-state
mkdir -p "$S"
real_arch=$(docker version -f '{{.Server.Arch}}')
DOCKREV_STATE_DIR=$S "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "engine-info: first check exits 0" "$?" 0
like "engine-info: keyed on dockerd's pid" \
	"$(jq -r .ident "$S/engine-info.json" 2>&1)" " pid=$(pidof dockerd) start=[0-9]+ cfg=/"
is "engine-info: remembers the engine's arch" "$(jq -r .version.Arch "$S/engine-info.json")" "$real_arch"
is "engine-info: keeps only what dockrev reads" \
	"$(jq -c '.info | keys' "$S/engine-info.json")" '["Architecture","Name","OSType","RegistryConfig"]'
is "engine-info: mode 0600" "$(stat -c %a "$S/engine-info.json")" 600
jq '.version.Arch = "s390x"' "$S/engine-info.json" >"$S/e.tmp" && mv "$S/e.tmp" "$S/engine-info.json"
DOCKREV_STATE_DIR=$S "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "engine-info: a later check takes the platform from it" "$(jq -r .host.arch "$J")" s390x
jq '.ident += "x"' "$S/engine-info.json" >"$S/e.tmp" && mv "$S/e.tmp" "$S/engine-info.json"
DOCKREV_STATE_DIR=$S "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "engine-info: another dockerd's entry is not believed" "$(jq -r .host.arch "$J")" "$real_arch"
is "engine-info: and is replaced" "$(jq -r .version.Arch "$S/engine-info.json")" "$real_arch"
DOCKER_HOST=unix://$T_TMP/d.sock DOCKREV_STATE_DIR=$T_TMP/ei-proxy "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "engine-info: through a proxy (peer is not dockerd) nothing is cached" \
	"$(ls "$T_TMP/ei-proxy/engine-info.json" 2>/dev/null | wc -l)" 0

# ---- tcp:// -----------------------------------------------------------------------
port=$((23000 + $$ % 1000))
socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" UNIX-CONNECT:/var/run/docker.sock &
pids+=($!)
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
DOCKER_HOST=tcp://127.0.0.1:$port "$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "check over tcp:// exits 0" "$?" 0
is "tcp: same verdict" "$(item e-app '.candidates[0].tag')" 1.1
DOCKER_HOST=tcp://127.0.0.1:1 "$DOCKREV" check >"$T_TMP/out" 2>&1
is "tcp: nothing listening: exit 1" "$?" 1

# ---- tcp:// with TLS (libcurl's part) ---------------------------------------------
# socat terminates TLS in front of the socket and wants a client certificate
# from our CA; a second, unrelated CA must not be trusted.
C=$T_TMP/tls
mkdir -p "$C/good" "$C/bad"
tls_ca() {	# dir: a self-signed CA in dir/ca.pem, dir/ca-key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=it50 CA" \
		-keyout "$1/ca-key.pem" -out "$1/ca.pem" 2>/dev/null
}
tls_cert() {	# name ext: name-key.pem, name.pem signed by $C/good's CA
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" \
		-keyout "$C/$1-key.pem" -out "$C/$1.csr" 2>/dev/null &&
	printf '%s\n' "$2" >"$C/$1.ext" &&
	openssl x509 -req -in "$C/$1.csr" -CA "$C/good/ca.pem" \
		-CAkey "$C/good/ca-key.pem" -CAcreateserial -days 1 \
		-extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
ok "tls: make a CA" tls_ca "$C/good"
ok "tls: make another CA" tls_ca "$C/bad"
ok "tls: server certificate" tls_cert server "subjectAltName=IP:127.0.0.1"
ok "tls: client certificate" tls_cert client "extendedKeyUsage=clientAuth"
for d in good bad; do
	cp "$C/client.pem" "$C/$d/cert.pem"
	cp "$C/client-key.pem" "$C/$d/key.pem"
done
cat "$C/server.pem" "$C/server-key.pem" >"$C/server-both.pem"
tport=$((24000 + $$ % 1000))
socat "OPENSSL-LISTEN:$tport,bind=127.0.0.1,fork,reuseaddr,cert=$C/server-both.pem,cafile=$C/good/ca.pem,verify=1" \
	UNIX-CONNECT:/var/run/docker.sock 2>"$T_TMP/socat-tls.log" &
pids+=($!)
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tport"
DOCKER_HOST=tcp://127.0.0.1:$tport DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$C/good \
	"$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "check over tcp:// with TLS exits 0" "$?" 0
is "tls: same verdict" "$(item e-app '.candidates[0].tag')" 1.1
DOCKER_HOST=tcp://127.0.0.1:$tport DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$C/bad \
	"$DOCKREV" check >"$T_TMP/out" 2>&1
is "tls: a server certificate from another CA: exit 1" "$?" 1
like "tls: says it cannot reach the engine" "$(cat "$T_TMP/out")" 'cannot reach the Docker engine'
DOCKER_HOST=tcp://127.0.0.1:$tport "$DOCKREV" check >"$T_TMP/out" 2>&1
is "tls: plain http to a TLS port: exit 1" "$?" 1

# ---- Swarm ------------------------------------------------------------------------
if [ "$(docker info -f '{{.Swarm.LocalNodeState}}')" != active ]; then
	ok "docker swarm init" docker swarm init --advertise-addr 127.0.0.1
	swarm_started=1
fi
cat >"$T_TMP/stack.yml" <<YML
version: "3.3"
services:
  web:
    image: $R/app:1.0
    deploy:
      labels: [dockrev.test=1]
    labels: [dockrev.test=1, "dockrev.test.script=$T_ID"]
YML
ok "docker stack deploy" docker stack deploy -c "$T_TMP/stack.yml" "it50st$$"
wait_for 60 bash -c "docker ps --filter label=com.docker.stack.namespace=it50st$$ -q | grep -q ."
"$DOCKREV" check --json >"$J" 2>"$T_TMP/err"
is "check with a swarm task exits 0" "$?" 0
is "swarm task: stack is the stack namespace" "$(svc_item web .stack)" "it50st$$"
like "swarm task: image is the tag Swarm pinned" "$(svc_item web .image)" "^$R/app:1.0@sha256:"
is "swarm task: current digest is the pinned one" \
	"$(svc_item web '.current_digest == (.image | split("@")[1])')" true
is "swarm task: candidate 1.1" "$(svc_item web '[.candidates[].tag] | join(" ")')" 1.1
"$DOCKREV" check >"$T_TMP/table" 2>&1
like "table: swarm group" "$(cat "$T_TMP/table")" "it50st$$ \(swarm\)"
finish
