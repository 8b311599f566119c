#!/usr/bin/env bash
# End-to-end lag from a PostgreSQL source commit to the change being committed in NUR (so
# readable), at a sustained RATE changes/s written by pgbench (-R, autocommit upserts over
# 200,000 keys, 4 clients), followed by logical replication into an embedded SQLite
# warehouse and into a PostgreSQL warehouse. Lag is measured per change: NUR's commit time
# minus the source commit timestamp pgoutput carries.
# Usage: bench/ingest_lag.sh [RATE] [SECONDS] (default 5000 60).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}
seconds=${2:-60}
out=bench/out/ingest-lag
nur=target/release/nur
src=nur_bench_src
bash scripts/services.sh >/dev/null
cargo build --release -p nur >/dev/null
mkdir -p "$out"
cat > "$out/writer.sql" <<'SQL'
\set id random(1, 200000)
INSERT INTO cars VALUES ('P' || :id, '9801' || lpad((:id % 1000000)::text, 6, '0'), 'Kia', 2000 + :id % 20, NULL) ON CONFLICT (reg) DO UPDATE SET model_year = cars.model_year + 1;
SQL

run() { # name, warehouse url
  local name=$1 db=$2 slot=nur_bench_lag_$1
  psql -q -h 127.0.0.1 -d postgres -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
  psql -q -h 127.0.0.1 -d postgres -c "DROP DATABASE IF EXISTS $src" -c "CREATE DATABASE $src"
  psql -q -h 127.0.0.1 -d $src -c "CREATE TABLE cars (reg TEXT PRIMARY KEY, owner TEXT NOT NULL, make TEXT, model_year INT, registered DATE)"
  $nur init --db "$db" >/dev/null
  $nur source add --db "$db" --name "lag-$name" --kind postgres --entity DVLD --mode cdc \
    --url "postgres://127.0.0.1/$src" --slot "$slot" --publication "$slot" \
    --table cars=DVLD_Car_Info --column cars.reg=Registration_Number --column cars.owner=National_Number \
    --column cars.make=Make --column cars.model_year=Model_Year --column cars.registered=Registration_Date >/dev/null
  $nur bench-lag --db "$db" --source "lag-$name" --seconds $((seconds + 8)) > "$out/$name.json" &
  local follower=$!
  sleep 3
  pgbench -n -h 127.0.0.1 -c 4 -j 2 -R "$rate" -T "$seconds" -f "$out/writer.sql" $src > "$out/$name-pgbench.txt" 2>&1
  wait $follower
  grep -E "tps|latency average" "$out/$name-pgbench.txt" | sed 's/^/  pgbench: /'
  cat "$out/$name.json"
  $nur source remove --db "$db" "lag-$name" >/dev/null
}

rm -f "$out"/w.db*
run sqlite "sqlite:$out/w.db"
psql -q -h 127.0.0.1 -d postgres -c "DROP DATABASE IF EXISTS nur_bench_lag" -c "CREATE DATABASE nur_bench_lag"
run postgres "postgres://127.0.0.1/nur_bench_lag"
