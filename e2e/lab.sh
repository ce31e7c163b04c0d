#!/usr/bin/env bash
# lab.sh starts or stops the vigie lab: real servers on loopback, with a
# test CA and deliberately broken sites, for end-to-end tests and benchmarks.
#
#   e2e/lab.sh start DIR   build the lab in DIR (an empty or new directory)
#   e2e/lab.sh stop DIR    stop its servers (DIR itself is left in place)
#
# What it builds in DIR:
#   ca.pem          the root of the test CA (for SSL_CERT_FILE)
#   root.ds         the DS of the lab's signed root zone (for --trust-anchor)
#   sites.tsv       domain, IPv4 address, "tls" or "plain": the audited sites
#   knot/           knotd's config, zones, keys, log; it answers on
#                   127.0.53.1:53 and 127.0.53.2:53 for ".", "test." and one
#                   zone per site
#   nginx.conf ...  nginx's config, pid, logs; each site on 127.0.1.N:80/443
#   postfix/        one postfix instance (config, queue, log): mx.good.test
#                   on 127.0.25.1:25 with STARTTLS, mx.bare.test on
#                   127.0.25.2:25 without
#   certs/observatoire.test.{chain.pem,key}
#                   the certificate of observatoire.test (127.0.1.21), for
#                   "vigie serve --tls-cert"
#   dkim/           good.test's DKIM private key (RSA 2048)
#   dkim-selector   its selector (for --dkim-selector)
#
# Needs nginx, knotd, knotc, keymgr, kdig, postfix and openssl, and root
# for ports 25, 53, 80 and 443: run it in a network namespace
# (e2e/netns.sh bash, then lab.sh start and the audits in that shell), out
# of the way of the machine's own servers. Talks to nothing but
# 127.0.0.0/8.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmpl=$here/lab

# The sites: domain, IPv4 address, whether it serves HTTPS.
sites=(
	"good.test       127.0.1.1  tls"
	"legacy.test     127.0.1.2  tls"
	"expired.test    127.0.1.3  tls"
	"selfsigned.test 127.0.1.4  tls"
	"wrongname.test  127.0.1.5  tls"
	"weakkey.test    127.0.1.6  tls"
	"noint.test      127.0.1.7  tls"
	"nohttps.test    127.0.1.8  plain"
	"noredirect.test 127.0.1.9  tls"
	"bare.test       127.0.1.10 tls"
	"weakweb.test    127.0.1.11 tls"
	"certs.test      127.0.1.12 tls"
	"mdnmeta.test    127.0.1.13 tls"
	"mdnnoscript.test 127.0.1.14 tls"
	"mdnbase.test    127.0.1.15 tls"
	"mdnloop.test    127.0.1.16 tls"
	"mdnbig.test     127.0.1.17 tls"
)
# Zones signed by knot besides "." and "test.": every site but bare.test,
# ca.test (the host of the AIA URL) and observatoire.test (vigie's own
# observatory, served by "vigie serve": e2e/observatory.sh).
signed_zones=(good.test legacy.test expired.test selfsigned.test wrongname.test
	weakkey.test noint.test nohttps.test noredirect.test weakweb.test certs.test ca.test observatoire.test
	mdnmeta.test mdnnoscript.test mdnbase.test mdnloop.test mdnbig.test)

# Hosts of the lab that are not audited sites: ca.test (nginx, port 80)
# and observatoire.test, where e2e/observatory.sh serves the observatory
# with "vigie serve" on port 443 (nginx redirects port 80 to it).
extra_sites=("ca.test 127.0.1.20 plain" "observatoire.test 127.0.1.21 plain")

dns1=127.0.53.1
# The mail servers: good.test's MX, with STARTTLS, and bare.test's, without.
mx_good=127.0.25.1
mx_bare=127.0.25.2
# good.test's DKIM selector (not one of the common selectors vigie tries by
# itself: run.sh names it with --dkim-selector).
dkim_selector=lab2026

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
	printf 'lab: %s\n' "$*" >&2
	exit 1
}

# wait_until DESCRIPTION TRIES CMD...: run CMD every 0.1 s until it
# succeeds, at most TRIES times.
wait_until() {
	local what=$1 tries=$2
	shift 2
	local i
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	die "timed out waiting for $what"
}

