#!/usr/bin/env bash
# tls.sh measures, on the lab's legacy.test (TLS 1.0 to 1.2, 12 suites), the
# wall time and CPU time (user + system, children included) of
#
#   vigie audit   the whole audit: DNS with DNSSEC, TLS, HTTP, security.txt
#   sslscan       TLS only
#   testssl       its full default run (TLS, vulnerabilities, client
#                 simulations, HTTP headers)
#
# in the same run, interleaved, RUNS times each (3 by default), and prints
# each run and the medians. Needs root and what .ci/run installs; builds
# vigie from this tree. Nothing leaves 127.0.0.0/8: testssl gets the
# address (--ip), makes no DNS lookup of the target (--nodns none), sees
# the lab's DNS server as its resolver (see run_testssl), and contacts no
# OCSP or CRL server (no --phone-out).
#
#   bench/tls.sh            RUNS=5 bench/tls.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-3}
work=$(mktemp -d /tmp/vigie-bench.XXXXXX)
lab=$work/lab
domain=legacy.test

cleanup() {
	bash "$root/e2e/lab.sh" stop "$lab" || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

testssl=$(command -v testssl.sh || command -v testssl || true)
[[ -n $testssl ]] || { echo "tls.sh: testssl not found (apt-get install testssl.sh)" >&2; exit 1; }
command -v sslscan >/dev/null || { echo "tls.sh: sslscan not found" >&2; exit 1; }

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
bash "$root/e2e/lab.sh" start "$lab"
ip=$(awk -v d="$domain" '$1 == d { print $2 }' "$lab/sites.tsv")
echo "nameserver 127.0.53.1" >"$lab/resolv.conf"
unshare --mount --propagation private true || {
	echo "tls.sh: cannot make a mount namespace (unshare): testssl would query the system's resolver" >&2
	exit 1
}

tools=(vigie sslscan testssl)
run_vigie() {
	SSL_CERT_FILE=$lab/ca.pem "$work/vigie" audit --json --resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 \
		--trust-anchor "$lab/root.ds" --timeout 120s "$domain"
}
run_sslscan() {
	sslscan --no-colour --sni-name="$domain" "$ip:443"
}
# testssl probes what its openssl can do with "openssl s_client -connect
# invalid.", which asks the system's resolver, whatever --nodns says. It
# runs in a mount namespace of its own where /etc/resolv.conf names the
# lab's server, so that no packet leaves 127.0.0.0/8.
run_testssl() {
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's.
	unshare --mount --propagation private sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
		"$lab/resolv.conf" "$testssl" --quiet --color 0 --warnings off --nodns none --ip "$ip" \
		--add-ca "$lab/ca.pem" "$domain:443"
}

# measure TOOL N: run the tool once; append "wall user+sys" to its file.
TIMEFORMAT='%3R %3U %3S'
measure() {
	local t
	t=$({ time "run_$1" >"$work/$1.$2.out" 2>&1; } 2>&1) || true
	local wall cpu
	read -r wall cpu < <(awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t")
	echo "$wall $cpu" >>"$work/$1.times"
	printf '  run %d  %-8s wall %8.2f s  cpu %8.2f s\n' "$2" "$1" "$wall" "$cpu"
}

echo "legacy.test ($ip:443), $runs runs, $(nproc) CPUs, $(uname -m)"
for ((i = 1; i <= runs; i++)); do
	for t in "${tools[@]}"; do
		measure "$t" "$i"
	done
done

# The audit must have worked for its figure to mean anything.
if ! grep -q '"tls.protocol.tls10"' "$work/vigie.1.out"; then
	echo "tls.sh: vigie's audit of $domain did not report TLS 1.0: see below" >&2
	head -c 2000 "$work/vigie.1.out" >&2
	exit 1
fi

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
printf '%-10s %14s %14s   %s\n' tool "wall (median)" "cpu (median)" "wall of each run"
for t in "${tools[@]}"; do
	w=$(cut -d' ' -f1 "$work/$t.times" | median)
	c=$(cut -d' ' -f2 "$work/$t.times" | median)
	printf '%-10s %12.2f s %12.2f s   %s\n' "$t" "$w" "$c" "$(cut -d' ' -f1 "$work/$t.times" | paste -sd' ')"
done
