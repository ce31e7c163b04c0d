#!/usr/bin/env bash
# workers.sh measures campaigns on the queue (vigie campaign submit, vigie
# worker) against "vigie lab", beside the same campaign in one process
# (vigie campaign run), all on one throwaway PostgreSQL:
#
#   - audits per second with one process, then with 1, 2 and 3 workers
#     (WORKERS), each with --parallel P/workers, so that the machine runs
#     as many audits at once in every case;
#   - the queue's own cost per job: the workers' CPU (user + system,
#     summed over the workers) minus the single process's CPU, divided by
#     the jobs; and the database's writes per job (transactions committed
#     and rows inserted, updated or deleted, from pg_stat_database), beside
#     those of the single process, which stores the same audits.
#
# Runs in a private network namespace (e2e/netns.sh), like the e2e
# scripts; needs postgresql and jq. Builds vigie from this tree.
#
#   bench/workers.sh                N=1000 P=48 WORKERS="1 2 3"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-1000}
p=${P:-48}
counts=${WORKERS:-1 2 3}
work=$(mktemp -d /tmp/vigie-workers-bench.XXXXXX)
chmod 0755 "$work"
labpid=
pids=()
cleanup() {
	for x in "${pids[@]}" $labpid; do kill -9 "$x" 2>/dev/null || true; done
	wait 2>/dev/null || true
	bash "$root/e2e/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
vigie=$work/vigie
url=$(bash "$root/e2e/postgres.sh" start "$work/pg")
"$vigie" lab --lang en --orgs "$n" --seed 7 --dir "$work/lab" >"$work/lab.log" 2>&1 &
labpid=$!
for _ in $(seq 1 600); do
	grep -q 'Ctrl-C stops the lab' "$work/lab.log" 2>/dev/null && break
	sleep 0.2
done
lab=$work/lab
resolver=$(<"$lab/resolver.txt")
jobs=$(tail -n +2 "$lab/targets.csv" | awk -F, '{ k = split($NF, d, " "); t += k } END { print t }')
flags=(--targets "$lab/targets.csv" --resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds"
	--timeout 20s --canary ns1.lab.test)
ticks=$(getconf CLK_TCK)
echo "lab: $n organisations, $jobs jobs; $p audits at once in every run; $(nproc) cores"

# cpu PID: user + system CPU of a running process, in milliseconds.
cpu() { awk -v t="$ticks" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }
# writes DB: transactions committed and rows written so far.
writes() {
	psql -tA "$1" -c "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()" | tr '|' ' '
}
now_ms() { date +%s%3N; }
database() {
	psql -q "$url" -c "CREATE DATABASE $1" >/dev/null
	sed -E "s#/[A-Za-z0-9_]+(\?|$)#/$1\1#" <<<"$url"
}

printf '%-12s %10s %12s %14s %14s\n' run audits/s "cpu ms/job" "commits/job" "rows/job"
db=$(database bench_single)
read -r c0 r0 <<<"$(writes "$db")"
t0=$(now_ms)
SSL_CERT_FILE=$lab/ca.pem "$vigie" campaign run "${flags[@]}" --db "$db" --parallel "$p" >"$work/single.log" 2>&1 &
pid=$!
last=0
while kill -0 "$pid" 2>/dev/null; do
	last=$(cpu "$pid" 2>/dev/null || echo "$last")
	sleep 0.05
done
wait "$pid"
t1=$(now_ms)
read -r c1 r1 <<<"$(writes "$db")"
single_cpu=$last
awk -v j="$jobs" -v ms=$((t1 - t0)) -v c="$single_cpu" -v dc=$((c1 - c0)) -v dr=$((r1 - r0)) \
	'BEGIN { printf "%-12s %10.1f %12.2f %14.2f %14.2f\n", "1 process", j * 1000 / ms, c / j, dc / j, dr / j }'

for w in $counts; do
	db=$(database "bench_w$w")
	SSL_CERT_FILE=$lab/ca.pem "$vigie" campaign submit "${flags[@]}" --db "$db" >"$work/submit-$w.log" 2>&1
	id=1
	read -r c0 r0 <<<"$(writes "$db")"
	t0=$(now_ms)
	pids=()
	for i in $(seq 1 "$w"); do
		"$vigie" worker --db "$db" --parallel $((p / w)) >"$work/worker-$w-$i.log" 2>&1 &
		pids+=($!)
	done
	while :; do
		d=$("$vigie" campaign status --db "$db" --campaign "$id" --json | jq .done)
		((d >= jobs)) && break
		sleep 0.2
	done
	t1=$(now_ms)
	read -r c1 r1 <<<"$(writes "$db")"
	total=0
	for x in "${pids[@]}"; do total=$((total + $(cpu "$x"))); done
	for x in "${pids[@]}"; do kill -TERM "$x"; done
	wait "${pids[@]}" || true
	pids=()
	awk -v j="$jobs" -v ms=$((t1 - t0)) -v c="$total" -v dc=$((c1 - c0)) -v dr=$((r1 - r0)) -v w="$w" -v s="$single_cpu" \
		'BEGIN { printf "%-12s %10.1f %12.2f %14.2f %14.2f   queue: %+.2f ms CPU/job\n", w " worker(s)", j * 1000 / ms, c / j, dc / j, dr / j, (c - s) / j }'
done
