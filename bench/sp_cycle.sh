#!/usr/bin/env bash
# A payment cycle at NAF's monthly volume, on SQLite: a program paying every scored
# household (about 220,000 at 1,020,000 persons), its cycle prepared (run selection
# re-checked against the rules, beneficiaries and deaths read, accounts matched),
# approved (deaths read again, payments written), its pain.001.001.09 files exported per
# provider; the providers' pain.002 status reports for every payment reconciled; then the
# citizen's page over HTTP, signed in as a beneficiary.
# Usage: bench/sp_cycle.sh [PERSONS] (default 1020000). Data and the loaded store are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1020000}
out=bench/out/sp-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
source bench/sp_setup.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; $(date -u +%F); $persons persons" >&2

if [ ! -f "$out/scored" ]; then
  $nur sp applications import --db "$db" "$out/data/SP_Applications.jsonl" --show 0 | tail -1
  $nur sp facts --db "$db" --restart | tail -1
  $nur sp pmt fit --db "$db" --survey "$out/data/SP_Survey.csv" --coverage 0.15 --out "$out/pmt.json" >/dev/null
  version=$($nur sp pmt publish --db "$db" "$out/pmt.json" | tail -1)
  $nur sp score --db "$db" --model "$version" --restart | tail -1
  $nur sp programs install --db "$db" >/dev/null
  # Every scored household, UCT's benefit: a cycle the size of NAF's month.
  $nur sp programs show --db "$db" UCT | python3 -c '
import json, sys
p = json.load(sys.stdin)
p.update(code="CASH-ALL", inclusion=[], exclusion=[], quota_share=1.0, version=0)
p["name"] = {"ar": "تحويل نقدي للجميع (قياس)", "en": "Cash to all (benchmark)"}
print(json.dumps(p))' > "$out/cash-all.json"
  $nur sp programs save --db "$db" --publish "$out/cash-all.json" >/dev/null
  $nur sp target --db "$db" --program CASH-ALL | head -1
  $nur sp accounts import --db "$db" "$out/data/SP_Accounts.csv"
  for u in preparer approver; do
    role=entity_user; [ $u = approver ] && role=entity_admin
    $nur account create --db "$db" --username "bench-$u" --role $role --entity NAF >/dev/null
  done
  touch "$out/scored"
fi

period=$(python3 - "$out" <<'PY'
import os, sys
# A new month per run, so the store can be reused.
n = len([f for f in os.listdir(sys.argv[1]) if f.startswith("cycle-")])
print(f"{2027 + n // 12}-{n % 12 + 1:02d}")
PY
)
t0=$(date +%s.%N)
id=$(/usr/bin/time -f "cycle create: %e s wall, %U s user, %M KB peak" \
  $nur sp cycle create --db "$db" --program CASH-ALL --period "$period" --by bench-preparer | tee /dev/stderr | tail -1)
t1=$(date +%s.%N)
/usr/bin/time -f "cycle approve: %e s wall, %U s user, %M KB peak" \
  $nur sp cycle approve --db "$db" "$id" --by bench-approver | sed -n 1p
t2=$(date +%s.%N)
files=$out/cycle-$id
rm -rf "$files"
/usr/bin/time -f "export pain001: %e s wall, %M KB peak" \
  $nur sp payments export --db "$db" --cycle "$id" --format pain001 --out "$files" | tail -1
t3=$(date +%s.%N)
$nur sp payments export --db "$db" --cycle "$id" --format csv --out "$files" | tail -1
for f in "$files"/*.xml; do
  xmllint --noout --schema target/xsd/pain.001.001.09.xsd "$f" 2>&1 | grep -v validates || true
done
python3 bench/sp_cycle.py reports "$files"
t4=$(date +%s.%N)
for f in "$files"/reports/*.xml; do
  $nur sp payments import --db "$db" "$f" >/dev/null
done
t5=$(date +%s.%N)
$nur sp cycle show --db "$db" "$id" | sed -n 1,4p
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY'
import sys
t0, t1, t2, t3, t4, t5 = map(float, sys.argv[1:])
print(f"cycle: re-check {t1 - t0:.1f} s + approval {t2 - t1:.1f} s + pain.001 export {t3 - t2:.1f} s = {t3 - t0:.1f} s (target <= 10 s)")
print(f"reconciliation of every payment's status (pain.002 per provider): {t5 - t4:.1f} s (target <= 10 s)")
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$out/outbox.jsonl"
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --outbox "$out/outbox.jsonl" >/dev/null &
pids+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
python3 bench/sp_cycle.py citizen "http://127.0.0.1:$port" "$out" "$files"
