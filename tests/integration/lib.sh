# shellcheck shell=bash
# tests/integration/lib.sh: sourced (bash) by every tests/integration/NN-*.sh.
# Loads the rig's addresses (RIG_DIR/env, bringing the rig up if it has none),
# gives the script a private temp dir and DOCKER_CONFIG, counts results and
# prints the one summary line tests/run reads:
#   "integration NN-name: N passed, M failed"
# Everything the script labels with its own id is removed when it exits, even
# when it dies early (then the summary counts one more failure).
#
# Results:   ok DESC CMD...      pass when CMD exits 0 (its output is shown
#                                on failure); returns CMD's status
#            is DESC GOT WANT    pass when GOT = WANT
#            like DESC GOT ERE   pass when GOT matches the extended regex
#            pass DESC / fail DESC [DETAIL...]
#            wait_for SECS CMD...  retry CMD every 0.2 s until it succeeds
#            finish              print the summary, exit 0 or 1
#            (a script may define a function test_cleanup; it runs at exit
#            before the labelled containers are removed)
# Images:    img_build REF [--marker TEXT] [--health CMD] [--cmd CMD]
#                      [--exit N]                       -> prints the digest
#            img_push_platform_manifest [--oci] REG REPO TAG OS ARCH [VARIANT]
#                                                        -> prints the digest
#            img_push_index REG REPO TAG [--oci|--docker] [--attest] CHILD...
#                                                        -> prints the digest
# Registry:  reg_curl REG REPO METHOD PATH [CURL-ARGS...]  (authenticated)
#            reg_token REPO [ACTIONS] [--anon]           -> prints a token
#            reg_manifest_digest REG REPO REF            -> prints the digest
#            reg_requests NAME [ERE]   NAME plain|basic|token|fault or REG
#            reg_token_requests [ERE]
#            docker_login REG
# Docker:    run_ctr NAME IMAGE [DOCKER-RUN-OPTIONS...] [-- CMD...]
#            host_platform                               -> e.g. linux/amd64

set -u
set -o pipefail

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RIG_DIR=${RIG_DIR:-/tmp/dockrev-rig}
# Use the rig as it is when it answers; otherwise bring it up (idempotent).
if [ ! -f "$RIG_DIR/env" ] || ! . "$RIG_DIR/env" ||
	[ "$(curl -s -o /dev/null -m 3 -w '%{http_code}' \
		"http://$REG_PLAIN/v2/" 2>/dev/null)" != 200 ]; then
	RIG_DIR=$RIG_DIR "$T_ROOT/scripts/rig" up >&2 || {
		echo "lib.sh: scripts/rig up failed" >&2
		echo "integration $(basename "$0" .sh): 0 passed, 1 failed"
		exit 1
	}
	# shellcheck source=/dev/null
	. "$RIG_DIR/env"
fi

T_NAME=$(basename "$0" .sh)
T_ID=$T_NAME-$$
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dockrev-it-$T_NAME.XXXXXX")
T_PASS=0
T_FAIL=0
T_FINISHED=0
T_TOKEN_TTL=200			# seconds a cached reg_token is reused
export DOCKER_CONFIG=$T_TMP/docker-config
export DOCKER_BUILDKIT=0
# Each script's own state (database, caches): nothing leaks between tests
# or from the machine's /var/lib/dockrev.
export DOCKREV_STATE_DIR=$T_TMP/state
mkdir -p "$DOCKER_CONFIG" "$T_TMP/tokens"

# ---- results -------------------------------------------------------------------

pass() {
	T_PASS=$((T_PASS + 1))
	printf 'ok - %s\n' "$1"
}

fail() {
	local desc=$1
	shift
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok - %s\n' "$desc"
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/#   /' | head -n 60
}

ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "exit: $rc" "$out"
	fi
	return $rc
}

is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:  '$2'" "want: '$3'"
		return 1
	fi
}

like() {
	if [[ $2 =~ $3 ]]; then
		pass "$1"
	else
		fail "$1" "got:  '$2'" "want match of: $3"
		return 1
	fi
}

unlike() {
	if [[ $2 =~ $3 ]]; then
		fail "$1" "got:  '$2'" "want no match of: $3"
		return 1
	else
		pass "$1"
	fi
}

wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@"
}

finish() {
	T_FINISHED=1
	printf 'integration %s: %d passed, %d failed\n' "$T_NAME" "$T_PASS" \
		"$T_FAIL"
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}

