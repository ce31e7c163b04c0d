#!/usr/bin/env bash
# services.sh checks vigie's services probe (vigie audit --services,
# issue 19) against real servers from Debian's packages and against nmap
# -sV on the same ports: openssh-server, vsftpd (with an old-looking
# banner), redis-server without a password, memcached, samba with SMBv1
# on (server min protocol = NT1) on 127.0.19.1; xrdp (no NLA) and
# nginx-light (an admin page) on 127.0.19.2; a knotd for the zone
# svc.test on 127.0.19.53. It prints both tools' findings side by side,
# one line per case, and "N passed, M failed"; exit 1 on a failure.
#
#   e2e/services.sh          (re-runs itself in a network namespace)
#
# Needs nmap, openssh-server, vsftpd, xrdp, samba, redis-server,
# memcached, nginx-light, knot and jq (.ci/setup installs them). Talks to
# nothing but 127.0.0.0/8 inside its own namespace.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$here/netns.sh" bash "$0" "$@"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=/usr/local/go/bin:$PATH
fi
for c in nmap /usr/sbin/sshd /usr/sbin/vsftpd /usr/sbin/xrdp smbd redis-server memcached nginx knotd jq; do
	command -v "$c" >/dev/null || {
		echo "services.sh: $c not found (apt-get install nmap openssh-server vsftpd xrdp samba redis-server memcached nginx-light knot jq)" >&2
		exit 1
	}
done

work=$(mktemp -d /tmp/vigie-services.XXXXXX)
d=$work/lab
mkdir -p "$d"
A=127.0.19.1
B=127.0.19.2
N=127.0.19.53
passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }

# ------------------------------------------------------------ servers
echo "== servers in $d"
# The zone: the domain and www on A, vpn. on B, an MX on A.
mkdir -p "$d/knot"
cat >"$d/knot/svc.test.zone" <<EOF
\$TTL 300
@       SOA ns.svc.test. hostmaster.svc.test. 1 3600 600 86400 300
@       NS  ns.svc.test.
ns      A   $N
@       A   $A
www     A   $A
vpn     A   $B
@       MX  10 mx.svc.test.
mx      A   $A
EOF
cat >"$d/knot/knot.conf" <<EOF
server:
    rundir: "$d/knot"
    listen: $N@53
database:
    storage: "$d/knot"
zone:
  - domain: svc.test
    file: "$d/knot/svc.test.zone"
log:
  - target: "$d/knot/knot.log"
    any: info
EOF
knotd -c "$d/knot/knot.conf" </dev/null >"$d/knot/knotd.out" 2>&1 &

ssh-keygen -q -t ed25519 -f "$d/host_ed25519" -N '' >/dev/null
mkdir -p /run/sshd
cat >"$d/sshd_config" <<EOF
ListenAddress $A:22
HostKey $d/host_ed25519
PidFile $d/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"

# vsftpd announces an old version (its ftpd_banner): what a neglected
# server shows; nobody can log in (no local user has a password here,
# anonymous is off).
mkdir -p "$d/empty"
chmod 755 "$d/empty"
cat >"$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$A
listen_port=21
anonymous_enable=NO
local_enable=YES
pam_service_name=vsftpd
secure_chroot_dir=$d/empty
background=YES
ftpd_banner=(vsFTPd 2.3.4)
vsftpd_log_file=$d/vsftpd.log
EOF
/usr/sbin/vsftpd "$d/vsftpd.conf"

redis-server --bind $A --port 6379 --protected-mode no --daemonize yes --dir "$d" --save '' \
	--logfile "$d/redis.log" --pidfile "$d/redis.pid"
memcached -l $A -p 11211 -u root -d -P "$d/memcached.pid"

# smbd binds to the addresses of an interface: give A to lo (this
# namespace's own).
ip addr add $A/8 dev lo
mkdir -p "$d"/samba/{lock,state,cache,pid,private}
cat >"$d/smb.conf" <<EOF
[global]
server role = standalone server
interfaces = $A
bind interfaces only = yes
smb ports = 445
server min protocol = NT1
disable netbios = yes
lock directory = $d/samba/lock
state directory = $d/samba/state
cache directory = $d/samba/cache
pid directory = $d/samba/pid
private dir = $d/samba/private
log file = $d/samba/log
EOF
smbd -D -s "$d/smb.conf"

# xrdp keeps its pid file in /run/xrdp: a tmpfs of this namespace's own.
sed -e "s|^port=3389|port=tcp://$B:3389|" -e "s|^LogFile=xrdp.log|LogFile=$d/xrdp.log|" /etc/xrdp/xrdp.ini >"$d/xrdp.ini"
mkdir -p /run/xrdp
mount -t tmpfs tmpfs /run/xrdp
mkdir -p /run/xrdp/sockdir
xrdp -n -c "$d/xrdp.ini" >"$d/xrdp.out" 2>&1 &

