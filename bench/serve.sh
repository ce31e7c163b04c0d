#!/usr/bin/env bash
# serve.sh measures the public observatory under load: "vigie demo" fills
# a store from the lab (N organisations, default 300, two campaigns) and
# serves it; for each of the home page, a search, an organisation page, a
# badge and an API call, wrk (C connections, 2 threads, D seconds, after
# one second of warm-up) measures requests per second and p50/p99
# latency, and, in the same run, nginx serving a static file of the same
# size (the physical reference of this machine). It prints one line per
# page, vigie beside nginx, and the server's memory.
#
#   bench/serve.sh
#   N=60 DURATION=2 bench/serve.sh      the small size .ci/test runs
#   ORGS=35000 CAMPAIGNS=10 bench/serve.sh
#                                       a country's size: the demo's store
#                                       grown by bench/fillstore (ORGS
#                                       organisations, CAMPAIGNS campaigns,
#                                       about 3.7 GB and 10 minutes on 2
#                                       cores), then served by vigie serve;
#                                       it also prints the start-up, the
#                                       background warm-up and the first
#                                       (cold) view of an older campaign
#   STORE=big.db CAMPAIGNS=10 bench/serve.sh
#                                       the same on a store built before
#                                       (go run ./bench/fillstore ...)
#
# Needs wrk and nginx (.ci/setup installs them). Runs in a network
# namespace of its own (e2e/netns.sh); nothing leaves 127.0.0.0/8.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${VIGIE_NETNS:-} ]]; then
	exec bash "$root/e2e/netns.sh" bash "$0" "$@"
fi
n=${N:-300}
duration=${DURATION:-5}
conns=${CONNS:-16}
work=$(mktemp -d /tmp/vigie-serve-bench.XXXXXX)
demopid=
nginxpid=
url=http://127.0.0.1:8080
ref=http://127.0.0.1:8081

cleanup() {
	[[ -n $demopid ]] && { kill "$demopid" 2>/dev/null || true; wait "$demopid" 2>/dev/null || true; }
	[[ -n $nginxpid ]] && { kill "$nginxpid" 2>/dev/null || true; wait "$nginxpid" 2>/dev/null || true; }
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for cmd in wrk nginx jq curl; do
	command -v "$cmd" >/dev/null || { echo "serve.sh: $cmd not found (.ci/setup installs it)" >&2; exit 1; }
done

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
"$work/vigie" demo --lang en --orgs "$n" --dir "$work/demo" --listen 127.0.0.1:8080 >"$work/demo.log" 2>&1 &
demopid=$!
for _ in $(seq 900); do
	grep -q "The observatory is ready" "$work/demo.log" && break
	kill -0 "$demopid" 2>/dev/null || { cat "$work/demo.log" >&2; exit 1; }
	sleep 0.2
done
grep -q "The observatory is ready" "$work/demo.log" || { echo "serve.sh: vigie demo did not get ready" >&2; exit 1; }
serverpid=$(pgrep -P "$demopid" -x vigie || echo "$demopid")
campaigns=2
if [[ -n ${ORGS:-}${STORE:-} ]]; then
	campaigns=${CAMPAIGNS:-10}
	kill "$demopid"
	wait "$demopid" 2>/dev/null || true
	big=${STORE:-$work/big.db}
	if [[ -z ${STORE:-} ]]; then
		(cd "$root" && go build -o "$work/fillstore" ./bench/fillstore)
		echo "fillstore: $ORGS organisations, $campaigns campaigns..."
		"$work/fillstore" --from "$work/demo/vigie.db" --to "$big" --orgs "$ORGS" --campaigns "$campaigns" 2>&1 | tail -1
	fi
	echo "store: $(du -h "$big" | cut -f1)"
	"$work/vigie" serve --lang en --db "$big" --listen 127.0.0.1:8080 >"$work/serve.log" 2>&1 &
	demopid=$!
	for _ in $(seq 300); do
		grep -q "ready in" "$work/serve.log" && break
		kill -0 "$demopid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	serverpid=$demopid
	echo "vigie serve start-up: $(grep -o 'ready in [0-9]* ms' "$work/serve.log")"
	for _ in $(seq 3000); do
		grep -q "warm-up done\|warm-up failed" "$work/serve.log" && break
		sleep 0.2
	done
	echo "background warm-up (newest campaign's statistics and comparison, search index): $(grep -o 'took=[^ ]*' "$work/serve.log" || grep 'warm-up' "$work/serve.log")"
	older=$((campaigns - 1))
	[[ $older -ge 1 ]] || older=1
	echo "first view of campaign $older (not warmed): $(curl -s -o /dev/null -w '%{time_total}' "$url/campaign/$older") s"
fi

org=$(curl -sf "$url/api/v1/organisations?q=mairie&limit=1" | jq -r '.items[0].id')
domain=$(curl -sf "$url/api/v1/organisations/$org" | jq -r '.domains[0]')
pages=("/" "/?q=mairie" "/org/$org" "/badge/$domain.svg" "/api/v1/organisations/$org")
names=(home search organisation badge api)

# nginx serves, for each page, a file of the same size.
mkdir -p "$work/static" "$work/nginx"
for i in "${!pages[@]}"; do
	curl -sf "$url${pages[$i]}" -o "$work/static/${names[$i]}"
done
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx;
	server {
		listen 127.0.0.1:8081;
		root $work/static;
		default_type text/html;
	}
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginxpid=$!
for _ in $(seq 50); do curl -sf "$ref/home" -o /dev/null && break; sleep 0.1; done

# measure URL: "req/s p50 p99" from wrk.
measure() {
	wrk -t2 -c"$conns" -d1s "$1" >/dev/null
	wrk -t2 -c"$conns" -d"${duration}s" --latency "$1" | awk '
		$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } $1 == "Requests/sec:" { rps = $2 }
		END { printf "%10.0f %9s %9s", rps, p50, p99 }'
}
echo "store: ${ORGS:-${STORE:-$n}} organisations, $campaigns campaigns; wrk -t2 -c$conns -d${duration}s"
printf '%-13s %7s | %10s %9s %9s | %10s %9s %9s\n' page bytes "vigie r/s" p50 p99 "nginx r/s" p50 p99
for i in "${!pages[@]}"; do
	size=$(stat -c %s "$work/static/${names[$i]}")
	printf '%-13s %7d | %s | %s\n' "${names[$i]}" "$size" "$(measure "$url${pages[$i]}")" "$(measure "$ref/${names[$i]}")"
done
echo "vigie serve memory: $(($(ps -o rss= -p "$serverpid") / 1024)) MiB RSS"