# rm_labelled LABEL: removes this script's services, containers, networks
# volumes and images.
rm_labelled() {
	local ids
	if [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" \
		= active ]; then
		mapfile -t ids < <(docker service ls -q --filter "label=$1")
		[ ${#ids[@]} -eq 0 ] || docker service rm "${ids[@]}" >/dev/null
	fi
	mapfile -t ids < <(docker ps -aq --filter "label=$1")
	[ ${#ids[@]} -eq 0 ] || docker rm -f -v "${ids[@]}" >/dev/null
	mapfile -t ids < <(docker network ls -q --filter "label=$1")
	[ ${#ids[@]} -eq 0 ] || docker network rm "${ids[@]}" >/dev/null
	mapfile -t ids < <(docker volume ls -q --filter "label=$1")
	[ ${#ids[@]} -eq 0 ] || docker volume rm -f "${ids[@]}" >/dev/null
	# Images img_build made (every tag of each, rollback tags too); one
	# still used by a Swarm task being removed stays, harmlessly.
	mapfile -t ids < <(docker images -q --filter "label=$1" | sort -u)
	[ ${#ids[@]} -eq 0 ] || docker rmi -f "${ids[@]}" >/dev/null 2>&1
	return 0
}

t_exit() {
	local rc=$?
	if declare -F test_cleanup >/dev/null; then
		test_cleanup >/dev/null 2>&1 || true
	fi
	rm_labelled "dockrev.test.script=$T_ID" 2>/dev/null
	if [ "$T_FAIL" -gt 0 ] || [ "$T_FINISHED" = 0 ]; then
		# Keep what a failed run wrote (logs, state file) for a look.
		local keep=${TMPDIR:-/tmp}/dockrev-failed-$T_NAME
		rm -rf "$keep"
		mv "$T_TMP" "$keep" 2>/dev/null && echo "# kept $keep"
	fi
	rm -rf "$T_TMP"
	if [ "$T_FINISHED" = 0 ]; then
		printf 'not ok - %s ended before finish (exit %s)\n' "$T_NAME" "$rc"
		printf 'integration %s: %d passed, %d failed\n' "$T_NAME" \
			"$T_PASS" $((T_FAIL + 1))
		exit 1
	fi
}
trap t_exit EXIT

# ---- registries ------------------------------------------------------------------

# reg_kind REG: plain, basic, token, fault or down.
reg_kind() {
	case $1 in
	"$REG_PLAIN") echo plain ;;
	"$REG_BASIC") echo basic ;;
	"$REG_TOKEN") echo token ;;
	"$REG_FAULT") echo fault ;;
	*) echo down ;;
	esac
}

# reg_token REPO [ACTIONS] [--anon]: a token from tokend for REPO (default
# actions pull,push), as tester unless --anon.  Cached for T_TOKEN_TTL s.
reg_token() {
	local repo=$1 actions=${2:-pull,push} anon=${3:-} f tok
	local who=tester
	[ "$anon" = --anon ] && who=anonymous
	f=$T_TMP/tokens/$(printf '%s' "$who $repo $actions" | sha256sum |
		cut -c1-32)
	if [ -s "$f" ] &&
		[ $(($(date +%s) - $(stat -c %Y "$f"))) -lt $T_TOKEN_TTL ]; then
		cat "$f"
		return 0
	fi
	local args=(-sS -f -m 10 -G "$TOKEN_REALM"
		--data-urlencode "service=$TOKEN_SERVICE"
		--data-urlencode "scope=repository:$repo:$actions")
	[ "$who" = tester ] && args+=(-u "$RIG_USER:$RIG_PASS")
	tok=$(curl "${args[@]}" | jq -r .token) || return 1
	[ -n "$tok" ] && [ "$tok" != null ] || return 1
	printf '%s\n' "$tok" >"$f"
	printf '%s\n' "$tok"
}

# reg_auth REG REPO: sets the array REG_AUTH to the curl options that
# authenticate as tester against REG for REPO.
reg_auth() {
	local tok
	REG_AUTH=()
	case $(reg_kind "$1") in
	basic) REG_AUTH=(-u "$RIG_USER:$RIG_PASS") ;;
	token)
		tok=$(reg_token "$2" "pull,push,delete") || return 1
		REG_AUTH=(-H "Authorization: Bearer $tok")
		;;
	esac
	return 0
}

# reg_curl REG REPO METHOD PATH [CURL-ARGS...]: authenticated curl of
# http://REG/PATH; METHOD HEAD uses -I.  Prints what curl prints.
reg_curl() {
	local reg=$1 repo=$2 method=$3 path=$4
	shift 4
	reg_auth "$reg" "$repo" || return 1
	if [ "$method" = HEAD ]; then
		curl -sS -m 30 -I "${REG_AUTH[@]}" "$@" "http://$reg$path"
	else
		curl -sS -m 30 -X "$method" "${REG_AUTH[@]}" "$@" "http://$reg$path"
	fi
}

MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MT_DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json
MT_DOCKER_CONFIG=application/vnd.docker.container.image.v1+json
MT_DOCKER_LAYER=application/vnd.docker.image.rootfs.diff.tar.gzip
MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip
MT_ACCEPT_ALL="$MT_OCI_INDEX, $MT_DOCKER_LIST, $MT_OCI_MANIFEST, $MT_DOCKER_MANIFEST"

file_digest() {
	printf 'sha256:%s\n' "$(sha256sum "$1" | cut -d' ' -f1)"
}

# reg_put_blob REG REPO FILE: uploads FILE unless present; prints its digest.
reg_put_blob() {
	local reg=$1 repo=$2 file=$3 digest loc code
	digest=$(file_digest "$file")
	code=$(reg_curl "$reg" "$repo" HEAD "/v2/$repo/blobs/$digest" \
		-o /dev/null -w '%{http_code}') || return 1
	if [ "$code" != 200 ]; then
		loc=$(reg_curl "$reg" "$repo" POST "/v2/$repo/blobs/uploads/" \
			-o /dev/null -w '%header{location}' -H 'Content-Length: 0') ||
			return 1
		[ -n "$loc" ] || { echo "no upload location" >&2; return 1; }
		case $loc in http*) ;; *) loc=http://$reg$loc ;; esac
		case $loc in *'?'*) loc=$loc'&' ;; *) loc=$loc'?' ;; esac
		reg_auth "$reg" "$repo" || return 1
		code=$(curl -sS -m 30 -X PUT "${REG_AUTH[@]}" -o /dev/null \
			-w '%{http_code}' -H 'Content-Type: application/octet-stream' \
			--data-binary "@$file" "${loc}digest=$digest") || return 1
		[ "$code" = 201 ] || {
			echo "blob upload $digest: HTTP $code" >&2
			return 1
		}
	fi
	printf '%s\n' "$digest"
}

