#!/usr/bin/env bash
# The social registry's batch jobs on PostgreSQL: import and verify the synthetic applications,
# compute every household's facts, fit and publish the PMT, score every household, run the
# six pilots' targeting and simulate UCT with a changed quota, on the same data as
# bench/sp_intake.sh (made by it when missing). The database `nur_bench_sp` on the local PostgreSQL is made afresh.
# Usage: bench/sp_intake_pg.sh [PERSONS] (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
out=bench/out/sp-$persons
nur=target/release/nur
pg=postgres://127.0.0.1/postgres
db=postgres://127.0.0.1/nur_bench_sp
# The audit chain's key lives outside the database (made on first use).
export NUR_AUDIT_KEY_FILE=$PWD/$out/pg-audit-key

cargo build --release -p nur >/dev/null
if [ ! -f "$out/data/manifest.json" ]; then
  mkdir -p "$out"
  $nur synth --persons "$persons" --seed 1 --out "$out/data" >/dev/null
fi
psql -q "$pg" -c "DROP DATABASE IF EXISTS nur_bench_sp" -c "CREATE DATABASE nur_bench_sp"
rm -f "$NUR_AUDIT_KEY_FILE"
$nur init --db "$db" >/dev/null
/usr/bin/time -f "load: %e s, %M KB" $nur load --db "$db" "$out/data" --json >/dev/null
$nur sp needs --db "$db" | while read -r custodian table columns; do
  [ "$custodian" = NAF ] && continue
  $nur grant --db "$db" --custodian "$custodian" --consumer NAF --table "$table" --columns "$columns" >/dev/null
done
echo "import …" >&2
/usr/bin/time -f "import: %e s wall, %U s user, %M KB peak" \
  $nur sp applications import --db "$db" "$out/data/SP_Applications.jsonl" --show 0
echo "facts …" >&2
/usr/bin/time -f "facts: %e s wall, %U s user, %M KB peak" $nur sp facts --db "$db" --restart
$nur sp pmt fit --db "$db" --survey "$out/data/SP_Survey.csv" --out "$out/pmt-pg.json" >/dev/null
version=$($nur sp pmt publish --db "$db" "$out/pmt-pg.json" | tail -1)
$nur sp truth --db "$db" "$out/data/SP_Truth.csv" >/dev/null
/usr/bin/time -f "score: %e s wall, %U s user, %M KB peak" $nur sp score --db "$db" --model "$version" --restart
/usr/bin/time -f "target (six programs, one pass): %e s wall, %U s user, %M KB peak" \
  $nur sp target --db "$db" --program all
/usr/bin/time -f "simulate UCT --quota 20000: %e s wall" $nur sp target --db "$db" --program UCT --simulate --quota 20000 | head -1
