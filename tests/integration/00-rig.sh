#!/usr/bin/env bash
# 00-rig: proves the test rig itself: each registry answers the way its kind
# of real registry does, the token flow works (anonymous and credentialed),
# the image helpers push to every registry, indexes resolve and pull, the
# fault proxy injects what it is told, and labelled containers are cleaned.
. "$(dirname "$0")/lib.sh"

# header URL HEADER [CURL-ARGS...]: the value of one response header.
header() {
	local url=$1 name=$2
	shift 2
	curl -s -m 10 -o /dev/null -D - "$@" "$url" | tr -d '\r' |
		sed -n "s/^$name: //Ip" | head -n 1
}

code() {
	local url=$1
	shift
	curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" "$url"
}

# inspect_is CONTAINER FORMAT WANT: does docker inspect say WANT?
inspect_is() {
	[ "$(docker inspect -f "$2" "$1" 2>/dev/null)" = "$3" ]
}

# jwt_claims TOKEN: the decoded claims of a JWT.
jwt_claims() {
	local p
	p=$(printf '%s' "$1" | cut -d. -f2 | tr '_-' '/+')
	while [ $((${#p} % 4)) != 0 ]; do p=$p=; done
	printf '%s' "$p" | base64 -d
}

# ---- registries answer as their kind ------------------------------------------
is "plain /v2/ answers 200" "$(code "http://$REG_PLAIN/v2/")" 200
is "basic /v2/ answers 401" "$(code "http://$REG_BASIC/v2/")" 401
like "basic challenge is Basic" \
	"$(header "http://$REG_BASIC/v2/" WWW-Authenticate)" '^Basic realm='
is "basic /v2/ with credentials answers 200" \
	"$(code "http://$REG_BASIC/v2/" -u "$RIG_USER:$RIG_PASS")" 200
is "basic /v2/ with a wrong password answers 401" \
	"$(code "http://$REG_BASIC/v2/" -u "$RIG_USER:wrong")" 401
is "token /v2/ answers 401" "$(code "http://$REG_TOKEN/v2/")" 401
is "token challenge names realm and service" \
	"$(header "http://$REG_TOKEN/v2/" WWW-Authenticate)" \
	"Bearer realm=\"$TOKEN_REALM\",service=\"$TOKEN_SERVICE\""
like "token challenge on a repository carries the scope" \
	"$(header "http://$REG_TOKEN/v2/public/rig/manifests/x" \
		WWW-Authenticate)" 'scope="repository:public/rig:pull"'
is "nothing listens on REG_DOWN" "$(code "http://$REG_DOWN/v2/")" 000

# ---- tokend -------------------------------------------------------------------------
before=$(reg_token_requests)
anon=$(curl -s -G "$TOKEN_REALM" --data-urlencode "service=$TOKEN_SERVICE" \
	--data-urlencode "scope=repository:public/rig:pull,push" \
	--data-urlencode "scope=repository:private/rig:pull")
like "anonymous token answer has token, access_token, expires_in, issued_at" \
	"$(printf '%s' "$anon" | jq -c '[(.token | length > 0),
		.token == .access_token, .expires_in,
		(.issued_at | test("^[0-9-]+T[0-9:]+Z$"))]')" \
	'^\[true,true,300,true\]$'
claims=$(jwt_claims "$(printf '%s' "$anon" | jq -r .token)")
is "anonymous gets pull only on public/*, nothing on others" \
	"$(printf '%s' "$claims" | jq -c '.access')" \
	'[{"type":"repository","name":"public/rig","actions":["pull"]},{"type":"repository","name":"private/rig","actions":[]}]'
is "claims iss/aud/sub" \
	"$(printf '%s' "$claims" | jq -r '[.iss, .aud, .sub] | join(" ")')" \
	"$TOKEN_ISSUER $TOKEN_SERVICE "
is "claims exp = iat + 300" \
	"$(printf '%s' "$claims" | jq '.exp - .iat')" 300
is "wrong password gets 401" "$(code "$TOKEN_REALM?service=$TOKEN_SERVICE" \
	-u "$RIG_USER:wrong")" 401
auth=$(curl -s -u "$RIG_USER:$RIG_PASS" -G "$TOKEN_REALM" \
	--data-urlencode "service=$TOKEN_SERVICE" \
	--data-urlencode "account=$RIG_USER" \
	--data-urlencode "scope=repository:private/rig:pull,push")
is "tester gets pull,push" \
	"$(jwt_claims "$(printf '%s' "$auth" | jq -r .token)" |
		jq -c '[.sub, .access[0].actions]')" '["tester",["pull","push"]]'
is "tokend logged the three token requests" \
	"$(($(reg_token_requests) - before))" 3
is "tokend log line names user and scopes" \
	"$(tail -n 1 "$LOG_TOKEND" | cut -d' ' -f2-)" \
	"tester 200 repository:private/rig:pull,push"

# ---- img_build to all three registries --------------------------------------------
host=$(host_platform)
d_plain=$(img_build "$REG_PLAIN/rigtest/app:1" --marker "plain $$")
like "img_build pushes to plain" "$d_plain" '^sha256:[0-9a-f]{64}$'
is "plain reports that digest for the tag" \
	"$(reg_manifest_digest "$REG_PLAIN" rigtest/app 1)" "$d_plain"
d_plain2=$(img_build "$REG_PLAIN/rigtest/app:2" --marker "plain2 $$")
like "another marker gives another digest" "$d_plain2" '^sha256:'
if [ "$d_plain" != "$d_plain2" ]; then
	pass "digests differ"
else
	fail "digests differ" "$d_plain"
fi
d_basic=$(img_build "$REG_BASIC/rigtest/app:1" --marker "basic $$")
like "img_build pushes to basic (docker login)" "$d_basic" '^sha256:'
is "basic reports that digest" \
	"$(reg_manifest_digest "$REG_BASIC" rigtest/app 1)" "$d_basic"
d_tok=$(img_build "$REG_TOKEN/private/app:1" --marker "token $$")
like "img_build pushes to token/private (docker login + tokend)" "$d_tok" \
	'^sha256:'
d_pub=$(img_build "$REG_TOKEN/public/app:1" --marker "public $$")
like "img_build pushes to token/public" "$d_pub" '^sha256:'

# Anonymous and credentialed manifest fetches against the token registry.
atok=$(reg_token public/app pull --anon)
is "anonymous token pulls public/app" \
	"$(code "http://$REG_TOKEN/v2/public/app/manifests/1" \
		-H "Authorization: Bearer $atok" -H "Accept: $MT_DOCKER_MANIFEST")" 200
