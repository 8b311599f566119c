#!/usr/bin/env bash
# The social registry's targeting at scale, on SQLite: every household's facts, the PMT
# fitted on the synthetic survey (against the hand-weighted sum), every household scored,
# the six pilots' eligibility and ranking in one pass; a simulation of UCT with a changed
# quota (a re-cut of the published run) and with a changed rule (a new pass); then over
# HTTP, a new car registered for a member of a selected applicant household, from the
# change's commit to the recorded decision that takes it out of UCT.
# Usage: bench/sp_target.sh [PERSONS] (default 1000000). Data and the loaded store are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
out=bench/out/sp-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
source bench/sp_setup.sh

if [ ! -f "$out/imported" ]; then
  echo "import …" >&2
  $nur sp applications import --db "$db" "$out/data/SP_Applications.jsonl" --show 0 | tail -1
  touch "$out/imported"
fi
t0=$(date +%s.%N)
/usr/bin/time -f "facts: %e s wall, %U s user, %M KB peak" $nur sp facts --db "$db" --restart
t1=$(date +%s.%N)
$nur sp pmt fit --db "$db" --survey "$out/data/SP_Survey.csv" --coverage 0.15 --out "$out/pmt.json"
version=$($nur sp pmt publish --db "$db" "$out/pmt.json" | tail -1)
$nur sp truth --db "$db" "$out/data/SP_Truth.csv" >/dev/null
t2=$(date +%s.%N)
/usr/bin/time -f "score: %e s wall, %U s user, %M KB peak" $nur sp score --db "$db" --model "$version" --restart
t3=$(date +%s.%N)
/usr/bin/time -f "target (six programs, one pass): %e s wall, %U s user, %M KB peak" \
  $nur sp target --db "$db" --program all
t4=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" <<'PY'
import sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:])
print(f"pipeline: facts {t1 - t0:.1f} s + score {t3 - t2:.1f} s + six programs {t4 - t3:.1f} s = {(t1 - t0) + (t4 - t2):.1f} s")
PY
for q in 1000 5000 20000 50000 100000; do
  /usr/bin/time -f "simulate UCT --quota $q: %e s wall" $nur sp target --db "$db" --program UCT --simulate --quota "$q" | head -1
done
/usr/bin/time -f "simulate UCT with a changed rule (a new pass): %e s wall" \
  $nur sp target --db "$db" --program UCT --simulate --set 'business_3000=facts.business_capital_jod >= 10000.0' | head -1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null &
pids+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
python3 bench/sp_target.py "http://127.0.0.1:$port" "$out/naf-client.json" "$out/dvld-client.json" "$out/nur.db"
