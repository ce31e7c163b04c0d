#!/usr/bin/env bash
# pageload.sh measures the real page load (vigie audit --browser): it
# starts "vigie lab --pages", audits DOMAINS (default 100) of its domains
# whose pages end normally (tag manager, consent manager, lean page; the
# hostile ones left out) in one "vigie audit --browser" run, and prints the
# pages the browser loaded, the pages per second over the whole run, the
# same run's wall time without --browser, and the peak memory of vigie and
# its Chromium together (the sum of the proportional set sizes, PSS, of
# vigie and every process under it, sampled every 0.2 s).
#
#   bench/pageload.sh
#   DOMAINS=50 BROWSER_PARALLEL=4 PARALLEL=8 bench/pageload.sh
#
# Runs in a network namespace of its own (e2e/netns.sh); nothing leaves
# 127.0.0.0/8. Needs Go, jq and Chromium.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash e2e/netns.sh bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
domains=${DOMAINS:-100}
bparallel=${BROWSER_PARALLEL:-2}
parallel=${PARALLEL:-8}
work=$(mktemp -d /tmp/vigie-bench-pageload.XXXXXX)
labpid=
trap '[[ -n $labpid ]] && kill $labpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/vigie" ./cmd/vigie
vigie=$work/vigie
lab=$work/lab
"$vigie" lab --lang en --orgs $((domains * 3)) --seed 7 --pages --dir "$lab" >"$work/lab.log" 2>&1 &
labpid=$!
for _ in $(seq 1 600); do
	grep -q 'Ctrl-C stops the lab' "$work/lab.log" 2>/dev/null && break
	sleep 0.2
done
grep -q 'Ctrl-C stops the lab' "$work/lab.log" || {
	cat "$work/lab.log" >&2
	exit 1
}
mapfile -t targets < <(awk '$2 == "trackers" || $2 == "consent" || $2 == "clean" { print $1 }' "$lab/pages.tsv" | head -n "$domains")
if ((${#targets[@]} < domains)); then
	echo "pageload.sh: only ${#targets[@]} domains with pages" >&2
fi
resolver=$(<"$lab/resolver.txt")

# pss PID: the PSS of PID and its descendants, in KiB.
pss() {
	local total=0 p
	# Every descendant, whatever its depth.
	local all=("$1") queue=("$1")
	while ((${#queue[@]} > 0)); do
		local c
		c=$(cat /proc/"${queue[0]}"/task/*/children 2>/dev/null || true)
		queue=("${queue[@]:1}")
		for p in $c; do
			all+=("$p")
			queue+=("$p")
		done
	done
	for p in "${all[@]}"; do
		local k
		k=$(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)
		total=$((total + ${k:-0}))
	done
	echo "$total"
}

# run OUT ARGS...: audits the targets, prints the wall time in seconds,
# and the peak PSS in KiB in OUT.peak.
run() {
	local out=$1
	shift
	local start end peak=0 m
	start=$(date +%s.%N)
	SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en audit --json --parallel "$parallel" --resolver "$resolver" \
		--allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" "$@" "${targets[@]}" >"$out" 2>"$out.log" &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		m=$(pss "$pid")
		((m > peak)) && peak=$m
		sleep 0.2
	done
	wait "$pid" || true
	end=$(date +%s.%N)
	echo "$peak" >"$out.peak"
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
}

echo "${#targets[@]} domains of the lab, --parallel $parallel, --browser-parallel $bparallel, $(nproc) CPUs"
plain=$(run "$work/plain.jsonl" --page)
echo "without --browser (static reading): ${plain} s, peak $(($(<"$work/plain.jsonl.peak") / 1024)) MiB"
with=$(run "$work/browser.jsonl" --browser --browser-parallel "$bparallel")
pages=$(jq -s '[.[].observations.pages[]? | select(.method == "browser")] | length' "$work/browser.jsonl")
ok=$(jq -s '[.[].observations.pages[]? | select(.method == "browser" and (.error // "") == "")] | length' "$work/browser.jsonl")
peak=$(($(<"$work/browser.jsonl.peak") / 1024))
echo "with --browser: ${with} s, $pages pages loaded ($ok to the end)"
awk -v p="$pages" -v t="$with" -v t0="$plain" 'BEGIN {
	printf "pages per second: %.2f over the whole run; %.2f over the time the browser added (%.2f s)\n", p / t, (t > t0 ? p / (t - t0) : 0), t - t0 }'
echo "peak memory, vigie and Chromium: $peak MiB (PSS)"
