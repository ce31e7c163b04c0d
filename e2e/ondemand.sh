#!/usr/bin/env bash
# ondemand.sh is the end-to-end test of on-demand audits: "vigie lab"
# starts a small estate, "vigie serve --on-demand" serves an empty store
# with the on-demand queue, allowed to reach only the first lab
# organisation's address (--on-demand-allow-private ADDR/32: the rest of
# 127.0.0.0/8 stands for the operator's internal network). The script
# then, as a browser without JavaScript would:
#
#   - posts the home page's form for the first organisation's domain,
#     follows the progress page (its meta refresh) to the permalink, and
#     checks the audit is shown, in French and in English, and that the
#     JSON holds neither the resolver nor the allowed range;
#   - posts the form for a second organisation, whose address is outside
#     the allowed range: the page says the audit was refused and why, and
#     the lab's own count of connections (connections.tsv, written when
#     the lab stops) shows none to that address;
#   - checks the cool-down (the API answers with the same audit), a
#     cross-site form refused (403) and the rate limit (429 with
#     Retry-After).
#
# It runs in a network namespace of its own (e2e/netns.sh). Nothing
# leaves 127.0.0.0/8. Last line: "N passed, M failed"; exit status 1 on
# failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
work=$(mktemp -d /tmp/vigie-ondemand-e2e.XXXXXX)
labpid=
servepid=
passed=0
failed=0
url=http://127.0.0.1:8081

cleanup() {
	local rc=$?
	for p in $servepid $labpid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if ((failed > 0)); then
		mkdir -p "$root/e2e/out"
		cp "$work"/*.log "$root/e2e/out/" 2>/dev/null || true
	fi
	rm -rf "$work"
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  ondemand.sh stopped early (exit status $rc)"
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

echo "== vigie lab --orgs 6"
lab=$work/lab
"$work/vigie" lab --lang en --orgs 6 --dir "$lab" --dns 127.53.0.1:10053 \
	--http-port 10080 --https-port 10443 --smtp-port 10025 >"$work/lab.log" 2>"$work/lab-err.log" &
labpid=$!
for _ in $(seq 300); do
	grep -q "^Ctrl-C" "$work/lab.log" 2>/dev/null && break
	kill -0 "$labpid" 2>/dev/null || break
	sleep 0.1
done
grep -q "^Ctrl-C" "$work/lab.log" || {
	fail "vigie lab did not start: $(tail -3 "$work/lab-err.log")"
	exit 1
}
resolver=$(cat "$lab/resolver.txt")
# Two organisations with addresses of their own (not a shared host).
mapfile -t domains < <(tail -n +2 "$lab/targets.csv" | cut -d, -f4 | tr -d '"' | cut -d' ' -f1)
addr_of() { dig +short -p "${resolver##*:}" "@${resolver%:*}" "$1" A | head -1; }
good= bad= goodaddr= badaddr=
for d in "${domains[@]}"; do
	a=$(addr_of "$d")
	[[ -n $a ]] || continue
	if [[ -z $good ]]; then
		good=$d goodaddr=$a
	elif [[ -z $bad && $a != "$goodaddr" ]]; then
		bad=$d badaddr=$a
	fi
done
if [[ -z $good || -z $bad ]]; then
	fail "two lab domains with addresses of their own: got '$good' ($goodaddr) and '$bad' ($badaddr) from ${domains[*]}"
	exit 1
fi
pass "lab: $good on $goodaddr (allowed), $bad on $badaddr (refused)"

echo "== vigie serve --on-demand"
SSL_CERT_FILE=$lab/ca.pem "$work/vigie" serve --lang en --db "$work/od.db" --listen 127.0.0.1:8081 \
	--on-demand --on-demand-allow-private "$goodaddr/32" --on-demand-rate 6 --on-demand-timeout 20s \
	--resolver "$resolver" --trust-anchor "$lab/root.ds" --http-port 10080 --https-port 10443 --smtp-port 10025 \
	>"$work/serve.log" 2>"$work/serve-err.log" &
servepid=$!
for _ in $(seq 100); do
	curl -sf "$url/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
if curl -sf "$url/" | grep -q 'action="/ondemand" method="post"'; then
	pass "home page: the on-demand form"
else
	fail "home page: no on-demand form"
fi
grep -q "outside the public internet" "$work/serve-err.log" && pass "serve warns that --on-demand-allow-private reaches beyond the internet" ||
	fail "no warning for --on-demand-allow-private: $(cat "$work/serve-err.log")"

# submit DOMAIN LANG: posts the form as a browser of the site does;
# prints the Location.
submit() {
	curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' -H "Origin: $url" -H 'Sec-Fetch-Site: same-origin' \
		-H "Accept-Language: $2" --data-urlencode "domain=$1" "$url/ondemand"
}
# progress PATH LANG: loads the progress page as its meta refresh does,
# until it redirects or stops refreshing; prints "STATUS LOCATION" and
# leaves the page in $work/page.html.
progress() {
	local out
	for _ in $(seq 300); do
		out=$(curl -s -o "$work/page.html" -w '%{http_code} %{redirect_url}' -H "Accept-Language: $2" "$url$1")
		if [[ $out == 303* ]] || ! grep -q 'http-equiv="refresh"' "$work/page.html"; then
			echo "$out"
			return
		fi
		sleep 0.2
	done
	echo "timeout"
}

echo "== an audit of $good through the form"
read -r code loc < <(submit "$good" fr)
if [[ $code == 303 && $loc == */ondemand/request/* ]]; then
	pass "form: 303 to the request's page"
else
	fail "form: $code $loc"
fi
path=/${loc#*://*/}
read -r code perm < <(progress "$path" fr)
if [[ $code == 303 && $perm == */ondemand/[0-9]* ]]; then
	pass "progress page: refreshes itself, then 303 to the permalink"