# nginx: a FortiGate-looking login page on B:10443, in TLS.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=vpn.svc.test \
	-keyout "$d/vpn.key" -out "$d/vpn.pem" >/dev/null 2>&1
mkdir -p "$d/www/remote"
# nginx's workers (www-data) read the page.
chmod 755 "$work" "$d" "$d/www"
printf '<html><head><title>Fortinet SSL VPN</title></head><body><form action="/remote/logincheck"></form></body></html>\n' >"$d/www/index.html"
cat >"$d/nginx.conf" <<EOF
pid $d/nginx.pid;
error_log $d/nginx.err;
events {}
http {
    access_log off;
    server {
        listen $B:10443 ssl;
        ssl_certificate $d/vpn.pem;
        ssl_certificate_key $d/vpn.key;
        root $d/www;
    }
}
EOF
nginx -c "$d/nginx.conf"

wait_port() { # smbd takes a few seconds to listen
	local i
	for ((i = 0; i < 300; i++)); do
		if (echo >"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}
for ap in $A:21 $A:22 $A:445 $A:6379 $A:11211 $B:3389 $B:10443 $N:53; do
	if wait_port "${ap%:*}" "${ap#*:}"; then pass "server on $ap"; else fail "no server on $ap"; fi
done

# ------------------------------------------------------------ vigie
echo "== build"
(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
echo "== vigie audit --services svc.test"
start=$(date +%s%N)
set +e
timeout 120 "$work/vigie" audit --json --services --resolver $N:53 --allow-private 127.0.0.0/8 --timeout 60s \
	svc.test >"$work/vigie.json" 2>"$work/vigie.stderr"
status=$?
set -e
vigie_ms=$((($(date +%s%N) - start) / 1000000))
if ((status == 0)) && jq -e .observations.services "$work/vigie.json" >/dev/null; then
	pass "vigie audit --services ($vigie_ms ms, $(jq .observations.services.connections "$work/vigie.json") connections)"
else
	fail "vigie audit --services: status $status: $(head -c 300 "$work/vigie.stderr")"
	echo "$passed passed, $failed failed"
	exit 1
fi

# ------------------------------------------------------------ nmap
ports=$(jq -r '.observations.services.ports | map(tostring) | join(",")' "$work/vigie.json")
echo "== nmap -sV -Pn -n -p $ports $A $B"
start=$(date +%s%N)
nmap -sV -Pn -n -p "$ports" --packet-trace -oG "$work/nmap.gnmap" $A $B >"$work/nmap.txt" 2>&1
nmap_ms=$((($(date +%s%N) - start) / 1000000))
echo "nmap: $nmap_ms ms; vigie (whole audit): $vigie_ms ms"
# Connections per address: nmap's SYN probes and TCP connections (its
# --packet-trace), vigie's own count.
for ip in $A $B; do
	syn=$(grep -c "^SENT.* > $ip:[0-9]* S " "$work/nmap.txt" || true)
	conn=$(grep -c "connection requested to $ip:" "$work/nmap.txt" || true)
	v=$(jq --arg ip "$ip" '[.observations.services.addresses[] | select(.address == $ip) | .open | length] | add' "$work/vigie.json")
	echo "connections to $ip: nmap -sV $syn SYN probes + $conn connections; vigie $(jq --arg ip "$ip" '.observations.services.ports | length' "$work/vigie.json") ports tried, $v open (one connection each, SMB two)"
done

# vigie's names for nmap's services.
nmap_name() {
	case $1 in
	ms-wbt-server) echo rdp ;;
	microsoft-ds | netbios-ssn) echo smb ;;
	memcache) echo memcached ;;
	ssl\|http | https | ssl\|https) echo https ;;
	*) echo "$1" ;;
	esac
}
# address port service, one line each, sorted.
awk '/Ports:/ { ip = $2; sub(/.*Ports: /, ""); n = split($0, ps, ", "); for (i = 1; i <= n; i++) { split(ps[i], f, "/"); if (f[2] == "open") print ip, f[1], f[5], f[7] } }' "$work/nmap.gnmap" |
	while read -r ip port svc version; do echo "$ip $port $(nmap_name "$svc") $version"; done | sort >"$work/nmap.open"
jq -r '.observations.services.addresses[] | .address as $a | .open[]? | "\($a) \(.port) \(.name) \(.product // "") \(.version // "") \(.web.product // "")"' "$work/vigie.json" | sort >"$work/vigie.open"

