// The portal's main flow in real Chromium (Debian's package, never a downloaded browser):
// sign in with password and code; Arabic is right to left; CSPD's admin grants NAF two
// columns of a CSPD table in Table Columns Privileges; NAF's admin builds a query on that
// table, generates its SQL, runs it and saves it; the saved procedure's API, called with a
// NAF client token, returns exactly those two columns plus the key; sign out. Screenshots of
// each step go to $SHOTS. Every request must stay on the NUR host, every visible input must
// have a label, and sign-in is done from the keyboard. Then a citizen, without JavaScript, signs
// in with their national number, ID card and a code, and starts their household's application.
// Then NAF's caseworker walks the programs, a simulation, a run and a household's decisions.
// Last, the caseworker prepares a UCT payment cycle (or takes the draft the demo left), which
// its preparer may not approve; NAF's admin approves it, downloads a pain.001 file and reads the
// dashboard in Arabic; the citizen, without JavaScript, reads their payments and appeals a
// decision. Every screenshot's page, every page an officer opens in both languages and the
// citizen's pages in both languages are checked with axe-core (WCAG 2.1 A and AA): a serious
// or critical violation fails the flow.
//
// Env: BASE_URL (http://127.0.0.1:PORT), DATA_DIR (the demo's data dir: accounts, outbox,
// NAF client), SHOTS (screenshot folder), CHROMIUM (default /usr/bin/chromium).

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const base = process.env.BASE_URL;
const dataDir = process.env.DATA_DIR;
const shots = process.env.SHOTS || "browser-shots";
fs.mkdirSync(shots, { recursive: true });

const accounts = Object.fromEntries(
  fs.readFileSync(path.join(dataDir, "demo-accounts.txt"), "utf8").trim().split("\n")
    .map((l) => l.trim().split(/\s+/)).map((p) => [p[0], p[2]]),
);
const outbox = path.join(dataDir, "outbox.jsonl");

function fail(msg) {
  console.error("FAIL: " + msg);
  process.exitCode = 1;
  throw new Error(msg);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}

