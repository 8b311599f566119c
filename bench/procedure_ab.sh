#!/usr/bin/env bash
# Two builds of `nur` alternated on the procedure of bench/procedure_profile.sh (one person
# across five registries, audit on; wrk 2 threads, 16 connections, 20 s, random national
# numbers), ROUNDS rounds (default 2), same store. Usage: bench/procedure_ab.sh OLD_BIN NEW_BIN
# [PERSONS]. Run bench/procedure_profile.sh first: it builds the store, the grants, the
# procedure and the client this script uses.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 persons=${3:-1000000} rounds=${ROUNDS:-2}
out=bench/out/procedure-$persons
db=sqlite:$out/nur.db
[ -f "$out/profile-client.json" ] || { echo "run bench/procedure_profile.sh $persons first" >&2; exit 1; }
read -r id secret < <(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["client_id"], c["client_secret"])' "$out/profile-client.json")
export NNS=$out/nns.txt
run() {
  local bin=$1 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  NUR_LOG=warn "$bin" serve --db "$db" --listen "127.0.0.1:$port" --token-ttl 3600 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  TOKEN=$(curl -s "http://127.0.0.1:$port/oauth2/client/token" -d grant_type=client_credentials \
    -d client_id="$id" -d client_secret="$secret" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  export TOKEN
  TARGET=nur wrk -t2 -c16 -d20s -s bench/wrk/random_nn.lua "http://127.0.0.1:$port/api/v1/procedures/NAF/person_registries" | tail -1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
echo "procedure A/B, $persons persons, $(nproc) vCPU, $(date -u +%F)"
for r in $(seq 1 "$rounds"); do
  echo "round $r old: $(run "$old")"
  echo "round $r new: $(run "$new")"
done