ptok=$(reg_token private/app pull --anon)
is "anonymous token cannot pull private/app" \
	"$(code "http://$REG_TOKEN/v2/private/app/manifests/1" \
		-H "Authorization: Bearer $ptok" -H "Accept: $MT_DOCKER_MANIFEST")" 401
is "tester token pulls private/app by digest" \
	"$(reg_manifest_digest "$REG_TOKEN" private/app 1)" "$d_tok"

# docker pull through the token flow, after removing the local copy.
docker rmi "$REG_TOKEN/private/app:1" >/dev/null 2>&1
ok "docker pull from the token registry" docker pull -q \
	"$REG_TOKEN/private/app:1"
like "pulled image records the pushed digest" \
	"$(docker image inspect -f '{{join .RepoDigests " "}}' \
		"$REG_TOKEN/private/app:1")" "@$d_tok"
ok "docker pull from the basic registry" docker pull -q \
	"$REG_BASIC/rigtest/app:1"
ok "skopeo reads the plain registry" skopeo inspect --tls-verify=false \
	--raw "docker://$REG_PLAIN/rigtest/app:1"

# ---- health checks and exit codes ----------------------------------------------
img_build "$REG_PLAIN/rigtest/health:1" --health 'test -f /marker' \
	>/dev/null
run_ctr rig-health "$REG_PLAIN/rigtest/health:1" >/dev/null
ok "HEALTHCHECK image becomes healthy" wait_for 20 \
	inspect_is rig-health '{{.State.Health.Status}}' healthy
img_build "$REG_PLAIN/rigtest/exit:1" --exit 3 >/dev/null
run_ctr rig-exit "$REG_PLAIN/rigtest/exit:1" >/dev/null
ok "--exit 3 image exits with 3" wait_for 10 \
	inspect_is rig-exit '{{.State.Status}} {{.State.ExitCode}}' "exited 3"
t0=$(date +%s)
docker stop rig-health >/dev/null
like "default CMD stops promptly on TERM" "$(($(date +%s) - t0))" '^[0-3]$'