// axe-core, run inside the page (through the browser's own evaluation, which the page's
// content security policy does not govern): WCAG 2.1 A and AA.
const axeSource = fs.readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const axeChecked = [];
// The citizen's walks without JavaScript: axe-core cannot run there (their pages are checked
// again with scripts on, below).
const noScript = new WeakSet();
async function accessible(page, where) {
  if (noScript.has(page)) return;
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }));
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `accessibility on ${where} (${page.url()}): ` +
    bad.map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`).join("; "));
  axeChecked.push(where);
  await arabicOnly(page, where);
}

// An Arabic page shows no English the server wrote: every Latin word outside data (bdi),
// code and the few names that are the same in both languages is a leak. Attributes people
// hear or see (labels, titles, placeholders) count too.
const leaks = [];
async function arabicOnly(page, where) {
  const found = await page.evaluate(() => {
    if (document.documentElement.lang !== "ar") return null;
    const skip = "bdi, code, pre, script, style, kbd, samp, noscript, [dir=ltr], [translate=no]";
    // Names of formats and standards (pain.001 is an ISO 20022 message).
    const same = /^(Excel|OAuth|pain)$/;
    const words = new Map();
    const take = (raw, el) => {
      // Text between FSI and PDI is isolated data, the plain-text form of <bdi>.
      const text = raw.replace(/\u2068[^\u2069]*\u2069/g, "");
      for (const m of text.matchAll(/[A-Za-z]{3,}/g)) {
        const w = m[0];
        // Codes (UCT, CSPD) are the same in both languages.
        if (same.test(w) || /^[A-Z0-9]+$/.test(w) || words.has(w)) continue;
        const around = text.slice(Math.max(0, m.index - 25), m.index + w.length + 25).trim();
        words.set(w, `"${w}" in <${el.tagName.toLowerCase()}>: ${around}`);
      }
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode;
      if (!n.parentElement || n.parentElement.closest(skip)) continue;
      take(n.textContent, n.parentElement);
    }
    for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
      if (el.closest(skip)) continue;
      for (const a of ["aria-label", "title", "placeholder", "alt"]) take(el.getAttribute(a) || "", el);
    }
    return [...words.values()];
  });
  if (found && found.length) leaks.push(`${where} (${page.url()}):\n    ${found.slice(0, 8).join("\n    ")}`);
  if (found) arabicChecked.push(where);
}
const arabicChecked = [];

let step = 0;
async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: path.join(shots, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
  await accessible(page, name);
}

/// Every page an officer may open, in both languages, checked with axe-core.
async function sweep(page, paths) {
  for (const lang of ["en", "ar"]) {
    await page.goto(base + `/lang?to=${lang}&back=/`);
    for (const p of paths) {
      await page.goto(base + p);
      await labelled(page);
      await accessible(page, `${lang} ${p}`);
    }
  }
  await page.goto(base + "/lang?to=en&back=/");
}

async function codeFor(user, after) {
  for (let i = 0; i < 50; i++) {
    const lines = fs.existsSync(outbox) ? fs.readFileSync(outbox, "utf8").trim().split("\n") : [];
    const mine = lines.map((l) => JSON.parse(l)).filter((m) => m.to === user && m.at_ms >= after);
    if (mine.length) return mine[mine.length - 1].text.match(/(\d{6})/)[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`no code for ${user} in ${outbox}`);
}

/// Every visible input, select and textarea has a label (a <label for>, aria-label or a
/// wrapping label).
async function labelled(page) {
  const bad = await page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
      .map((el) => el.outerHTML.slice(0, 80)));
  check(bad.length === 0, `unlabelled inputs on ${page.url()}: ${bad.join(" | ")}`);
}

async function signIn(page, user) {
  await page.goto(base + "/login");
  await labelled(page);
  const t0 = Date.now() - 1000;
  // From the keyboard: type, Tab, type, Enter.
  await page.focus("#username");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(accounts[user]);
  await page.keyboard.press("Enter");
  await page.waitForURL("**/login/code");
  await labelled(page);
  await shot(page, `${user}-code`);
  const code = await codeFor(user, t0);
  await page.keyboard.type(code); // the code field has the focus
  await page.keyboard.press("Enter");
  await page.waitForURL(base + "/");
  check((await page.textContent(".userline")).includes(user), "the user line names the user");
  await shot(page, `${user}-home`);
}

/// Presses Tab from the top of the page until `selector` has the focus (at most 200 times).
async function tabTo(page, selector) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement === document.querySelector(s), selector)) return;
  }
  fail(`${selector} is not reachable with Tab on ${page.url()}`);
}

async function signOut(page) {
  await tabTo(page, ".signout button");
  await page.keyboard.press("Enter");
  await page.waitForURL("**/login?e=login-signed-out");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
  // playwright-core gives every launch a fresh, empty user data dir of its own.
});
try {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const foreign = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // 1. CSPD's admin signs in; Arabic is right to left.
  await signIn(page, "CSPDAdmin");
  await page.click("text=عربي");
  await page.waitForLoadState();
  check(await page.evaluate(() => document.documentElement.dir) === "rtl", "Arabic pages are right to left");
  check((await page.textContent("nav.menu")).includes("الصفحة الرئيسية"), "Arabic menu");
  await shot(page, "arabic-home");
  await page.click("text=En");
  await page.waitForLoadState();
  check(await page.evaluate(() => document.documentElement.dir) === "ltr", "English is left to right");

  // 2. Table Columns Privileges: grant NAF two more columns of CSPD_Death_Info (it holds
  // the key, the national number and the date of death already, for the social registry).
  // Five actions: Security, the table, two ticks, Update.
  await page.click("nav.menu >> text=Security");
  await page.click("main ul.tables-list >> text=CSPD_Death_Info");
  await page.waitForURL("**group=CSPD_Death_Info**");
  await labelled(page);
  // From the keyboard: focus each checkbox and press Space, then Enter on Update.
  for (const id of ["#g-CSPD_Death_Info-Death_Place-NAF", "#g-CSPD_Death_Info-Death_Cause-NAF"]) {
    await page.focus(id);
    await page.keyboard.press("Space");
    check(await page.isChecked(id), `${id} checked from the keyboard`);
  }
  await shot(page, "columns-privileges");
  await page.focus("#update");
  await page.keyboard.press("Enter");
  await page.waitForURL("**done=**");
  check((await page.textContent("main")).includes("Saved"), "the update is confirmed");
  check(await page.isChecked("#g-CSPD_Death_Info-Death_Cause-NAF"), "the grant is shown after saving");
  await shot(page, "columns-saved");
  await signOut(page);

  // 3. NAF's admin builds, runs and saves the query.
  await signIn(page, "NAFAdmin");
  await page.click("nav.menu >> text=Entity Queries");
  await page.click("nav.tables >> text=CSPD_Death_Info");
  await page.waitForSelector("input[name=tbl][value=CSPD_Death_Info]", { state: "attached" });
  await labelled(page);
  const cols = await page.$$eval("ul.columns input[name=col]", (els) => els.map((e) => e.value.split(".")[1]));
  check(JSON.stringify(cols) === JSON.stringify(["Certificate_Number", "National_Number", "Death_Date", "Death_Place", "Death_Cause"]),
    `only the granted columns are offered: ${cols}`);
  await page.click("button[data-uncheck]");
  check((await page.$$eval("ul.columns input:checked", (e) => e.length)) === 0, "UnCheck All");
  await page.click("button[data-check]");
  check((await page.$$eval("ul.columns input:checked", (e) => e.length)) === 5, "Check All");
  // Every control is reachable with Tab, in order, from the top of the page.
  await tabTo(page, "#generate");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#sql");
  check((await page.textContent("#sql")).includes("SELECT"), "the SQL is shown");
  await shot(page, "generated-sql");
  await page.focus("#run");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#results");
  await shot(page, "results");
  await page.fill("#name", "deaths_portal");
  await page.fill("#description", "Deaths, from the portal");
  await page.click("#save");
  await page.waitForSelector("#saved");
  check((await page.textContent("#saved")).includes("/api/v1/procedures/NAF/deaths_portal"), "API URL shown");
  await shot(page, "saved");

  // 4. The procedure's API with a NAF client token: the granted columns.
  const client = JSON.parse(fs.readFileSync(path.join(dataDir, "demo-client.json"), "utf8"));
  const tok = await (await fetch(base + "/oauth2/client/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}`,
  })).json();
  const res = await fetch(base + "/api/v1/procedures/NAF/deaths_portal", {
    method: "POST",
    headers: { authorization: `Bearer ${tok.access_token}`, "content-type": "application/json", "x-nur-purpose": "browser test" },
    body: "{}",
  });
  check(res.status === 200, `procedure call: ${res.status}`);
  const body = await res.json();
  const names = body.columns.map((c) => c.name);
  check(JSON.stringify(names) === JSON.stringify(["Certificate_Number", "National_Number", "Death_Date", "Death_Place", "Death_Cause"]),
    `the API returns the granted columns: ${names}`);

  // 4b. The seed's Query Builder Results screen: CSPD_Personal_Info LEFT OUTER JOIN
  // DVLD_Car_Info on the national number, a national-number parameter, in nine actions
  // (a table, two columns, the second table, two columns, Add New Parameter, a name, Save).
  const [citizenNn, citizenCard] = fs.readFileSync(path.join(dataDir, "demo-citizen.txt"), "utf8").trim().split(/\s+/);
  const col = (q) => `input[name=col][value='${q}']`;
  await page.goto(base + "/queries");
  await page.click("nav.tables >> text=CSPD_Personal_Info");
  await page.waitForSelector("input[name=tbl][value=CSPD_Personal_Info]", { state: "attached" });
  check((await page.$$eval("ul.columns input:checked", (e) => e.length)) === 0, "columns start unticked");
  await page.check(col("CSPD_Personal_Info.National_Number"));
  await page.check(col("CSPD_Personal_Info.First_Name"));
  await page.click("nav.tables >> text=DVLD_Car_Info");
  await page.waitForSelector("input[name=tbl][value=DVLD_Car_Info]", { state: "attached" });
  check(await page.isChecked(col("CSPD_Personal_Info.First_Name")), "adding a table keeps the ticks");
  check((await page.inputValue("select[name=join]")) === "left", "LEFT OUTER JOIN by default");
  await page.check(col("DVLD_Car_Info.Vehicle_Type"));
  await page.check(col("DVLD_Car_Info.Model_Year"));
  await page.click("#add-condition");
  await page.waitForSelector("#parameters");
  await labelled(page);
  await page.click("#generate");
  await page.waitForSelector("#sql");
  const sqlText = await page.textContent("#sql");
  check(sqlText.includes("LEFT OUTER JOIN DVLD_Car_Info ON DVLD_Car_Info.National_Number = CSPD_Personal_Info.National_Number")
    && sqlText.includes("WHERE CSPD_Personal_Info.National_Number = :national_number"), `the seed's SQL: ${sqlText}`);
  await page.fill("#ps-0", citizenNn);
  await page.click("#run");
  await page.waitForSelector("#results");
  check((await page.textContent("#messages")).includes("Query Executed Successfully"), "the Messages panel");
  check((await page.textContent("#results")).includes(citizenNn), "the sample person's row");
  await shot(page, "seed-query-results");
  await page.fill("#name", "seed_vehicles");
  await page.click("#save");
  await page.waitForSelector("#saved");
  // Reopened: the same query; updated after the page asks.
  await page.goto(base + "/queries?procedure=seed_vehicles");
  for (const q of ["CSPD_Personal_Info.National_Number", "CSPD_Personal_Info.First_Name", "DVLD_Car_Info.Vehicle_Type", "DVLD_Car_Info.Model_Year"]) {
    check(await page.isChecked(col(q)), `${q} ticked when reopened`);
  }
  await page.click("#generate");
  await page.waitForSelector("#sql");
  const reopenedSql = (await page.textContent("#sql pre")).trim();
  check(sqlText.includes(reopenedSql), `the reopened query is the same: ${reopenedSql}`);
  await page.fill("#limit", "50");
  await page.click("#save");
  await page.waitForSelector("#confirm-save");
  await shot(page, "seed-query-confirm");
  await page.click("#confirm");
  await page.waitForSelector("#saved");
  check((await page.textContent("#saved")).includes("version 2"), "saved as version 2");
  await page.goto(base + "/queries?procedure=seed_vehicles");
  const history = await page.textContent("#versions");
  check(history.includes("Rows limit 100 → 50"), `the history says what changed: ${history}`);
  await shot(page, "seed-query-versions");
  const seed = await (await fetch(base + "/api/v1/procedures/NAF/seed_vehicles", {
    method: "POST",
    headers: { authorization: `Bearer ${tok.access_token}`, "content-type": "application/json", "x-nur-purpose": "browser test" },
    body: JSON.stringify({ national_number: citizenNn }),
  })).json();
  check(JSON.stringify(seed.columns.map((c) => c.name)) === JSON.stringify(["National_Number", "First_Name", "Vehicle_Type", "Model_Year"]),
    `the saved query's API returns its columns: ${JSON.stringify(seed.columns)}`);

  // 4c. Paging a result adds no audit event; CSV and XLSX exports, read back.
  const auditTab = await context.newPage();
  const runs = async () => {
    await auditTab.goto(base + "/audit?action=query.run");
    return auditTab.$$eval("main table tbody tr", (trs) => trs.length);
  };
  await page.goto(base + "/queries");
  await page.click("nav.tables >> text=CSPD_Personal_Info");
  await page.waitForSelector("input[name=tbl][value=CSPD_Personal_Info]", { state: "attached" });
  await page.click("button[data-check]");
  await page.click("#run");
  await page.waitForSelector("#results nav.pager");
  const before = await runs();
  await page.click("#results nav.pager button[value='page:2']");
  await page.waitForSelector("#results nav.pager button[value='page:3']");
  await shot(page, "results-page-2");
  const [csvFile] = await Promise.all([page.waitForEvent("download"), page.click("#results a[href$='/csv']")]);
  const csvText = fs.readFileSync(await csvFile.path(), "utf8");
  check(csvText.startsWith("\ufeffNational_Number,") && csvText.trim().split("\n").length === 101, `a CSV of 100 rows: ${csvText.slice(0, 80)}`);
  const [xlsxFile] = await Promise.all([page.waitForEvent("download"), page.click("#results a[href$='/xlsx']")]);
  const xlsx = fs.readFileSync(await xlsxFile.path());
  check(xlsx.subarray(0, 2).toString() === "PK" && xlsxFile.suggestedFilename().endsWith(".xlsx"), "an XLSX workbook");
  check((await runs()) === before, "paging and exporting ran the query no more");
  await auditTab.close();

  // 4d. Revoking a client asks first, on a page of its own; Cancel keeps it, Revoke ends it.
  await page.goto(base + "/settings/clients");
  await page.fill("#c-name", "temporary feed");
  await page.click("form.card button[type=submit]");
  await page.waitForLoadState();
  const row = page.locator("main table tbody tr", { hasText: "temporary feed" });
  await row.locator("button[value=revoke]").click();
  await page.waitForSelector("#confirm-action");
  await labelled(page);
  check((await page.textContent("#confirm-action")).includes("cannot be undone"), "the page says what revoking does");
  await shot(page, "confirm-revoke");
  await page.click("#confirm-action a");
  await page.waitForURL("**/settings/clients");
  check((await row.textContent()).includes("active"), "Cancel keeps the client");
  await row.locator("button[value=revoke]").click();
  await page.waitForSelector("#confirm-action");
  await page.click("#confirm");
  await page.waitForLoadState();
  check((await page.locator("main table tbody tr", { hasText: "temporary feed" }).textContent()).includes("revoked"), "confirmed, the client is revoked");

  // 5. Sign out.
  await signOut(page);
  await shot(page, "signed-out");

  // 6. A citizen, in a browser without JavaScript, in Arabic: national number and ID card,
  // the code sent to their mobile, their household, a draft started and kept, sign out.
  const plain = await browser.newContext({ locale: "ar-JO", javaScriptEnabled: false });
  const cp = await plain.newPage();
  noScript.add(cp);
  await cp.goto(base + "/citizen");
  check((await cp.getAttribute("html", "dir")) === "rtl", "the citizen's door is Arabic, right to left");
  await labelled(cp);
  await shot(cp, "citizen-door");
  const c0 = Date.now() - 1000;
  await cp.fill("#national_number", citizenNn);
  await cp.fill("#card_number", citizenCard);
  await cp.click("form.card button[type=submit]");
  await cp.waitForURL("**/citizen/code");
  await labelled(cp);
  await cp.fill("#code", await codeFor(`citizen:${citizenNn}`, c0));
  await cp.click("form.card button[type=submit]");
  await cp.waitForURL("**/citizen/home");
  check((await cp.textContent(".userline")).includes(citizenNn), "the user line names the citizen");
  await shot(cp, "citizen-home");
  await cp.click("main a[href='/citizen/new']");
  await labelled(cp);
  check((await cp.inputValue("input[name='household.members.0.national_number']")) === citizenNn,
    "the form starts with the citizen among the members");
  await cp.selectOption("select[name='dwelling.tenure']", "owned");
  await cp.click("button[value=save]");
  await cp.waitForURL("**/citizen/applications/APP-*");
  check((await cp.inputValue("select[name='dwelling.tenure']")) === "owned", "the draft keeps the answers");
  await shot(cp, "citizen-draft");
  await cp.goto(base + "/citizen/access");
  await shot(cp, "citizen-access");
  await cp.goto(base + "/citizen/decisions");
  check((await cp.textContent("main h1")).includes("القرارات الخاصة بأسرتي"), "the citizen's decisions page");
  await shot(cp, "citizen-decisions");
  await cp.click(".signout button");
  await cp.waitForURL("**/citizen?e=login-signed-out");
  await plain.close();

  // 7. NAF's caseworker: the programs, UCT's rules edited and counted (nothing changes),
  // a simulation with a smaller quota, the newest run's ranking, and one household's
  // decisions explained (the contributions add up to the score); then in Arabic.
  await signIn(page, "NAFUser");
  await page.click("nav.menu >> text=Programs");
  await page.waitForURL("**/sp/programs");
  check((await page.textContent("main table")).includes("UCT"), "the pilots are listed");
  await shot(page, "programs");
  await page.click("main a[href='/sp/programs/UCT']");
  await labelled(page);
  await page.fill("input[name='rule.business_3000']", "facts.business_capital_jod >= 100000.0");
  await page.click("button[value=count]");
  await page.waitForSelector("#sim");
  check(/would admit \d+ household/.test(await page.textContent("main")), "Count shows how many households the rules admit");
  check((await page.inputValue("input[name='rule.business_3000']")).includes("100000"), "the edited rule stays in the editor");
  await shot(page, "program-count");
  await page.goto(base + "/sp/programs/UCT");
  await page.fill("input[name=quota]", "3");
  await page.click("button[value=simulate]");
  await page.waitForSelector("#sim");
  check((await page.textContent("#sim ~ dl")).includes("3 /") || (await page.textContent("main")).includes("3 / "), "the simulation selects at most the quota");
  check(await page.locator("figure.chart svg").count() >= 3, "charts by governorate, sex and decile");
  await shot(page, "program-simulated");
  await page.click("#latest a");
  await page.waitForURL("**/sp/runs/RUN-*");
  await shot(page, "run");
  await page.click("main table tbody tr:first-child a");
  await page.waitForURL("**/decisions");
  const total = await page.evaluate(() => {
    const cells = [...document.querySelectorAll("#contributions tbody tr td:nth-child(3)")];
    return [cells.reduce((a, td) => a + parseFloat(td.textContent), 0), parseFloat(document.querySelector("#contributions tfoot td").textContent)];
  });
  check(Math.abs(total[0] - total[1]) < 0.01, `the contributions add up to the score: ${total}`);
  await shot(page, "decisions");
  await page.click("text=عربي");
  await page.waitForLoadState();
  check((await page.textContent("main")).includes("ما كوّن الدرجة"), "the explanation in Arabic");
  await shot(page, "decisions-arabic");
  await page.click("text=En");
  await page.waitForLoadState();
  await signOut(page);

  // 8. A UCT payment cycle: the draft already there, or the month after the newest cycle
  // (this month when there is none) prepared by the caseworker, who may not approve it.
  await signIn(page, "NAFUser");
  await page.click("nav.menu >> text=Cycles");
  await page.waitForURL("**/sp/cycles");
  await labelled(page);
  await shot(page, "cycles");
  const rows = await page.$$eval("main table tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  const uct = rows.filter((r) => r[0].startsWith("UCT-"));
  let cycle = (uct.find((r) => r[3] === "Draft") || [])[0];
  if (!cycle) {
    const next = (ym) => {
      const [y, m] = ym.split("-").map(Number);
      return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
    };
    const now = new Date();
    const period = uct.length ? next(uct[0][2]) : `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
    await page.selectOption("#program", "UCT");
    await page.fill("#period", period);
    await page.click("main form button[type=submit]");
    await page.waitForURL("**/sp/cycles/UCT-*?done=created");
    cycle = `UCT-${period}`;
  }
  const dashboard = `${base}/sp/cycles/${cycle}`;
  await page.goto(dashboard + "?state=enrolled#members");
  await labelled(page);
  check(await page.locator("figure.chart svg[direction=ltr]").count() >= 5, "the cycle's charts");
  await shot(page, "cycle-draft");
  await page.click("#approve");
  await page.waitForSelector("main .flash.error");
  const refusedText = await page.textContent("main .flash.error");
  check(refusedText.includes("You prepared this cycle"), `its preparer does not approve it: ${refusedText}`);
  await shot(page, "cycle-not-approved");
  await signOut(page);

  // 9. NAF's admin approves it, downloads a payment file, reads the dashboard in Arabic.
  await signIn(page, "NAFAdmin");
  await page.goto(dashboard);
  await page.click("#approve");
  await page.waitForURL("**done=approved");
  await labelled(page);
  await shot(page, "cycle-approved");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("section:has(#files) a[href$='.xml']"),
  ]);
  const pain = fs.readFileSync(await download.path(), "utf8");
  check(pain.includes("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09") && download.suggestedFilename().startsWith(cycle),
    `a pain.001 file of the cycle: ${download.suggestedFilename()}`);
  await page.click("text=عربي");
  await page.waitForLoadState();
  check(await page.evaluate(() => document.documentElement.dir) === "rtl", "the dashboard in Arabic");
  check((await page.textContent("main")).includes("الأسر المسجلة حسب المحافظة"), "the charts' titles in Arabic");
  await shot(page, "cycle-arabic");
  await page.click("text=En");
  await page.waitForLoadState();
  await sweep(page, ["/", "/persons", "/procedures", "/queries", "/queries?procedure=seed_vehicles", "/security",
    "/security/columns", "/security/tables", "/security/operations", "/security/outputs", "/audit",
    "/audit?action=query.run", "/sources", "/settings/users", "/settings/clients", "/settings/entity", "/settings/catalog",
    "/contact", "/account", "/sp", "/sp/programs", "/sp/cycles", "/sp/appeals", "/sp/rejections", dashboard.slice(base.length)]);
  // The page for an unknown address, in a tab of its own (its 404 is logged as an error).
  const lost = await context.newPage();
  await lost.goto(base + "/no/such/page");
  check((await lost.textContent("h1")) === "Page not found" && (await lost.locator("nav.menu").count()) === 1,
    "an unknown address is a page inside the frame");
  await accessible(lost, "not found");
  await lost.close();
  await signOut(page);

  // 10. The citizen, without JavaScript: their payments, then an appeal of a decision.
  const appealing = await browser.newContext({ locale: "ar-JO", javaScriptEnabled: false });
  const ap = await appealing.newPage();
  noScript.add(ap);
  await ap.goto(base + "/citizen");
  const a0 = Date.now() - 1000;
  await ap.fill("#national_number", citizenNn);
  await ap.fill("#card_number", citizenCard);
  await ap.click("form.card button[type=submit]");
  await ap.waitForURL("**/citizen/code");
  await ap.fill("#code", await codeFor(`citizen:${citizenNn}`, a0));
  await ap.click("form.card button[type=submit]");
  await ap.waitForURL("**/citizen/home");
  check(await ap.locator("#payments").count() === 1 && await ap.locator("#appeals").count() === 1, "the citizen's payments and appeals");
  await shot(ap, "citizen-payments");
  await ap.goto(base + "/citizen/decisions");
  await labelled(ap);
  const forms = await ap.locator("details.appeal").count();
  if (forms > 0) {
    const first = ap.locator("details.appeal").first();
    await first.locator("summary").click();
    await first.locator("textarea[name=reason]").fill("فقد رب الأسرة عمله الشهر الماضي، والسجلات ما زالت تُظهر الراتب.");
    await first.locator("button[type=submit]").click();
    await ap.waitForURL("**/citizen/appeals/AP-*");
    check((await ap.textContent("main")).includes("فقد رب الأسرة عمله"), "the appeal as filed");
  } else {
    check((await ap.locator("p.appeal-open").count()) > 0, "every decision has an open appeal already");
  }
  await ap.goto(base + "/citizen/home");
  const filed = ap.locator("section:has(#appeals) a[href^='/citizen/appeals/']");
  check(await filed.count() > 0, "the appeal on the citizen's home");
  await ap.goto(base + (await filed.first().getAttribute("href")));
  await shot(ap, "citizen-appeal");
  await appealing.close();

  // 11. The citizen's pages with scripts on, in both languages, checked with axe-core.
  const scripted = await browser.newContext({ locale: "ar-JO" });
  const sp = await scripted.newPage();
  await sp.goto(base + "/citizen");
  await accessible(sp, "citizen door");
  const s0 = Date.now() - 1000;
  await sp.fill("#national_number", citizenNn);
  await sp.fill("#card_number", citizenCard);
  await sp.click("form.card button[type=submit]");
  await sp.waitForURL("**/citizen/code");
  await accessible(sp, "citizen code");
  await sp.fill("#code", await codeFor(`citizen:${citizenNn}`, s0));
  await sp.click("form.card button[type=submit]");
  await sp.waitForURL("**/citizen/home");
  for (const lang of ["ar", "en"]) {
    await sp.goto(base + `/lang?to=${lang}&back=/citizen/home`);
    for (const p of ["/citizen/home", "/citizen/access", "/citizen/decisions", "/citizen/account", "/citizen/new"]) {
      await sp.goto(base + p);
      await labelled(sp);
      await accessible(sp, `citizen ${lang} ${p}`);
    }
  }
  await scripted.close();

  check(leaks.length === 0, `English on Arabic pages:\n  ${leaks.join("\n  ")}`);
  check(foreign.length === 0, `requests to other hosts: ${foreign.join(", ")}`);
  check(errors.length === 0, `console errors (CSP?): ${errors.join(" | ")}`);
  console.log(`ok: ${step} screenshots in ${shots}; axe-core on ${axeChecked.length} pages; ` +
    `${arabicChecked.length} Arabic pages without English from the server`);
} finally {
  await browser.close();
}
