#!/usr/bin/env bash
# dnssec-diff.sh compares vigie's DNSSEC verdicts with those of BIND's delv
# and Unbound's unbound-host on a signed lab of its own (issue 11, part 2).
#
# Knot signs the zones (a root, test. and one child of test. per case,
# some under faketime for expired and future signatures), a few are then
# broken on purpose (a DS that matches no key, denial proofs removed), and
# one knotd serves them all on 127.0.55.1. For each case, vigie
# (e2e/dnssec/status, the validator the audit uses), delv and unbound-host
# validate one name; the script prints
#
#   case  vigie=secure delv=secure unbound=secure  ok|LISTED|FAIL
#
# A disagreement with a peer fails unless
# internal/score/differences/dnssec-peers.tsv lists it (case, vigie's
# verdict, the peer and its verdict, RFC section, reasons), as the
# methodology publishes. Last line: "N passed, M failed, L listed"; exit 1 on a failure.
#
# Needs knotd, knotc, keymgr, kdig (knot, knot-dnsutils), delv
# (bind9-dnsutils), unbound-host, faketime, python3, and Go. Runs in a
# network namespace of its own (e2e/netns.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash e2e/netns.sh bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
for t in knotd knotc keymgr kdig delv unbound-host faketime python3 go; do
	command -v "$t" >/dev/null || {
		echo "dnssec-diff.sh: $t not found (see .ci/setup)" >&2
		exit 1
	}
done

ip=127.0.55.1      # the server of the lab
signer=127.0.55.2  # knotd while it signs
silent=127.0.55.9  # a server that never answers
dir=$(mktemp -d /tmp/vigie-dnssec.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ -n ${VIGIE_KEEP:-} ]] || rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/zones" "$dir/signed" "$dir/db" "$dir/run"

go build -o "$dir/status" ./e2e/dnssec/status

soa() { # ZONE: the SOA and NS of a zone served by the lab
	printf '%s 3600 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300\n%s 3600 IN NS ns.test.\n' "$1" "$1"
}
child() { # ZONE [EXTRA...]: a child zone with www, and EXTRA records
	local z=$1
	shift
	{
		soa "$z."
		echo "www.$z. 300 IN A 192.0.2.1"
		for r in "$@"; do echo "$r"; done
	} >"$dir/zones/$z.zone"
}

# policy ID ALGORITHM NSEC3 ITERATIONS OPTOUT
policy() {
	printf '  - id: %s\n    algorithm: %s\n    ksk-lifetime: 0\n    zsk-lifetime: 0\n    nsec3: %s\n    nsec3-iterations: %s\n    nsec3-opt-out: %s\n    nsec3-salt-length: 0\n' "$@"
}

# sign [FAKETIME] ZONE:POLICY...: knotd signs the zones of $dir/zones into
# $dir/signed (AXFR), at the time faketime says (empty: now).
sign() {
	local when=$1 z p zones="" conf=$dir/signer.conf
	shift
	for zp in "$@"; do
		z=${zp%%:*}
		zones+="  - domain: $(fqdn "$z")"$'\n'"    file: \"$dir/zones/$z.zone\""$'\n'"    dnssec-policy: ${zp#*:}"$'\n'
	done
	cat >"$conf" <<CONF
server:
    rundir: "$dir/run"
    listen: $signer@53
database:
    storage: "$dir/db"
acl:
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
policy:
$(policy p13 ecdsap256sha256 off 0 off)
$(policy p8 rsasha256 off 0 off)
$(policy p15 ed25519 off 0 off)
$(policy p16 ed448 off 0 off)
$(policy p5 rsasha1 off 0 off)
$(policy p7 rsasha1-nsec3-sha1 on 0 off)
$(policy n3 ecdsap256sha256 on 0 off)
$(policy optout ecdsap256sha256 on 0 on)
$(policy iter ecdsap256sha256 on 200 off)
template:
  - id: default
    zonefile-sync: -1
    journal-content: none
    dnssec-signing: on
    acl: transfer
zone:
$zones
CONF
	local cmd=(knotd -c "$conf")
	[[ -n $when ]] && cmd=(faketime -f "$when" "${cmd[@]}")
	"${cmd[@]}" >>"$dir/signer.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	for zp in "$@"; do
		z=${zp%%:*}
		local ready=""
		for _ in $(seq 300); do # 30 s: a loaded machine signs slowly
			if kdig "@$signer" +timeout=1 +retry=0 +dnssec "$(fqdn "$z")" DNSKEY 2>/dev/null | grep -q RRSIG; then
				ready=1
				break
			fi
			sleep 0.1
		done
		[[ -n $ready ]] || {
			echo "dnssec-diff.sh: knot did not sign $z within 30 s (see $dir/signer.log)" >&2
			tail -20 "$dir/signer.log" >&2
			exit 1
		}
		kdig "@$signer" +timeout=2 +retry=0 "$(fqdn "$z")" AXFR | grep -v '^;' | awk 'NF' | awk '!($4 == "SOA" && seen++)' >"$dir/signed/$z.zone"
		grep -q RRSIG "$dir/signed/$z.zone" || {
			echo "dnssec-diff.sh: knot did not sign $z (see $dir/signer.log)" >&2
			cat "$dir/signer.log" >&2
			exit 1
		}
	done
	knotc -c "$conf" stop >/dev/null 2>&1 || kill "$pid"
	wait "$pid" 2>/dev/null || true
}

