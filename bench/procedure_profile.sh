#!/usr/bin/env bash
# Where a procedure call's time goes: the procedure of bench/procedure.sh (one person across
# five registries, audit on) under wrk (2 threads, 16 connections, random national numbers)
# against NUR on SQLite, with `perf record` sampling the server for 15 s. Prints the top frames
# by self time and by inclusive time (the release profile keeps debug info). Usage:
# bench/procedure_profile.sh [PERSONS] (default 1000000). The SQLite store of
# bench/procedure.sh is reused when present (only its SQLite half is built here).
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
out=bench/out/procedure-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v perf >/dev/null || apt-get install -y linux-perf >/dev/null
cargo build --release -p nur >/dev/null
mkdir -p "$out"
if [ ! -f "$out/data/manifest.json" ]; then
  $nur synth --persons "$persons" --seed 1 --out "$out/data" >/dev/null
fi
if [ ! -f "$out/nur.db" ] || [ ! -f "$out/sqlite-loaded" ]; then
  rm -f "$out"/nur.db*
  $nur init --db "$db" >/dev/null
  $nur load --db "$db" "$out/data" --json >/dev/null
  touch "$out/sqlite-loaded"
fi
if [ ! -f "$out/profile-client.json" ]; then
  python3 bench/procedure_grants.py "$db"
  $nur procedure save --db "$db" --entity NAF --name person_registries --spec bench/procedure-spec.json >/dev/null 2>&1 || true
  $nur client create --db "$db" --entity NAF --name profile > "$out/profile-client.json"
fi
sqlite3 "$out/nur.db" "SELECT National_Number FROM CSPD_Personal_Info ORDER BY random() LIMIT 10000" > "$out/nns.txt"
export NNS=$out/nns.txt
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null &
pid=$!; pids+=("$pid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
read -r id secret < <(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["client_id"], c["client_secret"])' "$out/profile-client.json")
TOKEN=$(curl -s "http://127.0.0.1:$port/oauth2/client/token" -d grant_type=client_credentials \
  -d client_id="$id" -d client_secret="$secret" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN
url="http://127.0.0.1:$port/api/v1/procedures/NAF/person_registries"
TARGET=nur wrk -t2 -c16 -d25s -s bench/wrk/random_nn.lua "$url" > "$out/profile-wrk.txt" &
wrk_pid=$!
sleep 5
perf record -F 499 -g -p "$pid" -o "$out/perf.data" -- sleep 15 2>/dev/null >/dev/null
wait "$wrk_pid"
echo "procedure call profile, $persons persons, $(nproc) vCPU, $(date -u +%F)"
tail -1 "$out/profile-wrk.txt"
echo "--- top frames by self time"
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -30
echo "--- top frames including callees"
perf report -i "$out/perf.data" --children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -45
