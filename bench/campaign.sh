#!/usr/bin/env bash
# campaign.sh measures whole campaigns against "vigie lab": for N = 100,
# 1,000 and 10,000 simulated organisations (SIZES), it starts the lab, runs
#
#   vigie campaign run --targets LAB/targets.csv --db DB --resolver ...
#
# under time(1), and prints audits per second, CPU milliseconds per audit
# (vigie's, and the lab's beside it: both share the machine), vigie's peak
# memory, and the time a campaign of 35,000 organisations would take at
# the same rate. On the 100 organisations, it also times testssl.sh's mass
# mode (--file with --parallel) over the same domains, on port 443.
#
# Needs root (ports 25, 80, 443 and 53 of 127.0.0.0/8; a mount namespace for
# testssl) and GNU time (installed with apt-get when missing). Builds vigie
# from this tree. Nothing leaves 127.0.0.0/8: testssl runs in a mount
# namespace of its own where /etc/resolv.conf names the lab's DNS server,
# and makes no OCSP or CRL request (no --phone-out).
#
#   bench/campaign.sh
#   SIZES="100 1000" bench/campaign.sh
#   TESTSSL_HOSTS=10 bench/campaign.sh   testssl on 10 of the 100 domains
#                                        only, its time scaled to 100
#   TESTSSL_HOSTS=0 bench/campaign.sh    no testssl
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sizes=${SIZES:-100 1000 10000}
testssl_hosts=${TESTSSL_HOSTS:-100}
project=35000
work=$(mktemp -d /tmp/vigie-campaign.XXXXXX)
labpid=

cleanup() {
	if [[ -n $labpid ]]; then
		kill "$labpid" 2>/dev/null || true
		wait "$labpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -x /usr/bin/time ]]; then
	echo "campaign.sh: installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
vigie=$work/vigie

# start_lab N: starts "vigie lab" with N organisations in the background
# and waits until it is ready (or has failed).
start_lab() {
	local n=$1 dir=$work/lab$1
	"$vigie" lab --lang en --orgs "$n" --seed 1 --dir "$dir" >"$dir.out" 2>"$dir.err" &
	labpid=$!
	until grep -q 'Ctrl-C stops the lab' "$dir.out" 2>/dev/null; do
		if ! kill -0 "$labpid" 2>/dev/null; then
			echo "campaign.sh: vigie lab --orgs $n did not start:" >&2
			cat "$dir.err" >&2
			exit 1
		fi
		sleep 0.2
	done
}

stop_lab() {
	kill "$labpid"
	wait "$labpid" || true
	labpid=
}

# cpu_ms PID: user + system CPU time of a process so far, in ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"
}

# rss_mib PID: resident memory of a process now, in MiB.
rss_mib() {
	awk '/^VmRSS:/ { printf "%d\n", $2 / 1024 }' "/proc/$1/status"
}

echo "vigie campaign against vigie lab, $(nproc) CPUs, $(uname -m), sizes: $sizes"
results=$work/results
: >"$results"
for n in $sizes; do
	start_lab "$n"
	dir=$work/lab$n
	ready=$(sed -n 's/^Lab ready in \([0-9.]*\) s.*/\1/p' "$dir.out")
	labrss=$(rss_mib "$labpid")
	resolver=$(cat "$dir/resolver.txt")
	lab0=$(cpu_ms "$labpid")
	SSL_CERT_FILE=$dir/ca.pem command time -f '%e %U %S %M' -o "$work/time$n" \
		"$vigie" campaign run --lang en --targets "$dir/targets.csv" --db "$work/vigie$n.db" \
		--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$dir/root.ds" --canary ns1.lab.test >"$work/campaign$n.out" 2>"$work/campaign$n.err" || {
		echo "campaign.sh: vigie campaign run failed for $n organisations:" >&2
		tail -20 "$work/campaign$n.err" "$work/campaign$n.out" >&2
		exit 1
	}
	lab1=$(cpu_ms "$labpid")
	labpeak=$(awk '/^VmHWM:/ { printf "%d\n", $2 / 1024 }' "/proc/$labpid/status")
	stop_lab
	# Every organisation must have been audited for the figure to mean
	# anything.
	if ! grep -q "$n/$n" "$work/campaign$n.out"; then
		echo "campaign.sh: the campaign of $n organisations did not audit them all:" >&2
		cat "$work/campaign$n.out" >&2
		exit 1
	fi
	read -r wall user sys maxkb <"$work/time$n"
	echo "$n $wall $user $sys $maxkb $((lab1 - lab0)) $ready $labrss $labpeak" >>"$results"
	printf '  %6d organisations: %8.1f s, lab ready in %s s (%s MiB)\n' "$n" "$wall" "$ready" "$labrss"
