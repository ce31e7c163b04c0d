#!/usr/bin/env bash
# history.sh is the end-to-end test of a campaign's own history, as a
# CSIRT would run two campaigns of two targets files (issue 10, parts 1
# and 3): it starts "vigie lab", runs campaigns from targets files written
# the way people write them, and checks with "vigie export" that
#   - two files that reuse identifier 1 for two bodies keep their own
#     names and categories, and the second run reports the change;
#   - a malformed schemed identifier (siren:) is a line error with its
#     line and column, and the line is skipped;
#   - a Windows-1252 file with SIREN;Nom;Catégorie;Domaines is read right,
#     with a warning that the encoding was guessed;
#   - a dkim_selectors column gives each domain its own selectors: no
#     "given selector has no key" finding, where one --dkim-selector for
#     the whole campaign gives one.
# SQLite only. It runs in a network namespace of its own (e2e/netns.sh);
# nothing leaves 127.0.0.0/8. One line per case, then "N passed, M
# failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
work=$(mktemp -d /tmp/vigie-history-e2e.XXXXXX)
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
		echo "FAIL  history.sh stopped early (exit status $rc)"
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

lab=$work/lab
echo "== vigie lab --orgs 80"
"$vigie" lab --lang en --orgs 80 --seed 7 --dir "$lab" >"$work/lab.log" 2>&1 &
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
db=$work/history.db

# run LOG TARGETS [OPTIONS...]: one campaign on the lab, stderr and
# stdout in LOG.
run() {
	local log=$1 targets=$2
	shift 2
	SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run --targets "$targets" --db "$db" \
		--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 20s --canary ns1.lab.test "$@" \
		>"$work/$log.log" 2>&1
}
# export DIR: the latest audit of each domain, CSV and JSON.
export_to() {
	rm -rf "$1"
	"$vigie" --lang en export --db "$db" --out "$1" --format csv,json >"$work/export.log" 2>&1
}
# domain N: the lab's Nth domain (from 1).
domain() { tail -n +2 "$lab/targets.csv" | sed -n "${1}p" | awk -F, '{ print $NF }' | cut -d' ' -f1; }

# The whole lab first, to find its DKIM keys: a domain with its key at
# "default" (strong), one at "mail" (weak).
run lab "$lab/targets.csv"
export_to "$work/lab-export"
strong=$(jq -r 'select(any(.result.observations.mail.dkim.selectors[]?; .found and .selector == "default")) | .domain' "$work/lab-export/audits.jsonl" | head -1)
weak=$(jq -r 'select(any(.result.observations.mail.dkim.selectors[]?; .found and .selector == "mail")) | .domain' "$work/lab-export/audits.jsonl" | head -1)
if [[ -z $strong || -z $weak ]]; then
	fail "the lab has no domain with a DKIM key at default and one at mail (strong=$strong weak=$weak)"
	exit 1
fi
d1=$(domain 1)
d2=$(domain 2)
d3=$(domain 3)

echo "== two targets files that reuse identifier 1"
printf 'id,name,category,domains\n1,CHU de Lyon,hôpital,%s\n' "$d1" >"$work/chu.csv"
printf 'Identifiant;Nom;Catégorie;Domaines\n1;Commune de Y;commune;%s\nsiren:123456789;Mauvaise clé;commune;%s\n' "$d2" "$d3" >"$work/communes.csv"
run chu "$work/chu.csv"
run communes "$work/communes.csv"
export_to "$work/names"
if grep -q "^1,CHU de Lyon,hôpital,$d1," "$work/names/organisations.csv" &&
	grep -q "^1,Commune de Y,commune,$d2," "$work/names/organisations.csv" &&
	! grep -q "^1,Commune de Y,commune,$d1," "$work/names/organisations.csv"; then
	pass "identifier 1 reused: $d1 exported as CHU de Lyon (hôpital), $d2 as Commune de Y (commune)"
else
	fail "identifier 1 reused: $(grep '^1,' "$work/names/organisations.csv" | cut -d, -f1-5 | tr '\n' ' ')"