tcp_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# subst FILE: the template with @DIR@ and the other placeholders replaced.
subst() {
	sed -e "s|@DIR@|$dir|g" -e "s|@SERIAL@|$serial|g" -e "s|@CURVES@|$curves|g" \
		-e "s|@TLSA@|$tlsa|g" -e "s|@DKIM@|$dkim|g" -e "s|@DKIM_SELECTOR@|$dkim_selector|g" \
		-e "s|@MX_GOOD@|$mx_good|g" -e "s|@MX_BARE@|$mx_bare|g" "$1"
}

# ---------------------------------------------------------------- CA

make_ca() {
	local ca=$dir/ca
	mkdir -p "$ca/newcerts" "$dir/certs"
	: >"$ca/index.txt"
	echo 1000 >"$ca/serial"
	cat >"$ca/openssl.cnf" <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused

[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash

[ root_ca ]
dir = $ca
certificate = \$dir/root.pem
private_key = \$dir/root.key
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no

[ int_ca ]
dir = $ca
certificate = \$dir/int.pem
private_key = \$dir/int.key
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no

# An unknown CA, in no trust store: its root and intermediate.
[ rogue_root ]
dir = $ca
certificate = \$dir/rogue-root.pem
private_key = \$dir/rogue-root.key
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no

[ rogue_int ]
dir = $ca
certificate = \$dir/rogue-int.pem
private_key = \$dir/rogue-int.key
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no

[ policy_any ]
organizationName = optional
commonName = supplied
EOF
	local cnf=$ca/openssl.cnf
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/root.key" 2>/dev/null
	openssl req -config "$cnf" -new -x509 -key "$ca/root.key" -sha256 -days 3650 \
		-subj "/O=vigie lab/CN=vigie lab root CA" -extensions v3_root -out "$ca/root.pem"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/int.key" 2>/dev/null
	openssl req -config "$cnf" -new -key "$ca/int.key" \
		-subj "/O=vigie lab/CN=vigie lab intermediate CA" -out "$ca/int.csr"
	openssl ca -config "$cnf" -name root_ca -batch -notext -days 1825 \
		-extensions v3_int -in "$ca/int.csr" -out "$ca/int.pem" 2>/dev/null
	cp "$ca/root.pem" "$dir/ca.pem"
	# The unknown CA, whose root is not in ca.pem.
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/rogue-root.key" 2>/dev/null
	openssl req -config "$cnf" -new -x509 -key "$ca/rogue-root.key" -sha256 -days 3650 \
		-subj "/O=nobody/CN=unknown root CA" -extensions v3_root -out "$ca/rogue-root.pem"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/rogue-int.key" 2>/dev/null
	openssl req -config "$cnf" -new -key "$ca/rogue-int.key" \
		-subj "/O=nobody/CN=unknown intermediate CA" -out "$ca/rogue-int.csr"
	openssl ca -config "$cnf" -name rogue_root -batch -notext -days 1825 \
		-extensions v3_int -in "$ca/rogue-int.csr" -out "$ca/rogue-int.pem" 2>/dev/null
	# DH parameters for legacy.test's DHE suites (RFC 7919 group).
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
		-out "$dir/certs/ffdhe2048.pem" 2>/dev/null
}

# leaf NAME KEY SANS [START END [MD [CA]]]: a key (ec, rsa2048, rsa1024)
# and a certificate for the DNS names SANS (comma separated), valid 90
# days from now or from START to END (YYYYMMDDHHMMSSZ; both empty for
# the default), signed with the digest MD (sha256 by default) by CA:
# int_ca, the lab's intermediate (the default), or rogue_int, the unknown
# CA's. Writes certs/NAME.{key,pem,chain.pem}.
leaf() {
	local name=$1 key=$2 sans=$3 start=${4:-} end=${5:-} md=${6:-sha256} caname=${7:-int_ca}
	local ca=$dir/ca c=$dir/certs/$name int=$dir/ca/int.pem
	local aia="authorityInfoAccess = caIssuers;URI:http://ca.test/intermediate.der"
	if [[ $caname == rogue_int ]]; then
		int=$dir/ca/rogue-int.pem aia=""
	fi
	case $key in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$c.key" 2>/dev/null ;;
	rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$c.key" 2>/dev/null ;;
	rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$c.key" 2>/dev/null ;;
	*) die "unknown key type $key" ;;
	esac
	local usage="digitalSignature, keyEncipherment"
	[[ $key == ec ]] && usage="digitalSignature"
	local san="" s
	IFS=, read -ra names <<<"$sans"
	for s in "${names[@]}"; do
		san+="${san:+, }DNS:$s"
	done
	cat >"$c.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, $usage
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$aia
EOF
	openssl req -config "$ca/openssl.cnf" -new -key "$c.key" \
		-subj "/O=vigie lab/CN=${names[0]}" -out "$c.csr"
	local validity=(-days 90)
	[[ -n $start ]] && validity=(-startdate "$start" -enddate "$end")
	openssl ca -config "$ca/openssl.cnf" -name "$caname" -md "$md" -batch -notext "${validity[@]}" \
		-extfile "$c.ext" -in "$c.csr" -out "$c.pem" 2>/dev/null
	cat "$c.pem" "$int" >"$c.chain.pem"
}

