"""Drives bench/sp_target.sh's HTTP part: a registry change → the recorded decision."""
import json, sqlite3, sys, time, urllib.request

base, naf_file, dvld_file, db = sys.argv[1:5]


import functools, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sp_http
from sp_http import pct
token = functools.partial(sp_http.token, base)
call = functools.partial(sp_http.call, base)


# Selected applicant households of UCT's newest run, and one living member of each.
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
run = con.execute("SELECT id FROM sp_target_run WHERE program = 'UCT' ORDER BY created_at DESC LIMIT 1").fetchone()[0]
pairs = con.execute(
    "SELECT e.household, m.member FROM sp_target_entry e "
    "JOIN sp_application a ON a.household = e.household AND a.status = 'submitted' "
    "JOIN sp_application_member m ON m.application = a.id "
    "WHERE e.run = ? AND e.selected = 1 AND length(m.member) = 10 "
    # Not already moved since the run (a reused store): a new car would change nothing.
    "AND NOT EXISTS (SELECT 1 FROM sp_decision d WHERE d.household = e.household AND d.program = 'UCT' AND d.run = e.run) "
    "GROUP BY e.household LIMIT 40", (run,)).fetchall()
con.close()
naf, dvld = token(naf_file), token(dvld_file)
lags, moved = [], 0
for i, (household, member) in enumerate(pairs):
    reg = f"T{int(time.time()) % 1000000:06d}{i:04d}"
    ev = [{"op": "c", "before": None, "ts_ms": int(time.time() * 1000),
           "after": {"Registration_Number": reg, "National_Number": member, "Make": "Kia", "Model_Year": 2026},
           "source": {"table": "DVLD_Car_Info", "lsn": int(time.time() * 1000) * 100 + i, "ts_ms": int(time.time() * 1000)}}]
    # Only a change recorded after this event counts (a reused store holds earlier ones).
    st, d = call(naf, "GET", f"/api/v1/sp/households/{household}/decisions")
    seen = sum(len(p["changes"]) for p in d.get("programs", []) if p["code"] == "UCT")
    st, r = call(dvld, "POST", "/api/v1/ingest/dvld-events/events", ev)
    assert st == 200, r
    committed = time.perf_counter()
    while True:
        st, d = call(naf, "GET", f"/api/v1/sp/households/{household}/decisions")
        uct = next((p for p in d.get("programs", []) if p["code"] == "UCT"), None)
        if uct and len(uct["changes"]) > seen and "DVLD_Car_Info" in uct["changes"][0]["cause"]:
            lags.append((time.perf_counter() - committed) * 1000)
            moved += uct["state"] == "not_eligible"
            break
        if time.perf_counter() - committed > 30:
            lags.append(30000.0)
            break
        time.sleep(0.02)
if lags:
    print(f"re-evaluation after a registry change (a 2026 car for a member of a selected UCT household), "
          f"{len(lags)} changes: p50 {pct(lags, 50):.0f} ms, p99 {pct(lags, 99):.0f} ms, max {max(lags):.0f} ms; "
          f"{moved} moved to not eligible (polled every 20 ms)")
else:
    print("re-evaluation: no selected applicant household in UCT's run")