fi
if "$vigie" export --help 2>&1 | grep -q -- '--campaign '; then
	ok=1
	for c in 2:CHU\ de\ Lyon:$d1 3:Commune\ de\ Y:$d2; do
		IFS=: read -r id name dom <<<"$c"
		rm -rf "$work/c$id"
		"$vigie" --lang en export --db "$db" --campaign "$id" --out "$work/c$id" --format csv >>"$work/export.log" 2>&1 || ok=0
		grep -q "^1,$name,.*,$dom,$id," "$work/c$id/organisations.csv" 2>/dev/null || ok=0
	done
	if ((ok)); then
		pass "vigie export --campaign of each campaign keeps its own name"
	else
		fail "vigie export --campaign: $(tail -3 "$work/export.log")"
	fi
fi
if grep -q 'warning: 2 change(s) of name or category since campaign 2 "chu.csv' "$work/communes.log" &&
	grep -q '  1: name "CHU de Lyon" → "Commune de Y"' "$work/communes.log"; then
	pass "the changed name of identifier 1 is reported at campaign run"
else
	fail "changed name not reported: $(grep -i change "$work/communes.log" | head -3)"
fi
if grep -q "communes.csv:3:1: malformed identifier \"siren:123456789\"" "$work/communes.log" &&
	! grep -q "Mauvaise clé" "$work/names/organisations.csv"; then
	pass "a malformed siren: identifier is a line error at line 3, column 1, and its line is skipped"
else
	fail "malformed identifier: $(grep 'communes.csv:3' "$work/communes.log")"
fi

echo "== a Windows-1252 targets file"
python3 -c 'import sys; sys.stdout.buffer.write(("SIREN;Nom;Catégorie;Domaines\r\n217500016;Mairie de Sète;commune;" + sys.argv[1] + "\r\n").encode("cp1252"))' "$d3" >"$work/cp1252.csv"
run cp1252 "$work/cp1252.csv"
export_to "$work/cp1252"
if grep -qi 'read as windows-1252 (encoding guessed' "$work/cp1252.log" &&
	grep -q "^217500016,Mairie de Sète,commune,$d3," "$work/cp1252/organisations.csv"; then
	pass "a Windows-1252 file read right (Mairie de Sète, commune), with a warning"
else
	fail "Windows-1252: $(head -2 "$work/cp1252.log" | tr '\n' ' ') / $(grep "$d3" "$work/cp1252/organisations.csv" | cut -d, -f1-4)"
fi

echo "== DKIM selectors per domain ($strong at default, $weak at mail)"
printf 'id,domains\n10,%s\n11,%s\n' "$strong" "$weak" >"$work/dkim-global.csv"
run dkim-global "$work/dkim-global.csv" --dkim-selector default
export_to "$work/dkim-global"
if grep -q "^11,$weak,.*mail.dkim.selector_missing" "$work/dkim-global/findings.csv"; then
	pass "one --dkim-selector for the whole campaign: $weak gets mail.dkim.selector_missing"
else
	fail "--dkim-selector default: no selector_missing finding for $weak"
fi
printf 'id,domains,dkim_selectors\n10,%s,default\n11,%s,mail\n' "$strong" "$weak" >"$work/dkim-own.csv"
run dkim-own "$work/dkim-own.csv"
export_to "$work/dkim-own"
given() { jq -r --arg id "$1" --arg d "$2" 'select(.organisation.id == $id and .domain == $d) | [.result.observations.mail.dkim.selectors[]? | select(.given) | .selector] | join(" ")' "$work/dkim-own/audits.jsonl"; }
if ! grep -qE "^1[01],.*mail.dkim.selector_missing" "$work/dkim-own/findings.csv" &&
	[[ $(given 10 "$strong") == default && $(given 11 "$weak") == mail ]]; then
	pass "dkim_selectors column: each domain looked up with its own selector, no selector_missing finding"
else
	fail "dkim_selectors: given $strong=[$(given 10 "$strong")] $weak=[$(given 11 "$weak")]; $(grep -cE '^1[01],.*selector_missing' "$work/dkim-own/findings.csv") selector_missing"
fi