fqdn() { # ZONE: its name with the final dot; "root" is "."
	if [[ $1 == root ]]; then echo .; else echo "$1."; fi
}

ds() { # ZONE: the DS (SHA-256) of the signed zone's KSK
	keymgr -c "$dir/signer.conf" "$(fqdn "$1")" ds | awk '$2 == "DS" && $5 == 2 { print $1, 3600, "IN", $2, $3, $4, $5, $6 }'
}

# The children of test., with the policy that makes each case.
child valid.test '*.wild.valid.test. 300 IN TXT "wild"'
for a in 8 13 15 16 5 7; do child "alg$a.test"; done
for z in expired future wrongds noproof iter unsigned nokey; do child "$z.test"; done
child cname.test 'alias.cname.test. 300 IN CNAME www.expired.test.'
child n3.test 'sub.n3.test. 3600 IN NS ns.test.'
child oo.test 'sub.oo.test. 3600 IN NS ns.test.'
for z in sub.n3.test sub.oo.test; do child "$z"; done

sign "" valid.test:p13 alg8.test:p8 alg13.test:p13 alg15.test:p15 alg16.test:p16 \
	alg5.test:p5 alg7.test:p7 wrongds.test:p13 noproof.test:p13 iter.test:iter \
	cname.test:p13 n3.test:n3 oo.test:optout
ds_all=""
for z in valid alg8 alg13 alg15 alg16 alg5 alg7 noproof iter cname n3 oo; do
	ds_all+="$(soa "$z.test." | grep ' NS ')"$'\n'"$(ds "$z.test")"$'\n'
done
# A DS that matches no key: the digest of wrongds.test's KSK, altered.
ds_all+="wrongds.test. 3600 IN NS ns.test."$'\n'"$(ds wrongds.test | awk '{ $8 = substr($8, 1, 63) (substr($8, 64, 1) == "0" ? "1" : "0"); print }')"$'\n'
# A DS for a zone served without keys: valid.test's DS under its name.
ds_all+="nokey.test. 3600 IN NS ns.test."$'\n'"$(ds valid.test | sed 's/^valid\.test\./nokey.test./')"$'\n'
sign "-30d" expired.test:p13
ds_all+="expired.test. 3600 IN NS ns.test."$'\n'"$(ds expired.test)"$'\n'
sign "+30d" future.test:p13
ds_all+="future.test. 3600 IN NS ns.test."$'\n'"$(ds future.test)"$'\n'
ds_all+="unsigned.test. 3600 IN NS ns.test."$'\n'

# test., then the root, each signed with the DS of the zones below.
{
	soa test.
	echo "ns.test. 3600 IN A $ip"
	printf '%s' "$ds_all"
} >"$dir/zones/test.zone"
sign "" test:p13
{
	soa .
	echo "test. 3600 IN NS ns.test."
	echo "ns.test. 3600 IN A $ip"
	ds test
} >"$dir/zones/root.zone"
sign "" root:p13
ds root >"$dir/root.ds"
{ echo "trust-anchors {"; awk '{ printf "\t\"%s\" static-ds %s %s %s \"%s\";\n", $1, $5, $6, $7, $8 }' "$dir/root.ds"; echo "};"; } >"$dir/anchors.conf"

# Break what the cases need broken: noproof.test loses its NSEC records.
awk '$4 != "NSEC" && !($4 == "RRSIG" && $5 == "NSEC")' "$dir/signed/noproof.test.zone" >"$dir/signed/noproof.test.zone.new"
mv "$dir/signed/noproof.test.zone.new" "$dir/signed/noproof.test.zone"
for z in unsigned.test nokey.test sub.n3.test sub.oo.test; do cp "$dir/zones/$z.zone" "$dir/signed/"; done

