#!/usr/bin/env bash
# A procedure returning one person across five registries by national number, over HTTP with
# wrk (16 connections, 2 threads, random national numbers), with audit on; the same SQL as a
# Datasette canned query over the same SQLite file; then NUR on PostgreSQL, and pgbench running
# the same SELECT on the same PostgreSQL database.
# Usage: bench/procedure.sh [PERSONS] (default 1000000). Data is reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
duration=${DURATION:-30s}
out=bench/out/procedure-$persons
nur=target/release/nur
pgdb=nur_bench_proc_$persons
pgurl=postgres://127.0.0.1/$pgdb
# PostgreSQL keeps the audit chain's key outside the database (SQLite's sits beside its file).
pg_key=$PWD/$out/pg.audit-key
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
if [ ! -x bench/out/venv/bin/datasette ]; then
  python3 -m venv bench/out/venv
  bench/out/venv/bin/pip install --quiet datasette
fi
cargo build --release -p nur >/dev/null
mkdir -p "$out"

if [ ! -f "$out/data/manifest.json" ]; then
  $nur synth --persons "$persons" --seed 1 --out "$out/data" >/dev/null
fi
if [ ! -f "$out/loaded" ]; then
  rm -f "$out"/nur.db*
  $nur init --db "sqlite:$out/nur.db" >/dev/null
  $nur load --db "sqlite:$out/nur.db" "$out/data" --json >/dev/null
  psql -q -h 127.0.0.1 -d postgres -c "DROP DATABASE IF EXISTS $pgdb" -c "CREATE DATABASE $pgdb"
  rm -f "$pg_key"
  NUR_AUDIT_KEY_FILE=$pg_key $nur init --db "$pgurl" >/dev/null
  NUR_AUDIT_KEY_FILE=$pg_key $nur load --db "$pgurl" "$out/data" --json >/dev/null
  touch "$out/loaded"
fi

# Grants for NAF covering the spec, a procedure and a client, on both databases.
setup() {
  local db=$1
  python3 bench/procedure_grants.py "$db"
  $nur procedure save --db "$db" --entity NAF --name person_registries --spec bench/procedure-spec.json \
    --description "one person across five registries" >/dev/null
  $nur client create --db "$db" --entity NAF --name bench
}

# 10,000 random national numbers of persons in the store.
sqlite3 "$out/nur.db" "SELECT National_Number FROM CSPD_Personal_Info ORDER BY random() LIMIT 10000" > "$out/nns.txt"
export NNS=$out/nns.txt

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "no answer at $1" >&2; return 1; }

