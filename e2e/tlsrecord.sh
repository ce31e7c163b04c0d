#!/usr/bin/env bash
# tlsrecord.sh refreshes the TLS recordings that internal/probe/tlsprobe's
# TestReplay replays (internal/probe/tlsprobe/testdata/replay): it starts
# the e2e lab (e2e/lab.sh) in a private network namespace, runs TestReplay
# there with the update switch on, so that every case's ClientHello goes to
# the lab's nginx and the answer is written down, then stops the lab.
#
#   e2e/tlsrecord.sh
#
# Review the diff before committing: a .flight changes with every recording
# (the server's random and key share), a .want never does by itself (a new
# case gets one, to review; a case whose answer no longer matches its .want
# fails).
#
# Needs Go and what lab.sh needs (nginx, knot, postfix, openssl), as root
# or as a user who may make namespaces (see e2e/netns.sh). Talks to nothing but the loopback of its
# own network namespace.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
pkg=$root/internal/probe/tlsprobe

die() {
	printf 'tlsrecord: %s\n' "$*" >&2
	exit 1
}

command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "go not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The test binary is built here: the namespace has no network for the
# module proxy.
(cd "$root" && go test -c -o "$work/tlsprobe.test" ./internal/probe/tlsprobe)

# In the namespace: loopback up, the lab, the recording, the lab stopped
# whatever happened.
bash "$here/netns.sh" bash -euo pipefail -c '
	root=$1 lab=$2 bin=$3 pkg=$4
	bash "$root/e2e/lab.sh" start "$lab"
	trap "bash \"$root/e2e/lab.sh\" stop \"$lab\"" EXIT
	cd "$pkg"
	VIGIE_UPDATE=1 VIGIE_TLS_LAB=$lab "$bin" -test.run "^TestReplay\$" -test.count=1 -test.v
' tlsrecord "$root" "$work/lab" "$work/tlsprobe.test" "$pkg"

{
	nginx -v 2>&1
	openssl version
} >"$pkg/testdata/replay/server.txt"
printf 'tlsrecord: recordings refreshed in %s (server: %s)\n' \
	"${pkg#"$root"/}/testdata/replay" "$(paste -sd, "$pkg/testdata/replay/server.txt")" >&2
