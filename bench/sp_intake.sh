#!/usr/bin/env bash
# The social registry's intake at scale, on SQLite: import and verify the synthetic
# applications, compute every household's facts, then over HTTP submit held-out applications
# one by one (latency of the submit call, verification included) and measure how long a
# registry change takes to show in the household's verification (change committed → the
# re-verification worker of `nur serve` has written it).
# Usage: bench/sp_intake.sh [PERSONS] (default 1000000). Data and the loaded store are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
held=${HELD:-300}
out=bench/out/sp-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

source bench/sp_setup.sh
apps=$out/data/SP_Applications.jsonl
total=$(wc -l < "$apps")
head -n $((total - held)) "$apps" > "$out/import.jsonl"
tail -n "$held" "$apps" > "$out/held.jsonl"

echo "import ($((total - held)) lines) …" >&2
/usr/bin/time -f "import: %e s wall, %U s user, %M KB peak" \
  $nur sp applications import --db "$db" "$out/import.jsonl" --show 3
echo "facts …" >&2
/usr/bin/time -f "facts: %e s wall, %U s user, %M KB peak" $nur sp facts --db "$db" --restart

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null &
pids+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
python3 bench/sp_intake.py "http://127.0.0.1:$port" "$out/naf-client.json" "$out/dvld-client.json" "$out/held.jsonl"