# reg_put_manifest REG REPO REF MEDIATYPE FILE: PUTs FILE as a manifest
# under REF (a tag, or "" for by-digest only); prints its digest.
reg_put_manifest() {
	local reg=$1 repo=$2 ref=$3 mt=$4 file=$5 digest code
	digest=$(file_digest "$file")
	[ -n "$ref" ] || ref=$digest
	code=$(reg_curl "$reg" "$repo" PUT "/v2/$repo/manifests/$ref" \
		-o "$T_TMP/put.out" -w '%{http_code}' -H "Content-Type: $mt" \
		--data-binary "@$file") || return 1
	if [ "$code" != 201 ]; then
		echo "manifest PUT $repo:$ref: HTTP $code $(cat "$T_TMP/put.out")" >&2
		return 1
	fi
	printf '%s\n' "$digest"
}

# reg_manifest_digest REG REPO REF: the digest the registry reports for REF.
reg_manifest_digest() {
	reg_curl "$1" "$2" HEAD "/v2/$2/manifests/$3" -H "Accept: $MT_ACCEPT_ALL" |
		tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}

# img_push_platform_manifest [--oci] REG REPO TAG OS ARCH [VARIANT]: pushes
# a one-layer image manifest for that platform (no engine involved); TAG ""
# pushes by digest only.  Prints the manifest digest.
img_push_platform_manifest() {
	local oci=0
	if [ "${1:-}" = --oci ]; then
		oci=1
		shift
	fi
	local reg=$1 repo=$2 tag=$3 os=$4 arch=$5 variant=${6:-}
	local d=$T_TMP/plat-$RANDOM$RANDOM ldigest ldiff lsize cdigest csize
	local mt cmt lmt
	mkdir -p "$d/root"
	printf '%s/%s%s\n' "$os" "$arch" "${variant:+/$variant}" \
		>"$d/root/platform"
	tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d/root" \
		-cf "$d/layer.tar" platform || return 1
	gzip -n -c "$d/layer.tar" >"$d/layer.tar.gz" || return 1
	ldiff=$(file_digest "$d/layer.tar")
	ldigest=$(reg_put_blob "$reg" "$repo" "$d/layer.tar.gz") || return 1
	lsize=$(stat -c %s "$d/layer.tar.gz")
	jq -cn --arg os "$os" --arg arch "$arch" --arg v "$variant" \
		--arg diff "$ldiff" '{architecture: $arch, os: $os}
		+ (if $v == "" then {} else {variant: $v} end)
		+ {config: {Cmd: ["/bin/sh"], Labels: {"dockrev.test": "1"}},
		   rootfs: {type: "layers", diff_ids: [$diff]},
		   created: "2020-01-01T00:00:00Z"}' | tr -d '\n' >"$d/config.json"
	cdigest=$(reg_put_blob "$reg" "$repo" "$d/config.json") || return 1
	csize=$(stat -c %s "$d/config.json")
	if [ $oci = 1 ]; then
		mt=$MT_OCI_MANIFEST cmt=$MT_OCI_CONFIG lmt=$MT_OCI_LAYER
	else
		mt=$MT_DOCKER_MANIFEST cmt=$MT_DOCKER_CONFIG lmt=$MT_DOCKER_LAYER
	fi
	jq -cn --arg mt "$mt" --arg cmt "$cmt" --arg lmt "$lmt" \
		--arg cd "$cdigest" --argjson cs "$csize" \
		--arg ld "$ldigest" --argjson ls "$lsize" \
		'{schemaVersion: 2, mediaType: $mt,
		  config: {mediaType: $cmt, size: $cs, digest: $cd},
		  layers: [{mediaType: $lmt, size: $ls, digest: $ld}]}' |
		tr -d '\n' >"$d/manifest.json"
	reg_put_manifest "$reg" "$repo" "$tag" "$mt" "$d/manifest.json"
}

