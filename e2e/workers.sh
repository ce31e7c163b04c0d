#!/usr/bin/env bash
# workers.sh runs one campaign on three workers (vigie worker) that share
# a throwaway PostgreSQL, against vigie lab, kills one of them with
# SIGKILL mid-campaign and starts another, then checks what issue 18
# promises:
#
#   - every job is audited and stored once: as many audits as jobs, every
#     River job completed, none failed;
#   - the per-address cap (--per-ip) held across the workers together:
#     for every web address of the lab, the most web connections open at
#     once (the lab counts them: peaks.tsv) is at most --per-ip times what
#     one audit alone opened there (a single-process campaign with
#     --parallel 1 on the same lab);
#   - the export is the same as that single-process campaign's (the times
#     and the campaign's number aside);
#   - status --campaign ID --json counts jobs, done, pending, running and
#     failed, and lists the workers with their heartbeat; SIGTERM stops a
#     worker with code 0.
#
#   e2e/workers.sh           N=200 organisations, PER_IP=1
#
# It runs in a private network namespace (e2e/netns.sh) and starts its
# own PostgreSQL (e2e/postgres.sh): needs the postgresql and jq packages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-200}
perip=${PER_IP:-1}
work=$(mktemp -d /tmp/vigie-workers-e2e.XXXXXX)
chmod 0755 "$work"
labpid=
pids=()
passed=0
failed=0

