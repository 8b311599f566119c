#!/usr/bin/env bash
# Every portal page an officer opens, timed on the 1M-person SQLite store (audit on): CSPD's
# admin (security matrices, audit log), NAF's admin (lookup, builder with the seed's query,
# procedures, settings, freshness), NAF's caseworker (the social registry's lists, a
# household's decisions, a payment cycle) and an auditor, each page N times (default 50) in
# English and Arabic. Target: every page <= 200 ms. Usage: bench/portal_pages.sh [PERSONS] [N]
# (defaults 1000000, 50). The store of the social-registry benchmarks is reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-1000000}
n=${2:-50}
out=bench/out/sp-$persons
nur=target/release/nur
db=sqlite:$out/nur.db
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
source bench/sp_setup.sh
sp_scored
if [ ! -f "$out/portal-ready" ]; then
  for who in cspd:entity_admin:CSPD naf:entity_admin:NAF caseworker:entity_user:NAF; do
    IFS=: read -r u role entity <<<"$who"
    $nur account create --db "$db" --username "bench-$u" --role "$role" --entity "$entity" \
      --contact "$u@bench.example" | python3 -c 'import json,sys; print(json.load(sys.stdin)["first_password"])' \
      > "$out/portal-$u.pw"
  done
  touch "$out/portal-ready"
fi
nn=$(sqlite3 "$out/nur.db" "SELECT National_Number FROM CSPD_Personal_Info ORDER BY rowid LIMIT 1 OFFSET 500000")
household=$(sqlite3 "$out/nur.db" "SELECT household FROM sp_household ORDER BY household LIMIT 1 OFFSET 100000" 2>/dev/null || true)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$out/outbox.jsonl"
NUR_LOG=warn $nur serve --db "$db" --listen "127.0.0.1:$port" --outbox "$out/outbox.jsonl" >/dev/null &
pids+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
pw() { cat "$out/portal-$1.pw"; }
officer="/,/persons,/persons?nn=$nn,/procedures,/queries,/queries?table=CSPD_Personal_Info,/settings/users,/settings/clients,/settings/catalog,/sources,/contact,/account"
custodian="/,/security,/security/columns,/security/tables,/security/operations,/security/outputs,/audit,/audit?action=query.run,/audit?person=$nn"
caseworker="/sp,/sp/programs,/sp/cycles,/sp/rejections,/sp/appeals"
[ -n "$household" ] && caseworker="$caseworker,/sp/households/$household/decisions"
echo "portal pages, $persons persons, $n requests each, $(nproc) vCPU, $(date -u +%F)"
python3 bench/portal_pages.py "$port" "$out/outbox.jsonl" "$n" \
  "CSPDAdmin=bench-cspd:$(pw cspd):$custodian" \
  "NAFAdmin=bench-naf:$(pw naf):$officer" \
  "NAFUser=bench-caseworker:$(pw caseworker):$caseworker"
