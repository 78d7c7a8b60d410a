#!/usr/bin/env bash
# 40-check-faults: a registry that misbehaves, through the fault proxy.
# No Docker-Content-Digest (GET and hash instead), 429 with Retry-After and
# 5xx then success (retried, right answer), a Retry-After too long or 429
# for ever (a clear "rate limited" error), a manifest that does not match
# its digest (an error, not a wrong answer).  Other items stay correct.
. "$(dirname "$0")/lib.sh"

F=$REG_FAULT/it40-$$
J=$T_TMP/check.json
item() { jq -r --arg n "$1" ".items[] | select(.container == \$n) | ${2:-.}" "$J"; }
check() {
	"$DOCKREV" check --json "$@" >"$J" 2>"$T_TMP/check.err"
	is "dockrev check exits 0" "$?" 0
}
fault() { curl -sf -X POST "http://$REG_FAULT/_fault?$1" >/dev/null; }
fstat() { curl -sf "http://$REG_FAULT/_fault/stats" | jq -r "$1"; }
test_cleanup() { fault reset=1; }

fault reset=1
img_build "$F/fl:latest" --marker fl >/dev/null
img_build "$F/ver:1.0" --marker v10 >/dev/null
img_build "$F/ver:1.1" --marker v11 >/dev/null
run_ctr f-float "$F/fl:latest" >/dev/null
run_ctr f-ver "$F/ver:1.0" >/dev/null
img_build "$REG_PLAIN/it40-$$/ok:1.0" --marker ok10 >/dev/null
img_build "$REG_PLAIN/it40-$$/ok:2.0" --marker ok20 >/dev/null
run_ctr f-ok "$REG_PLAIN/it40-$$/ok:1.0" >/dev/null

# expect_good WHAT: the verdicts of a healthy registry.
expect_good() {
	is "$1: floating tag up_to_date" "$(item f-float .status)" up_to_date
	is "$1: remote digest equals current" \
		"$(item f-float '.remote_digest == .current_digest')" true
	is "$1: version candidate 1.1 with its digest" \
		"$(item f-ver '[.candidates[] | .tag + " " + (.digest | length | tostring)] | join(",")')" "1.1 71"
	is "$1: update_available" "$(item f-ver .status)" update_available
}

check
expect_good "healthy"

fault "reset=1&clear_stats=1&nodigest=1"
check
expect_good "no Docker-Content-Digest"
like "the proxy did strip digests" "$(fstat .nodigest)" '^[1-9]'

fault "reset=1&clear_stats=1&status429=3&retry_after=1"
check
expect_good "429 x3 with Retry-After: 1"
is "three 429 answers were sent and survived" "$(fstat .status429)" 3

fault "reset=1&clear_stats=1&status500=2"
check
expect_good "500 x2"

fault "reset=1&status429=1&retry_after=600"
check
is "Retry-After 600: error" "$(item f-float .status)" error
like "Retry-After 600: says rate limited and how long" "$(item f-float .reason)" 'rate limited.*600'
is "Retry-After 600: the other registry is fine" "$(item f-ok .status)" update_available

fault "reset=1&status429=50&retry_after=0"
check
is "429 for ever: error" "$(item f-ver .status)" error
like "429 for ever: reason" "$(item f-ver .reason)" '429'
is "429 for ever: the other registry is fine" "$(item f-ok .status)" update_available

fault "reset=1&badmanifest=5"
check
is "manifest not matching its digest: error" "$(item f-ver .status)" error
like "manifest not matching its digest: reason" "$(item f-ver .reason)" 'does not match|not JSON|manifest'
# ---- tag lists in pages (Link: relative and absolute), and a looping one ----
img_build "$F/many:1.0" --marker many10 >/dev/null
plat=$(host_platform)
for t in 1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 2.0 3.0; do
	img_push_platform_manifest "$REG_FAULT" "it40-$$/many" "$t" "${plat%%/*}" "${plat#*/}" >/dev/null
done
run_ctr f-many "$F/many:1.0" >/dev/null
ntags=$(curl -s "http://$REG_PLAIN/v2/it40-$$/many/tags/list" | jq '.tags | length')
is "the repository has 12 tags" "$ntags" 12
pages() { grep -c "it40-$$/many/tags/list" "$LOG_FAULT"; }
p0=$(pages)
fault "reset=1&clear_stats=1&tagpage=3"
check
is "tags in pages of 3: candidates from the last page too" \
	"$(item f-many '[.candidates[] | .tag + ":" + .kind] | join(" ")')" "3.0:major 1.9:minor"
is "every page fetched once (4 pages)" "$(($(pages) - p0))" 4
p0=$(pages)
fault "reset=1&clear_stats=1&tagpage=5&tagloop=1"
check
is "a Link that loops back: stops, same answer" \
	"$(item f-many '[.candidates[] | .tag] | join(" ")')" "3.0 1.9"
is "a looping list is read a bounded number of times (3 pages + the loop)" \
	"$(($(pages) - p0))" 4

fault "reset=1&ratelimit=76"
"$DOCKREV" check >"$T_TMP/table" 2>&1
like "RateLimit headers: the table shows what is left" "$(cat "$T_TMP/table")" 'registry rate limit: 76 of 100 pulls left'

fault reset=1
check
expect_good "after the faults"
finish