# child_descriptor REG REPO DIGEST: the index entry (JSON) for that manifest,
# with the platform read from its config.
child_descriptor() {
	local reg=$1 repo=$2 digest=$3 f=$T_TMP/child.json mt size cfg plat
	reg_curl "$reg" "$repo" GET "/v2/$repo/manifests/$digest" -f \
		-H "Accept: $MT_OCI_MANIFEST, $MT_DOCKER_MANIFEST" -o "$f" ||
		return 1
	mt=$(jq -r '.mediaType // empty' "$f")
	[ -n "$mt" ] || mt=$MT_OCI_MANIFEST
	size=$(stat -c %s "$f")
	cfg=$(jq -r .config.digest "$f")
	plat=$(reg_curl "$reg" "$repo" GET "/v2/$repo/blobs/$cfg" -f -L |
		jq -c '{architecture: .architecture, os: .os}
		+ (if .variant then {variant: .variant} else {} end)') ||
		return 1
	jq -cn --arg mt "$mt" --argjson size "$size" --arg d "$digest" \
		--argjson p "$plat" \
		'{mediaType: $mt, size: $size, digest: $d, platform: $p}'
}

# attestation_descriptor REG REPO CHILD: pushes a BuildKit-style attestation
# manifest for CHILD; prints its index entry (platform unknown/unknown).
attestation_descriptor() {
	local reg=$1 repo=$2 child=$3 d=$T_TMP/att-$RANDOM$RANDOM
	local sdigest ssize cdigest csize digest size
	mkdir -p "$d"
	jq -cn --arg c "$child" '{_type: "https://in-toto.io/Statement/v0.1",
		predicateType: "https://spdx.dev/Document",
		subject: [{name: "dockrev-test", digest: {sha256: ($c | ltrimstr("sha256:"))}}],
		predicate: {spdxVersion: "SPDX-2.3"}}' | tr -d '\n' >"$d/stmt.json"
	sdigest=$(reg_put_blob "$reg" "$repo" "$d/stmt.json") || return 1
	ssize=$(stat -c %s "$d/stmt.json")
	jq -cn --arg s "$sdigest" '{architecture: "unknown", os: "unknown",
		config: {}, rootfs: {type: "layers", diff_ids: [$s]}}' |
		tr -d '\n' >"$d/config.json"
	cdigest=$(reg_put_blob "$reg" "$repo" "$d/config.json") || return 1
	csize=$(stat -c %s "$d/config.json")
	jq -cn --arg mt "$MT_OCI_MANIFEST" --arg cmt "$MT_OCI_CONFIG" \
		--arg cd "$cdigest" --argjson cs "$csize" \
		--arg sd "$sdigest" --argjson ss "$ssize" \
		'{schemaVersion: 2, mediaType: $mt,
		  config: {mediaType: $cmt, size: $cs, digest: $cd},
		  layers: [{mediaType: "application/vnd.in-toto+json", size: $ss,
		    digest: $sd, annotations:
		    {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}]}' |
		tr -d '\n' >"$d/manifest.json"
	digest=$(reg_put_manifest "$reg" "$repo" "" "$MT_OCI_MANIFEST" \
		"$d/manifest.json") || return 1
	size=$(stat -c %s "$d/manifest.json")
	jq -cn --arg mt "$MT_OCI_MANIFEST" --arg d "$digest" \
		--argjson size "$size" --arg c "$child" \
		'{mediaType: $mt, size: $size, digest: $d,
		  annotations: {"vnd.docker.reference.digest": $c,
		    "vnd.docker.reference.type": "attestation-manifest"},
		  platform: {architecture: "unknown", os: "unknown"}}'
}

