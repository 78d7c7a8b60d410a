#!/usr/bin/env bash
# 30-check-multiarch: multi-platform indexes (Docker manifest lists and OCI
# indexes with attestations) never give a false "update available": only a
# change of the host platform's image counts.  Candidates say whether they
# have the host's platform, and only those that do make an update.
. "$(dirname "$0")/lib.sh"

R=$REG_PLAIN
P=it30-$$
J=$T_TMP/check.json
item() { jq -r --arg n "$1" ".items[] | select(.container == \$n) | ${2:-.}" "$J"; }
cands() { item "$1" '[.candidates[] | .tag + ":" + (.arch_match|tostring)] | join(" ")'; }
plats() { item "$1" '.candidates[0].platforms | if . == null then "null" else join(" ") end'; }
check() {
	"$DOCKREV" check --json "$@" >"$J" 2>"$T_TMP/check.err"
	is "dockrev check exits 0" "$?" 0
}
plat=$(host_platform)

# ---- a floating tag on a Docker manifest list -------------------------------------
h1=$(img_build "$R/$P/ma:host1" --marker h1)
a1=$(img_push_platform_manifest "$R" "$P/ma" arm64-1 linux arm64 v8)
v7=$(img_push_platform_manifest "$R" "$P/ma" armv7-1 linux arm v7)
i1=$(img_push_index "$R" "$P/ma" latest --docker "$h1" "$a1" "$v7")
ok "docker pull of the list" docker pull -q "$R/$P/ma:latest"
like "the local image records the list digest" \
	"$(docker image inspect -f '{{json .RepoDigests}}' "$R/$P/ma:latest")" "$i1"
run_ctr m-list "$R/$P/ma:latest" >/dev/null
check
is "list, nothing moved: up_to_date" "$(item m-list .status)" up_to_date
is "list: remote digest is the list's" "$(item m-list .remote_digest)" "$i1"

a2=$(img_push_platform_manifest "$R" "$P/ma" arm64-2 linux arm64 v8)
i2=$(img_push_index "$R" "$P/ma" latest --docker "$h1" "$a2" "$v7")
check
is "only the arm64 child moved: still up_to_date" "$(item m-list .status)" up_to_date
is "the list digest did move" "$(item m-list .remote_digest)" "$i2"

h2=$(img_build "$R/$P/ma:host2" --marker h2)
i3=$(img_push_index "$R" "$P/ma" latest --docker "$h2" "$a2" "$v7")
check
is "the host child moved: update_available" "$(item m-list .status)" update_available
is "remote digest is the new list" "$(item m-list .remote_digest)" "$i3"

img_push_index "$R" "$P/ma" latest --docker "$a2" "$v7" >/dev/null
check
is "moved to a list without our platform: error" "$(item m-list .status)" error
like "and says which platform is missing" "$(item m-list .reason)" "no image for $plat"

# ---- an OCI index with attestation manifests --------------------------------------
o1=$(img_build "$R/$P/oci:host" --marker o1)
oa=$(img_push_platform_manifest --oci "$R" "$P/oci" arm64 linux arm64)
oi=$(img_push_index "$R" "$P/oci" latest --oci --attest "$o1" "$oa")
ok "docker pull of the OCI index" docker pull -q "$R/$P/oci:latest"
run_ctr m-oci "$R/$P/oci:latest" >/dev/null
oa2=$(img_push_platform_manifest --oci "$R" "$P/oci" arm64b linux arm64)
img_push_index "$R" "$P/oci" latest --oci --attest "$o1" "$oa2" >/dev/null
check
is "OCI index with attestations, arm64 moved: up_to_date" "$(item m-oci .status)" up_to_date
like "OCI: current digest is one of ours" "$(item m-oci .current_digest)" "^($oi|$o1)$"

# ---- candidates and the host architecture -----------------------------------------
img_build "$R/$P/c1:1.0" --marker c10 >/dev/null
img_push_platform_manifest "$R" "$P/c1" 1.1 linux arm64 >/dev/null
run_ctr m-c1 "$R/$P/c1:1.0" >/dev/null

