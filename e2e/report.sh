#!/usr/bin/env bash
# report.sh is the end-to-end test of the reports a mayor reads (issue 12,
# parts 2 to 4). It starts the lab of lab.sh, and checks that
#   - the first action of legacy.test's text report is the TLS fix that
#     lifts its cap (TLS 1.0 caps it at B);
#   - the HTML reports of legacy.test and bare.test have no serious or
#     critical axe-core violation (axe-core in headless Chromium, e2e/axe);
#   - bare.test's PDF shows the grade and the three actions on page 1
#     (pdftotext), its first part takes at most two pages, and it holds
#     no English sentence (e2e/frenchreport -text);
#   - "vigie report" renders the audit a campaign stored as the live
#     "vigie audit" does (the lines after the date and duration).
#
# It runs in a network namespace of its own (e2e/netns.sh); nothing
# leaves 127.0.0.0/8. Needs what .ci/setup installs (chromium,
# poppler-utils, e2e/axe's node_modules). One line per case, then
# "N passed, M failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
e2e=$root/e2e
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$e2e/netns.sh" bash "$0" "$@"
fi
work=$(mktemp -d /tmp/vigie-report-e2e.XXXXXX)
lab=$work/lab
passed=0
failed=0

cleanup() {
	local rc=$?
	bash "$e2e/lab.sh" stop "$lab" >/dev/null 2>&1 || true
	if ((failed > 0)); then
		mkdir -p "$e2e/out/report"
		cp "$work"/*.txt "$work"/*.html "$work"/*.log "$e2e/out/report/" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  report.sh stopped early (exit status $rc)"
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

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie && go build -o "$work/frenchreport" ./e2e/frenchreport)
vigie=$work/vigie
bash "$e2e/lab.sh" start "$lab" >"$work/lab.log" 2>&1
export SSL_CERT_FILE=$lab/ca.pem
opts=(--resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 60s)

audit() { # DOMAIN FORMAT OUT
	"$vigie" audit "${opts[@]}" --format "$2" "$1" >"$3" 2>>"$work/audit.log" || [[ $? == 3 ]]
}

# 1. What to fix first on legacy.test.
audit legacy.test text "$work/legacy.txt"
first=$(grep -m1 -A3 '^1\. ' "$work/legacy.txt" | tr '\n' ' ')
if [[ $first == *"TLS 1.0"* && $first == *"lève le plafond"* ]] && grep -q '^Note : B' "$work/legacy.txt"; then
	pass "legacy.test: graded B, the first action is the TLS fix that lifts the cap"
else
	fail "legacy.test: first action: $first"
fi
# Characters, not bytes (mawk counts bytes): python3.
wide=$(python3 -c 'import sys
for l in open(sys.argv[1], encoding="utf-8"):
    if l.startswith("Détails pour le technicien"): break
    if len(l.rstrip("\n")) > 80: print(len(l.rstrip("\n")), l.strip()[:60])' "$work/legacy.txt")
if [[ -z $wide ]]; then
	pass "legacy.test: the first part fits 80 columns"
else
	fail "legacy.test: lines of the first part wider than 80 columns: $wide"
fi

# 2. axe-core on the HTML reports.
audit legacy.test html "$work/legacy.html"
audit bare.test html "$work/bare.html"
while read -r line; do
	case $line in
	ok*) pass "${line#ok    }" ;;
	*) fail "${line#FAIL  }" ;;
	esac
done < <(node "$e2e/axe/check.js" "$work/legacy.html" "$work/bare.html" 2>&1 || true)

# 3. bare.test's PDF.
audit bare.test pdf "$work/bare.pdf"
if [[ $(head -c 5 "$work/bare.pdf") == "%PDF-" ]]; then
	page1=$(pdftotext -f 1 -l 1 -layout "$work/bare.pdf" -)
	n=$(grep -c 'Qui :' <<<"$page1" || true)
	if grep -q 'Note [A-F]+* — ' <<<"$page1" && grep -q "Ce qu'il faut corriger d'abord" <<<"$page1" && ((n == 3)); then
		pass "bare.test PDF: the grade and the three actions are on page 1"
	else
		fail "bare.test PDF page 1 lacks the grade or the three actions ($n \"Qui :\")"
	fi
	pages=$(pdfinfo "$work/bare.pdf" | awk '/^Pages:/ { print $2 }')
	details=0
	for ((p = 1; p <= pages; p++)); do
		if pdftotext -f "$p" -l "$p" "$work/bare.pdf" - | grep -q 'Détails pour le technicien'; then
			details=$p
			break
		fi
	done
	pdftotext "$work/bare.pdf" "$work/bare.pdf.txt"
	if "$work/frenchreport" -text "$work/bare.pdf.txt" >"$work/french.log"; then
		pass "bare.test PDF: no English sentence of the catalogue nor raw Go error (e2e/frenchreport)"
	else
		fail "bare.test PDF holds English: $(grep -v '^FAIL\|passed' "$work/french.log" | head -3)"
	fi
	if ((details >= 2 && details <= 3)); then
		pass "bare.test PDF: the first part takes $((details - 1)) page(s) of $pages, the details start on page $details"
	else
		fail "bare.test PDF: the details start on page $details of $pages"
	fi
else
	fail "bare.test: --format pdf wrote no PDF: $(tail -c 300 "$work/audit.log")"
fi

# 4. vigie report renders the stored audit as the live one.
audit bare.test text "$work/bare.txt"
printf 'id,name,domains\n1,Bare,bare.test\n2,Legacy,legacy.test\n' >"$work/targets.csv"
"$vigie" --lang en campaign run --targets "$work/targets.csv" --db "$work/vigie.db" "${opts[@]}" --canary good.test >"$work/campaign.log" 2>&1 || true
for d in bare legacy; do
	if "$vigie" report --db "$work/vigie.db" --domain "$d.test" --campaign 1 >"$work/$d.stored.txt" 2>>"$work/report.log" &&
		diff <(sed 2d "$work/$d.txt") <(sed 2d "$work/$d.stored.txt") >"$work/$d.diff.log"; then
		pass "$d.test: vigie report of the stored audit is the live report (date and duration aside)"
	else
		fail "$d.test: vigie report differs from the live report: $(head -c 400 "$work/$d.diff.log")"
	fi
done
if "$vigie" report --db "$work/vigie.db" --domain nosuch.test >/dev/null 2>"$work/nosuch.log"; then
	fail "vigie report of an unknown domain succeeded"
elif grep -q 'aucun audit de nosuch.test' "$work/nosuch.log"; then
	pass "vigie report of an unknown domain: exit 1, \"aucun audit\""
else
	fail "vigie report of an unknown domain: $(cat "$work/nosuch.log")"
fi
