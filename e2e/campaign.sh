#!/usr/bin/env bash
# campaign.sh is the end-to-end test of a national campaign, as a newcomer
# would run it: it starts "vigie lab" with N organisations (N, default
# 1000), runs "vigie campaign run" against it, kills the campaign with
# SIGKILL part-way, resumes it with "vigie campaign resume", and checks
# that every (organisation, domain) of the lab was audited and stored
# exactly once; then "vigie export" writes CSV, JSON and Parquet, which
# vigie checks against their own Table Schemas and catalogue, and the
# script checks the rows against the targets. It does all of it on a
# SQLite file and, when VIGIE_TEST_POSTGRES names a PostgreSQL database
# (.ci/run starts a throwaway one with e2e/postgres.sh), on PostgreSQL.
#
# It runs in a network namespace of its own (e2e/netns.sh: root, or a
# user with subordinate IDs), where it may take ports 25, 53, 80 and 443
# of 127.0.0.0/8. Nothing leaves 127.0.0.0/8. Last line: "N passed, M failed"; exit status 1 on failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The lab goes in a network namespace of its own.
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-1000}
work=$(mktemp -d /tmp/vigie-campaign-e2e.XXXXXX)
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
		echo "FAIL  campaign.sh stopped early (exit status $rc)"
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

# start_lab WEEK: starts "vigie lab" with the estate WEEK weeks on, and
# waits until it is ready.
start_lab() {
	echo "== vigie lab --orgs $n --week $1"
	"$vigie" lab --lang en --orgs "$n" --seed 7 --week "$1" --dir "$lab" >"$work/lab.log" 2>&1 &
	labpid=$!
	for _ in $(seq 1 600); do
		grep -q 'Ctrl-C stops the lab' "$work/lab.log" 2>/dev/null && break
		kill -0 "$labpid" 2>/dev/null || break
		sleep 0.2
	done
	if ! grep -q 'Ctrl-C stops the lab' "$work/lab.log"; then
		cat "$work/lab.log" >&2
		fail "vigie lab did not start"
		exit 1
	fi
}
lab=$work/lab
start_lab 0
resolver=$(<"$lab/resolver.txt")
# The jobs: one per (organisation, domain) of targets.csv, whose header is
# id,name,category,domains and whose domains are separated by spaces.
jobs=$(tail -n +2 "$lab/targets.csv" | awk -F, '{ n = split($NF, d, " "); t += n } END { print t }')
echo "lab: $n organisations, $jobs domains, DNS on $resolver"

