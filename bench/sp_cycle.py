"""The payment cycle benchmark's helpers.

reports FILES_DIR: plays the providers — for every CSV payment file of the cycle, a pain.002
status report accepting each payment but one in twenty (rejected, AC04 closed account), with
the file's control sum, written to FILES_DIR/reports/.

citizen BASE OUT FILES_DIR: signs in as a beneficiary of the cycle (national number, ID card,
the code from the development outbox) and times the citizen's page.
"""
import csv, glob, http.cookiejar, json, os, re, sys, time, urllib.parse, urllib.request

from sp_http import pct

NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


def reports(files):
    os.makedirs(os.path.join(files, "reports"), exist_ok=True)
    n = 0
    for path in sorted(glob.glob(os.path.join(files, "*.csv"))):
        rows = list(csv.DictReader(open(path, encoding="utf-8")))
        msg = os.path.basename(path)[:-4]
        total = sum(int(r["amount_fils"]) for r in rows)
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><CstmrPmtStsRpt>',
                 f"<GrpHdr><MsgId>{msg}-STS</MsgId><CreDtTm>2027-01-26T09:00:00</CreDtTm></GrpHdr>",
                 f"<OrgnlGrpInfAndSts><OrgnlMsgId>{msg}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>",
                 f"<OrgnlNbOfTxs>{len(rows)}</OrgnlNbOfTxs><OrgnlCtrlSum>{total // 1000}.{total % 1000:03d}</OrgnlCtrlSum></OrgnlGrpInfAndSts>",
                 f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{msg}</OrgnlPmtInfId>"]
        for i, r in enumerate(rows):
            rejected = i % 20 == 7
            a = int(r["amount_fils"])
            parts.append(f"<TxInfAndSts><OrgnlEndToEndId>{r['end_to_end_id']}</OrgnlEndToEndId>"
                         f"<TxSts>{'RJCT' if rejected else 'ACSC'}</TxSts>"
                         + ("<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>" if rejected else "")
                         + f'<OrgnlTxRef><Amt><InstdAmt Ccy="JOD">{a // 1000}.{a % 1000:03d}</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>')
            n += 1
        parts.append("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
        with open(os.path.join(files, "reports", msg + "-STS.xml"), "w", encoding="utf-8") as f:
            f.write("".join(parts))
    print(f"{n} statuses written as pain.002 reports", file=sys.stderr)


def form_csrf(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def citizen(base, out, files):
    # A beneficiary with a valid ID card: the first payee of the first file whose card is found.
    payees = []
    for path in sorted(glob.glob(os.path.join(files, "*.csv")))[:1]:
        payees = [r["national_id"] for r in csv.DictReader(open(path, encoding="utf-8"))][:2000]
    cards = {}
    with open(os.path.join(out, "data", "CSPD_ID_Cards.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r.get("Card_Status") == "1":
                cards[r["National_Number"]] = r["Card_Number"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    home = None
    for nn in payees:
        if nn not in cards:
            continue
        html = opener.open(base + "/citizen").read().decode()
        t = time.time() * 1000
        body = urllib.parse.urlencode({"csrf": form_csrf(html), "national_number": nn, "card_number": cards[nn]}).encode()
        r = opener.open(base + "/citizen", body)
        if not r.geturl().endswith("/citizen/code"):
            continue
        code_page = r.read().decode()
        code = None
        for _ in range(50):
            lines = open(os.path.join(out, "outbox.jsonl")).read().split("\n") if os.path.exists(os.path.join(out, "outbox.jsonl")) else []
            mine = [json.loads(l) for l in lines if l.strip()]
            mine = [m for m in mine if m["to"] == f"citizen:{nn}" and m["at_ms"] >= t - 1000]
            if mine:
                code = re.search(r"(\d{6})", mine[-1]["text"]).group(1)
                break
            time.sleep(0.1)
        body = urllib.parse.urlencode({"csrf": form_csrf(code_page), "code": code}).encode()
        r = opener.open(base + "/citizen/code", body)
        if r.geturl().endswith("/citizen/home"):
            home = nn
            break
    if not home:
        sys.exit("no beneficiary could sign in")
    for page in ["/citizen/home", "/citizen/decisions", "/citizen/access"]:
        times = []
        for _ in range(200):
            t = time.perf_counter()
            r = opener.open(base + page)
            r.read()
            times.append((time.perf_counter() - t) * 1000)
            assert r.status == 200
        print(f"citizen page {page} (beneficiary {home}), 200 requests: p50 {pct(times, 50):.1f} ms, "
              f"p99 {pct(times, 99):.1f} ms (target <= 100 ms)")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    if sys.argv[1] == "reports":
        reports(sys.argv[2])
    else:
        citizen(*sys.argv[2:5])