# The lab's server: every zone as signed (or broken) above, served as is.
zones=""
for f in "$dir"/signed/*.zone; do
	z=$(basename "$f" .zone)
	zones+="  - domain: $(fqdn "$z")"$'\n'"    file: \"$f\""$'\n'
done
cat >"$dir/knot.conf" <<CONF
server:
    rundir: "$dir/run"
    listen: $ip@53
database:
    storage: "$dir/db2"
template:
  - id: default
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
    dnssec-signing: off
zone:
$zones
CONF
knotd -c "$dir/knot.conf" >>"$dir/knotd.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
	kdig "@$ip" +timeout=1 +retry=0 . SOA 2>/dev/null | grep -c NOERROR >/dev/null && break
	sleep 0.1
done
# A server that never answers, over UDP or TCP.
python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1], 53))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind((sys.argv[1], 53)); t.listen(16)
time.sleep(3600)' "$silent" &
pids+=($!)

unbound_conf() { # SERVER: an unbound.conf that asks SERVER for every zone
	cat <<CONF
server:
    do-not-query-localhost: no
    use-syslog: no
    chroot: ""
    username: ""
    directory: "$dir"
    pidfile: ""
    val-log-level: 2
    # test. is a special-use name that unbound answers itself by default.
    local-zone: "test." nodefault
stub-zone:
    name: "."
    stub-addr: $1
CONF
}
unbound_conf "$ip" >"$dir/unbound.conf"
unbound_conf "$silent" >"$dir/unbound-silent.conf"

vigie_status() { # SERVER NAME TYPE
	"$dir/status" -server "$1:53" -anchors "$dir/root.ds" "$2" "$3" | cut -f1
}
delv_status() { # SERVER NAME TYPE
	# delv prints the validation of every name of the chain: a failure
	# anywhere (the target of a CNAME) makes the answer bogus even when it
	# prints "fully validated" for the CNAME itself. A validated negative
	# answer is a "resolution failed: ncache nxdomain" (or nxrrset) line
	# beside "negative response, fully validated": not a failure.
	local out
	out=$(timeout 20 delv "@$1" -a "$dir/anchors.conf" +root=. "$2" "$3" 2>&1 | grep -v 'resolution failed: ncache') || true
	case $out in
	*"timed out"* | *"SERVFAIL"* | *"connection refused"* | *"no servers could be reached"*) echo indeterminate ;;
	*"resolution failed"* | *"validation failed"* | *"broken trust chain"* | *"insecurity proof failed"*) echo bogus ;;
	*"fully validated"*) echo secure ;;
	*"unsigned answer"*) echo insecure ;;
	*) echo "unknown" ;;
	esac
}
unbound_status() { # CONF NAME TYPE
	local out
	out=$(timeout 20 unbound-host -C "$1" -f "$dir/root.ds" -v -t "$3" "$2" 2>&1) || true
	case $out in
	*"(BOGUS"* | *"validation failure"*) echo bogus ;;
	*"(secure)"*) echo secure ;;
	*"(insecure)"*) echo insecure ;;
	*"SERVFAIL"* | *"timed out"* | *"error"*) echo indeterminate ;;
	*) echo "unknown" ;;
	esac
}

differences=$root/internal/score/differences/dnssec-peers.tsv
listed() { # CASE VIGIE PEER VERDICT: whether dnssec-peers.tsv lists it
	awk -F'\t' -v c="$1" -v v="$2" -v p="$3: $4" '$1 == c && $2 == v && $3 == p { found = 1 } END { exit !found }' "$differences"
}

# A case passes when vigie agrees with both peers. Where it differs from
# one (the peers may differ between themselves: an algorithm one of them
# was built without), the difference must be listed with its RFC section.
pass=0 fail=0 list=0
run() { # CASE NAME TYPE [SERVER]
	local c=$1 name=$2 type=$3 server=${4:-$ip} conf=$dir/unbound.conf v d u verdict=ok
	[[ $server == "$silent" ]] && conf=$dir/unbound-silent.conf
	v=$(vigie_status "$server" "$name" "$type")
	d=$(delv_status "$server" "$name" "$type")
	u=$(unbound_status "$conf" "$name" "$type")
	for peer in "delv $d" "unbound $u"; do
		set -- $peer
		[[ $v == "$2" ]] && continue
		if [[ $2 != unknown ]] && listed "$c" "$v" "$1" "$2"; then
			[[ $verdict == ok ]] && verdict=LISTED
		else
			verdict=FAIL
		fi
	done
	printf '%-22s vigie=%-13s delv=%-13s unbound=%-13s %s\n' "$c" "$v" "$d" "$u" "$verdict"
	case $verdict in
	ok) pass=$((pass + 1)) ;;
	LISTED) list=$((list + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
}

run valid www.valid.test A
run nodata www.valid.test TXT
run nxdomain nowhere.valid.test A
run wildcard x.wild.valid.test TXT
run expired www.expired.test A
run future www.future.test A
run wrong-ds www.wrongds.test A
run missing-dnskey www.nokey.test A
run unsigned-nsec www.unsigned.test A
run unsigned-nsec3 www.sub.n3.test A
run opt-out www.sub.oo.test A
run alg8 www.alg8.test A
run alg13 www.alg13.test A
run alg15 www.alg15.test A
run alg16-ed448 www.alg16.test A
run alg5-sha1 www.alg5.test A
run alg7-sha1 www.alg7.test A
run cname-into-bogus alias.cname.test A
run nodata-no-proof www.noproof.test TXT
run nxdomain-no-proof nowhere.noproof.test A
run nsec3-iterations nowhere.iter.test A
run timeout www.valid.test A "$silent"

echo "$pass passed, $fail failed, $list listed"
((fail == 0))
