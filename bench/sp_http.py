"""What the social registry's HTTP benchmarks share: a client token, a JSON call, a percentile."""
import json, urllib.request


def token(base, creds_file):
    c = json.load(open(creds_file))
    body = f"grant_type=client_credentials&client_id={c['client_id']}&client_secret={c['client_secret']}".encode()
    req = urllib.request.Request(base + "/oauth2/client/token", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    return json.load(urllib.request.urlopen(req))["access_token"]


def call(base, tok, method, path, body=None):
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
