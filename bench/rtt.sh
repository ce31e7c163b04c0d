#!/usr/bin/env bash
# rtt.sh measures one whole audit on a simulated network: for each round-trip
# time of RTTS (ms), it starts "vigie lab --rtt", audits one organisation
# with HTTPS and mail (STARTTLS) and prints the audit's wall time, the round
# trips on its critical path ((time - time at 0 ms) / RTT) and the TCP
# connections the lab received per address; then, on a fresh lab with the
# same delay, it times sslscan on the same web host and counts its
# connections, side by side.
#
#   bench/rtt.sh
#   RTTS="0 50" bench/rtt.sh
#
# Runs in a network namespace of its own (e2e/netns.sh: root, or uidmap);
# the lab listens on 127.0.0.0/8 only and nothing leaves the machine.
# Needs Go, jq and sslscan.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash e2e/netns.sh bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
for t in go jq sslscan; do
	command -v "$t" >/dev/null || {
		echo "rtt.sh: $t not found (see .ci/setup)" >&2
		exit 1
	}
done
rtts=${RTTS:-0 20 50 100 200}
orgs=20
work=$(mktemp -d /tmp/vigie-rtt.XXXXXX)
labpid=
cleanup() {
	[[ -z $labpid ]] || { kill "$labpid" 2>/dev/null || true; wait "$labpid" 2>/dev/null || true; }
	[[ -n ${VIGIE_KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$work/vigie" ./cmd/vigie
vigie=$work/vigie

start_lab() { # RTT_MS: starts the lab with that round trip
	rm -rf "$work/lab" "$work/lab.out" "$work/lab.err"
	"$vigie" lab --lang en --orgs "$orgs" --seed 3 --rtt "${1}ms" --dir "$work/lab" >"$work/lab.out" 2>"$work/lab.err" &
	labpid=$!
	until grep -q 'Ctrl-C stops the lab' "$work/lab.out" 2>/dev/null; do
		kill -0 "$labpid" 2>/dev/null || {
			echo "rtt.sh: vigie lab did not start:" >&2
			cat "$work/lab.err" >&2
			exit 1
		}
		sleep 0.1
	done
}
stop_lab() { # prints nothing; leaves $work/lab/connections.tsv
	kill "$labpid"
	wait "$labpid" 2>/dev/null || true
	labpid=
}
audit() { # DOMAIN...: vigie audit --json of the lab
	SSL_CERT_FILE=$work/lab/ca.pem "$vigie" audit --lang en --json --timeout 60s \
		--resolver "$(cat "$work/lab/resolver.txt")" --trust-anchor "$work/lab/root.ds" \
		--allow-private 127.0.0.0/8 "$@"
}
# conns: the lab's connections, per address, most first ("addr n (port n, ...)").
conns() {
	[[ -s $work/lab/connections.tsv ]] || { echo "? (no connections.tsv: $(tail -1 "$work/lab.err"))"; return; }
	awk -F'\t' 'NR > 1 { n[$1] += $3; p[$1] = p[$1] (p[$1] ? ", " : "") $2 ": " $3 }
		END { for (a in n) printf "%d\t%s %d (%s)\n", n[a], a, n[a], p[a] }' "$work/lab/connections.tsv" |
		sort -rn | cut -f2 | head -3 | paste -sd';' -
}

# The organisation: the one of the estate whose audit has the most TLS
# and SMTP observations (HTTPS on the apex and www, STARTTLS mail).
start_lab 0
mapfile -t domains < <(tail -n +2 "$work/lab/targets.csv" | awk -F, '{ print $NF }')
audit "${domains[@]}" >"$work/all.jsonl" 2>/dev/null || true
stop_lab
domain=$(jq -r 'select(.observations.tls != null and .observations.mail.mx != null)
	| [([.observations.tls[]?] | length) + ([.observations.mail.mx.hosts[]?.smtp[]?] | length), .domain] | @tsv' "$work/all.jsonl" |
	sort -rn | head -1 | cut -f2)
[[ -n $domain ]] || { echo "rtt.sh: no organisation with TLS and mail in the lab" >&2; exit 1; }
addr=$(jq -r --arg d "$domain" 'select(.domain == $d) | .observations.dns.a[0] // empty' "$work/all.jsonl")
echo "== one audit of $domain ($addr) on vigie lab --rtt, beside sslscan on its web host (machine: $(nproc) cores)"
printf '%-6s %-9s %-12s %-9s %s\n' RTT vigie "round trips" sslscan "connections per address: vigie | sslscan"
base=
for r in $rtts; do
	start_lab "$r"
	t0=$(date +%s.%N)
	audit "$domain" >"$work/one.json" 2>"$work/one.err" || true
	t1=$(date +%s.%N)
	stop_lab
	vc=$(conns)
	grade=$(jq -r '.score.grade // "?"' "$work/one.json" 2>/dev/null || echo "?")
	# What the audit itself recorded (observations.connections), to set
	# beside what the lab counted.
	recorded=$(jq -r '[.observations.connections[]?.count] | add // 0' "$work/one.json" 2>/dev/null || echo "?")
	start_lab "$r"
	s0=$(date +%s.%N)
	timeout 300 sslscan --no-colour --sni-name="$domain" "$addr:443" >"$work/sslscan.out" 2>&1 || true
	s1=$(date +%s.%N)
	stop_lab
	sc=$(conns)
	vt=$(echo "$t1 - $t0" | bc)
	st=$(echo "$s1 - $s0" | bc)
	[[ -n $base ]] || base=$vt
	rt=-
	((r > 0)) && rt=$(echo "($vt - $base) * 1000 / $r" | bc)
	printf '%-6s %-9s %-12s %-9s vigie (grade %s, %s connections recorded): %s | sslscan: %s\n' "${r}ms" "$(printf '%.2fs' "$vt")" "$rt" "$(printf '%.2fs' "$st")" "$grade" "$recorded" "$vc" "$sc"
done