# ---- platform manifests and indexes ------------------------------------------------
for reg in "$REG_PLAIN" "$REG_TOKEN"; do
	kind=$(reg_kind "$reg")
	repo=rigtest/multi
	[ "$kind" = token ] && repo=private/multi
	host_d=$(img_build "$reg/$repo:host" --marker "multi $$")
	arm64=$(img_push_platform_manifest "$reg" "$repo" "" linux arm64 v8)
	like "$kind: platform manifest linux/arm64/v8 pushed" "$arm64" '^sha256:'
	armv7=$(img_push_platform_manifest --oci "$reg" "$repo" armv7 linux arm v7)
	like "$kind: OCI platform manifest linux/arm/v7 pushed" "$armv7" '^sha256:'
	list=$(img_push_index "$reg" "$repo" list --docker "$host_d" "$arm64")
	like "$kind: Docker manifest list pushed" "$list" '^sha256:'
	body=$(reg_curl "$reg" "$repo" GET "/v2/$repo/manifests/list" \
		-H "Accept: $MT_ACCEPT_ALL")
	is "$kind: list has the Docker media type and both platforms" \
		"$(printf '%s' "$body" | jq -c '[.mediaType, [.manifests[].platform |
			"\(.os)/\(.architecture)\(if .variant then "/" + .variant
			else "" end)"]]')" \
		"[\"$MT_DOCKER_LIST\",[\"$host\",\"linux/arm64/v8\"]]"
	for c in $(printf '%s' "$body" | jq -r '.manifests[].digest'); do
		is "$kind: list child $c resolves" \
			"$(reg_manifest_digest "$reg" "$repo" "$c")" "$c"
	done
	index=$(img_push_index "$reg" "$repo" index --oci --attest \
		"$host_d" "$armv7")
	like "$kind: OCI index with attestations pushed" "$index" '^sha256:'
	body=$(reg_curl "$reg" "$repo" GET "/v2/$repo/manifests/index" \
		-H "Accept: $MT_ACCEPT_ALL")
	is "$kind: index platforms (children then attestations)" \
		"$(printf '%s' "$body" | jq -c '[.mediaType, [.manifests[].platform |
			"\(.os)/\(.architecture)"]]')" \
		"[\"$MT_OCI_INDEX\",[\"$host\",\"linux/arm\",\"unknown/unknown\",\"unknown/unknown\"]]"
	is "$kind: attestation refers to its child" \
		"$(printf '%s' "$body" | jq -r '.manifests[2].annotations["vnd.docker.reference.digest"]')" \
		"$host_d"
	bad=0
	for c in $(printf '%s' "$body" | jq -r '.manifests[].digest'); do
		[ "$(reg_manifest_digest "$reg" "$repo" "$c")" = "$c" ] ||
			bad=$((bad + 1))
	done
	is "$kind: all four index children resolve" "$bad" 0
	docker rmi "$reg/$repo:host" "$reg/$repo:index" >/dev/null 2>&1
	ok "$kind: docker pull of the OCI index" docker pull -q "$reg/$repo:index"
	rd=$(docker image inspect -f '{{join .RepoDigests " "}}' \
		"$reg/$repo:index")
	like "$kind: pulled image records the index digest" "$rd" "@$index"
	ok "$kind: docker pull of the Docker list" docker pull -q \
		"$reg/$repo:list"
done

# ---- fault proxy ----------------------------------------------------------------------
F=http://$REG_FAULT
ok "fault proxy reset" curl -sf -X POST "$F/_fault?reset=1&clear_stats=1"
plain_digest=$(header "$F/v2/rigtest/app/manifests/1" Docker-Content-Digest \
	-H "Accept: $MT_DOCKER_MANIFEST")
is "proxy passes Docker-Content-Digest" "$plain_digest" "$d_plain"
len_direct=$(header "http://$REG_PLAIN/v2/rigtest/app/manifests/1" \
	Content-Length -I -H "Accept: $MT_DOCKER_MANIFEST")
is "proxy HEAD keeps the upstream Content-Length" \
	"$(header "$F/v2/rigtest/app/manifests/1" Content-Length -I \
		-H "Accept: $MT_DOCKER_MANIFEST")" "$len_direct"
is "proxy HEAD has no body" "$(curl -s -I "$F/v2/rigtest/app/manifests/1" \
	-H "Accept: $MT_DOCKER_MANIFEST" -o /dev/null -w '%{size_download}')" 0