# img_push_index REG REPO TAG [--oci|--docker] [--attest] CHILD...: pushes an
# OCI image index (default) or a Docker manifest list over the CHILD digests
# (already in REPO), each with the platform of its config; --attest (OCI
# only) adds an attestation manifest per child.  TAG "" pushes by digest
# only.  Prints the index digest.
img_push_index() {
	local reg=$1 repo=$2 tag=$3 oci=1 attest=0 c f mt
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		--oci) oci=1 ;;
		--docker) oci=0 ;;
		--attest) attest=1 ;;
		*) break ;;
		esac
		shift
	done
	[ $# -gt 0 ] || { echo "img_push_index: no children" >&2; return 1; }
	f=$T_TMP/index-$RANDOM$RANDOM.entries
	: >"$f"
	for c in "$@"; do
		child_descriptor "$reg" "$repo" "$c" >>"$f" || return 1
	done
	if [ $attest = 1 ] && [ $oci = 1 ]; then
		for c in "$@"; do
			attestation_descriptor "$reg" "$repo" "$c" >>"$f" || return 1
		done
	fi
	if [ $oci = 1 ]; then mt=$MT_OCI_INDEX; else mt=$MT_DOCKER_LIST; fi
	jq -cs --arg mt "$mt" '{schemaVersion: 2, mediaType: $mt,
		manifests: .}' "$f" | tr -d '\n' >"$f.json"
	reg_put_manifest "$reg" "$repo" "$tag" "$mt" "$f.json"
}

# docker_login REG: logs the engine in as tester (basic and token
# registries only), once per script, into this script's DOCKER_CONFIG.
docker_login() {
	local reg=$1 kind
	kind=$(reg_kind "$reg")
	[ "$kind" = basic ] || [ "$kind" = token ] || return 0
	[ -f "$T_TMP/login-$kind" ] && return 0
	printf '%s' "$RIG_PASS" | docker login -u "$RIG_USER" \
		--password-stdin "$reg" >"$T_TMP/login.out" 2>&1 || {
		cat "$T_TMP/login.out" >&2
		return 1
	}
	: >"$T_TMP/login-$kind"
}

ensure_base_image() {
	docker image inspect "$RIG_BASE_IMAGE" >/dev/null 2>&1 && return 0
	"$T_ROOT/scripts/rig" base >&2
}

# json_argv WORD...: a JSON array of the words (for exec-form CMD lines).
json_argv() {
	local a
	# One --arg per word: jq would take a word like -c as its own option.
	for a in "$@"; do
		jq -n --arg v "$a" '$v'
	done | jq -cs .
}

