#!/usr/bin/env bash
# DCI over HTTP on the 1M-person SQLite store (audit on): CRVS sync search by UIN with wrk
# (1, 4 and 16 connections, random national numbers, a fresh message id per request); one
# request of 100 UIN items; Social Registry searches (a household, an expression over every
# group); a death applied by ingestion (HTTP transport) → its notification delivered to a
# local subscriber. Usage: bench/dci_search.sh [PERSONS] (default 1000000). The store of the
# social-registry benchmarks is reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
duration=${DURATION:-30s}
out=bench/out/sp-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
source bench/sp_setup.sh
sp_scored
if [ ! -f "$out/dci-ready" ]; then
  client=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$out/naf-client.json")
  $nur dci sender-register --db "$db" --client "$client" --sender-id bench-mis >/dev/null
  $nur client create --db "$db" --entity CSPD --name bench-cspd > "$out/cspd-client.json"
  $nur source add --db "$db" --name cspd-events --kind http --entity CSPD >/dev/null
  touch "$out/dci-ready"
fi
sqlite3 "$out/nur.db" "SELECT p.National_Number FROM CSPD_Personal_Info p WHERE NOT EXISTS (SELECT 1 FROM CSPD_Death_Info d WHERE d.National_Number = p.National_Number) ORDER BY random() LIMIT 10000" > "$out/dci-nns.txt"
sqlite3 "$out/nur.db" "SELECT household FROM sp_household ORDER BY random() LIMIT 1000" > "$out/dci-households.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null &
pids+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base=http://127.0.0.1:$port
token=$(python3 bench/dci_bench.py token "$base" "$out/naf-client.json")

for c in 1 4 16; do
  echo "CRVS sync search by UIN, wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d$duration:"
  NNS=$out/dci-nns.txt TOKEN=$token SENDER=bench-mis \
    wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d"$duration" -s bench/wrk/dci_uin.lua "$base/dci/crvs/registry/sync/search" | tail -1
done
python3 bench/dci_bench.py rest "$base" "$out"
