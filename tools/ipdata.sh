#!/usr/bin/env bash
# Regenerates internal/ipdata/{asn.bin,country.bin,meta.json} from the npm
# packages @ip-location-db/asn (RouteViews and DB-IP, CC BY 4.0) and
# @ip-location-db/geo-whois-asn-country (CC0). Run from anywhere:
#
#   bash tools/ipdata.sh [VERSION]      (or: go generate ./internal/ipdata)
#
# The same VERSION gives the same bytes.
set -euo pipefail
version=${1:-2.3.2026061719}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for p in asn geo-whois-asn-country; do
	npm pack --silent "@ip-location-db/$p@$version" >/dev/null
	mkdir "$p"
	tar xzf "ip-location-db-$p-$version.tgz" -C "$p"
done
cd "$root"
go run ./internal/ipdata/gen -asn "$tmp/asn/package" -country "$tmp/geo-whois-asn-country/package" -out internal/ipdata
ls -l internal/ipdata/asn.bin internal/ipdata/country.bin