printf '\n%-22s %-28s %s\n' "address:port" "nmap -sV" "vigie --services"
join -a1 -a2 -e '-' -o 0,1.2,2.2 <(awk '{ k = $1 ":" $2; $1 = $2 = ""; print k, $0 }' "$work/nmap.open" | sed 's/  */ /g' | awk '{ k = $1; $1 = ""; gsub(/^ /, ""); gsub(/ /, "_"); print k, $0 }' | sort) \
	<(awk '{ k = $1 ":" $2; $1 = $2 = ""; print k, $0 }' "$work/vigie.open" | sed 's/  */ /g' | awk '{ k = $1; $1 = ""; gsub(/^ /, ""); gsub(/ /, "_"); print k, $0 }' | sort) |
	while read -r k n v; do printf '%-22s %-28s %s\n' "$k" "${n//_/ }" "${v//_/ }"; done
echo

# Every open port nmap finds, vigie finds, with the same service.
while read -r ip port svc _; do
	got=$(awk -v ip="$ip" -v port="$port" '$1 == ip && $2 == port { print $3 }' "$work/vigie.open")
	if [[ -z $got ]]; then
		fail "$ip:$port: nmap finds $svc open, vigie does not"
	elif [[ $got != "$svc" ]]; then
		fail "$ip:$port: nmap says $svc, vigie $got"
	else
		pass "$ip:$port $svc: same as nmap"
	fi
done <"$work/nmap.open"
# And vigie finds nothing open that nmap does not.
while read -r ip port svc _; do
	if ! awk -v ip="$ip" -v port="$port" '$1 == ip && $2 == port { f = 1 } END { exit !f }' "$work/nmap.open"; then
		fail "$ip:$port: vigie finds $svc open, nmap does not"
	fi
done <"$work/vigie.open"
# Versions where nmap states one: vigie's is the same.
for c in "$A 22 OpenSSH" "$A 21 vsftpd" "$A 6379 Redis" "$A 11211 Memcached"; do
	read -r ip port product <<<"$c"
	nv=$(awk -v ip="$ip" -v port="$port" '$1 == ip && $2 == port { $1 = $2 = $3 = ""; print }' "$work/nmap.open" | grep -o '[0-9][0-9.]*[0-9a-z]*' | head -1 || true)
	vv=$(awk -v ip="$ip" -v port="$port" '$1 == ip && $2 == port { print $5 }' "$work/vigie.open")
	if [[ -n $nv && ${vv%%[^0-9.]*} == "${nv%%[^0-9.]*}" ]]; then
		pass "$ip:$port $product version: nmap $nv, vigie $vv"
	else
		fail "$ip:$port $product version: nmap '$nv', vigie '$vv'"
	fi
done

# ------------------------------------------------------------ findings
finding() { # ID SUBJECT: the finding with its French remediation
	local fr
	fr=$(jq -r --arg id "$1" --arg s "$2" '.findings[] | select(.id == $id and .subject == $s) | .remediation.fr' "$work/vigie.json")
	if [[ -n $fr ]] && grep -q -E "$3" <<<"$fr"; then
		pass "$1 on $2: « ${fr:0:70}… »"
	else
		fail "$1 on $2: missing, or its French remediation lacks /$3/ (got: ${fr:0:80})"
	fi
}
finding services.no_auth $A:6379 "requirepass"
finding services.no_auth $A:11211 "pare-feu"
finding services.smb.smbv1 $A:445 "SMBv1"
finding services.smb.exposed $A:445 "port 445"
finding services.rdp.no_nla $B:3389 "NLA"
finding services.rdp.exposed $B:3389 "fermer le port 3389|Fermer le port 3389"
finding services.ftp.cleartext $A:21 "SFTP"
finding services.admin.exposed $B:10443 "administration"
finding services.eol $B:10443 "version"
# The report, in French, names the Redis finding.
"$work/vigie" audit --services --resolver $N:53 --allow-private 127.0.0.0/8 --timeout 60s svc.test >"$work/report.txt" 2>&1 || true
if grep -q "sans authentification" "$work/report.txt"; then pass "French report: unauthenticated service"; else fail "French report lacks the unauthenticated service (see $work/report.txt)"; fi

echo "vigie: $(jq .observations.services.connections "$work/vigie.json") connections to $(jq '.observations.services.addresses | length' "$work/vigie.json") addresses in $(jq .observations.services.duration_ms "$work/vigie.json") ms (probe); nmap -sV: $nmap_ms ms"
echo "$passed passed, $failed failed"
if ((failed > 0)); then
	echo "services.sh: what the tools said is in $work"
	exit 1
fi
rm -rf "$work"
