#!/usr/bin/env bash
# opendata.sh is the end-to-end test of the open data a CSIRT publishes
# (issue 10, part 4): it starts "vigie lab" with N organisations (N,
# default 20), runs two campaigns on a SQLite file, and checks that
#   - "vigie export --history" holds both campaigns, --campaigns a range,
#     the default export the latest audit of each domain;
#   - "vigie rescore" reads the audits.jsonl that "vigie export" writes,
#     and gives back the exported grades (--full-observations);
#   - "vigie export --format xlsx" opens in LibreOffice, whose CSV of each
#     sheet holds the rows of the CSV export (after normalising the date
#     format and the quote that neutralises a formula in a CSV cell);
#   - the DCAT catalogue has the contact point, periodicity, landing page
#     and a version that is not "dev";
#   - --omit addresses,certificates --no-evidence leaves no lab address
#     in any file, the spreadsheet included.
#
# It runs in a network namespace of its own (e2e/netns.sh). Nothing
# leaves 127.0.0.0/8. It needs jq, python3 and LibreOffice Calc
# (soffice), which .ci/setup installs. One line per case, then
# "N passed, M failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-20}
work=$(mktemp -d /tmp/vigie-opendata-e2e.XXXXXX)
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
		cp "$work"/*.log "$root/e2e/out/" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  opendata.sh stopped early (exit status $rc)"
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
(cd "$root" && go build -buildvcs=auto -o "$work/vigie" ./cmd/vigie)
vigie=$work/vigie

lab=$work/lab
echo "== vigie lab --orgs $n"
"$vigie" lab --lang en --orgs "$n" --seed 7 --dir "$lab" >"$work/lab.log" 2>&1 &
labpid=$!
for _ in $(seq 1 600); do
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
jobs=$(tail -n +2 "$lab/targets.csv" | awk -F, '{ n = split($NF, d, " "); t += n } END { print t }')
db=$work/vigie.db

for c in 1 2; do
	if SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run --targets "$lab/targets.csv" --db "$db" \
		--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 20s --canary ns1.lab.test \
		>"$work/run$c.log" 2>&1; then
		pass "campaign $c: $jobs domains audited"
	else
		fail "campaign $c: vigie campaign run: $(tail -3 "$work/run$c.log")"
		exit 1
	fi
done

# rows DIR: the data rows of organisations.csv, by campaign.
campaigns_of() {
	python3 - "$1/organisations.csv" <<'EOF'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
c = collections.Counter(r['campaign_id'] for r in rows)
print(' '.join(f'{k}:{c[k]}' for k in sorted(c, key=int)))
EOF
}

echo "== vigie export --history, --campaigns, latest"
"$vigie" --lang en export --db "$db" --out "$work/hist" --history --format csv,json,xlsx --full-observations \
	--contact mailto:csirt@example.test --periodicity WEEKLY --landing-page https://data.example.test/vigie \
	>"$work/export-hist.log" 2>&1 || true
if grep -q '^checked: CSV files valid' "$work/export-hist.log"; then
	got=$(campaigns_of "$work/hist")
	if [[ $got == "1:$jobs 2:$jobs" ]]; then
		pass "export --history: both campaigns, $jobs rows each ($got)"
	else
		fail "export --history: rows by campaign $got, want 1:$jobs 2:$jobs"
	fi
else
	fail "export --history: $(tail -5 "$work/export-hist.log")"
fi
"$vigie" --lang en export --db "$db" --out "$work/range" --campaigns 2..2 --format csv >"$work/export-range.log" 2>&1 || true
got=$(campaigns_of "$work/range" 2>/dev/null || true)
[[ $got == "2:$jobs" ]] && pass "export --campaigns 2..2: campaign 2 only" || fail "export --campaigns 2..2: $got"
"$vigie" --lang en export --db "$db" --out "$work/latest" --format csv >"$work/export-latest.log" 2>&1 || true
got=$(campaigns_of "$work/latest" 2>/dev/null || true)
[[ $got == "2:$jobs" ]] && pass "export (latest): one row per domain, from campaign 2" || fail "export (latest): $got"

echo "== vigie rescore on the exported audits.jsonl"
"$vigie" --lang en rescore --json "$work/hist/audits.jsonl" >"$work/rescore.json" 2>"$work/rescore.log" || true
# The grades judged again, and the exported ones, by (domain, campaign):
# rescore's output comes in the order of audits.jsonl.
if python3 - "$work/hist/audits.jsonl" "$work/rescore.json" >"$work/rescore-cmp.log" 2>&1 <<'EOF'; then
import json, sys
def grades(lines):
    return [((r.get('score') or {}).get('grade')) for r in lines]
exported = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
dec, text, pos, again = json.JSONDecoder(), open(sys.argv[2], encoding='utf-8').read(), 0, []
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    v, pos = dec.raw_decode(text, pos)
    again.append(v)
want = [((l['result'] or {}).get('score') or {}).get('grade') for l in exported]
got = grades(again)
graded = sum(1 for g in got if g)
print(f'{len(again)} results, {graded} graded')
sys.exit(0 if len(again) == len(exported) and got == want and graded > 0 else 1)
EOF
	pass "rescore reads the exported audits.jsonl: $(cat "$work/rescore-cmp.log"), the exported grades"
else
	fail "rescore of the exported audits.jsonl: $(tail -3 "$work/rescore-cmp.log" "$work/rescore.log")"
fi

# xlsx_csv XLSX DIR: LibreOffice's CSV of every sheet of XLSX, in DIR.
xlsx_csv() {
	timeout 120 soffice -env:UserInstallation=file://"$work"/lo-profile --headless \
		--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
		--outdir "$2" "$1" >"$work/soffice.log" 2>&1
}

echo "== vigie.xlsx in LibreOffice"
if xlsx_csv "$work/hist/vigie.xlsx" "$work/lo" && ls "$work/lo"/*.csv >/dev/null 2>&1; then
	if python3 - "$work/hist" "$work/lo" >"$work/xlsx-cmp.log" 2>&1 <<'EOF'; then
import csv, glob, os, re, sys
exp, lo = sys.argv[1], sys.argv[2]
def rows(path):
    return list(csv.reader(open(path, newline='', encoding='utf-8')))
def norm(cell):
    # The CSV's quote before a formula character; its ISO dates.
    if cell[:1] == "'" and cell[1:2] in ('=', '+', '-', '@'):
        cell = cell[1:]
    m = re.fullmatch(r'(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z', cell)
    return f'{m[1]} {m[2]}' if m else cell
bad = 0
for table, sheet in (('organisations.csv', 'Organisations'), ('findings.csv', 'Findings')):
    want = [[norm(c) for c in r] for r in rows(os.path.join(exp, table))[1:]]
    (path,) = glob.glob(os.path.join(lo, f'*-{sheet}.csv'))
    got = [r + [''] * (len(want[0]) - len(r)) for r in rows(path)[1:]]
    if got != want:
        bad += 1
        diff = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        print(f'{table}: {len(want)} rows, sheet {sheet} {len(got)}; first difference at row {diff + 2}')
        if diff < min(len(want), len(got)):
            print('  csv :', want[diff])
            print('  xlsx:', got[diff])
    else:
        print(f'{table}: {len(want)} rows equal')
sys.exit(1 if bad else 0)
EOF
		pass "vigie.xlsx opened by LibreOffice: $(tr '\n' ' ' <"$work/xlsx-cmp.log")"
	else
		fail "vigie.xlsx differs from the CSV export: $(cat "$work/xlsx-cmp.log")"
	fi
else
	fail "LibreOffice could not convert vigie.xlsx: $(tail -3 "$work/soffice.log")"
fi

echo "== the DCAT catalogue"
cat=$work/hist/catalog.jsonld
contact=$(jq -r '.["dcat:dataset"]["dcat:contactPoint"]["vcard:hasEmail"]["@id"] // empty' "$cat")
freq=$(jq -r '.["dcat:dataset"]["dct:accrualPeriodicity"]["@id"] // empty' "$cat")
landing=$(jq -r '.["dcat:dataset"]["dcat:landingPage"]["@id"] // empty' "$cat")
version=$(jq -r '.["dcat:dataset"]["dcat:version"] // empty' "$cat")
# The version is the build's (vigie version); "dev" only when Go recorded
# neither a module version nor a commit (GOFLAGS=-buildvcs=false, no git).
running=$("$vigie" version | awk 'NR == 1 { print $2 }')
stamped=$(go version -m "$vigie" | awk '$1 == "build" && $2 ~ /^vcs.revision=/ || $1 == "mod" && $3 != "(devel)"' | head -1)
if [[ $contact == mailto:csirt@example.test && $freq == */frequency/WEEKLY &&
	$landing == https://data.example.test/vigie && $version == "$running" && ($version != dev || -z $stamped) ]]; then
	pass "catalogue: contact point, periodicity, landing page, version $version (as vigie version says${stamped:+, from the build information})"