# campaign DB LABEL: run, kill -9, resume, count, export.
campaign() {
	local db=$1 label=$2 out=$work/export-$2
	echo "== $label: vigie campaign run, killed with SIGKILL"
	SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run --targets "$lab/targets.csv" --db "$db" \
		--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 20s --canary ns1.lab.test \
		>"$work/run-$label.log" 2>&1 &
	local pid=$!
	# Kill once some audits are stored, well before the end.
	for _ in $(seq 1 300); do
		done_=$("$vigie" --lang en campaign status --db "$db" 2>/dev/null | grep -oE '[0-9]+/[0-9]+' | head -1 | cut -d/ -f1 || true)
		[[ -n $done_ && $done_ -ge $((jobs / 10 + 1)) ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -9 "$pid" 2>/dev/null; then
		pass "$label: campaign killed with SIGKILL after ${done_:-0} of $jobs audits"
	else
		fail "$label: the campaign ended before it could be killed (raise N)"
	fi
	wait "$pid" 2>/dev/null || true

	echo "== $label: vigie campaign resume"
	if SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign resume --db "$db" >"$work/resume-$label.log" 2>&1; then
		pass "$label: campaign resumed to the end"
	else
		fail "$label: vigie campaign resume failed: $(tail -3 "$work/resume-$label.log")"
	fi
	local status
	status=$("$vigie" --lang en campaign status --db "$db" 2>&1 || true)
	if grep -qE "\b$jobs/$jobs\b" <<<"$status"; then
		pass "$label: $jobs/$jobs jobs audited"
	else
		fail "$label: status says: $status"
	fi

	echo "== $label: vigie export"
	if "$vigie" --lang en export --db "$db" --out "$out" >"$work/export-$label.log" 2>&1 &&
		grep -q '^checked: CSV files valid' "$work/export-$label.log"; then
		pass "$label: CSV, JSON and Parquet written and checked against their schemas"
	else
		fail "$label: vigie export: $(tail -5 "$work/export-$label.log")"
		return
	fi
	# One row per job in organisations.csv (header aside), one line per
	# job in audits.jsonl, and no (organisation, domain) twice.
	local rows lines dups
	rows=$(jq -r '.[] | [.organisation_id, .domain] | @tsv' "$out/organisations.json" | wc -l)
	dups=$(jq -r '.[] | [.organisation_id, .domain] | @tsv' "$out/organisations.json" | sort | uniq -d | wc -l)
	lines=$(wc -l <"$out/audits.jsonl")
	if ((rows == jobs && lines == jobs && dups == 0)); then
		pass "$label: $jobs audits exported, each (organisation, domain) once"
	else
		fail "$label: exported $rows rows and $lines audits with $dups duplicates, want $jobs"
	fi
	for f in organisations.parquet findings.parquet catalog.jsonld datapackage.json; do
		[[ -s $out/$f ]] || fail "$label: $f missing"
	done
}

campaign "$work/vigie.db" sqlite
if [[ -n ${VIGIE_TEST_POSTGRES:-} ]]; then
	# A database of its own on the same server, so that what the unit
	# tests stored there does not mix with this campaign.
	pgdb=vigie_e2e_$$
	psql -q "$VIGIE_TEST_POSTGRES" -c "CREATE DATABASE $pgdb" >/dev/null
	campaign "$(sed -E "s#/[A-Za-z0-9_]+(\?|$)#/$pgdb\1#" <<<"$VIGIE_TEST_POSTGRES")" postgres
else
	echo "note: VIGIE_TEST_POSTGRES is not set: the PostgreSQL run was NOT done"
fi

# Two weeks later: the lab's estate has drifted (changes.csv), a second
# campaign on the same targets, and "vigie campaign compare": the domains
# that got worse or better must be among those the lab changed.
kill "$labpid"
wait "$labpid" 2>/dev/null || true
labpid=
start_lab 2
echo "== sqlite: a campaign two weeks later, and vigie campaign compare"
if SSL_CERT_FILE=$lab/ca.pem "$vigie" --lang en campaign run --targets "$lab/targets.csv" --db "$work/vigie.db" \
	--resolver "$resolver" --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 20s --canary ns1.lab.test >"$work/week2.log" 2>&1 &&
	"$vigie" --lang en campaign compare --db "$work/vigie.db" --format csv >"$work/compare.csv" 2>"$work/compare.log"; then
	changed=$(tail -n +2 "$lab/changes.csv" | cut -d, -f1,2 | sort -u)
	moved=$(awk -F, 'NR > 1 && ($5 == "worse" || $5 == "better") { print $1 "," $4 }' "$work/compare.csv" | sort -u)
	rows=$(tail -n +2 "$work/compare.csv" | wc -l)
	unexplained=$(comm -13 <(echo "$changed") <(echo "$moved") | grep -c . || true)
	nmoved=$(echo "$moved" | grep -c . || true)
	nchanged=$(echo "$changed" | grep -c . || true)
	if ((rows == jobs && nmoved > 0 && unexplained * 100 <= jobs)); then
		pass "sqlite: compare: $nmoved of $jobs domains worse or better, $nchanged organisations changed by the lab, $unexplained unexplained"
	else
		fail "sqlite: compare: $rows rows (want $jobs), $nmoved worse or better, $unexplained not changed by the lab: $(comm -13 <(echo "$changed") <(echo "$moved") | head -5 | tr '\n' ' ')"
	fi
else
	fail "sqlite: the second campaign or the comparison failed: $(tail -n 3 "$work/week2.log" "$work/compare.log" | tr "\n" " ")"
fi

# The database made read-only: status and compare read it (--json) and
# leave its bytes as they were.
echo "== sqlite: a read-only database, status --json and compare --json"
chmod 0444 "$work/vigie.db"
sum=$(cat "$work/vigie.db" "$work/vigie.db-wal" 2>/dev/null | sha256sum)
if "$vigie" campaign status --db "$work/vigie.db" --json >"$work/status.json" 2>"$work/status.log" &&
	"$vigie" campaign compare --db "$work/vigie.db" --json >"$work/compare.json" 2>"$work/compare-json.log" &&
	[[ $(jq -r '.campaigns[0] | "\(.status) \(.done)/\(.total)"' "$work/status.json") == "finished $jobs/$jobs" ]] &&
	[[ $(jq '[.counts[]] | add' "$work/compare.json") == "$jobs" ]] &&
	[[ $(cat "$work/vigie.db" "$work/vigie.db-wal" 2>/dev/null | sha256sum) == "$sum" ]]; then
	pass "sqlite: read-only: status --json and compare --json read it ($(jq '.rows | length' "$work/compare.json") rows), the file unchanged"
else
	fail "sqlite: read-only: $(tail -n 2 "$work/status.log" "$work/compare-json.log" | tr "\n" " ")"
fi
chmod 0644 "$work/vigie.db"

# The same database copied into a folder its reader cannot write (as a
# user who owns neither): SQLite cannot make the files a reader of a WAL
# database makes, and vigie reads the file alone (immutable).
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
	mkdir "$work/ro"
	cp "$work/vigie.db" "$work/ro/vigie.db"
	chmod 0444 "$work/ro/vigie.db"
	chmod 0555 "$work/ro"
	chmod 0711 "$work"
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$vigie" campaign status --db "$work/ro/vigie.db" --json >"$work/status-ro.json" 2>"$work/status-ro.log" &&
		[[ $(jq -r '.campaigns[0].status' "$work/status-ro.json") == finished ]] && [[ $(ls "$work/ro") == vigie.db ]]; then
		pass "sqlite: read-only folder, another user: status --json reads the file alone"
	else
		fail "sqlite: read-only folder, another user: $(tail -2 "$work/status-ro.log")"
	fi
	chmod 0755 "$work/ro"
else
	echo "note: not root: the read-only folder case (another user) was NOT run"
fi
