"""Drives bench/sp_target.sh's HTTP part: a registry change → the recorded decision."""
import json, sqlite3, sys, time, urllib.request

base, naf_file, dvld_file, db = sys.argv[1:5]


def token(creds_file):
    c = json.load(open(creds_file))
    body = f"grant_type=client_credentials&client_id={c['client_id']}&client_secret={c['client_secret']}".encode()
    req = urllib.request.Request(base + "/oauth2/client/token", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    return json.load(urllib.request.urlopen(req))["access_token"]


def call(tok, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": "Bearer " + tok, "Content-Type": "application/json", "Accept-Language": "en"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# Selected applicant households of UCT's newest run, and one living member of each.
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
run = con.execute("SELECT id FROM sp_target_run WHERE program = 'UCT' ORDER BY created_at DESC LIMIT 1").fetchone()[0]
pairs = con.execute(
    "SELECT e.household, m.member FROM sp_target_entry e "
    "JOIN sp_application a ON a.household = e.household AND a.status = 'submitted' "
    "JOIN sp_application_member m ON m.application = a.id "
    "WHERE e.run = ? AND e.selected = 1 AND length(m.member) = 10 GROUP BY e.household LIMIT 40", (run,)).fetchall()
con.close()
naf, dvld = token(naf_file), token(dvld_file)
lags, moved = [], 0
for i, (household, member) in enumerate(pairs):
    reg = f"T{int(time.time()) % 1000000:06d}{i:04d}"
    ev = [{"op": "c", "before": None, "ts_ms": int(time.time() * 1000),
           "after": {"Registration_Number": reg, "National_Number": member, "Make": "Kia", "Model_Year": 2026},
           "source": {"table": "DVLD_Car_Info", "lsn": int(time.time() * 1000) * 100 + i, "ts_ms": int(time.time() * 1000)}}]
    st, r = call(dvld, "POST", "/api/v1/ingest/dvld-events/events", ev)
    assert st == 200, r
    committed = time.perf_counter()
    while True:
        st, d = call(naf, "GET", f"/api/v1/sp/households/{household}/decisions")
        uct = next((p for p in d.get("programs", []) if p["code"] == "UCT"), None)
        if uct and any("DVLD_Car_Info" in c["cause"] for c in uct["changes"]):
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
