#!/usr/bin/env bash
# run.sh is vigie's end-to-end test against real servers: it builds vigie,
# starts the lab of lab.sh (knot, nginx and postfix on 127.x addresses, a
# test CA, deliberately broken sites and mail domains), audits every lab
# domain in one run and checks
#
#   1. every line of expect.tsv (a finding present or absent);
#   2. good.test has no finding of severity low or above, its DNSSEC status
#      is secure, bare.test's is insecure; vigie saw good.test's DKIM key
#      under the selector it was given, STARTTLS on mx.good.test and its
#      DNSSEC-signed TLSA record, no STARTTLS on mx.bare.test;
#   3. for each HTTPS site, the protocol versions, cipher suites and groups
#      that vigie saw are those that sslscan sees;
#   4. the French text and HTML reports of each site hold no English sentence of
#      the message catalogue and no raw Go error (e2e/frenchreport).
#
# It prints a table of any disagreement and, last, "N passed, M failed";
# it exits 1 when anything failed. The lab is always stopped. The results
# (vigie's JSON, sslscan's XML, the servers' logs on failure) are kept in
# e2e/out/. Needs what .ci/setup installs; it runs in a network namespace
# of its own (e2e/netns.sh: root, or a user with subordinate IDs). KEEP=1
# keeps the lab's directory; VIGIE=PATH tests that binary instead of
# building one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
e2e=$root/e2e
# The lab goes in a network namespace of its own.
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
out=$e2e/out
work=$(mktemp -d /tmp/vigie-e2e.XXXXXX)
lab=$work/lab

passed=0
failed=0
stopped=""

stop_lab() {
	[[ -n $stopped ]] && return 0
	stopped=1
	bash "$e2e/lab.sh" stop "$lab" || true
	if ((failed > 0)) && [[ -d $lab ]]; then
		mkdir -p "$out/lab"
		cp -r "$lab/logs" "$lab/knot/knot.log" "$lab/nginx.conf" "$lab/knot/knot.conf" "$lab/knot/zones" \
			"$lab/postfix/maillog" "$lab/postfix/conf" "$out/lab/" 2>/dev/null || true
	fi
	if [[ -z ${KEEP:-} ]]; then
		rm -rf "$work"
	else
		echo "lab kept in $lab" >&2
	fi
}
summary() {
	local rc=$?
	stop_lab
	if ((rc != 0 && failed == 0)); then
		failed=1
		echo "FAIL  run.sh stopped early (exit status $rc)"
	fi
	echo "$passed passed, $failed failed"
	((failed == 0)) || exit 1
}
trap summary EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL  $*"
}

rm -rf "$out"
mkdir -p "$out"

# ------------------------------------------------------------ build, lab

if [[ -n ${VIGIE:-} ]]; then
	vigie=$VIGIE
	echo "== vigie: $vigie"
else
	echo "== build"
	(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
	vigie=$work/vigie
fi
(cd "$root" && go build -o "$work/frenchreport" ./e2e/frenchreport)

echo "== lab"
bash "$e2e/lab.sh" start "$lab"
mapfile -t domains < <(cut -f1 "$lab/sites.tsv")

# ------------------------------------------------------------ audit

echo "== vigie audit ${domains[*]}"
set +e
SSL_CERT_FILE=$lab/ca.pem timeout 300 "$vigie" audit --json \
	--resolver 127.0.53.1:53 --allow-private 127.0.0.0/8 --trust-anchor "$lab/root.ds" --timeout 60s \
	--dkim-selector "$(<"$lab/dkim-selector")" \
	"${domains[@]}" >"$out/vigie.jsonl" 2>"$out/vigie.stderr"
status=$?
set -e
echo "vigie exited with status $status ($(wc -l <"$out/vigie.jsonl") lines)"
# 0: every audit was done (findings do not change it without --fail-on).
if ((status == 0)); then
	pass
elif ((status == 124)); then
	fail "vigie audit did not finish within 300 s"
else
	fail "vigie audit exited with status $status: $(head -c 500 "$out/vigie.stderr")"
fi
if ! jq -e . "$out/vigie.jsonl" >/dev/null 2>&1; then
	fail "vigie's output is not JSON Lines (see $out/vigie.stderr)"
	exit 1
fi

# One result per domain, with no error.
for d in "${domains[@]}"; do
	n=$(jq -r --arg d "$d" 'select(.domain == $d) | .domain' "$out/vigie.jsonl" | wc -l)
	err=$(jq -r --arg d "$d" 'select(.domain == $d) | .error // empty' "$out/vigie.jsonl")
	if ((n != 1)); then
		fail "$d: $n results, want 1"
	elif [[ -n $err ]]; then
		fail "$d: audit error: $err"
	else
		pass
	fi
done

# ------------------------------------------------------------ French reports

echo "== French reports (e2e/frenchreport)"
"$work/frenchreport" <"$out/vigie.jsonl" >"$out/french.txt" || true
grep -v ' passed, .* failed$' "$out/french.txt" || true
while read -r word _; do
	case $word in
	ok) pass ;;
	FAIL) fail "French report with English: see $out/french.txt" ;;
	esac