make_certs() {
	leaf good.test ec good.test,www.good.test,mta-sts.good.test
	leaf mx.good.test ec mx.good.test
	leaf legacy.test rsa2048 legacy.test
	leaf expired.test rsa2048 expired.test \
		"$(date -u -d '-100 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '-10 days' +%Y%m%d%H%M%SZ)"
	leaf wrongname.test rsa2048 other.test
	leaf weakkey.test rsa1024 weakkey.test
	leaf noint.test rsa2048 noint.test
	leaf noredirect.test ec noredirect.test
	leaf bare.test rsa2048 bare.test
	# weakweb.test expires in 10 days; www.weakweb.test is valid only
	# from 10 days from now.
	leaf weakweb.test ec weakweb.test \
		"$(date -u -d '-80 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)"
	leaf www.weakweb.test ec www.weakweb.test \
		"$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '+100 days' +%Y%m%d%H%M%SZ)"
	# certs.test: from the unknown CA (leaf and intermediate sent);
	# www.certs.test: from the lab's CA, signed with SHA-1.
	leaf certs.test ec certs.test "" "" sha256 rogue_int
	leaf www.certs.test ec www.certs.test "" "" sha1
	# The sites on which the MDN HTTP Observatory's algorithm once
	# differed from vigie's observatory profile (e2e/observatory.sh).
	local m
	for m in mdnmeta.test mdnnoscript.test mdnbase.test mdnloop.test mdnbig.test; do
		leaf "$m" ec "$m"
	done
	leaf observatoire.test ec observatoire.test

	# selfsigned.test: signed by its own key, unknown to every trust store.
	local c=$dir/certs/selfsigned.test
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$c.key" 2>/dev/null
	openssl req -config "$dir/ca/openssl.cnf" -new -x509 -key "$c.key" -sha256 -days 90 \
		-subj "/O=vigie lab/CN=selfsigned.test" -extensions v3_self \
		-addext "subjectAltName = DNS:selfsigned.test" -out "$c.pem"
	cp "$c.pem" "$c.chain.pem"
}

# ---------------------------------------------------------------- web

