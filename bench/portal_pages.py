"""Times every portal page an officer opens, on a running `nur serve`: signs in each role
(password, then the one-time code from the development outbox), opens each page N times in
English and in Arabic over one keep-alive connection, and prints p50 / p99 / max per page.
The time is the whole answer seen from the same machine (server time plus a loopback hop),
so it bounds the server time from above.

Usage: portal_pages.py PORT OUTBOX N ROLE=USER:PASSWORD:PATH,PATH,... [ROLE=...]
"""
import http.client
import json
import re
import sys
import time
import urllib.parse

port, outbox, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


class Visitor:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, path, form=None):
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return r.status, r.getheader("Location") or "", data.decode("utf-8", "replace")

    def csrf(self, page):
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def sign_in(self, username, password):
        _, _, page = self.request("GET", "/login")
        started = time.time() * 1000 - 1000
        st, to, _ = self.request("POST", "/login", {"csrf": self.csrf(page), "username": username, "password": password})
        if to != "/login/code":
            sys.exit(f"{username}: password step answered {st} {to}")
        code = None
        for _ in range(100):
            for line in open(outbox, encoding="utf-8").read().splitlines():
                m = json.loads(line)
                if m["to"] == username and m["at_ms"] >= started:
                    code = re.search(r"(\d{6})", m["text"]).group(1)
            if code:
                break
            time.sleep(0.05)
        _, _, page = self.request("GET", "/login/code")
        st, to, _ = self.request("POST", "/login/code", {"csrf": self.csrf(page), "code": code})
        if to != "/":
            sys.exit(f"{username}: code step answered {st} {to}")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


worst = (0.0, "")
over = []
for spec in sys.argv[4:]:
    role, _, rest = spec.partition("=")
    username, password, paths = rest.split(":", 2)
    v = Visitor()
    v.sign_in(username, password)
    for lang in ["en", "ar"]:
        v.request("GET", f"/lang?to={lang}&back=/")
        for path in paths.split(","):
            times = []
            size = 0
            for _ in range(n):
                t = time.perf_counter()
                st, _, page = v.request("GET", path)
                times.append((time.perf_counter() - t) * 1000)
                size = len(page.encode())
                if st != 200 or 'class="flash error"' in page:
                    sys.exit(f"{role} {path}: {st} {page[:2000]}")
            p99 = pct(times, 99)
            if p99 > worst[0]:
                worst = (p99, f"{role} {lang} {path}")
            if p99 > 200:
                over.append(f"{role} {lang} {path}")
            print(f"{role:12} {lang} {path:45} {size / 1024:6.1f} KB  p50 {pct(times, 50):6.1f} ms  "
                  f"p99 {p99:6.1f} ms  max {max(times):6.1f} ms")
print(f"slowest page p99: {worst[0]:.1f} ms ({worst[1]}); pages over 200 ms at p99: {len(over)} {' '.join(over)}")
