#!/usr/bin/env bash
# serve.sh is the end-to-end test of the public observatory: "vigie demo"
# starts the lab (N organisations, default 60), runs two campaigns a
# simulated week apart and serves the observatory; the script then loads
# every page type in French and English, checks the security headers of
# each response, that every route of the OpenAPI document answers, that a
# badge is revalidated by its ETag, and that SIGINT stops the server with
# exit status 0.
#
# In Debian's chromium (e2e/axe): axe-core on every page type, no request
# to another origin, no console error, the organisation's page printed to
# PDF. Not yet here (issue 13): TLS with a lab certificate audited by
# "vigie audit" and the MDN HTTP Observatory.
#
# It runs in a network namespace of its own (e2e/netns.sh). Nothing
# leaves 127.0.0.0/8. Last line: "N passed, M failed"; exit status 1 on
# failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-60}
work=$(mktemp -d /tmp/vigie-serve-e2e.XXXXXX)
demopid=
passed=0
failed=0
url=http://127.0.0.1:8080

cleanup() {
	local rc=$?
	if [[ -n $demopid ]]; then
		kill "$demopid" 2>/dev/null || true
		wait "$demopid" 2>/dev/null || true
	fi
	if ((failed > 0)); then
		mkdir -p "$root/e2e/out"
		cp "$work"/*.log "$root/e2e/out/" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  serve.sh stopped early (exit status $rc)"
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

echo "== vigie demo --orgs $n"
"$work/vigie" demo --lang en --orgs "$n" --dir "$work/demo" --listen 127.0.0.1:8080 >"$work/demo.log" 2>"$work/demo-err.log" &
demopid=$!
for _ in $(seq 600); do
	grep -q "The observatory is ready" "$work/demo.log" && break
	kill -0 "$demopid" 2>/dev/null || break
	sleep 0.2
done
if grep -q "The observatory is ready" "$work/demo.log"; then
	pass "vigie demo: lab, two campaigns and the observatory ready"
else
	fail "vigie demo did not get ready: $(tail -3 "$work/demo-err.log")"
	exit 1
fi

# An organisation and a domain of the store, from the API.
org=$(curl -sf "$url/api/v1/campaigns" >/dev/null && curl -sf "$url/api/v1/statistics" >/dev/null && curl -sf "$url/api/v1/organisations?q=a&limit=1" | jq -r '.items[0].id')
domain=$(curl -sf "$url/api/v1/organisations/$org" | jq -r '.domains[0]')
audit=$(curl -sf "$url/api/v1/domains/$domain/audits" | jq -r '.audits[-1].id')
naudits=$(curl -sf "$url/api/v1/domains/$domain/audits" | jq '.audits | length')
if [[ $naudits -eq 2 ]]; then
	pass "the domain $domain has its two audits"
else
	fail "the domain $domain has $naudits audits, want 2"
fi

csp="default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
# check PATH STATUS LANG: the status, the headers and the language.
check() {
	local path=$1 want=$2 lang=${3:-} h
	h=$(curl -s -o "$work/body" -D - "$url$path" | tr -d '\r')
	local status
	status=$(head -1 <<<"$h" | cut -d' ' -f2)
	local bad=""
	[[ $status == "$want" ]] || bad+=" status $status"
	if [[ $path == */print ]]; then
		# The printable report is vigie's HTML report, its one inline
		# style allowed by its hash, and nothing else.
		local sum
		sum=$(python3 -c 'import sys,hashlib,base64; b=open(sys.argv[1],"rb").read(); css=b.split(b"<style>",1)[1].split(b"</style>",1)[0]; print(base64.b64encode(hashlib.sha256(css).digest()).decode())' "$work/body" 2>/dev/null)
		grep -qiF "content-security-policy: ${csp/style-src \'self\'/style-src \'sha256-$sum\'}" <<<"$h" || bad+=" CSP (want the hash of the report's style, $sum)"
	else
		grep -qiF "content-security-policy: $csp" <<<"$h" || bad+=" CSP"
	fi
	grep -qi "^x-content-type-options: nosniff" <<<"$h" || bad+=" nosniff"
	grep -qi "^referrer-policy: no-referrer" <<<"$h" || bad+=" referrer"
	grep -qi "^cross-origin-opener-policy: same-origin" <<<"$h" || bad+=" COOP"
	if [[ -n $lang ]] && ! grep -q "<html lang=\"$lang\">" "$work/body"; then
		bad+=" not in $lang"
	fi
	if [[ -n $lang ]] && grep -Eq '(src|href|action)="(https?:)?//' "$work/body"; then
		bad+=" a link to another origin"
	fi
	if [[ -z $bad ]]; then
		pass "GET $path: $want, headers${lang:+, $lang}"
	else
		fail "GET $path:$bad"
	fi
}
for lang in fr en; do
	for path in / "/?q=${org:0:3}" "/org/$org" "/audit/$audit" "/audit/$audit/print" /campaign/2 /methodology /opendata /about; do
		check "/$lang$path" 200 "$lang"
	done
