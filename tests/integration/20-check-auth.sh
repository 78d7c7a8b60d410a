#!/usr/bin/env bash
# 20-check-auth: credentials and failures stay local.  Basic auth and
# bearer tokens (anonymous and credentialed) from the docker config's
# auths, credsStore and credHelpers; one token per registry for all its
# repositories; a registry that refuses us or is down marks only its own
# images as error; no secret ever appears in the output.
. "$(dirname "$0")/lib.sh"

J=$T_TMP/check.json
item() { jq -r --arg n "$1" ".items[] | select(.container == \$n) | ${2:-.}" "$J"; }
cands() { item "$1" '[.candidates[] | .tag] | join(" ")'; }
check() {
	"$DOCKREV" check --json "$@" >"$J" 2>"$T_TMP/check.err"
	is "dockrev check --json $* exits 0" "$?" 0
}
EMPTY=$T_TMP/empty-config.json	# does not exist: anonymous

# ---- images on each registry ----------------------------------------------------
B=$REG_BASIC/it20-$$
TP=$REG_TOKEN/public/it20-$$
TQ=$REG_TOKEN/it20-$$
img_build "$B/b:1.0" --marker b10 >/dev/null
img_build "$B/b:1.1" --marker b11 >/dev/null
for r in x y z; do
	img_build "$TP-$r:1.0" --marker "p$r" >/dev/null
	img_build "$TP-$r:1.2" --marker "p$r-12" >/dev/null
done
img_build "$TQ/priv:1.0" --marker q10 >/dev/null
img_build "$TQ/priv:2.0" --marker q20 >/dev/null
run_ctr a-basic "$B/b:1.0" >/dev/null
for r in x y z; do run_ctr "a-pub-$r" "$TP-$r:1.0" >/dev/null; done
run_ctr a-priv "$TQ/priv:1.0" >/dev/null

# A registry that will be down when we check: push, then stop it.
down_dir=$T_TMP/downreg
mkdir -p "$down_dir/data"
cat >"$down_dir/config.yml" <<YML
version: 0.1
storage: {filesystem: {rootdirectory: $down_dir/data}}
http: {addr: $REG_DOWN}
YML
docker-registry serve "$down_dir/config.yml" >"$down_dir/log" 2>&1 &
down_pid=$!
wait_for 10 curl -sf "http://$REG_DOWN/v2/" >/dev/null
img_build "$REG_DOWN/it20-$$/gone:1.0" --marker gone >/dev/null
run_ctr a-down "$REG_DOWN/it20-$$/gone:1.0" >/dev/null
kill "$down_pid"; wait "$down_pid" 2>/dev/null

# ---- with the credentials docker login wrote ---------------------------------------
tok0=$(reg_token_requests "it20-$$")
check
is "basic auth: update found" "$(cands a-basic)" "1.1"
is "basic auth: status" "$(item a-basic .status)" update_available
for r in x y z; do
	is "token, public/$r: candidate 1.2" "$(cands "a-pub-$r")" "1.2"
done
is "token, private repo with credentials: candidate 2.0" "$(cands a-priv)" "2.0"
is "one token request for every repository of the token registry" \
	"$(($(reg_token_requests "it20-$$") - tok0))" 1
is "registry down: error" "$(item a-down .status)" error
like "registry down: reason names it" "$(item a-down .reason)" "$REG_DOWN.*unreachable"
is "registry down does not spoil the others" "$(item a-basic .status)" update_available

# ---- anonymous -----------------------------------------------------------------
check --docker-config "$EMPTY"
is "basic registry without credentials: error" "$(item a-basic .status)" error
like "basic without credentials: reason" "$(item a-basic .reason)" 'refused access.*no credentials'
is "token, public repo anonymously: still works" "$(cands a-pub-x)" "1.2"
is "token, private repo anonymously: error" "$(item a-priv .status)" error
like "token, private anonymously: reason" "$(item a-priv .reason)" 'refused access'

# ---- wrong password ---------------------------------------------------------------
printf '{"auths": {"%s": {"auth": "%s"}, "%s": {"auth": "%s"}}}' \
	"$REG_TOKEN" "$(printf 'tester:wrong' | base64)" \
	"$REG_BASIC" "$(printf 'tester:wrong' | base64)" >"$T_TMP/wrong.json"
check --docker-config "$T_TMP/wrong.json"
is "token registry, wrong password: error" "$(item a-priv .status)" error
like "token registry, wrong password: the token endpoint refused" "$(item a-priv .reason)" 'refused the credentials'
is "basic registry, wrong password: error" "$(item a-basic .status)" error

# ---- credsStore and credHelpers --------------------------------------------------
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/docker-credential-ittest" <<'SH'
#!/bin/sh
[ "$1" = get ] || exit 1
read -r url
case $url in
*5002*|*5003*) printf '{"ServerURL":"%s","Username":"tester","Secret":"testpass"}\n' "$url" ;;
*) echo "credentials not found in native keychain"; exit 1 ;;
esac
SH
chmod +x "$T_TMP/bin/docker-credential-ittest"
printf '{"credsStore": "ittest"}' >"$T_TMP/store.json"
PATH=$T_TMP/bin:$PATH check --docker-config "$T_TMP/store.json"
is "credsStore helper: private repo" "$(cands a-priv)" "2.0"
is "credsStore helper: basic registry" "$(cands a-basic)" "1.1"
printf '{"credHelpers": {"%s": "ittest"}}' "$REG_TOKEN" >"$T_TMP/helpers.json"
PATH=$T_TMP/bin:$PATH check --docker-config "$T_TMP/helpers.json"
is "credHelpers for the token registry: private repo" "$(cands a-priv)" "2.0"
is "credHelpers: the basic registry has none" "$(item a-basic .status)" error
printf '{"credsStore": "../../bin/sh"}' >"$T_TMP/evil.json"
"$DOCKREV" check --json --docker-config "$T_TMP/evil.json" >"$J" 2>"$T_TMP/evil.err"
rc=$?
like "a credsStore with a path is refused, not run" "$rc:$(item a-priv .status)$(cat "$T_TMP/evil.err")" '^(1:.*|0:error.*)'

# ---- DOCKER_CONFIG is honoured ------------------------------------------------------
mkdir -p "$T_TMP/dc"
cp "$T_TMP/store.json" "$T_TMP/dc/config.json"
DOCKER_CONFIG=$T_TMP/dc PATH=$T_TMP/bin:$PATH check
is "DOCKER_CONFIG/config.json is read" "$(cands a-priv)" "2.0"

# ---- no secret in any output --------------------------------------------------------
"$DOCKREV" check >"$T_TMP/table.txt" 2>&1
"$DOCKREV" check --docker-config "$T_TMP/wrong.json" >>"$T_TMP/table.txt" 2>&1
cat "$J" "$T_TMP"/*.err >>"$T_TMP/table.txt"
is "no password or token in any output" \
	"$(grep -cE 'testpass|dGVzdGVyOnRlc3RwYXNz|eyJ' "$T_TMP/table.txt")" 0
finish
