#!/usr/bin/env bash
# postgres.sh starts or stops a throwaway PostgreSQL server for vigie's
# tests (the PostgreSQL run of the store's conformance suite, campaigns
# against a postgres:// URL).
#
#   e2e/postgres.sh start DIR   create a cluster in DIR and start it; prints
#                               the URL of its empty database vigie_test
#   e2e/postgres.sh stop DIR    stop it (DIR itself is left in place)
#
# The server listens only on 127.0.0.1, on the first free port from 25432,
# and on a unix socket in DIR; it trusts every local connection, so it is
# for tests only. It uses Debian's binaries (package postgresql:
# /usr/lib/postgresql/VERSION/bin), the newest version installed. As root,
# it runs as the postgres user, which must be able to reach DIR.
#
#   export VIGIE_TEST_POSTGRES=$(e2e/postgres.sh start /tmp/vigie-pg)
#   go test ./internal/store/
#   e2e/postgres.sh stop /tmp/vigie-pg
set -euo pipefail

usage() {
	echo "usage: $0 start|stop DIR" >&2
	exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z $bin || ! -x $bin/pg_ctl ]]; then
	echo "$0: no PostgreSQL binaries in /usr/lib/postgresql/*/bin: apt-get install postgresql" >&2
	exit 1
fi

# as runs a command as the cluster's owner: postgres when root (initdb
# refuses root), else the caller.
as() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# listening reports whether a TCP socket listens on port $1 (any address),
# from /proc: iproute2 may be absent.
listening() {
	local hex f
	hex=$(printf '%04X' "$1")
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] || continue
		if awk -v p="$hex" 'NR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) found = 1 } END { exit !found }' "$f"; then
			return 0
		fi
	done
	return 1
}

case $cmd in
start)
	if [[ -e $dir/data/postmaster.pid ]]; then
		echo "$0: a server already runs in $dir (stop it first)" >&2
		exit 1
	fi
	if [[ $EUID -eq 0 ]]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			echo "$0: user postgres cannot write to $dir: choose a directory under /tmp" >&2
			exit 1
		fi
	fi
	rm -rf "$dir/data"
	as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# Ports below Linux's ephemeral range (32768-60999), where no client
	# connection of the tests can hold them; the next one when a port is
	# taken all the same.
	port=25432
	while :; do
		if ! listening "$port" &&
			as "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
				-o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null; then
			break
		fi
		port=$((port + 1))
		if ((port > 25532)); then
			echo "$0: could not start PostgreSQL on any port of 25432-25532:" >&2
			cat "$dir/postgres.log" >&2
			exit 1
		fi
	done
	as "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres vigie_test
	url="postgres://postgres@127.0.0.1:$port/vigie_test?sslmode=disable"
	echo "$url" >"$dir/url"
	echo "$url"
	;;
stop)
	if [[ -e $dir/data/postmaster.pid ]]; then
		as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	fi
	;;
*)
	usage
	;;
esac