img_build "$R/$P/c2:1.0" --marker c20 >/dev/null
x1=$(img_push_platform_manifest "$R" "$P/c2" x-arm64 linux arm64)
x2=$(img_push_platform_manifest "$R" "$P/c2" x-armv7 linux arm v7)
img_push_index "$R" "$P/c2" 1.1 --oci "$x1" "$x2" >/dev/null
run_ctr m-c2 "$R/$P/c2:1.0" >/dev/null

img_build "$R/$P/c3:1.0" --marker c30 >/dev/null
y0=$(img_build "$R/$P/c3:y-host" --marker c31)
y1=$(img_push_platform_manifest "$R" "$P/c3" y-arm64 linux arm64)
img_push_index "$R" "$P/c3" 1.1 --docker "$y0" "$y1" >/dev/null
run_ctr m-c3 "$R/$P/c3:1.0" >/dev/null
check
is "single-platform arm64 candidate: arch_match false" "$(cands m-c1)" "1.1:false"
is "... and no update for this host" "$(item m-c1 .status)" up_to_date
is "index without our platform: arch_match false" "$(cands m-c2)" "1.1:false"
is "... and no update" "$(item m-c2 .status)" up_to_date
is "index with our platform: arch_match true" "$(cands m-c3)" "1.1:true"
is "... and an update" "$(item m-c3 .status)" update_available
like "candidate digest is the index digest" "$(item m-c3 '.candidates[0].digest')" '^sha256:'
is "single-platform candidate: its config's platform" "$(plats m-c1)" "linux/arm64"
is "OCI index candidate: each child's platform, in order" "$(plats m-c2)" \
	"linux/arm64 linux/arm/v7"
is "list candidate: the host's platform and arm64" "$(plats m-c3)" "$plat linux/arm64"

# ---- config platforms are remembered by digest (state dir) -------------------------
cpf=$DOCKREV_STATE_DIR/config-platforms
c1cfg=$(reg_curl "$R" "$P/c1" GET "/v2/$P/c1/manifests/1.1" -f \
	-H "Accept: application/vnd.docker.distribution.manifest.v2+json" \
	-H "Accept: application/vnd.oci.image.manifest.v1+json" | jq -r .config.digest)
is "the config's platform is remembered" "$(grep -c "^$c1cfg linux/arm64\$" "$cpf")" 1
is "... in a file of mode 0600" "$(stat -c %a "$cpf")" 600
blobs() { reg_requests plain "/v2/$P/c1/blobs/"; }
before=$(blobs)
check
is "a second check reads no config blob" "$(($(blobs) - before))" 0
is "... same verdict" "$(cands m-c1)" "1.1:false"
is "... same platforms" "$(plats m-c1)" "linux/arm64"
printf 'garbage\n%s linux\n' "$c1cfg" >"$cpf"
before=$(blobs)
check
is "a malformed cache: the blob is read again" "$(($(blobs) - before))" 1
is "... same verdict" "$(cands m-c1)" "1.1:false"
is "... and remembered again" "$(grep -c "^$c1cfg linux/arm64\$" "$cpf")" 1

# ---- a candidate index with attestations and a normalised platform ----------------
img_build "$R/$P/c4:1.0" --marker c40 >/dev/null
z0=$(img_build "$R/$P/c4:z-host" --marker c41)
z1=$(img_push_platform_manifest --oci "$R" "$P/c4" z-arm64 linux aarch64)
z2=$(img_push_platform_manifest --oci "$R" "$P/c4" z-armhf linux armhf)
img_push_index "$R" "$P/c4" 1.1 --oci --attest "$z0" "$z1" "$z2" >/dev/null
run_ctr m-c4 "$R/$P/c4:1.0" >/dev/null
check
is "attestations left out, aarch64/armhf normalised" "$(plats m-c4)" \
	"$plat linux/arm64 linux/arm/v7"
is "... and it matches the host" "$(cands m-c4)" "1.1:true"
finish
