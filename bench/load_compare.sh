#!/usr/bin/env bash
# Load speed on one synthetic data set, in one run:
#   nur load → SQLite        vs  sqlite3 .import of the same CSV files + the same index builds
#   nur load → PostgreSQL    vs  psql \copy of the same CSV files + the same index builds
# Usage: bench/load_compare.sh [PERSONS] (default 1000000). Needs sqlite3 and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
out=bench/out/load-$persons
data=$out/data
nur=target/release/nur
cargo build --release -p nur >/dev/null
mkdir -p "$out"
[ -f "$data/manifest.json" ] || $nur synth --persons "$persons" --seed 1 --out "$data"
rows=$(python3 -c "import json;m=json.load(open('$data/manifest.json'));print(sum(t['good_rows']+t['bad_rows'] for t in m['tables'].values()))")
bytes=$(du -sb "$data" | cut -f1)
echo "data: $persons persons, $rows rows, $bytes bytes of CSV"
sec() { python3 -c "import time;print(time.time())"; }

# --- SQLite ---
rm -f "$out"/nur.db* "$out"/import.db*
$nur init --db "sqlite:$out/nur.db" >/dev/null
t0=$(sec); $nur load --db "sqlite:$out/nur.db" "$data" --json > "$out/nur-sqlite.json"; t1=$(sec)
nur_sqlite=$(python3 -c "print(round($t1-$t0,2))")

# The baselines build exactly the indexes NUR built, read from NUR's own database. The key
# index is made plain (not unique): the baselines do not reject the duplicate rows that NUR
# quarantines.
sqlite3 "$out/nur.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND (name LIKE 'nur_uk_%' OR name LIKE 'nur_ix_%')" \
  | sed 's/^CREATE UNIQUE INDEX/CREATE INDEX/; s/ IF NOT EXISTS//' > "$out/indexes.sql"

{
  echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;"
  for f in "$data"/*.csv; do
    t=$(basename "$f" .csv)
    echo ".import --csv $f $t"
  done
  cat "$out/indexes.sql"
} > "$out/import.sql"
t0=$(sec); sqlite3 "$out/import.db" < "$out/import.sql" > "$out/import.log" 2>&1 || true; t1=$(sec)
import_sqlite=$(python3 -c "print(round($t1-$t0,2))")

# --- PostgreSQL ---
pg=postgres://127.0.0.1/postgres
for db in nur_bench nur_bench_copy; do
  psql -q "$pg" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
done
$nur init --db "postgres://127.0.0.1/nur_bench" >/dev/null
t0=$(sec); $nur load --db "postgres://127.0.0.1/nur_bench" "$data" --json > "$out/nur-pg.json"; t1=$(sec)
nur_pg=$(python3 -c "print(round($t1-$t0,2))")

# COPY rejects a whole file for one row with a wrong field count; the baseline gets a copy of the
# data without those rows (prepared outside the timing). NUR quarantines them instead.
clean=$out/clean
if [ ! -d "$clean" ]; then
  mkdir -p "$clean"
  python3 - "$data" "$clean" <<'PY'
import csv, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    if not name.endswith(".csv"):
        continue
    with open(os.path.join(src, name), newline="") as i, open(os.path.join(dst, name), "w", newline="") as o:
        r, w = csv.reader(i), csv.writer(o, lineterminator="\n")
        header = next(r); w.writerow(header)
        for row in r:
            if len(row) == len(header):
                w.writerow(row)
PY
fi
{
  for f in "$clean"/*.csv; do
    t=$(basename "$f" .csv)
    cols=$(head -1 "$f" | python3 -c "import sys;print(', '.join('\"'+c+'\" text' for c in sys.stdin.read().strip().split(',')))")
    echo "CREATE TABLE \"$t\" ($cols);"
    echo "\\copy \"$t\" FROM '$f' WITH (FORMAT csv, HEADER true)"
  done
  cat "$out/indexes.sql"
} > "$out/copy.sql"
t0=$(sec); psql -q -v ON_ERROR_STOP=0 "postgres://127.0.0.1/nur_bench_copy" -f "$out/copy.sql" > "$out/copy.log" 2>&1 || true; t1=$(sec)
copy_pg=$(python3 -c "print(round($t1-$t0,2))")
copy_failed=$(grep -c "ERROR" "$out/copy.log" || true)

python3 - "$out" <<PY
import json
r = {
  "persons": $persons, "rows": $rows, "csv_bytes": $bytes,
  "nur_sqlite_s": $nur_sqlite, "sqlite3_import_plus_indexes_s": $import_sqlite,
  "ratio_sqlite": round($import_sqlite / $nur_sqlite, 2),
  "nur_postgres_s": $nur_pg, "psql_copy_plus_indexes_s": $copy_pg,
  "ratio_postgres": round($copy_pg / $nur_pg, 2),
  "psql_copy_errors": $copy_failed,
}
print(json.dumps(r, indent=2))
json.dump(r, open("$out/result.json", "w"), indent=2)
PY