cleanup() {
	local rc=$?
	for p in "${pids[@]}" $labpid; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	bash "$root/e2e/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
	if ((failed > 0 || rc != 0)); then
		mkdir -p "$root/e2e/out/workers"
		cp "$work"/*.log "$work"/*.json "$work"/*.tsv "$root/e2e/out/workers/" 2>/dev/null || true
		cp "$work/export-queue/audits.jsonl" "$root/e2e/out/workers/audits-queue.jsonl" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  workers.sh stopped early (exit status $rc)"
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

echo "== PostgreSQL (throwaway)"
url=$(bash "$root/e2e/postgres.sh" start "$work/pg")
psql -q "$url" -c "CREATE DATABASE vigie_ref" -c "CREATE DATABASE vigie_queue" >/dev/null
ref=$(sed -E "s#/[A-Za-z0-9_]+(\?|$)#/vigie_ref\1#" <<<"$url")
db=$(sed -E "s#/[A-Za-z0-9_]+(\?|$)#/vigie_queue\1#" <<<"$url")

lab=$work/lab
echo "== vigie lab --orgs $n"
"$vigie" lab --lang en --orgs "$n" --seed 7 --dir "$lab" >"$work/lab.log" 2>&1 &
labpid=$!
for _ in $(seq 1 600); do
	grep -q 'Ctrl-C stops the lab' "$work/lab.log" 2>/dev/null && break
	kill -0 "$labpid" 2>/dev/null || break
	sleep 0.2
done
grep -q 'Ctrl-C stops the lab' "$work/lab.log" || {
	cat "$work/lab.log" >&2
	exit 1
}
resolver=$(<"$lab/resolver.txt")
jobs=$(tail -n +2 "$lab/targets.csv" | awk -F, '{ n = split($NF, d, " "); t += n } END { print t }')
echo "lab: $n organisations, $jobs domains, DNS on $resolver"
flags=(--targets "$lab/targets.csv" --resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds"
	--timeout 10s --canary ns1.lab.test --per-ip "$perip")

# peaks FILE: has the lab write its peaks since the last call to FILE.
peaks() {
	rm -f "$lab/peaks.tsv"
	kill -HUP "$labpid"
	for _ in $(seq 1 100); do
		[[ -s $lab/peaks.tsv ]] && break
		sleep 0.1
	done
	cp "$lab/peaks.tsv" "$1"
}
peaks "$work/peaks-before.tsv"

echo "== reference: vigie campaign run --parallel 1 (one audit at a time)"
if SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run "${flags[@]}" --db "$ref" --parallel 1 --name ref >"$work/ref.log" 2>&1; then
	pass "reference campaign: $jobs audits, one at a time"
else
	fail "reference campaign: $(tail -3 "$work/ref.log")"
fi
peaks "$work/peaks-serial.tsv"

echo "== vigie campaign submit"
id=$(SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign submit "${flags[@]}" --db "$db" --name ref 2>"$work/submit.log") || true
if [[ $id =~ ^[0-9]+$ ]]; then
	pass "campaign $id submitted: $(tail -1 "$work/submit.log")"
else
	fail "campaign submit: $(tail -3 "$work/submit.log")"
	exit 1
fi

status() { "$vigie" --lang en campaign status --db "$db" --campaign "$id" --json; }
done_() { status 2>/dev/null | jq -r .done 2>/dev/null || echo 0; }

worker() {
	"$vigie" --lang en worker --db "$db" --parallel 8 --job-timeout 30s --lease 40s >"$work/worker-$1.log" 2>&1 &
	pids+=($!)
}
echo "== three workers"
for w in 1 2 3; do worker "$w"; done
for _ in $(seq 1 600); do
	(($(done_) >= jobs / 5)) && break
	sleep 0.1
done
victim=${pids[0]}
if kill -9 "$victim" 2>/dev/null; then
	pass "worker 1 killed with SIGKILL after $(done_) of $jobs audits"
else
	fail "worker 1 ended before it could be killed: $(tail -3 "$work/worker-1.log")"
fi
wait "$victim" 2>/dev/null || true
pids=("${pids[@]:1}")
worker 4
status >"$work/status-mid.json" || true

echo "== waiting for the campaign (the killed worker's jobs come back after their 40 s lease)"
for _ in $(seq 1 1800); do
	(($(done_) >= jobs)) && break
	sleep 0.2
done
sleep 1 # the last completions reach River's table
status >"$work/status.json"
got=$(jq -r '"\(.jobs) \(.done) \(.pending) \(.running) \(.failed) \(.status)"' "$work/status.json")
if [[ $got == "$jobs $jobs 0 0 0 finished" ]]; then
	pass "status: $jobs jobs, all done, none pending, running or failed; campaign finished"
else
	fail "status: jobs done pending running failed status = $got, want $jobs $jobs 0 0 0 finished"
fi
nworkers=$(jq '.workers | length' "$work/status.json")
silent=$(jq -r '[.workers[] | select(.stopped == null)] | length' "$work/status.json")
if ((nworkers == 4 && silent == 4)); then
	pass "status: 4 workers seen with their heartbeat"
else
	fail "status: $nworkers workers, $silent not stopped, want 4 and 4"
fi

# Stored once: the unique key makes two audits of a job impossible; what
# must hold is as many audits as jobs, each job of River completed once.
audits=$(psql -tA "$db" -c "SELECT count(*) FROM audits WHERE campaign_id = $id")
completed=$(psql -tA "$db" -c "SELECT count(*) FROM river_job WHERE kind = 'audit' AND state = 'completed' AND (args->>'campaign')::bigint = $id")
rescued=$(psql -tA "$db" -c "SELECT count(*) FROM river_job WHERE kind = 'audit' AND (args->>'campaign')::bigint = $id AND attempt > 1")
if ((audits == jobs && completed == jobs)); then
	pass "every job stored once: $audits audits, $completed River jobs completed ($rescued taken more than once: the killed worker's)"
else
	fail "$audits audits and $completed completed River jobs, want $jobs"
fi

echo "== SIGTERM"
for p in "${pids[@]}"; do kill -TERM "$p"; done
codes=""
for p in "${pids[@]}"; do
	wait "$p" && codes+="0 " || codes+="$? "
done
pids=()
if [[ $codes == "0 0 0 " ]]; then
	pass "three workers stopped by SIGTERM with code 0"
else
	fail "workers' exit codes: $codes"
fi
status >"$work/status-end.json"
stopped=$(jq -r '[.workers[] | select(.stopped != null)] | length' "$work/status-end.json")
((stopped == 3)) && pass "status: the 3 stopped workers say so, the killed one does not" || fail "status: $stopped workers stopped, want 3"

echo "== per-address cap: the lab's peaks"
# The lab counts web connections, not audits: the slot of an audit is
# given back when its audit returns, a moment before the server has seen
# its last connections close, so at one address the connections of cap
# audits and the last ones of an audit that ended may be open together.
# Bound: (cap + 1) times the most one audit alone opened there.
peaks "$work/peaks-workers.tsv"
over=$(awk -v p="$perip" 'FNR == 1 { next } FNR == NR { one[$1] = $2; next } $2 > (p + 1) * one[$1] { print $1 " " $2 " > " p + 1 " x " one[$1] + 0 }' \
	"$work/peaks-serial.tsv" "$work/peaks-workers.tsv")
top=$(awk 'NR == 2 { print $1 " " $2 }' "$work/peaks-workers.tsv")
if [[ -z $over ]]; then
	pass "the lab saw no web address with more than ($perip + 1) x the connections of one audit open at once (busiest: $top)"
else
	fail "cap exceeded at the lab: $(head -3 <<<"$over" | tr '\n' ';')"
fi

echo "== export, compared with the single-process campaign's"
for d in ref queue; do
	u=$ref
	[[ $d == queue ]] && u=$db
	"$vigie" --lang en export --db "$u" --out "$work/export-$d" >"$work/export-$d.log" 2>&1 || fail "export $d: $(tail -2 "$work/export-$d.log")"
done
# The same audits, whatever the times: results without their times and
# durations, in one order.
# The same audits, whatever the times and the costs: results without
# their times, durations, round trips, CPU and connection counts (each
# worker process has its own cache of TLS enumerations, which a single
# process shares over the campaign), and without the clock that Go's
# certificate errors quote.
norm() {
	jq -cS 'del(.. | .time?, .audited_at?, .duration_ms?, .rtt_ms?, .cpu_ms?, .campaign_id?, .campaign?) | del(.result.observations.connections)
		| walk(if type == "string" then sub("current time [0-9TZ:.+-]+"; "current time T") else . end)' "$1/audits.jsonl" | sort
}
if diff <(norm "$work/export-ref") <(norm "$work/export-queue") >"$work/export-diff.log"; then
	pass "audits.jsonl: the same $jobs audits as the single-process campaign"
else
	fail "audits.jsonl differs from the single-process campaign's: $(head -c 600 "$work/export-diff.log")"
fi

# The audits' own record: each result has its start (time) and its wall
# time (duration_ms), and its web address is the domain's first address
# (else www's): no address may have had more than --per-ip audits
# running at once, all workers together.
overlap() {
	jq -r 'def ms: capture("^(?<s>[^.Z]+)(\\.(?<f>[0-9]+))?Z$") as $c
			| (($c.s + "Z") | fromdate) * 1000 + (("0." + ($c.f // "0")) | tonumber * 1000);
		.result as $r | (($r.observations.dns.a // [])[0] // ($r.observations.dns.www.ipv4 // [])[0]) as $a
		| select($a != null) | ($r.time | ms) as $t
		| "\($a) \($t) 1 \($r.domain)\n\($a) \($t + $r.duration_ms) -1 \($r.domain)"' "$1/audits.jsonl" |
		sort -k1,1 -k2,2n -k3,3n | tee "$work/overlap.tsv" |
		awk '{ n[$1] += $3; if (n[$1] > m[$1]) m[$1] = n[$1] } END { top = 0; for (a in m) if (m[a] > top) { top = m[a]; at = a } print top, at }'
}
read -r most at <<<"$(overlap "$work/export-queue")"
# An audit whose web address could not be looked up, even when asked
# again, takes no slot (the worker says so): it is not held to the cap.
slotless=$(cat "$work"/worker-[0-9].log | grep -c "no politeness slot" || true)
echo "info  $slotless audit(s) without a slot: their web address could not be looked up"
if ((most >= 1 && most <= perip)); then
	pass "the audits' times: at most $most audit(s) of one web address at once (--per-ip $perip), at $at"
else
	fail "the audits' times: $most audits of $at at once, want 1 to $perip"
fi

echo "== a worker whose campaign's resolver does not answer"
psql -q "$url" -c "CREATE DATABASE vigie_down" >/dev/null
down=$(sed -E "s#/[A-Za-z0-9_]+(\?|$)#/vigie_down\1#" <<<"$url")
SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign submit "${flags[@]}" --resolver 127.53.0.99:53 --db "$down" >/dev/null 2>"$work/submit-down.log"
code=0
timeout 120 "$vigie" --lang en worker --db "$down" --parallel 4 >"$work/worker-down.log" 2>&1 || code=$?
reason=$("$vigie" --lang en campaign status --db "$down" --campaign 1 --json | jq -r '.workers[0].reason // ""')
left=$("$vigie" --lang en campaign status --db "$down" --campaign 1 --json | jq -r '"\(.done) \(.pending)"')
if ((code == 5)) && grep -q 'resolver does not answer' <<<"$reason" && [[ $left == "0 $jobs" ]]; then
	pass "the worker stopped with code 5, its reason recorded ($(cut -c1-80 <<<"$reason")), the $jobs jobs left pending"
else
	fail "worker with a silent resolver: code $code, reason '$reason', done/pending $left: $(tail -2 "$work/worker-down.log")"
fi