done

# testssl.sh's mass mode on the domains of the 100 organisations (the
# first TESTSSL_HOSTS of them), port 443, all in parallel.
testssl_line=
if [[ " $sizes " == *" 100 "* && $testssl_hosts -gt 0 ]]; then
	testssl=$(command -v testssl.sh || command -v testssl || true)
	[[ -n $testssl ]] || { echo "campaign.sh: testssl not found (apt-get install testssl.sh, or TESTSSL_HOSTS=0)" >&2; exit 1; }
	unshare --mount --propagation private true || {
		echo "campaign.sh: cannot make a mount namespace (unshare): testssl would query the system's resolver" >&2
		exit 1
	}
	start_lab 100
	dir=$work/lab100
	echo "nameserver $(cut -d: -f1 "$dir/resolver.txt")" >"$work/resolv.conf"
	# One testssl command line per domain (its --file format).
	tail -n +2 "$dir/targets.csv" | awk -F, '{ print $NF }' | head -n "$testssl_hosts" |
		awk -v ca="$dir/ca.pem" '{ printf "--quiet --color 0 --warnings off --add-ca %s %s:443\n", ca, $1 }' >"$work/testssl.txt"
	hosts=$(wc -l <"$work/testssl.txt")
	lab0=$(cpu_ms "$labpid")
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's.
	command time -f '%e %U %S %M' -o "$work/time.testssl" \
		unshare --mount --propagation private sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
		"$work/resolv.conf" "$testssl" --quiet --color 0 --warnings off --parallel --file "$work/testssl.txt" \
		>"$work/testssl.out" 2>&1 || true
	lab1=$(cpu_ms "$labpid")
	stop_lab
	if ! grep -q 'TLS 1.2' "$work/testssl.out"; then
		echo "campaign.sh: testssl tested no protocol; its output:" >&2
		head -c 3000 "$work/testssl.out" >&2
		exit 1
	fi
	read -r wall user sys maxkb <"$work/time.testssl"
	testssl_line="$hosts $wall $user $sys $maxkb $((lab1 - lab0))"
fi

echo
printf '%-22s %8s %10s %10s %12s %10s %9s %12s\n' "" audits/s "wall (s)" "CPU ms/aud" "lab ms/aud" "peak MiB" "lab MiB" "35,000 in"
while read -r n wall user sys maxkb labms ready labrss labpeak; do
	awk -v n="$n" -v wall="$wall" -v user="$user" -v sys="$sys" -v maxkb="$maxkb" -v labms="$labms" -v labpeak="$labpeak" -v p="$project" 'BEGIN {
		rate = n / wall
		proj = p / rate
		printf "%-22s %8.1f %10.1f %10.1f %12.1f %10.1f %9d %9dm%02ds\n",
			"vigie, " n " orgs", rate, wall, (user + sys) * 1000 / n, labms / n, maxkb / 1024, labpeak, proj / 60, proj % 60
	}'
done <"$results"
if [[ -n $testssl_line ]]; then
	read -r hosts wall user sys maxkb labms <<<"$testssl_line"
	awk -v cpus="$(nproc)" -v n="$hosts" -v wall="$wall" -v user="$user" -v sys="$sys" -v maxkb="$maxkb" -v labms="$labms" -v p="$project" 'BEGIN {
		rate = n / wall
		proj = p / rate
		# Fewer hosts than CPUs can keep busy: at least the CPU time.
		if (proj < (user + sys) / n * p / cpus)
			proj = (user + sys) / n * p / cpus
		label = "testssl, " n " hosts"
		printf "%-22s %8.2f %10.1f %10.1f %12.1f %10.1f %9s %9dh%02dm\n",
			label, rate, wall, (user + sys) * 1000 / n, labms / n, maxkb / 1024, "-", proj / 3600, (proj % 3600) / 60
		if (n < 100)
			printf "(testssl on %d of the 100 domains: 100 would take at least %.0f s, its CPU time per host times 100 over %d CPUs)\n", n, (user + sys) * 100 / n / cpus, cpus
	}'
fi
echo
echo "CPU ms/aud: vigie's user + system time per audit; lab ms/aud: the lab's, on the same CPUs."
echo "peak MiB: vigie's (or testssl's largest process) maximum resident memory; lab MiB: the lab's."
