#!/usr/bin/env bash
# ops.sh is the end-to-end test of a campaign that knows when its results
# are not the domains' fault (issue 10, part 2), on "vigie lab" and SQLite:
#   - a resolver that answers NXDOMAIN to everything (a filtering one) stops
#     the campaign before any audit is stored, with exit code 5;
#   - a resolver that drops every question about two domains for a few
#     seconds (injected timeouts): their audits are retried after the rest
#     and end with a grade;
#   - a second "campaign resume" while the campaign runs is refused (exit
#     code 4), naming the holder; a run killed with SIGKILL resumes at once;
#   - abandon, and delete (refused without --yes).
# The two resolvers are small Python servers of the script's own. It runs
# in a network namespace of its own (e2e/netns.sh); nothing leaves
# 127.0.0.0/8. Last line: "N passed, M failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
work=$(mktemp -d /tmp/vigie-ops-e2e.XXXXXX)
pids=()
passed=0
failed=0

cleanup() {
	local rc=$?
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if ((failed > 0)); then
		mkdir -p "$root/e2e/out"
		for f in "$work"/*.log; do cp "$f" "$root/e2e/out/ops-$(basename "$f")" 2>/dev/null || true; done
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  ops.sh stopped early (exit status $rc)"
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

# The script's resolvers: "nxdomain ADDR" answers NXDOMAIN to every
# question; "drop ADDR UPSTREAM SECONDS DOMAIN..." forwards to UPSTREAM but
# drops every question about the DOMAINs during SECONDS after the first one.
cat >"$work/dns.py" <<'PY'
import socket, sys, time
mode, addr = sys.argv[1], sys.argv[2]
host, port = addr.rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, int(port)))
def qname(m):
    i, labels = 12, []
    while i < len(m) and m[i]:
        labels.append(m[i + 1:i + 1 + m[i]].decode("ascii", "replace").lower())
        i += 1 + m[i]
    return ".".join(labels), i + 5
if mode == "drop":
    up = sys.argv[3].rsplit(":", 1)
    up = (up[0], int(up[1]))
    window = float(sys.argv[4])
    domains = sys.argv[5:]
    first = None
print("ready", flush=True)
while True:
    m, peer = s.recvfrom(4096)
    if len(m) < 12:
        continue
    name, end = qname(m)
    if mode == "nxdomain":
        if name == "":  # the root answers: the resolver is up, and lies
            flags = 0x8180
        else:
            flags = 0x8183
        s.sendto(m[:2] + flags.to_bytes(2, "big") + m[4:6] + b"\0\0\0\0\0\0" + m[12:end], peer)
        continue
    if any(name == d or name.endswith("." + d) for d in domains):
        if first is None:
            first = time.monotonic()
        if time.monotonic() - first < window:
            print("dropped", name, flush=True)
            continue
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(m, up)
        s.sendto(u.recvfrom(65535)[0], peer)
    except OSError:
        pass
    finally:
        u.close()
PY

# start_bg LOG CMD...: starts CMD in the background, waits for "ready" or
# the lab's banner in LOG.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 600); do
		grep -qE '^ready|Ctrl-C stops the lab' "$log" 2>/dev/null && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.2
	done
	cat "$log" >&2
	fail "$* did not start"
	exit 1
}

lab=$work/lab
echo "== vigie lab --orgs 40"
start_bg "$work/lab.log" "$vigie" lab --lang en --orgs 40 --seed 3 --dir "$lab"
resolver=$(<"$lab/resolver.txt")
jobs=$(tail -n +2 "$lab/targets.csv" | awk -F, '{ n = split($NF, d, " "); t += n } END { print t }')
# Two domains of the lab whose questions are dropped at first.
mapfile -t slow < <(tail -n +2 "$lab/targets.csv" | awk -F, '{ split($NF, d, " "); print d[1] }' | head -2)
start_bg "$work/liar.log" python3 "$work/dns.py" nxdomain 127.0.60.1:53
start_bg "$work/drop.log" python3 "$work/dns.py" drop 127.0.60.2:53 "$resolver" 6 "${slow[@]}"
echo "lab: $jobs jobs, DNS $resolver; dropped at first: ${slow[*]}"

db=$work/ops.db
# run RESOLVER: the command of a campaign of the lab's targets.
run() {
	cmd=(env SSL_CERT_FILE="$lab/ca.pem" "$vigie" --lang en campaign run --targets "$lab/targets.csv" --db "$db"
		--resolver "$1" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 8s --canary ns1.lab.test)
}
status() { "$vigie" --lang en campaign status --db "$db" 2>&1 | awk -F'\t' -v id="$1" '$1 == id'; }

echo "== a resolver that answers NXDOMAIN to everything"
code=0
run 127.0.60.1:53
"${cmd[@]}" >"$work/liar-run.log" 2>&1 || code=$?
if ((code == 5)) && grep -q 'the DNS resolver 127.0.60.1:53 lies: the name "ns1.lab.test", which exists' "$work/liar-run.log" &&
	grep -q 'vigie campaign resume' "$work/liar-run.log"; then
	pass "lying resolver: stopped with exit code 5, saying which check failed and how to resume"
else
	fail "lying resolver: exit code $code: $(tail -3 "$work/liar-run.log")"
fi
if [[ $(status 1) == *$'\t'0/$jobs$'\t'* ]]; then
	pass "lying resolver: 0 of $jobs audits stored"
else
	fail "lying resolver: status says $(status 1)"
fi

echo "== injected timeouts; a second resume while the campaign runs"
run 127.0.60.2:53
"${cmd[@]}" >"$work/drop-run.log" 2>&1 &
runpid=$!
held=
for _ in $(seq 1 100); do
	grep -q 'campaign 2' "$work/drop-run.log" 2>/dev/null && break
	sleep 0.1
done
sleep 1
code=0
SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign resume --db "$db" --campaign 2 >"$work/second.log" 2>&1 || code=$?
if ((code == 4)) && grep -qE "campaign 2 is being run by another process \(host .*, pid $runpid, since" "$work/second.log"; then
	pass "second resume refused with exit code 4, naming the holder (pid $runpid)"
else
	fail "second resume: exit code $code: $(tail -3 "$work/second.log")"
fi
code=0
wait "$runpid" || code=$?
dropped=$(grep -c '^dropped' "$work/drop.log" || true)
if ((code == 0 && dropped > 0)) && [[ $(status 2) == *$'\t'$jobs/$jobs$'\t'* ]]; then
	pass "campaign with injected timeouts complete: $jobs/$jobs ($dropped questions dropped)"
else
	fail "campaign with injected timeouts: exit code $code, $dropped dropped, status $(status 2): $(tail -3 "$work/drop-run.log")"
fi
"$vigie" --lang en export --db "$db" --out "$work/export" >"$work/export.log" 2>&1 || true
for d in "${slow[@]}"; do
	g=$(jq -r --arg d "$d" '.[] | select(.domain == $d) | .grade' "$work/export/organisations.json" 2>/dev/null | head -1)
	if [[ $g =~ ^[A-F] ]]; then
		pass "$d: its questions dropped at first, graded $g after the retry"
	else
		fail "$d: grade '$g' after the retry"
	fi
done

echo "== killed with SIGKILL, resumed at once"
run "$resolver"
"${cmd[@]}" >"$work/kill-run.log" 2>&1 &
runpid=$!
for _ in $(seq 1 100); do
	grep -q 'campaign 3' "$work/kill-run.log" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5
killed=no
kill -9 "$runpid" 2>/dev/null && killed=yes
wait "$runpid" 2>/dev/null || true
if [[ $killed == no ]]; then
	fail "the campaign ended before it could be killed"
elif SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign resume --db "$db" --campaign 3 >"$work/kill-resume.log" 2>&1 &&
	[[ $(status 3) == *$'\t'$jobs/$jobs$'\t'* ]]; then
	pass "resume right after SIGKILL: the dead holder's lease is free, $jobs/$jobs"
else
	fail "resume after SIGKILL: $(tail -3 "$work/kill-resume.log")"
fi

echo "== abandon, delete"
if "$vigie" --lang en campaign abandon --db "$db" 1 >"$work/abandon.log" 2>&1 && [[ $(status 1) == *abandoned* ]]; then
	pass "campaign 1 abandoned"
else
	fail "abandon: $(cat "$work/abandon.log") $(status 1)"
fi
code=0
"$vigie" --lang en campaign resume --db "$db" --campaign 1 >"$work/resume-abandoned.log" 2>&1 || code=$?
if ((code == 1)) && grep -q 'campaign 1 is abandoned' "$work/resume-abandoned.log"; then
	pass "an abandoned campaign is not resumed"
else
	fail "resume of an abandoned campaign: exit code $code: $(cat "$work/resume-abandoned.log")"
fi
code=0
"$vigie" --lang en campaign delete --db "$db" 3 >"$work/delete.log" 2>&1 || code=$?
if ((code == 2)) && [[ -n $(status 3) ]]; then
	pass "delete without --yes refused, nothing deleted"
else
	fail "delete without --yes: exit code $code"
fi
if "$vigie" --lang en campaign delete --db "$db" 3 --yes >"$work/delete.log" 2>&1 && [[ -z $(status 3) && -n $(status 2) ]]; then
	pass "campaign 3 deleted with its audits, the others kept"
else
	fail "delete --yes: $(cat "$work/delete.log")"
fi
