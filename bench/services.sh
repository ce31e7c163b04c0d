#!/usr/bin/env bash
# bench/services.sh measures the services probe (vigie audit --services,
# issue 19):
#   1. on the real servers of e2e/services.sh, its time and connections
#      per address beside nmap -sV on the same ports (e2e/services.sh
#      prints them);
#   2. a campaign of N lab organisations (vigie lab, default 1,000) run
#      without then with --services, in one database: audits per second
#      of each (goal: within 25 %), then campaign compare and export,
#      which must carry the attack_surface area.
#
#   bash bench/services.sh          (root; re-runs itself in a network namespace)
#   N=200 bash bench/services.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
n=${N:-1000}
work=$(mktemp -d /tmp/vigie-bench-services.XXXXXX)
(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
vigie=$work/vigie

echo "== 1. real servers, vigie --services beside nmap -sV (e2e/services.sh)"
bash "$root/e2e/services.sh" | grep -E '^(nmap:|vigie:|connections to|address:port|127\.|[0-9]+ passed)'

echo "== 2. campaign of $n lab organisations, without then with --services"
"$vigie" lab --lang en --orgs "$n" --seed 1 --dir "$work/lab" >"$work/lab.out" 2>"$work/lab.err" &
labpid=$!
trap 'kill $labpid 2>/dev/null || true' EXIT
until grep -q 'Ctrl-C stops the lab' "$work/lab.out" 2>/dev/null; do
	kill -0 "$labpid" 2>/dev/null || {
		cat "$work/lab.err" >&2
		exit 1
	}
	sleep 0.2
done
resolver=$(cat "$work/lab/resolver.txt")
run() { # NAME [FLAGS...]: one campaign; prints audits per second
	local name=$1 start ms
	shift
	start=$(date +%s%N)
	SSL_CERT_FILE=$work/lab/ca.pem "$vigie" campaign run --lang en --targets "$work/lab/targets.csv" --db "$work/vigie.db" \
		--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$work/lab/root.ds" --canary ns1.lab.test \
		--name "$name" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
		tail -20 "$work/$name.err" >&2
		exit 1
	}
	ms=$((($(date +%s%N) - start) / 1000000))
	awk -v n="$n" -v ms="$ms" -v name="$name" 'BEGIN { printf "%-16s %6.1f s  %6.1f audits/s\n", name, ms / 1000, n * 1000 / ms }'
}
without=$(run without)
echo "$without"
with=$(run with --services)
echo "$with"
awk -v a="$(awk '{ print $4 }' <<<"$without")" -v b="$(awk '{ print $4 }' <<<"$with")" \
	'BEGIN { printf "with --services: %.1f %% of the audits per second without (goal: at least 75 %%)\n", 100 * b / a }'

"$vigie" campaign compare --db "$work/vigie.db" --lang en >"$work/compare.txt" 2>&1 || true
echo "campaign compare: $(sed -n 3p "$work/compare.txt")"
"$vigie" export --db "$work/vigie.db" --out "$work/export" --format csv --lang en >/dev/null 2>&1
last=$(head -1 "$work/export/organisations.csv" | tr -d '\r' | awk -F, '{ print $NF }')
filled=$(tr -d '\r' <"$work/export/organisations.csv" | awk -F, 'NR > 1 && $NF ~ /^[0-9]+$/' | wc -l)
echo "export: last column $last, filled for $filled organisations of the latest campaign"