done
check /org/nobody 404

# In a browser (Debian's chromium, through e2e/axe): every page type in
# French and English, with axe-core (no serious or critical violation), no
# request to another origin and no console error; the organisation's page
# printed to PDF carries its name.
if [[ -d $root/e2e/axe/node_modules ]] && command -v node >/dev/null; then
	pages=()
	for lang in fr en; do
		for path in "/org/$org" / "/?q=${org:0:3}" "/audit/$audit" "/audit/$audit/print" /campaign/2 /methodology /opendata /about; do
			pages+=("$url/$lang$path")
		done
	done
	while IFS= read -r line; do
		echo "$line"
		case $line in
		ok*) passed=$((passed + 1)) ;;
		FAIL*) failed=$((failed + 1)) ;;
		esac
	done < <(PDF=$work/org.pdf node "$root/e2e/axe/check.js" "${pages[@]}" 2>&1 || true)
	name=$(curl -sf "$url/api/v1/organisations/$org" | jq -r '.name')
	# A newcomer's walk: the name typed in the search box, the result
	# followed, the history, the report, the campaign, the open data,
	# the badge (SHOTS=DIR keeps screenshots, as in the README).
	while IFS= read -r line; do
		echo "$line"
		case $line in
		ok*) passed=$((passed + 1)) ;;
		FAIL*) failed=$((failed + 1)) ;;
		esac
	done < <(node "$root/e2e/axe/journey.js" "$url/" "$name" 2>&1 || true)
	if [[ $(head -c 5 "$work/org.pdf" 2>/dev/null) == "%PDF-" ]] && pdftotext "$work/org.pdf" - 2>/dev/null | tr -s ' \n' ' ' | grep -qF "$name"; then
		pass "the organisation's page printed to PDF by chromium carries its name ($name)"
	else
		fail "the organisation's page printed to PDF: no PDF or no \"$name\" in it"
	fi
else
	fail "e2e/axe is not installed (npm ci in e2e/axe, as .ci/setup does) or node is missing"
fi
check "/badge/$domain.svg" 200
check /healthz 200

# Every route of the OpenAPI document answers with JSON, but those of
# on-demand audits, which "vigie demo" does not take (e2e/ondemand.sh).
mapfile -t routes < <(curl -sf "$url/api/v1/openapi.json" | jq -r '.paths | to_entries[] | select(.value.get and (.key | startswith("/api/v1/ondemand/") | not)) | .key')
for r in "${routes[@]}"; do
	p=${r//\{id\}/$audit}
	p=${p//\{domain\}/$domain}
	[[ $r == "/api/v1/organisations/{id}" ]] && p=/api/v1/organisations/$org
	[[ $r == "/api/v1/organisations" ]] && p="$p?q=${org:0:3}"
	if curl -sf "$url$p" | jq -e . >/dev/null; then
		pass "OpenAPI route $r answers JSON"
	else
		fail "OpenAPI route $r ($p) does not answer JSON"
	fi
done

etag=$(curl -s -D - -o /dev/null "$url/badge/$domain.svg" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/badge/$domain.svg")
if [[ -n $etag && $code == 304 ]]; then
	pass "badge revalidated by its ETag (304)"
else
	fail "badge ETag $etag gave $code"
fi

kill -INT "$demopid"
rc=0
wait "$demopid" || rc=$?
demopid=
if [[ $rc -eq 0 ]] && grep -q "vigie serve: stopped" "$work/demo.log"; then
	pass "SIGINT stops the observatory, exit status 0"
else
	fail "SIGINT: exit status $rc"
fi