else
	fail "catalogue: contact '$contact', periodicity '$freq', landing page '$landing', version '$version'"
fi

echo "== vigie export --omit addresses,certificates --no-evidence"
addr='127\.[0-9]+\.[0-9]+\.[0-9]+'
if ! grep -qE "$addr" "$work/hist/audits.jsonl"; then
	fail "omit: the full export holds no lab address: the test would test nothing"
fi
"$vigie" --lang en export --db "$db" --out "$work/omit" --history --format csv,json,parquet,xlsx --full-observations \
	--omit addresses,certificates --no-evidence >"$work/export-omit.log" 2>&1 || true
if grep -q '^checked: CSV files valid' "$work/export-omit.log" && xlsx_csv "$work/omit/vigie.xlsx" "$work/lo-omit"; then
	found=$(grep -lE "$addr|CN=" "$work/omit"/*.csv "$work/omit"/*.json "$work/omit"/*.jsonl "$work/lo-omit"/*.csv || true)
	evidence=$(python3 -c 'import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if r["evidence"]))' "$work/omit/findings.csv")
	if [[ -z $found && $evidence == 0 ]]; then
		pass "omit: no address, certificate subject nor evidence in the CSV, JSON and spreadsheet files"
	else
		fail "omit: found in $found; $evidence evidence cells"
	fi
else
	fail "omit: $(tail -3 "$work/export-omit.log" "$work/soffice.log")"
fi
