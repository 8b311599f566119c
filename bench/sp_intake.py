"""Drives bench/sp_intake.sh's HTTP part: submit latency and re-verification latency."""
import json, sys, time, urllib.request

base, naf_file, dvld_file, held_file = sys.argv[1:5]


import functools, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sp_http
from sp_http import pct
token = functools.partial(sp_http.token, base)
call = functools.partial(sp_http.call, base)


naf, dvld = token(naf_file), token(dvld_file)
submits, refused, submitted = [], 0, []
for line in open(held_file):
    try:
        doc = json.loads(line)
    except ValueError:
        continue
    st, draft = call(naf, "POST", "/api/v1/sp/applications", {"answers": doc["answers"], "channel": doc.get("channel", "caseworker")})
    if st != 201:
        refused += 1
        continue
    t = time.perf_counter()
    st, done = call(naf, "POST", f"/api/v1/sp/applications/{draft['id']}/submit")
    submits.append((time.perf_counter() - t) * 1000)
    if st == 200:
        submitted.append(done)
    else:
        refused += 1
print(f"submit (verification included), {len(submits)} applications over HTTP, one at a time: "
      f"p50 {pct(submits, 50):.1f} ms, p90 {pct(submits, 90):.1f} ms, p99 {pct(submits, 99):.1f} ms, "
      f"max {max(submits):.1f} ms; {refused} refused at draft or submit")

# A car registered for a member of a submitted household: change committed (the ingest
# call's answer) → the re-verification worker has written the new discrepancy.
lags = []
for i, app in enumerate(submitted[:40]):
    member = app["answers"]["household"]["members"][0]["national_number"]
    reg = f"B{int(time.time()) % 1000000:06d}{i:04d}"  # the column holds 12 characters
    ev = [{"op": "c", "before": None, "ts_ms": int(time.time() * 1000),
           "after": {"Registration_Number": reg, "National_Number": member, "Make": "Kia", "Model_Year": 2025},
           "source": {"table": "DVLD_Car_Info", "lsn": int(time.time() * 1000) * 100 + i, "ts_ms": int(time.time() * 1000)}}]
    st, r = call(dvld, "POST", "/api/v1/ingest/dvld-events/events", ev)
    assert st == 200, r
    committed = time.perf_counter()
    while True:
        st, now = call(naf, "GET", f"/api/v1/sp/applications/{app['id']}")
        if any(reg in json.dumps(d["record_keys"]) for d in now["verification"]["discrepancies"]):
            lags.append((time.perf_counter() - committed) * 1000)
            break
        if time.perf_counter() - committed > 30:
            lags.append(30000.0)
            break
        time.sleep(0.02)
print(f"re-verification after a registry change, {len(lags)} changes: p50 {pct(lags, 50):.0f} ms, "
      f"p99 {pct(lags, 99):.0f} ms, max {max(lags):.0f} ms (polled every 20 ms)")
