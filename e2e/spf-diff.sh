#!/usr/bin/env bash
# spf-diff.sh compares vigie's SPF evaluation (mailprobe.CheckHost, through
# e2e/spfeval) with pyspf's (Debian's python3-spf) on the cases of
# e2e/spf/cases.tsv: includes, redirects, the 10-lookup and 2-void limits,
# loops, duplicate records, syntax errors, macros, ptr, mx and a with many
# names and IPv6-only names. Both ask one knotd, authoritative for the
# zones of e2e/spf/ (spf.test. and 2.0.192.in-addr.arpa.), on 127.0.53.9.
#
#   e2e/spf-diff.sh
#
# It prints one line per case: the case, vigie's result, pyspf's result,
# and "ok", "DIFF" or "listed". A disagreement fails unless the case is
# in internal/score/differences/spf-pyspf.tsv with both results, the RFC section that backs
# vigie and the reason; the methodology publishes that table. Last line:
# "N passed, M failed, L listed"; exit 1 on a failure.
#
# Needs knotd, knotc and kdig (knot, knot-dnsutils), python3 with spf
# (python3-spf, python3-dnspython) and Go. It runs in a network namespace of its own
# (e2e/netns.sh): nothing is sent anywhere but 127.0.53.9.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
e2e=$root/e2e
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$e2e/netns.sh" bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
for t in knotd knotc kdig go; do
	command -v "$t" >/dev/null || { echo "spf-diff.sh: $t not found" >&2; exit 1; }
done
# pyspf is a Debian package: the system's python3, not another one first
# on the PATH.
py=/usr/bin/python3
[[ -x $py ]] || py=python3
"$py" -c 'import spf' || { echo "spf-diff.sh: $py cannot import spf: apt-get install python3-spf" >&2; exit 1; }

spf=$e2e/spf
listed_file=$root/internal/score/differences/spf-pyspf.tsv
addr=127.0.53.9
work=$(mktemp -d /tmp/vigie-spf.XXXXXX)
trap '[[ -s $work/knotd.pid ]] && kill "$(cat "$work/knotd.pid")" 2>/dev/null; rm -rf "$work"' EXIT

ip addr add "$addr/8" dev lo 2>/dev/null || true
mkdir -p "$work/run" "$work/db" "$work/zones"
cp "$spf"/*.zone "$work/zones/"
cat >"$work/knot.conf" <<CONF
server:
    rundir: "$work/run"
    listen: $addr@53
    version: ""
log:
  - target: "$work/knot.log"
    any: info
database:
    storage: "$work/db"
template:
  - id: default
    storage: "$work/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: spf.test.
  - domain: 2.0.192.in-addr.arpa.
CONF
knotc -c "$work/knot.conf" conf-check >/dev/null
knotd -c "$work/knot.conf" </dev/null >>"$work/knotd.out" 2>&1 &
echo $! >"$work/knotd.pid"
for _ in $(seq 100); do
	kdig "@$addr" +timeout=1 +retry=0 spf.test SOA >/dev/null 2>&1 && break
	sleep 0.1
done
kdig "@$addr" +timeout=1 +retry=0 +short ip4pass.spf.test TXT | grep -q spf1 ||
	{ echo "spf-diff.sh: knotd does not answer on $addr" >&2; cat "$work/knotd.out" "$work/knot.log" >&2; exit 1; }

(cd "$root" && go build -o "$work/spfeval" ./e2e/spfeval)
# The sender is x-y@DOMAIN unless the case gives one, for both sides.
awk -F'\t' '!/^#/ && NF >= 3 { print $1, $2, $3, (NF > 3 ? $4 : "x-y@" $3) }' "$spf/cases.tsv" >"$work/cases"
"$work/spfeval" -server "$addr:53" <"$work/cases" >"$work/vigie.tsv"
"$py" "$spf/pyspf.py" "$addr" "$spf/cases.tsv" >"$work/pyspf.tsv"

passed=0 failed=0 listed=0
declare -A py_result listed_row
while IFS=$'\t' read -r c r; do py_result[$c]=$r; done <"$work/pyspf.tsv"
while IFS=$'\t' read -r c v p _; do
	[[ -z $c || $c == \#* ]] && continue
	listed_row[$c]="$v $p"
done < <(grep -v "^#" "$listed_file")
printf '%-36s %-10s %-10s %s\n' CASE VIGIE PYSPF VERDICT
while IFS=$'\t' read -r c v lookups void reason; do
	p=${py_result[$c]:-missing}
	if [[ $v == "$p" ]]; then
		verdict=ok
		passed=$((passed + 1))
	elif [[ ${listed_row[$c]:-} == "$v $p" ]]; then
		verdict=listed
		listed=$((listed + 1))
	else
		verdict="DIFF (lookups $lookups, void $void${reason:+, $reason})"
		failed=$((failed + 1))
	fi
	printf '%-36s %-10s %-10s %s\n' "$c" "$v" "$p" "$verdict"
done <"$work/vigie.tsv"
# A listed case that agrees now, or no longer exists, is stale.
for c in "${!listed_row[@]}"; do
	if ! grep -q "^$c	${listed_row[$c]% *}	" "$work/vigie.tsv" || [[ ${py_result[$c]:-} != "${listed_row[$c]#* }" ]]; then
		echo "$c: listed in internal/score/differences/spf-pyspf.tsv as \"${listed_row[$c]}\", not what the run gives: update the table"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed, $listed listed"
((failed == 0))