make_www() {
	local line name
	for line in "${sites[@]}" "${extra_sites[@]}"; do
		read -r name _ <<<"$line"
		mkdir -p "$dir/www/$name"
		printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title></head>\n<body><p>vigie lab: %s</p></body></html>\n' \
			"$name" "$name" >"$dir/www/$name/index.html"
	done
	# RFC 9116: Contact and Expires (less than a year ahead) are required.
	local expires
	expires=$(date -u -d '+180 days' +%Y-%m-%dT%H:%M:%SZ)
	for name in good.test noredirect.test; do
		mkdir -p "$dir/www/$name/.well-known"
		printf 'Contact: mailto:security@%s\nExpires: %s\nPreferred-Languages: fr, en\n' \
			"$name" "$expires" >"$dir/www/$name/.well-known/security.txt"
	done
	openssl x509 -in "$dir/ca/int.pem" -outform DER -out "$dir/www/ca.test/intermediate.der"

	# The pages on which the MDN HTTP Observatory's algorithm once
	# differed from vigie's observatory profile (e2e/observatory.sh), all
	# served with the good headers: a <meta> CSP beside the header's,
	# which allows 'unsafe-inline' the header does not (the Observatory
	# keeps the sources both allow); an insecure script inside
	# <noscript> (its parser runs no script, so it counts); and a <base
	# href> that moves a relative script to another site over http://.
	cat >"$dir/www/mdnmeta.test/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mdnmeta.test</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src https:">
</head><body><p>vigie lab: mdnmeta.test</p></body></html>
EOF
	cat >"$dir/www/mdnnoscript.test/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mdnnoscript.test</title></head>
<body><noscript><script src="http://cdn.thirdparty.test/fallback.js"></script></noscript>
<p>vigie lab: mdnnoscript.test</p></body></html>
EOF
	cat >"$dir/www/mdnbase.test/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mdnbase.test</title>
<base href="http://cdn.thirdparty.test/">
<script src="/lib.js"></script>
</head><body><p>vigie lab: mdnbase.test</p></body></html>
EOF

	# mdnbig.test: a page of 1.5 MiB, longer than the body vigie keeps
	# (1 MiB), that loads a script over http:// at its very end (the
	# Observatory reads the whole page; vigie reads on for the tags).
	{
		printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>mdnbig.test</title></head>\n<body>\n'
		local i
		for ((i = 0; i < 24576; i++)); do
			printf '<p>vigie lab: a long page, line %05d, to pass the cap of the kept body.</p>\n' "$i"
		done
		printf '<script src="http://cdn.thirdparty.test/late.js"></script>\n</body></html>\n'
	} >"$dir/www/mdnbig.test/index.html"

	# weakweb.test: a page that loads an image over http:// (mixed
	# content) and a script from another site without integrity (no
	# SRI); a security.txt without Contact, expired (RFC 9116 2.5.3, 2.5.5).
	cat >"$dir/www/weakweb.test/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weakweb.test</title>
<script src="https://cdn.thirdparty.test/lib.js"></script>
</head>
<body><p>vigie lab: weakweb.test</p><img src="http://img.thirdparty.test/logo.png" alt="logo"></body></html>
EOF
	mkdir -p "$dir/www/weakweb.test/.well-known"
	printf 'Expires: %s\nPreferred-Languages: fr, en\n' \
		"$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)" >"$dir/www/weakweb.test/.well-known/security.txt"

	# good.test's MTA-STS policy (RFC 8461 3.2), at
	# https://mta-sts.good.test/.well-known/mta-sts.txt.
	mkdir -p "$dir/www/mta-sts.good.test/.well-known"
	printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmax_age: 604800\r\n' \
		>"$dir/www/mta-sts.good.test/.well-known/mta-sts.txt"
}

# ---------------------------------------------------------------- mail

