"""Grants NAF every table and column of bench/procedure-spec.json (and each table's national
number), each by its custodian. Usage: procedure_grants.py DB"""
import json
import subprocess
import sys

db = sys.argv[1]
spec = json.load(open("bench/procedure-spec.json"))
cat = json.load(open("crates/nur-core/catalogs/jordan.json"))
custodian = {r["code"]: r["custodian"] for r in cat["registries"]}
tables = {t["name"]: custodian[t["registry"]] for t in cat["tables"]}
for t in spec["tables"]:
    cols = list(t["columns"]) + (["National_Number"] if "National_Number" not in t["columns"] else [])
    subprocess.run(["target/release/nur", "grant", "--db", db, "--custodian", tables[t["table"]],
                    "--consumer", "NAF", "--table", t["table"], "--columns", ",".join(cols)],
                   check=True, stdout=subprocess.DEVNULL)