is "proxy keeps Content-Type" \
	"$(header "$F/v2/rigtest/app/manifests/1" Content-Type -I \
		-H "Accept: $MT_DOCKER_MANIFEST")" "$MT_DOCKER_MANIFEST"
is "proxy GET body is the manifest" \
	"$(curl -s "$F/v2/rigtest/app/manifests/1" -H "Accept: $MT_DOCKER_MANIFEST" |
		sha256sum | cut -d' ' -f1)" "${d_plain#sha256:}"
ok "nodigest=1 accepted" curl -sf -X POST "$F/_fault?nodigest=1"
is "nodigest drops Docker-Content-Digest" \
	"$(header "$F/v2/rigtest/app/manifests/1" Docker-Content-Digest -I \
		-H "Accept: $MT_DOCKER_MANIFEST")" ""
ok "status429=2 retry_after=3" curl -sf -X POST \
	"$F/_fault?reset=1&status429=2&retry_after=3"
is "first request gets 429" "$(code "$F/v2/")" 429
is "429 carries Retry-After: 3" "$(header "$F/v2/" Retry-After)" 3
is "third request passes" "$(code "$F/v2/")" 200
ok "status500=1" curl -sf -X POST "$F/_fault?status500=1"
is "then a 500" "$(code "$F/v2/")" 500
is "then 200 again" "$(code "$F/v2/")" 200
ok "badmanifest=1" curl -sf -X POST "$F/_fault?badmanifest=1"
bad_body=$(curl -s "$F/v2/rigtest/app/manifests/1" \
	-H "Accept: $MT_DOCKER_MANIFEST")
if printf '%s' "$bad_body" | jq -e . >/dev/null 2>&1; then
	fail "badmanifest gives invalid JSON" "$bad_body"
else
	pass "badmanifest gives invalid JSON"
fi
is "badmanifest keeps the digest header" \
	"$(header "$F/v2/rigtest/app/manifests/1" Docker-Content-Digest \
		-H "Accept: $MT_DOCKER_MANIFEST")" "$d_plain"
is "unknown fault key answers 400" \
	"$(code "$F/_fault?bogus=1" -X POST)" 400
stats=$(curl -s "$F/_fault/stats")
is "stats count the faults" \
	"$(printf '%s' "$stats" | jq -c '[.status429, .status500, .badmanifest]')" \
	'[2,1,1]'
like "stats count seen and forwarded" \
	"$(printf '%s' "$stats" | jq -c '[.seen - .forwarded]')" '^\[3\]$'
before=$(reg_requests fault)
curl -s -o /dev/null "$F/v2/rigtest/app/tags/list"
is "fault log counts a proxied request" "$(($(reg_requests fault) - before))" 1
before=$(reg_requests plain '/tags/list')
curl -s -o /dev/null "http://$REG_PLAIN/v2/rigtest/app/tags/list"
is "plain access log counts a request" \
	"$(($(reg_requests plain '/tags/list') - before))" 1
docker rmi "$REG_FAULT/rigtest/app:1" >/dev/null 2>&1
ok "docker pull through the fault proxy" docker pull -q \
	"$REG_FAULT/rigtest/app:1"
d_fault=$(img_build "$REG_FAULT/rigtest/viaproxy:1" --marker "proxy $$")
is "docker push through the fault proxy lands in plain" \
	"$(reg_manifest_digest "$REG_PLAIN" rigtest/viaproxy 1)" "$d_fault"
curl -s -o /dev/null -X POST "$F/_fault?reset=1"

# ---- cleanup -----------------------------------------------------------------------
run_ctr rig-clean "$REG_PLAIN/rigtest/app:1" >/dev/null
is "run_ctr container runs" \
	"$(docker inspect -f '{{.State.Running}} {{index .Config.Labels "dockrev.test"}}' rig-clean)" \
	"true 1"
# Only this script's containers: other test runs may share the engine.
ok "rig cleanup" "$T_ROOT/scripts/rig" cleanup "dockrev.test.script=$T_ID"
is "cleanup removed the run_ctr containers" \
	"$(docker ps -aq --filter "label=dockrev.test.script=$T_ID" | wc -l)" 0
is "registries still up after cleanup" "$(code "http://$REG_PLAIN/v2/")" 200

finish