# Runs NUR on database $1; prints wrk's JSON line.
run_nur() {
  local db=$1 port; port=$(free_port)
  case $db in postgres*) export NUR_AUDIT_KEY_FILE=$pg_key ;; *) unset NUR_AUDIT_KEY_FILE ;; esac
  local creds; creds=$(setup "$db")
  local id secret
  id=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
  secret=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null &
  local pid=$!; pids+=("$pid")
  wait_http "http://127.0.0.1:$port/readyz"
  TOKEN=$(curl -s "http://127.0.0.1:$port/oauth2/client/token" -d grant_type=client_credentials \
    -d client_id="$id" -d client_secret="$secret" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  export TOKEN
  local nn; nn=$(head -1 "$NNS")
  curl -s -X POST "http://127.0.0.1:$port/api/v1/procedures/NAF/person_registries" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "{\"national_number\":\"$nn\"}" > "$out/nur-answer.json"
  curl -s -X POST "http://127.0.0.1:$port/api/v1/queries/sql" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d @bench/procedure-spec.json > "$out/nur-sql.json"
  TARGET=nur wrk -t2 -c16 -d"$duration" -s bench/wrk/random_nn.lua "http://127.0.0.1:$port/api/v1/procedures/NAF/person_registries" | tail -1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "NUR on SQLite …" >&2
nur_sqlite=$(run_nur "sqlite:$out/nur.db")
cp "$out/nur-sql.json" "$out/nur-sql-sqlite.json"

# The same SQL as a Datasette canned query (placeholders → :national_number, the limit inlined).
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
sql = json.load(open(f"{out}/nur-sql-sqlite.json"))["sql"]
sql = sql.replace("= ?", "= :national_number", 1).replace("LIMIT ?", "LIMIT 100")
assert "?" not in sql, sql
json.dump({"databases": {"nur": {"queries": {"person_registries": {"sql": sql}}}}},
          open(f"{out}/datasette-metadata.json", "w"), indent=1)
PY
port=$(free_port)
bench/out/venv/bin/datasette serve --immutable "$out/nur.db" -h 127.0.0.1 -p "$port" \
  -m "$out/datasette-metadata.json" --setting sql_time_limit_ms 5000 >/dev/null 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$port/-/versions.json"
nn=$(head -1 "$NNS")
ds_rows=$(curl -s "http://127.0.0.1:$port/nur/person_registries.json?national_number=$nn&_shape=array" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
nur_rows=$(python3 -c "import json; print(json.load(open('$out/nur-answer.json'))['row_count'])")
[ "$ds_rows" = "$nur_rows" ] || { echo "answers differ: NUR $nur_rows rows, Datasette $ds_rows rows" >&2; exit 1; }
echo "Datasette …" >&2
datasette=$(TARGET=datasette wrk -t2 -c16 -d"$duration" -s bench/wrk/random_nn.lua "http://127.0.0.1:$port/nur/person_registries.json" | tail -1)

echo "NUR on PostgreSQL …" >&2
nur_pg=$(run_nur "$pgurl")
cp "$out/nur-sql.json" "$out/nur-sql-pg.json"

# pgbench running the same SELECT on the same database: the national number comes from a
# table of the same 10,000 (a primary-key read inside the statement), the limit as NUR writes it.
psql -q -h 127.0.0.1 -d "$pgdb" -c "DROP TABLE IF EXISTS bench_nns" \
  -c "CREATE TABLE bench_nns (i integer PRIMARY KEY, nn text NOT NULL)"
awk '{ print NR "\t" $0 }' "$NNS" | psql -q -h 127.0.0.1 -d "$pgdb" -c "\\copy bench_nns FROM STDIN"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
sql = json.load(open(f"{out}/nur-sql-pg.json"))["sql"]
sql = sql.replace("$1", "(SELECT nn FROM bench_nns WHERE i = :i)", 1)
assert "$" not in sql, sql
open(f"{out}/pgbench.sql", "w").write("\\set i random(1, 10000)\n" + sql + ";\n")
PY
echo "pgbench …" >&2
pgbench_tps=$(pgbench -n -h 127.0.0.1 -c 16 -j 2 -T "${duration%s}" -f "$out/pgbench.sql" "$pgdb" 2>/dev/null \
  | awk '/^tps/ { print $3; exit }')

python3 - "$persons" "$nur_sqlite" "$datasette" "$nur_pg" "$(bench/out/venv/bin/datasette --version)" "$pgbench_tps" <<'PY'
import json, sys
persons, a, b, c, dsv, tps = sys.argv[1], *map(json.loads, sys.argv[2:5]), sys.argv[5], float(sys.argv[6])
print(f"data: {persons} persons; wrk -t2 -c16, random national numbers; {dsv}")
for name, r in (("NUR, SQLite (audit on)", a), ("Datasette canned query", b), ("NUR, PostgreSQL (audit on)", c)):
    print(f"{name:28} {r['requests_per_s']:>9.1f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  errors {r['errors']} non-2xx {r['non2xx']}")
print(f"NUR/Datasette requests/s: {a['requests_per_s'] / b['requests_per_s']:.1f}x")
print(f"pgbench, same SELECT, -c16 -j2: {tps:.1f} tps; NUR on PostgreSQL / pgbench: {100 * c['requests_per_s'] / tps:.0f}%")
PY