# img_build REF [--marker TEXT] [--health CMD] [--health-start S] [--cmd CMD]
# [--exit N]: builds a tiny image on the cached base (busybox), with /marker
# holding TEXT (default: REF), labelled dockrev.test=1, and pushes it to
# REF's registry.  The healthcheck runs every second and is unhealthy after
# two failures, not counting failures in the first S seconds (default 0).
# Prints the pushed manifest digest.
img_build() {
	local ref=$1 marker=$1 health="" hstart=0 cmd="" code="" d out digest
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--marker) marker=$2 ;;
		--health) health=$2 ;;
		--health-start) hstart=$2 ;;
		--cmd) cmd=$2 ;;
		--exit) code=$2 ;;
		*)
			echo "img_build: unknown option $1" >&2
			return 2
			;;
		esac
		shift 2
	done
	ensure_base_image || return 1
	d=$T_TMP/build-$RANDOM$RANDOM
	mkdir -p "$d"
	printf '%s\n' "$marker" >"$d/marker"
	{
		echo "FROM $RIG_BASE_IMAGE"
		echo "COPY marker /marker"
		echo "LABEL dockrev.test=1 dockrev.test.script=$T_ID"
		if [ -n "$health" ]; then
			echo "HEALTHCHECK --interval=1s --timeout=3s --retries=2" \
				"$([ "$hstart" = 0 ] || echo "--start-period=${hstart}s")" \
				"CMD $(json_argv sh -c "$health")"
		fi
		if [ -n "$code" ]; then
			[[ $code =~ ^[0-9]+$ ]] || {
				echo "img_build: --exit wants a number" >&2
				return 2
			}
			echo "CMD $(json_argv sh -c "exit $code")"
		elif [ -n "$cmd" ]; then
			echo "CMD $(json_argv sh -c "$cmd")"
		else
			echo "CMD $(json_argv sh -c \
				"trap 'exit 0' TERM INT; while :; do sleep 1; done")"
		fi
	} >"$d/Dockerfile"
	docker build -q -t "$ref" "$d" >"$d/build.out" 2>&1 || {
		cat "$d/build.out" >&2
		return 1
	}
	docker_login "${ref%%/*}" || return 1
	docker push "$ref" >"$d/push.out" 2>&1 || {
		cat "$d/push.out" >&2
		return 1
	}
	digest=$(sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' \
		"$d/push.out" | tail -n 1)
	[ -n "$digest" ] || {
		cat "$d/push.out" >&2
		return 1
	}
	printf '%s\n' "$digest"
}

# run_ctr NAME IMAGE [DOCKER-RUN-OPTIONS...] [-- CMD...]: docker run -d,
# labelled for cleanup.  Prints the container id.
run_ctr() {
	local name=$1 image=$2 opts=() cmd=()
	shift 2
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			shift
			cmd=("$@")
			break
		fi
		opts+=("$1")
		shift
	done
	docker run -d --name "$name" --label dockrev.test=1 \
		--label "dockrev.test.script=$T_ID" "${opts[@]}" "$image" \
		"${cmd[@]}"
}

# count_log FILE FILTER [ERE]: lines of FILE matching FILTER and ERE, read
# again after a moment so that lines still being written are counted.
count_log() {
	local file=$1 filter=$2 ere=${3:-} n m
	[ -f "$file" ] || { echo 0; return 0; }
	m=-1
	n=$(grep -E -- "$filter" "$file" | grep -cE -- "${ere:-.}")
	while [ "$n" != "$m" ]; do
		m=$n
		sleep 0.1
		n=$(grep -E -- "$filter" "$file" | grep -cE -- "${ere:-.}")
	done
	echo "$n"
}

# reg_requests NAME [ERE]: /v2/ requests in the access log of NAME (plain,
# basic, token, fault, or a REG_* address), optionally only those matching
# ERE (e.g. '"HEAD /v2/app/manifests/').
reg_requests() {
	local name=$1 log
	case $name in *:*) name=$(reg_kind "$name") ;; esac
	case $name in
	plain) log=$LOG_PLAIN ;;
	basic) log=$LOG_BASIC ;;
	token) log=$LOG_TOKEN ;;
	fault)
		count_log "$LOG_FAULT" ' /v2/' "${2:-}"
		return
		;;
	*)
		echo "reg_requests: unknown registry $name" >&2
		return 2
		;;
	esac
	count_log "$log" '"[A-Z]+ /v2/' "${2:-}"
}

# reg_token_requests [ERE]: token requests tokend logged (one line each:
# TIME USER STATUS SCOPE...), optionally only those matching ERE.
reg_token_requests() {
	count_log "$LOG_TOKEND" . "${1:-}"
}

# host_platform: the engine's OS/ARCH, as in an index entry.
host_platform() {
	docker version -f '{{.Server.Os}}/{{.Server.Arch}}'
}
