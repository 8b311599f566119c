"""DCI measurements for bench/dci_search.sh.

token BASE CLIENT_JSON        prints a bearer token of the client
rest BASE OUT                 100 UIN items per request; Social Registry searches; death
                              applied by ingestion -> notification at a local subscriber
"""
import http.server
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

SENDER = "bench-mis"
_seq = [0]


def post(url, body, token=None, raw=False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    req.add_header("Content-Type", "application/json" if not raw else "application/x-www-form-urlencoded")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def token(base, client_file):
    c = json.load(open(client_file))
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": c["client_id"],
                                   "client_secret": c["client_secret"]}).encode()
    st, v = post(base + "/oauth2/client/token", form, raw=True)
    assert st == 200, v
    return v["access_token"]


def envelope(action, message, sender_uri=None):
    _seq[0] += 1
    mid = f"py-{time.time_ns()}-{_seq[0]}"
    n = len(message.get("search_request") or message.get("subscribe_request") or [1])
    h = {"version": "1.0.0", "message_id": mid, "message_ts": "2026-12-03T10:00:00Z", "action": action,
         "sender_id": SENDER, "total_count": n}
    if sender_uri:
        h["sender_uri"] = sender_uri
    return {"signature": "", "header": h, "message": message}


def item(ref, query_type, query, entity=None, page_size=10, sort=None):
    c = {"query_type": query_type, "query": query, "pagination": {"page_size": page_size, "page_number": 1}}
    if entity:
        c["response_entity"] = entity
    if sort:
        c["sort"] = sort
    return {"reference_id": ref, "timestamp": "2026-12-03T10:00:00Z", "search_criteria": c}


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return out


def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(name, xs, extra=""):
    print(f"{name}: n={len(xs)} p50 {pct(xs, 50):.1f} ms, p99 {pct(xs, 99):.1f} ms, max {xs[-1]:.1f} ms{extra}")


class Receiver(http.server.BaseHTTPRequestHandler):
    got = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.got.append((time.perf_counter(), self.path, json.loads(body or b"null")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def rest(base, out):
    tok = token(base, f"{out}/naf-client.json")
    nns = [l.strip() for l in open(f"{out}/dci-nns.txt") if l.strip()]
    households = [l.strip() for l in open(f"{out}/dci-households.txt") if l.strip()]
    sync = base + "/dci/crvs/registry/sync/search"

    # 100 items in one request.
    def hundred():
        items = [item(f"r{i}", "idtype-value", {"type": "UIN", "value": nn})
                 for i, nn in enumerate(random.sample(nns, 100))]
        st, v = post(sync, envelope("search", {"transaction_id": "t", "search_request": items}), tok)
        assert st == 200 and v["header"]["completed_count"] == 100, (st, str(v)[:300])
    hundred()
    report("CRVS sync search, 100 UIN items per request (one connection)", timed(hundred, 50))

    sr = base + "/dci/sr/registry/sync/search"

    def household():
        hh = random.choice(households)
        body = envelope("search", {"transaction_id": "t", "search_request": [
            item("r", "idtype-value", {"type": "HOUSEHOLD_ID", "value": hh}, "Group")]})
        st, v = post(sr, body, tok)
        assert st == 200 and v["header"]["status"] == "succ", (st, str(v)[:300])
    report("SR sync search, one household as a Group with its members", timed(household, 200))

    def scan():
        body = envelope("search", {"transaction_id": "t", "search_request": [
            item("r", "expression", {"$and": [{"poverty_score": {"$lt": 4.6}}, {"group_size": {"$gte": 9}}]},
                 "Group", 10, [{"attribute_name": "poverty_score", "sort_order": "asc"}])]})
        st, v = post(sr, body, tok)
        r = v["message"]["search_response"][0]
        scan.total = r.get("pagination", {}).get("total_count")
        scan.status = r["status"], r.get("status_reason_code")
    scan.total = None
    xs = timed(scan, 5)
    report("SR expression over every group (poverty_score < 4.6 and group_size >= 9, first 10)", xs,
           f"; {scan.total} groups matched, {scan.status}")

    # Death applied by ingestion -> notification at a local subscriber.
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    cb = f"http://127.0.0.1:{srv.server_address[1]}/naf"
    st, v = post(base + "/dci/crvs/registry/subscribe", envelope("subscribe", {"transaction_id": "s", "subscribe_request": [
        {"reference_id": "s1", "timestamp": "2026-12-03T10:00:00Z",
         # The run in the criteria: a subscription of an earlier run is another one.
         "subscribe_criteria": {"reg_type": "ns:org:RegistryType:Civil", "reg_event_type": "death",
                                "frequency": f"bench-{time.time_ns()}"}}]}, cb), tok)
    assert st == 200, v
    until = time.time() + 30
    while not any(p.endswith("/registry/on-subscribe") for _, p, _ in Receiver.got):
        assert time.time() < until, "no on-subscribe"
        time.sleep(0.05)
    on = [b for _, p, b in Receiver.got if p.endswith("/registry/on-subscribe")][0]
    answer = on["message"]["subscribe_response"][0]
    assert answer["status"] == "succ", on
    code = answer["subscriptions"][0]["code"]
    cspd = token(base, f"{out}/cspd-client.json")
    n = int(__import__("os").environ.get("DEATHS", "100"))
    dead = random.sample(nns, n)
    lat = []
    lsn0 = time.time_ns() // 1000
    for i, nn in enumerate(dead):
        ev = [{"op": "c", "before": None, "ts_ms": int(time.time() * 1000),
               "after": {"Certificate_Number": f"DB{lsn0 % 10**9}{i:03d}", "National_Number": nn, "Death_Date": "2026-12-01",
                         "Death_Place": "Amman", "Registration_Date": "2026-12-02"},
               "source": {"table": "CSPD_Death_Info", "lsn": lsn0 + i, "ts_ms": int(time.time() * 1000)}}]
        t0 = time.perf_counter()
        st, v = post(base + "/api/v1/ingest/cspd-events/events", ev, cspd)
        assert st == 200 and v["applied"] == 1, v
        until = time.time() + 20
        while True:
            with Receiver.lock:
                hit = [t for t, p, b in Receiver.got if p.endswith("/registry/notify") and
                       b["message"]["notify_event"][0]["data"]["reg_records"]["identifier"][0]["identifier_value"] == nn]
            if hit:
                lat.append((hit[0] - t0) * 1000)
                break
            assert time.time() < until, f"no notification for {nn}"
            time.sleep(0.005)
        time.sleep(random.uniform(0.0, 0.2))
    lat.sort()
    st, v = post(base + "/dci/crvs/registry/unsubscribe",
                 envelope("unsubscribe", {"transaction_id": "u", "subscription_codes": [code]}, cb), tok)
    assert st == 200, v
    notes = sum(1 for _, p, _ in Receiver.got if p.endswith("/registry/notify"))
    report("death posted (HTTP ingest) -> notification received", lat, f"; {notes} notifications for {n} deaths")


if __name__ == "__main__":
    if sys.argv[1] == "token":
        print(token(sys.argv[2], sys.argv[3]))
    else:
        rest(sys.argv[2], sys.argv[3])
