#!/usr/bin/env bash
# netns.sh runs a command in a private network namespace, with a loopback
# interface of its own: the lab's servers (ports 25, 53, 80 and 443 of
# 127.x), the throwaway PostgreSQL and the tests listen there, out of the
# way of the machine's own services and of other labs, and nothing inside
# can reach any other network. The command also gets a PID namespace of
# its own: when it ends, every server it started and left running is
# killed with it.
#
#   e2e/netns.sh CMD [ARG...]
#   e2e/netns.sh bash            a shell in which to start e2e/lab.sh by hand
#
# As root: unshare --net. As another user: a user namespace too, in which
# the user is root and the users of the servers (postfix, postgres) exist:
# unshare --map-root-user --map-auto, which needs the uidmap package
# (newuidmap) and a range of subordinate IDs for the user in /etc/subuid
# and /etc/subgid (Debian's adduser gives one to every user it creates).
# Inside, VIGIE_NETNS=1 tells the e2e scripts that they run in one.
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

ns=(--net --pid --fork --mount-proc --kill-child)
if [[ $EUID -ne 0 ]]; then
	if ! command -v newuidmap >/dev/null; then
		echo "netns.sh: not root, and no newuidmap for a user namespace: apt-get install uidmap (or run as root)" >&2
		exit 1
	fi
	if ! grep -q "^$(id -un):" /etc/subuid 2>/dev/null && ! grep -q "^$(id -u):" /etc/subuid 2>/dev/null; then
		echo "netns.sh: $(id -un) has no subordinate IDs in /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $(id -un), as root)" >&2
		exit 1
	fi
	ns=(--map-root-user --map-auto "${ns[@]}")
fi

# The inner shell is the namespace's init (PID 1): it does not exec the
# command, so that the command's signals (Ctrl-C) are handled as usual,
# and reaps what the servers leave. Killing unshare (SIGKILL) kills it,
# and with it every process of the namespace.
# shellcheck disable=SC2016 # $@ is the inner shell's.
exec unshare "${ns[@]}" env VIGIE_NETNS=1 bash -c 'ip link set lo up || exit; "$@"; rc=$?; exit $rc' netns.sh "$@"
