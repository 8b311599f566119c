"""A sign-in flood against a running `nur serve`, measured: N concurrent clients post
/login with unknown usernames for S seconds (each first fetching the form and its CSRF
cookie, as a browser would), while the server's resident memory is sampled and /healthz is
timed; afterwards a legitimate person signs in from another address, and token requests with
an unknown and a known client id are timed.

Usage: python3 bench/signin_burst.py PORT PID OUTBOX USERNAME PASSWORD CLIENT_ID [N] [S]
Prints one JSON object.
"""
import http.client
import json
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse

port, pid, outbox, username, password, client_id = sys.argv[1:7]
workers = int(sys.argv[7]) if len(sys.argv) > 7 else 50
seconds = float(sys.argv[8]) if len(sys.argv) > 8 else 20.0
port = int(port)


def rss_mib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def request(method, path, body=None, headers=None, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    h = {"Connection": "close"}
    h.update(headers or {})
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    out = (r.status, dict(r.getheaders()), r.getheader("Set-Cookie") or "", data)
    c.close()
    return out


def form(source="127.0.0.1", cookies=""):
    status, _, set_cookie, body = request("GET", "/login", headers={"Cookie": cookies}, source=source)
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    csrf = m.group(1).decode() if m else ""
    jar = cookies
    for part in set_cookie.split(","):
        kv = part.strip().split(";")[0]
        if "=" in kv:
            jar = (jar + "; " if jar else "") + kv
    return csrf, jar


stop = time.time() + seconds
counts = {}
lock = threading.Lock()


def attacker():
    while time.time() < stop:
        try:
            csrf, jar = form()
            body = urllib.parse.urlencode({"csrf": csrf, "username": f"nobody{random.randrange(10**9)}", "password": "guess"})
            status, _, _, _ = request("POST", "/login", body=body, headers={"Cookie": jar})
        except Exception as e:  # a refused or reset connection counts too
            status = type(e).__name__
        with lock:
            counts[status] = counts.get(status, 0) + 1


rss = [rss_mib()]
health = []


def sampler():
    while time.time() < stop + 2:
        rss.append(rss_mib())
        t0 = time.time()
        try:
            request("GET", "/healthz", source="127.0.0.4")
            health.append((time.time() - t0) * 1000)
        except Exception:
            health.append(float("inf"))
        time.sleep(0.2)


start_rss = rss[0]
threads = [threading.Thread(target=attacker) for _ in range(workers)]
s = threading.Thread(target=sampler)
s.start()
for t in threads:
    t.start()
for t in threads:
    t.join()
s.join()
after_rss = rss_mib()

# A legitimate sign-in, from another address, right after the flood.
csrf, jar = form(source="127.0.0.2")
body = urllib.parse.urlencode({"csrf": csrf, "username": username, "password": password})
status, headers, set_cookie, _ = request("POST", "/login", body=body, headers={"Cookie": jar}, source="127.0.0.2")
legit = {"password_step": status, "to": headers.get("location", headers.get("Location", ""))}
if legit["to"] == "/login/code":
    session = set_cookie.split(";")[0]
    code = json.loads(open(outbox).read().splitlines()[-1])["text"].split(": ")[1][:6]
    _, _, _, page = request("GET", "/login/code", headers={"Cookie": session}, source="127.0.0.2")
    csrf2 = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"csrf": csrf2, "code": code})
    status, headers, _, _ = request("POST", "/login/code", body=body, headers={"Cookie": session}, source="127.0.0.2")
    legit["code_step"] = status
    legit["signed_in"] = headers.get("location", headers.get("Location", "")) == "/"


def token_ms(cid, source):
    times = []
    for _ in range(15):
        t0 = time.time()
        request("POST", "/oauth2/client/token", body=urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": cid, "client_secret": "wrong"}), source=source)
        times.append((time.time() - t0) * 1000)
    return round(statistics.median(times), 1)


print(json.dumps({
    "workers": workers, "seconds": seconds, "answers": counts,
    "rss_mib": {"before": round(start_rss, 1), "peak": round(max(rss), 1), "after": round(after_rss, 1)},
    "healthz_ms": {"p50": round(statistics.median(health), 1), "max": round(max(health), 1), "samples": len(health)},
    "legitimate_sign_in": legit,
    "token_median_ms": {"unknown_id": token_ms("naf-000000000000", "127.0.0.5"), "known_id_wrong_secret": token_ms(client_id, "127.0.0.6")},
}, indent=1))
