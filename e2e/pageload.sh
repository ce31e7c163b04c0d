#!/usr/bin/env bash
# pageload.sh is the end-to-end test of the real page load (vigie audit
# --browser, issue 15): it starts "vigie lab --pages", whose pages load
# third parties under their real names (www.googletagmanager.com and
# www.google-analytics.com, answered by the lab's DNS and signed by its
# CA), and audits them with Debian's Chromium:
#   - the tag-manager page gets the privacy findings, with the entity and
#     its country, and the analytics cookie set before consent;
#   - the page with a consent manager and the lean page get no tracker;
#   - the lean page's EcoIndex is the published formula on its measured
#     inputs (recomputed here in Python from the method's tables);
#   - a page that never ends, one that crashes its tab and one of 50 MB
#     end as error observations within the load's limits;
#   - a campaign with --browser stores the pages and exports the
#     ecoindex column next to privacy_points.
#
# It runs in a network namespace of its own (e2e/netns.sh). Nothing leaves
# 127.0.0.0/8. Last line: "N passed, M failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
work=$(mktemp -d /tmp/vigie-pageload-e2e.XXXXXX)
labpid=
passed=0
failed=0

cleanup() {
	local rc=$?
	if [[ -n $labpid ]]; then
		kill "$labpid" 2>/dev/null || true
		wait "$labpid" 2>/dev/null || true
	fi
	if ((failed > 0)); then
		mkdir -p "$root/e2e/out"
		cp "$work"/*.log "$work"/*.json "$root/e2e/out/" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  pageload.sh stopped early (exit status $rc)"
	fi
	echo "$passed passed, $failed failed"
	((failed == 0)) || exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() {
	passed=$((passed + 1))
	echo "ok    $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL  $*"
}

echo "== build"
(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
vigie=$work/vigie

echo "== vigie lab --pages"
lab=$work/lab
"$vigie" lab --lang en --orgs 40 --seed 7 --pages --dir "$lab" >"$work/lab.log" 2>&1 &
labpid=$!
for _ in $(seq 1 300); do
	grep -q 'Ctrl-C stops the lab' "$work/lab.log" 2>/dev/null && break
	kill -0 "$labpid" 2>/dev/null || break
	sleep 0.2
done
if ! grep -q 'Ctrl-C stops the lab' "$work/lab.log"; then
	cat "$work/lab.log" >&2
	fail "vigie lab did not start"
	exit 1
fi
resolver=$(<"$lab/resolver.txt")
page() { awk -v p="$1" '$2 == p { print $1; exit }' "$lab/pages.tsv"; }

# audit NAME DOMAIN: the JSON result of vigie audit --browser in NAME.json,
# and its duration in seconds in NAME.secs.
audit() {
	local start end
	start=$(date +%s.%N)
	SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en audit --json --browser --resolver "$resolver" \
		--allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" "$2" >"$work/$1.json" 2>"$work/$1.log" || true
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$work/$1.secs"
}

trackers=$(page trackers)
consent=$(page consent)
clean=$(page clean)
hang=$(page hang)
crash=$(page crash)
heavy=$(page heavy)
echo "lab: trackers $trackers, consent $consent, clean $clean, hang $hang, crash $crash, heavy $heavy"

echo "== the tag-manager page"
audit trackers "$trackers"
j=$work/trackers.json
if jq -e '[.observations.pages[] | select(.method == "browser")] | length >= 1' "$j" >/dev/null; then
	pass "$trackers: home pages loaded by the browser"
else
	fail "$trackers: no page loaded by the browser: $(jq -c '[.observations.pages[]? | {method, error}]' "$j" 2>&1 | head -c 400)"
fi
if jq -e '[.findings[] | select(.id == "privacy.tracker.before_consent" and (.evidence | test("Google Analytics")) and (.evidence | test("\\bUS\\b")))] | length >= 1' "$j" >/dev/null &&
	jq -e '[.findings[] | select(.id == "privacy.tracker.before_consent" and (.evidence | test("Google Tag Manager")))] | length >= 1' "$j" >/dev/null; then
	pass "$trackers: Google Tag Manager and Google Analytics (US) before consent"
else
	fail "$trackers: tracker findings: $(jq -c '[.findings[] | select(.id | startswith("privacy")) | [.id, .evidence]]' "$j" | head -c 600)"
fi
if jq -e '[.findings[] | select(.id == "privacy.cookie.third_party" and (.evidence | test("_ga")) and (.evidence | test("Google Analytics, US")))] | length >= 1' "$j" >/dev/null; then
	pass "$trackers: the _ga cookie of google-analytics.com set before consent"
else
	fail "$trackers: cookie findings: $(jq -c '[.observations.pages[] | .cookies]' "$j" | head -c 600)"
fi
for id in privacy.third_party.extra_eu privacy.consent.missing; do
	if jq -e --arg id "$id" '[.findings[] | select(.id == $id)] | length >= 1' "$j" >/dev/null; then
		pass "$trackers: $id"
	else
		fail "$trackers: no $id"
	fi
done
if jq -e '.score.indicators[] | select(.indicator == "privacy" and .points < 100)' "$j" >/dev/null; then
	pass "$trackers: privacy indicator $(jq -r '.score.indicators[] | select(.indicator == "privacy") | "\(.grade) (\(.points))"' "$j")"
else
	fail "$trackers: privacy indicator: $(jq -c '.score.indicators' "$j")"
fi

echo "== the page with a consent manager, the lean page"
audit consent "$consent"
audit clean "$clean"
for name in consent clean; do
	j=$work/$name.json
	n=$(jq '[.findings[] | select(.id | startswith("privacy."))] | length' "$j")
	method=$(jq -r '[.observations.pages[]? | .method] | unique | join(",")' "$j")
	if [[ $n == 0 && $method == browser ]]; then
		pass "$name: no privacy finding (pages read by: $method)"
	else
		fail "$name: $n privacy findings, pages read by $method: $(jq -c '[.findings[] | select(.id | startswith("privacy")) | .id]' "$j")"
	fi
done
j=$work/clean.json
# The lean page: html, head, title, body, h1, p, img, ul, li, li.
dom=$(jq '[.observations.pages[] | select(.method == "browser" and (.error // "") == "")][0].dom_elements' "$j")
if [[ $dom == 10 ]]; then
	pass "clean: 10 DOM elements"
else
	fail "clean: $dom DOM elements, want 10"
fi
# The EcoIndex from the measured inputs, by the published method.
python3 - "$j" <<'EOF' && pass "clean: $(jq -r '.score.indicators[] | select(.indicator == "ecodesign") | "EcoIndex \(.points) (\(.grade)), DOM \(.ecoindex.dom_elements), \(.ecoindex.requests) requests, \(.ecoindex.size_kb) KB"' "$j") = the formula" || fail "clean: EcoIndex does not match the formula"
import json, sys
r = json.load(open(sys.argv[1]))
page = [p for p in r["observations"]["pages"] if p["method"] == "browser" and not p.get("error")][0]
ind = [i for i in r["score"]["indicators"] if i["indicator"] == "ecodesign"][0]
dom_q = [0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237, 1459, 1801, 2479, 594601]
req_q = [0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281, 3920]
size_q = [0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32, 1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54, 223212.26]
def q(tab, v):
    for i in range(1, len(tab)):
        if v < tab[i]:
            return i - 1 + (v - tab[i-1]) / (tab[i] - tab[i-1])
    return len(tab) - 1
kb = page["transfer_bytes"] / 1024
score = 100 - 5 * (3 * q(dom_q, page["dom_elements"]) + 2 * q(req_q, page["request_count"]) + q(size_q, kb)) / 6
want = round(max(0, min(100, score)))
print(f"measured: DOM {page['dom_elements']}, {page['request_count']} requests, {kb:.2f} KB: EcoIndex {score:.2f}, vigie {ind['points']}")
sys.exit(0 if ind["points"] == want and ind["ecoindex"]["dom_elements"] == page["dom_elements"] and ind["ecoindex"]["requests"] == page["request_count"] else 1)
EOF

echo "== hostile pages"
for spec in "hang:$hang:timeout" "crash:$crash:crash" "heavy:$heavy:too_large"; do
	IFS=: read -r name domain code <<<"$spec"
	audit "$name" "$domain"
	got=$(jq -r '[.observations.pages[]? | select(.method == "browser") | .error_code // ""] | unique | join(",")' "$work/$name.json")
	secs=$(<"$work/$name.secs")
	# The audit's 30 s and the load's 20 s, plus the browser's start.
	if [[ $got == "$code" ]] && awk -v s="$secs" 'BEGIN { exit !(s < 45) }'; then
		pass "$name: $domain ends as $code in ${secs%.*} s"
	else
		fail "$name: $domain: error codes \"$got\" in $secs s, want $code: $(tail -3 "$work/$name.log")"
	fi
done

echo "== a campaign with --browser"
{
	echo "id,name,category,domains"
	echo "1,Traceurs,commune,$trackers"
	echo "2,Sobre,commune,$clean"
} >"$work/targets.csv"
db=$work/campaign.db
if SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run --targets "$work/targets.csv" --db "$db" --browser --browser-parallel 2 \
	--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --canary ns1.lab.test >"$work/campaign.log" 2>&1; then
	pass "campaign run --browser"
else
	fail "campaign run --browser: $(tail -3 "$work/campaign.log")"
fi
out=$work/export
if "$vigie" --lang en export --db "$db" --out "$out" >"$work/export.log" 2>&1; then
	pass "export"
else
	fail "export: $(tail -3 "$work/export.log")"
fi
row() { jq -r --arg d "$1" '.[] | select(.domain == $d) | "\(.privacy_points // "") \(.ecoindex // "") \(.ecoindex_grade // "")"' "$out/organisations.json"; }
read -r pp eco ecog <<<"$(row "$trackers")"
read -r cpp ceco cecog <<<"$(row "$clean")"
if [[ -n $pp && $pp -lt 100 && -n $eco && $cpp == 100 && -n $ceco && -n $cecog ]] &&
	head -1 "$out/organisations.csv" | grep -q 'privacy_points,ecoindex_grade,ecoindex'; then
	pass "export: privacy_points $pp and ecoindex $eco ($ecog) for $trackers, $cpp and $ceco ($cecog) for $clean"
else
	fail "export: $trackers: \"$pp $eco $ecog\", $clean: \"$cpp $ceco $cecog\""
fi