done <"$out/french.txt"

# ------------------------------------------------------------ expectations

echo "== expectations ($e2e/expect.tsv)"
# ids DOMAIN: the finding ids of the domain, one per line.
ids() { jq -r --arg d "$1" 'select(.domain == $d) | .findings[]?.id' "$out/vigie.jsonl" | sort -u; }

while IFS=$'\t' read -r -u 3 d id want rest; do
	[[ -z $d || $d == \#* ]] && continue
	if [[ -z $id || ($want != present && $want != absent) || -n $rest ]]; then
		fail "expect.tsv: bad line: $d $id $want $rest"
		continue
	fi
	if ids "$d" | grep -qxF "$id"; then got=present; else got=absent; fi
	if [[ $got == "$want" ]]; then
		pass
		printf 'ok    %-16s %-34s %s\n' "$d" "$id" "$want"
	else
		fail "$d: $id $got, want $want"
	fi
done 3<"$e2e/expect.tsv"

# good.test: nothing of severity low or above.
bad=$(jq -r 'select(.domain == "good.test") | .findings[]?
	| select(.severity != "info") | "\(.id) [\(.severity)] \(.subject): \(.evidence)"' "$out/vigie.jsonl")
if [[ -z $bad ]]; then
	pass
else
	fail "good.test: findings of severity low or above:"
	# shellcheck disable=SC2001 # one prefix per line, not per string
	sed 's/^/        /' <<<"$bad"
fi

# dnssec DOMAIN STATUS: vigie's DNSSEC status of the domain.
dnssec() {
	local got
	got=$(jq -r --arg d "$1" 'select(.domain == $d) | .observations.dns.dnssec.status // "none"' "$out/vigie.jsonl")
	if [[ $got == "$2" ]]; then
		pass
	else
		fail "$1: DNSSEC status $got, want $2 ($(jq -r --arg d "$1" 'select(.domain == $d) | .observations.dns.dnssec.reason // ""' "$out/vigie.jsonl"))"
	fi
}
dnssec good.test secure
dnssec legacy.test secure
dnssec bare.test insecure

# observed DOMAIN WHAT JQ [JQ-ARGS...]: JQ, a boolean expression on the
# domain's observations, holds.
observed() {
	local d=$1 what=$2 expr=$3
	shift 3
	# -s: without it, jq -e's status is that of the last line's domain.
	if jq -se --arg d "$d" "$@" ".[] | select(.domain == \$d) | .observations | $expr" "$out/vigie.jsonl" >/dev/null 2>&1; then
		pass
		printf 'ok    %-16s %s\n' "$d" "$what"
	else
		fail "$d: vigie did not see $what"
	fi
}
# shellcheck disable=SC2016 # $s is jq's
observed good.test "the DKIM key (RSA 2048) of the selector given" \
	'[.mail.dkim.selectors[]? | select(.selector == $s and .given and .found
		and .key_type == "rsa" and .key_bits == 2048)] | length == 1' --arg s "$(<"$lab/dkim-selector")"
observed good.test "STARTTLS and TLS 1.3 on mx.good.test" \
	'[.mail.mx.hosts[]? | select(.name == "mx.good.test") | .smtp[]?
		| select(.starttls and (.tls.protocols // [] | map(select(.version == "TLS1.3" and .accepted)) | length == 1))] | length == 1'
observed good.test "the signed TLSA record of mx.good.test" \
	'[.mail.mx.hosts[]? | select(.name == "mx.good.test") | .tlsa | select(.dnssec == "secure") | .records[]?
		| select(.usage == 3 and .selector == 1 and .matching_type == 1)] | length == 1'
observed good.test "the MTA-STS policy in enforce mode" \
	'.mail.mta_sts.mode == "enforce" and .mail.mta_sts.mx == ["mx.good.test"]'
observed bare.test "mx.bare.test without STARTTLS" \
	'[.mail.mx.hosts[]? | select(.name == "mx.bare.test") | .smtp[]? | select(.banner_code == 220 and (.starttls | not))] | length == 1'

# ------------------------------------------------------------ CyberScore

# grade DOMAIN GRADES: the domain's CyberScore grade is one of GRADES
# (issue 4: a well-configured site gets A or A+; an expired, self-signed or
# misnamed certificate, or no HTTPS, gets F).
grade() {
	local d=$1 want=$2 got
	got=$(jq -r --arg d "$d" 'select(.domain == $d) | .score.grade // "none"' "$out/vigie.jsonl")
	if [[ " $want " == *" $got "* ]]; then
		pass
		printf 'ok    %-16s grade %s\n' "$d" "$got"
	else
		fail "$d: CyberScore grade $got, want one of: $want"
	fi
}
grade good.test "A+ A"
grade expired.test F
grade selfsigned.test F
grade wrongname.test F
grade nohttps.test F
grade legacy.test "B C D E F"
grade bare.test "C D E F"

# vigie rescore on the saved results gives every domain the grade and
# points of the audit (the same methodology, the same observations).
if "$vigie" rescore --json "$out/vigie.jsonl" >"$out/rescore.jsonl" 2>"$out/rescore.stderr"; then
	pass
else
	fail "vigie rescore exited with status $?: $(head -c 500 "$out/rescore.stderr")"
fi
# shellcheck disable=SC2016 # $d is jq's
for d in "${domains[@]}"; do
	a=$(jq -c --arg d "$d" 'select(.domain == $d) | [.score.grade, .score.points]' "$out/vigie.jsonl")
	r=$(jq -c --arg d "$d" 'select(.domain == $d) | [.score.grade, .score.points]' "$out/rescore.jsonl")
	if [[ -n $a && $a == "$r" ]]; then
		pass
	else
		fail "$d: audit scored $a, rescore $r"
	fi
done

# ------------------------------------------------------------ sslscan

echo "== sslscan $(sslscan --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1) against vigie"
# Normalised facts, one per line, so that the two tools compare with comm:
#   proto TLS1.2 yes|no
#   suite TLS1.2 0xC02F
#   group x25519
# SSLv3 and SSLv2 are left out: Debian's OpenSSL 3 has no SSLv3, so
# sslscan cannot test it (it always reports it disabled).
versions=(TLS1.0 TLS1.1 TLS1.2 TLS1.3)

# sslscan_facts XML: the facts from sslscan's XML report (2.0 and later:
# one element per line, cipher ids as hex).
sslscan_facts() {
	awk '
	function attr(name,   m) {
		if (match($0, name "=\"[^\"]*\"")) {
			m = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
			return m
		}
		return ""
	}
	/<protocol / && attr("type") == "tls" {
		printf "proto TLS%s %s\n", attr("version"), (attr("enabled") == "1" ? "yes" : "no")
	}
	/<cipher / && (attr("status") == "accepted" || attr("status") == "preferred") {
		v = attr("sslversion"); sub(/^TLSv/, "TLS", v)
		h = toupper(attr("id")); sub(/^0X/, "", h)
		while (length(h) < 4) h = "0" h
		printf "suite %s 0x%s\n", v, h
	}
	/<group / {
		n = attr("name"); sub(/ .*/, "", n)
		printf "group %s\n", tolower(n)
	}' "$1" | sort -u
}

# vigie_facts DOMAIN: the same facts from vigie's observation of DOMAIN:443.
vigie_facts() {
	jq -r --arg d "$1" '
		select(.domain == $d) | .observations.tls[]? | select(.host == $d and .port == 443)
		| (.protocols[]? | select(.version != "SSLv3" and .version != "SSLv2")
			| .version as $v
			| "proto \($v) \(if .accepted then "yes" else "no" end)",
			  (.suites[]? | "suite \($v) \(.id)")),
		  (.groups[]? | "group \(ascii_downcase)")
	' "$out/vigie.jsonl" | awk '$1 == "suite" { printf "suite %s 0x%04X\n", $2, $3; next } { print }' | sort -u
}

# suite_name ID: the IANA name of a suite, as vigie reports it, else as
# OpenSSL knows it.
suite_name() {
	local n
	n=$(jq -r --argjson id "$(($1))" 'first(.. | objects | select(has("kx") and .id == $id) | .name) // empty' "$out/vigie.jsonl" 2>/dev/null | head -1)
	[[ -z $n ]] && n=$(openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null |
		awk -v id="$1" '{ split($1, b, ","); h = sprintf("0x%s%s", substr(b[1], 3), substr(b[2], 3)) } toupper(h) == toupper(id) { print $3; exit }')
	echo "${n:-?}"
}

disagreements=()
note() { disagreements+=("$(printf '%-16s %-7s %-44s %-8s %-8s' "$@")"); }

while IFS=$'\t' read -r -u 3 d ip kind; do
	[[ $kind == tls ]] || continue
	xml=$out/sslscan-$d.xml
	if ! timeout 120 sslscan --no-colour --sni-name="$d" --xml="$xml" "$ip:443" >"$out/sslscan-$d.txt" 2>&1; then
		fail "$d: sslscan failed (see $out/sslscan-$d.txt)"
		continue
	fi
	sslscan_facts "$xml" >"$work/s.facts"
	vigie_facts "$d" >"$work/v.facts"
	# sslscan 2.0 knows no hybrid post-quantum group: leave them out
	# unless it reports one.
	if ! grep -qi mlkem "$work/s.facts"; then
		sed -i '/^group .*mlkem/d' "$work/v.facts"
	fi
	if [[ ! -s $work/v.facts ]]; then
		fail "$d: vigie has no TLS observation of $d:443"
		continue
	fi
	ok=1
	for v in "${versions[@]}"; do
		s=$(awk -v v="$v" '$1 == "proto" && $2 == v { print $3 }' "$work/s.facts")
		g=$(awk -v v="$v" '$1 == "proto" && $2 == v { print $3 }' "$work/v.facts")
		if [[ ${s:-?} != "${g:-?}" ]]; then
			note "$d" "$v" "protocol accepted" "${s:-?}" "${g:-?}"
			ok=""
		fi
	done
	while read -r _ v id; do
		note "$d" "$v" "$id $(suite_name "$id")" yes no
		ok=""
	done < <(comm -23 <(grep '^suite ' "$work/s.facts") <(grep '^suite ' "$work/v.facts"))
	while read -r _ v id; do
		note "$d" "$v" "$id $(suite_name "$id")" no yes
		ok=""
	done < <(comm -13 <(grep '^suite ' "$work/s.facts") <(grep '^suite ' "$work/v.facts"))
	while read -r _ g; do
		note "$d" "-" "group $g" yes no
		ok=""
	done < <(comm -23 <(grep '^group ' "$work/s.facts") <(grep '^group ' "$work/v.facts"))
	while read -r _ g; do
		note "$d" "-" "group $g" no yes
		ok=""
	done < <(comm -13 <(grep '^group ' "$work/s.facts") <(grep '^group ' "$work/v.facts"))
	if [[ -n $ok ]]; then
		pass
		printf 'ok    %-16s %s protocols, %s suites, %s groups agree\n' "$d" \
			"$(grep -c '^proto .* yes' "$work/s.facts")" "$(grep -c '^suite ' "$work/s.facts")" "$(grep -c '^group ' "$work/s.facts")"
	else
		fail "$d: vigie and sslscan disagree"
	fi
done 3<"$lab/sites.tsv"

if ((${#disagreements[@]} > 0)); then
	echo
	echo "Disagreements between sslscan and vigie:"
	printf '%-16s %-7s %-44s %-8s %-8s\n' site version "what" sslscan vigie
	printf '%s\n' "${disagreements[@]}"
	echo
fi