else
	fail "progress page ended with $code $perm: $(sed -e 's/<[^>]*>//g' "$work/page.html" | grep -v '^\s*$' | tail -5)"
fi
id=${perm##*/}
fr=$(curl -s -H 'Accept-Language: fr' "$url/ondemand/$id")
en=$(curl -s "$url/en/ondemand/$id")
if grep -q "Audit à la demande du" <<<"$fr" && grep -q "On-demand audit of" <<<"$en" && grep -q "$good" <<<"$en" && grep -q 'class="grade' <<<"$en"; then
	pass "permalink /ondemand/$id: the audit, graded, in French and in English"
else
	fail "permalink /ondemand/$id: $(head -c 300 <<<"$en")"
fi
js=$(curl -s "$url/api/v1/ondemand/$id")
if [[ $(jq -r .domain <<<"$js") == "$good" && $(jq -r '.observations.dns.resolver' <<<"$js") == "" ]] &&
	! grep -q "$goodaddr/32\|$lab\|$resolver" <<<"$js$fr$en"; then
	pass "the public result holds neither the resolver, the trust anchor's file nor the allowed range"
else
	fail "the public result shows the operator's settings: resolver $(jq -r '.observations.dns.resolver' <<<"$js")"
fi
api=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -d "{\"domain\":\"$good\"}" "$url/api/v1/audits")
if [[ $(tail -1 <<<"$api") == 200 && $(head -n -1 <<<"$api" | jq -r '.state + " " + (.audit_id|tostring) + " " + (.earlier|tostring)') == "done $id true" ]]; then
	pass "cool-down: POST /api/v1/audits answers with audit $id"
else
	fail "cool-down: $api"
fi

echo "== $bad, outside the allowed range"
read -r code loc < <(submit "$bad" en)
path=/${loc#*://*/}
read -r code _ < <(progress "$path" en)
text=$(sed -e 's/<[^>]*>//g' "$work/page.html")
if [[ $code == 200 ]] && grep -q "Audit refused" <<<"$text" && grep -q "$badaddr:" <<<"$text" && grep -q "loopback" <<<"$text"; then
	pass "refused: the page says which address and why"
else
	fail "refused page: $code $(grep -v '^\s*$' <<<"$text" | tail -8)"
fi
read -r code loc < <(submit "$bad" fr)
path=/${loc#*://*/}
progress "$path" fr >/dev/null
if grep -q "Audit refusé" "$work/page.html" && grep -q "bouclage" "$work/page.html"; then
	pass "refused: the French page says why"
else
	fail "refused, French: $(sed -e 's/<[^>]*>//g' "$work/page.html" | grep -v '^\s*$' | tail -5)"
fi

echo "== limits"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site' --data-urlencode "domain=$good" "$url/ondemand")
[[ $code == 403 ]] && pass "a cross-site form is refused (403)" || fail "cross-site form: $code"
# 6 requests an hour: 4 made above; two more, then 429.
for _ in 1 2; do submit "$good" en >/dev/null; done
hdr=$(curl -s -D - -o "$work/limit.html" -H "Origin: $url" -H 'Accept-Language: en' --data-urlencode "domain=$good" "$url/ondemand")
if grep -q "^HTTP/1.1 429" <<<"$hdr" && grep -qi "^Retry-After: [0-9]" <<<"$hdr" && grep -q "Too many requests" "$work/limit.html"; then
	pass "rate limit: 429 with Retry-After and the reason"
else
	fail "rate limit: $(head -1 <<<"$hdr")"
fi

echo "== the lab's count of connections"
kill "$servepid"
wait "$servepid" 2>/dev/null || true
servepid=
kill "$labpid"
wait "$labpid" 2>/dev/null || true
labpid=
if [[ -s $lab/connections.tsv ]] && grep -q "^$goodaddr	" "$lab/connections.tsv"; then
	pass "the lab counted the connections of the allowed audit"
else
	fail "no connections to $goodaddr in connections.tsv: $(head -3 "$lab/connections.tsv" 2>/dev/null)"
fi
if ! grep -q "^$badaddr	" "$lab/connections.tsv"; then
	pass "zero connections reached $badaddr, the refused address"
else
	fail "connections reached the refused address: $(grep "^$badaddr" "$lab/connections.tsv")"
fi
