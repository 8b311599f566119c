#!/usr/bin/env python3
"""Prints, for a catalog, the index statements NUR builds (the key index and one per identity
column), so the baselines build exactly the same indexes. The key index is plain (not unique)
in the baselines: their imports do not reject the synthetic duplicate rows that NUR quarantines."""
import json, sys

cat = json.load(open(sys.argv[1]))
for t in cat["tables"]:
    name = t["name"]
    key = t["key"]
    print(f'CREATE INDEX "bk_{name}" ON "{name}" ({", ".join(chr(34)+k+chr(34) for k in key)});')
    for i, c in enumerate(t["columns"]):
        identity = c["type"] in ("national_number", "personal_id", "civil_record_id")
        if identity and not (len(key) == 1 and key[0] == c["name"]):
            print(f'CREATE INDEX "bi_{name}_{i}" ON "{name}" ("{c["name"]}");')
