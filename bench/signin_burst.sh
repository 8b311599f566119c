#!/usr/bin/env bash
# Finding 1 of the security test: a 50-way flood of sign-in posts with unknown usernames for
# 20 s against `nur serve` on SQLite. Measures the server's resident memory (target ≤ 300 MB),
# /healthz latency during the flood (target ≤ 100 ms), that a legitimate sign-in from another
# address succeeds right after, and the token endpoint's time for an unknown and a known client
# id. Usage: bench/signin_burst.sh [WORKERS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-50}
seconds=${2:-20}
nur=target/release/nur
out=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $pid 2>/dev/null || true; rm -rf "$out"' EXIT

cargo build --release -p nur >/dev/null
db="sqlite:$out/nur.db"
$nur init --db "$db" >/dev/null
pw=$($nur account create --db "$db" --username burst.user --role entity_admin --entity NAF --contact burst@naf.example \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["first_password"])')
client=$($nur client create --db "$db" --entity NAF --name bench \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
$nur serve --db "$db" --listen "127.0.0.1:$port" --outbox "$out/outbox.jsonl" >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 bench/signin_burst.py "$port" "$pid" "$out/outbox.jsonl" burst.user "$pw" "$client" "$workers" "$seconds"
echo "audit events written: $(sqlite3 "$out/nur.db" 'SELECT count(*) FROM nur_audit' 2>/dev/null || echo '?')"
echo "sessions stored: $(sqlite3 "$out/nur.db" 'SELECT count(*) FROM nur_session' 2>/dev/null || echo '?')"
