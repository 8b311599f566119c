#!/usr/bin/env bash
# Apply throughput from NATS JetStream: EVENTS Debezium car events (updates and deletes over
# 100,000 keys) are published to a file-storage stream first, then one `nats` source applies
# them into an empty SQLite warehouse and an empty PostgreSQL warehouse; the rate is events
# received and committed per second, in process (bench-ingest), ack after every commit.
# Usage: bench/ingest_nats.sh [EVENTS] (default 500000).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-500000}
batch=${BATCH:-5000}
out=bench/out/ingest-nats
nur=target/release/nur
pgdb=nur_bench_ingest
bash scripts/services.sh >/dev/null
cargo build --release -p nur >/dev/null
mkdir -p "$out"

echo "publishing $events events …" >&2
$nur bench-nats-publish --stream NUR_BENCH --subject nurbench.DVLD_Car_Info --events "$events" | tee "$out/publish.json"

run() { # name, db url
  local name=$1 db=$2
  $nur init --db "$db" >/dev/null
  $nur source add --db "$db" --name "bench-$name" --kind nats --entity DVLD \
    --url nats://127.0.0.1:4222 --stream NUR_BENCH --subject 'nurbench.>' \
    --durable "bench_${name}_$$" --batch "$batch" >/dev/null
  $nur bench-ingest --db "$db" --source "bench-$name" --events "$events" | tee "$out/$name.json"
}

rm -f "$out"/w.db*
run sqlite "sqlite:$out/w.db"
psql -q -h 127.0.0.1 -d postgres -c "DROP DATABASE IF EXISTS $pgdb" -c "CREATE DATABASE $pgdb"
run postgres "postgres://127.0.0.1/$pgdb"