# make_mail_keys sets dkim, good.test's DKIM public key as the character
# strings of a TXT record (RFC 6376 3.6.2.2: split in strings of at most
# 255 bytes), and tlsa, the DANE-EE SPKI SHA-256 digest of mx.good.test's
# key (TLSA 3 1 1, RFC 7672 3.1.1).
make_mail_keys() {
	mkdir -p "$dir/dkim"
	echo "$dkim_selector" >"$dir/dkim-selector"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/dkim/$dkim_selector.key" 2>/dev/null
	local pub
	pub=$(openssl pkey -in "$dir/dkim/$dkim_selector.key" -pubout -outform DER | base64 -w0)
	dkim=$(printf 'v=DKIM1; k=rsa; h=sha256; p=%s' "$pub" | fold -w 250 | sed 's/.*/"&"/' | paste -sd' ')
	tlsa=$(openssl pkey -in "$dir/certs/mx.good.test.key" -pubout -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1)
	[[ ${#tlsa} -eq 64 ]] || die "no TLSA digest for mx.good.test"
}

postfix_dir() { echo "$dir/postfix"; }

start_postfix() {
	local p
	p=$(postfix_dir)
	mkdir -p "$p/conf" "$p/spool" "$p/data"
	chown postfix "$p/data"
	# Postfix's master opens its lock in the data directory as the
	# postfix user: DIR and its parents (often made by mktemp -d, mode
	# 700) must be searchable by others. Nothing in DIR is secret.
	local a=$p
	while [[ $a != / ]]; do
		a=$(dirname "$a")
		if [[ -n $(find "$a" -maxdepth 0 ! -perm -o+x) ]]; then
			log "making $a searchable (o+x) for postfix"
			chmod o+x "$a"
		fi
	done
	subst "$tmpl/postfix/main.cf" | sed -e "/^tls_eecdh_auto_curves/s/:/ /g" >"$p/conf/main.cf"
	subst "$tmpl/postfix/master.cf" >"$p/conf/master.cf"
	# "postfix check" creates the queue's directories with their owners.
	# Postfix logs to $p/maillog, and to stderr only on a terminal.
	postfix -c "$p/conf" check >>"$p/start.log" 2>&1 || die "postfix rejects $p/conf/main.cf (see $p/maillog)"
	# "started" tells stop_postfix (and the next start) that it may run.
	: >"$p/started"
	postfix -c "$p/conf" start >>"$p/start.log" 2>&1 ||
		die "postfix did not start (is another server on port 25? see $p/maillog)"
	wait_until "postfix on $mx_good:25" 100 tcp_open "$mx_good" 25
	wait_until "postfix on $mx_bare:25" 100 tcp_open "$mx_bare" 25
}

# stop_postfix stops the lab's postfix and waits for its master to go (5 s
# at most), then kills it.
stop_postfix() {
	local p pid="" i
	p=$(postfix_dir)
	[[ -e $p/started ]] || return 0
	rm -f "$p/started"
	[[ -r $p/spool/pid/master.pid ]] && pid=$(tr -d ' \n' <"$p/spool/pid/master.pid")
	postfix -c "$p/conf" stop >/dev/null 2>&1 || true
	[[ -n $pid ]] || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "postfix master ($pid) still running after 5 s: killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

start_nginx() {
	mkdir -p "$dir/logs" "$dir/tmp" "$dir/nginx"
	subst "$tmpl/nginx.conf" >"$dir/nginx.conf"
	subst "$tmpl/headers.conf" >"$dir/nginx/headers.conf"
	subst "$tmpl/weak-headers.conf" >"$dir/nginx/weak-headers.conf"
	nginx -t -q -e "$dir/logs/error.log" -c "$dir/nginx.conf" -p "$dir" ||
		die "nginx rejects $dir/nginx.conf (see $dir/logs/error.log)"
	nginx -e "$dir/logs/error.log" -c "$dir/nginx.conf" -p "$dir" ||
		die "nginx did not start (is another server on port 80 or 443? see $dir/logs/error.log)"
	local line name ip kind
	for line in "${sites[@]}" "${extra_sites[@]}"; do
		read -r name ip kind <<<"$line"
		wait_until "nginx on $ip:80" 50 tcp_open "$ip" 80
		[[ $kind == tls ]] && wait_until "nginx on $ip:443" 50 tcp_open "$ip" 443
	done
	return 0
}

# ---------------------------------------------------------------- DNS

knot_conf() { echo "$dir/knot/knot.conf"; }

start_knot() {
	local k=$dir/knot z
	mkdir -p "$k/zones" "$k/db" "$k/run"
	local zones=""
	for z in "${signed_zones[@]}"; do
		zones+="  - domain: $z."$'\n'
	done
	zones+="  - domain: bare.test."$'\n'"    template: unsigned"$'\n'
	subst "$tmpl/knot.conf" | awk -v zones="$zones" '/^@ZONES@$/ { printf "%s", zones; next } { print }' >"$k/knot.conf"

	subst "$tmpl/zones/root.zone" >"$k/zones/root.zone"
	subst "$tmpl/zones/test.zone" >"$k/zones/test.zone"
	subst "$tmpl/zones/good.test.zone" >"$k/zones/good.test.zone"
	subst "$tmpl/zones/bare.test.zone" >"$k/zones/bare.test.zone"
	subst "$tmpl/zones/weakweb.test.zone" >"$k/zones/weakweb.test.zone"
	subst "$tmpl/zones/certs.test.zone" >"$k/zones/certs.test.zone"
	local line name ip
	for line in "${sites[@]}" "${extra_sites[@]}"; do
		read -r name ip _ <<<"$line"
		[[ -e $k/zones/$name.zone ]] && continue
		subst "$tmpl/zones/org.zone" | sed -e "s|@ZONE@|$name|g" -e "s|@IP@|$ip|g" >"$k/zones/$name.zone"
	done

	knotc -c "$k/knot.conf" conf-check >/dev/null || die "knot rejects $k/knot.conf"
	knotd -c "$k/knot.conf" </dev/null >>"$k/knotd.out" 2>&1 &
	echo $! >"$k/knotd.pid"
	wait_until "knotd on $dns1:53" 100 kdig "@$dns1" +timeout=1 +retry=0 . SOA

	# Every signed zone serves a signed DNSKEY set.
	for z in . test. "${signed_zones[@]}"; do
		wait_until "knot signing $z" 200 signed "$z" DNSKEY
	done

	# The chain of trust: each child's DS in its parent (RFC 4035 2.4),
	# then both parents loaded again and signed.
	serial=$((serial + 1))
	{
		echo "; DS of the signed children, from keymgr."
		for z in "${signed_zones[@]}"; do
			ds "$z."
		done
	} >>"$k/zones/test.zone"
	{
		echo "; DS of test., from keymgr."
		ds test.
	} >>"$k/zones/root.zone"
	sed -i -e "s| $((serial - 1)) 3600 900| $serial 3600 900|" "$k/zones/test.zone" "$k/zones/root.zone"
	knotc -c "$k/knot.conf" zone-reload test. . >/dev/null
	wait_until "the DS of test. in the root" 200 signed test. DS
	for z in "${signed_zones[@]}"; do
		wait_until "the DS of $z in test." 200 signed "$z" DS
	done
	# The DS are published: the KSKs, "ready" until now, become active.
	for z in . test. "${signed_zones[@]}"; do
		knotc -c "$k/knot.conf" zone-ksk-submitted "$z" >/dev/null
	done
	ds . >"$dir/root.ds"
	[[ -s $dir/root.ds ]] || die "no DS for the root zone"
}

# ds ZONE: the DS records (SHA-256) of the zone's KSK, one per line, as
# keymgr prints them ("test. DS 18847 13 2 1c7a...") with a TTL and class.
ds() {
	keymgr -c "$(knot_conf)" "$1" ds | awk '$2 == "DS" && $5 == 2 { print $1, 3600, "IN", $2, $3, $4, $5, $6 }'
}

# signed NAME TYPE: the server answers NAME/TYPE with the records and
# their RRSIG.
signed() {
	local out
	out=$(kdig "@$dns1" +timeout=1 +retry=0 +dnssec +norec "$1" "$2") || return 1
	awk -v t="$2" '$4 == t { r = 1 } $4 == "RRSIG" && $5 == t { s = 1 } END { exit !(r && s) }' <<<"$out"
}

# ---------------------------------------------------------------- start, stop

start() {
	[[ $EUID -eq 0 ]] || die "must run as root (ports 25, 53, 80, 443)"
	local t
	for t in nginx knotd knotc keymgr kdig postfix openssl; do
		command -v "$t" >/dev/null || die "$t not found"
	done
	mkdir -p "$dir"
	[[ -e $dir/nginx.pid || -e $dir/knot/knotd.pid || -e $dir/postfix/started ]] &&
		die "$dir holds a lab already: stop it first"
	dir=$(cd "$dir" && pwd)
	# A start that fails half way stops what it started.
	trap 'if (($? != 0)); then stop; fi' EXIT
	serial=$(date -u +%s)
	# X25519MLKEM768 where OpenSSL has it (3.5 and later; Debian 12 has
	# 3.0, and vigie then reports tls.kex.no_post_quantum, an info).
	curves=X25519:prime256v1:secp384r1
	local maj min
	IFS=. read -r maj min _ < <(openssl version | awk '{ print $2 }')
	if ((maj > 3 || (maj == 3 && min >= 5))); then
		curves=X25519MLKEM768:$curves
	fi

	make_ca
	make_certs
	make_mail_keys
	make_www
	local line name ip kind
	for line in "${sites[@]}"; do
		read -r name ip kind <<<"$line"
		printf '%s\t%s\t%s\n' "$name" "$ip" "$kind"
	done >"$dir/sites.tsv"
	start_knot
	start_nginx
	start_postfix
	trap - EXIT
	log "up in $dir: DNS on $dns1:53, sites on 127.0.1.1-17, mail on $mx_good:25 and $mx_bare:25, groups $curves"
}

# stop_pid FILE NAME: TERM the process whose id is in FILE, wait for it to
# go (5 s at most), then KILL it.
stop_pid() {
	local file=$1 name=$2 pid i
	[[ -e $file ]] || return 0
	pid=$(<"$file")
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name ($pid) still running after 5 s: killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$file"
}

stop() {
	[[ -d $dir ]] || return 0
	stop_pid "$dir/nginx.pid" nginx
	stop_pid "$dir/knot/knotd.pid" knotd
	stop_postfix
}

case ${1:-} in
start | stop)
	[[ $# -eq 2 ]] || die "usage: lab.sh start|stop DIR"
	dir=$2
	serial=0 curves="" tlsa="" dkim=""
	"$1"
	;;
*) die "usage: lab.sh start|stop DIR" ;;
esac
