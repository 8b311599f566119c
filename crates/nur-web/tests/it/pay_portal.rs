//! Payment cycles, accounts and appeals in the portal, over HTTP on the real app: a cycle
//! prepared, refused to its preparer and approved by a second administrator, its households
//! paused with a note, its payment files downloaded (the same bytes twice), a bad status
//! report refused whole and a good one reconciled, a rejected payment's account fixed; a
//! citizen's payments, account and appeal, another household's appeal kept from them, and an
//! officer taking an appeal through review to overturned. Malformed input is a clear error on
//! the page each time.

use super::browser::{Browser, Resp};
use super::portal::{account, last_code, sign_in, PW};
use super::{App, Backend};
use nur_core::account::Role;
use nur_sp::payment::{Outcome, Status, StatusReport};

const CYCLE: &str = "UCT-2026-12";

/// The demo's steps for a small population: NAF granted what the social registry reads
/// (intake, facts, the beneficiaries of payments); facts, a fitted model and scores; the pilot programs; a UCT run; the synthetic
/// accounts imported as a provider's file.
pub(super) fn targeted(app: &App) {
    super::sp::family_answers(app);
    let op = nur_app::Caller::operator("tests");
    super::sp::scored(app);
    let uses = &app.uses;
    uses.target(&op, &["UCT".to_owned()], &nur_app::TargetPlan::default())
        .unwrap();
    let mut f = std::fs::File::open(app._data.path().join("SP_Accounts.csv")).unwrap();
    let imported = uses.import_accounts(&op, &mut f).unwrap();
    assert!(imported.set > 0, "{imported:?}");
}

/// Every `href` of a page that starts with `prefix`, in order.
fn links(body: &str, prefix: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .filter(|h| h.starts_with(prefix))
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

fn refused(r: &Resp, text: &str) {
    assert!(
        r.body.contains("flash error") && r.body.contains(text),
        "expected {text:?} in:\n{}",
        r.body
    );
}

pub(super) fn portal_payment_cycles(b: Backend) {
    let app = super::spawn_app(b);
    targeted(&app);
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    account(&app, "NAFAdmin2", Role::EntityAdmin, Some("NAF"), PW);
    let mut admin = sign_in(&app, "NAFAdmin", PW);
    let home = admin.get("/");
    assert!(
        home.body.contains("href=\"/sp/cycles\"") && home.body.contains("href=\"/sp/appeals\"")
    );

    // A malformed month: said so, the form kept as typed; nothing prepared.
    let r = admin.post(
        "/sp/cycles",
        "/sp/cycles",
        &[("program", "UCT"), ("period", "2026-13")],
    );
    refused(&r, "The month is not valid");
    assert!(r.body.contains("value=\"2026-13\""));
    assert!(app
        .uses
        .cycles(&nur_app::Caller::operator("t"), None)
        .unwrap()
        .is_empty());

    // Prepared; its dashboard with the charts drawn left to right.
    let r = admin.post(
        "/sp/cycles",
        "/sp/cycles",
        &[("program", "UCT"), ("period", "2026-12")],
    );
    assert_eq!(
        (r.status, r.location()),
        (303, "/sp/cycles/UCT-2026-12?done=created"),
        "{}",
        r.body
    );
    let dash_url = format!("/sp/cycles/{CYCLE}");
    let dash = admin.get(r.location());
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("The cycle is prepared as a draft"));
    assert_eq!(
        dash.body.matches("direction=\"ltr\"").count(),
        5,
        "no payments chart on a draft"
    );
    assert!(dash.body.contains("Enrolled households by governorate"));
    assert!(admin.get("/sp/cycles").body.contains(&dash_url));
    let again = admin.post(
        "/sp/cycles",
        "/sp/cycles",
        &[("program", "UCT"), ("period", "2026-12")],
    );
    refused(&again, "already has a cycle for that month");

    // The enrolled households, each with why; an unknown state is said to be one.
    let enrolled = admin.get(&format!("{dash_url}?state=enrolled"));
    assert!(
        enrolled.body.contains("Selected by the targeting run RUN-"),
        "{}",
        enrolled.body
    );
    let households = links(&enrolled.body, "/sp/households/");
    assert!(households.len() >= 2, "{}", enrolled.body);
    let household = households[0].split('/').nth(3).unwrap().to_owned();
    refused(
        &admin.get(&format!("{dash_url}?state=lost")),
        "There is no such state",
    );

    // A caseworker pauses one household of the draft, saying why (a note is required).
    let mut user = sign_in(&app, "NAFUser", PW);
    let member = format!("{dash_url}/members/{household}");
    let from = format!("{dash_url}?state=enrolled");
    let r = user.post(
        &from,
        &member,
        &[
            ("state", "paused"),
            ("note", " "),
            ("back_state", "enrolled"),
        ],
    );
    refused(&r, "a note is required");
    let r = user.post(&from, &member, &[("state", "lost"), ("note", "x")]);
    refused(&r, "There is no such state");
    let r = user.post(
        &from,
        &member,
        &[
            ("state", "paused"),
            ("note", "moved abroad"),
            ("back_state", "enrolled"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let paused = user.get(&format!("{dash_url}?state=paused"));
    assert!(
        paused.body.contains(&household)
            && paused.body.contains("Set by a caseworker: moved abroad")
    );

    // Approval: not by a caseworker, not by its preparer; by a second administrator.
    refused(
        &user.post(&dash_url, &format!("{dash_url}/approve"), &[]),
        "Only an administrator",
    );
    let r = admin.post(&dash_url, &format!("{dash_url}/approve"), &[]);
    refused(&r, "You prepared this cycle");
    assert!(
        r.body.contains("NAFAdmin prepared cycle UCT-2026-12"),
        "the use case's words follow"
    );
    let mut second = sign_in(&app, "NAFAdmin2", PW);
    let r = second.post(&dash_url, &format!("{dash_url}/approve"), &[]);
    assert_eq!(
        (r.status, r.location()),
        (303, "/sp/cycles/UCT-2026-12?done=approved"),
        "{}",
        r.body
    );
    let dash = second.get(r.location());
    assert!(dash.body.contains("Approved"));
    assert_eq!(dash.body.matches("direction=\"ltr\"").count(), 6);

    // Each provider's file, the same bytes on every download.
    let files = links(&dash.body, &format!("{dash_url}/files/"));
    let xml = files.iter().find(|f| f.ends_with(".xml")).unwrap().clone();
    let one = user.get(&xml);
    let two = second.get(&xml);
    assert_eq!(one.status, 200);
    assert!(
        one.body.starts_with("<?xml") && one.body.contains("pain.001.001.09"),
        "{}",
        one.body
    );
    assert_eq!(one.body, two.body);
    let provider = xml
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".xml")
        .to_owned();
    assert_eq!(
        one.header("content-disposition"),
        Some(format!("attachment; filename=\"{CYCLE}-{provider}.xml\"").as_str())
    );
    let csv = user.get(&xml.replace(".xml", ".csv"));
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    refused(
        &user.get(&format!("{dash_url}/files/{provider}.pdf")),
        "Choose a file",
    );

    // A bad status report: refused whole, nothing changed.
    let op = nur_app::Caller::operator("t");
    let before = app.uses.cycle(&op, CYCLE).unwrap().payments;
    let statuses = format!("{dash_url}/statuses");
    let r = user.post_multipart(
        &dash_url,
        &statuses,
        &[("format", "pain002")],
        &[("report", "report.xml", "text/xml", b"not xml at all")],
    );
    refused(&r, "The file is not XML; nothing was changed.");
    let r = user.post_multipart(
        &dash_url,
        &statuses,
        &[("format", "csv")],
        &[("report", "report.csv", "text/csv", b"id,state\nx,y\n")],
    );
    refused(&r, "first line is end_to_end_id,status,reason");
    let r = user.post_multipart(&dash_url, &statuses, &[("format", "csv")], &[]);
    refused(&r, "Choose a file");
    assert_eq!(app.uses.cycle(&op, CYCLE).unwrap().payments, before);

    // A good one: the first payment rejected (closed account), the others paid.
    let payments = app
        .uses
        .payments(&op, CYCLE, Some(&provider), None)
        .unwrap();
    let report = StatusReport {
        message_id: format!("{CYCLE}-{provider}-STS"),
        original_message_id: Some(format!("{CYCLE}-{provider}")),
        number_of_transactions: Some(payments.len() as u64),
        control_sum_fils: Some(payments.iter().map(|p| p.amount_fils).sum()),
        statuses: payments
            .iter()
            .enumerate()
            .map(|(i, p)| Status {
                end_to_end_id: p.end_to_end.clone(),
                outcome: if i == 0 {
                    Outcome::Rejected
                } else {
                    Outcome::Accepted
                },
                reason: (i == 0).then(|| "AC04: closed account".to_owned()),
                amount_fils: Some(p.amount_fils),
            })
            .collect(),
        ..Default::default()
    };
    let body = nur_sp::payment::pain002(
        &report,
        &format!("{CYCLE}-{provider}"),
        "2026-12-02T12:00:00",
    );
    let r = user.post_multipart(
        &dash_url,
        &statuses,
        &[("format", "pain002")],
        &[("report", "sts.xml", "text/xml", body.as_bytes())],
    );
    assert!(
        r.body.contains("id=\"reconciled\"") && r.body.contains("Rejected: 1."),
        "{}",
        r.body
    );

    // The figures as CSV.
    let figures = user.get(&format!("{dash_url}.csv"));
    assert!(
        figures
            .body
            .starts_with("\u{feff}figure,key,label,count,fils\r\n")
            || figures
                .body
                .starts_with("\u{feff}figure,key,label,count,fils\n"),
        "{}",
        figures.body
    );
    assert!(
        figures.body.contains("payments,rejected,Rejected,1,"),
        "{}",
        figures.body
    );
    assert!(
        figures.body.contains("state,paused,Paused,"),
        "{}",
        figures.body
    );

    // The rejection, why, and the account to fix.
    let rejections = user.get("/sp/rejections?program=UCT");
    assert!(
        rejections.body.contains("The account is closed.")
            && rejections.body.contains("Not changed yet."),
        "{}",
        rejections.body
    );
    let payee = &payments[0].payee;
    let page = format!("/sp/accounts/{payee}");
    assert!(links(&rejections.body, "/sp/accounts/").contains(&page));
    let shown = user.get(&page);
    assert!(
        shown.body.contains("id=\"accounts\"") && shown.body.contains("From a provider"),
        "{}",
        shown.body
    );
    refused(
        &user.post(
            &page,
            &page,
            &[("kind", "bank"), ("iban", "JO94CBJO0010000000000131000303")],
        ),
        "check digits do not match",
    );
    refused(
        &user.post(
            &page,
            &page,
            &[
                ("kind", "ewallet"),
                ("provider", "zain_cash"),
                ("mobile", "12345"),
            ],
        ),
        "not a Jordanian mobile",
    );
    refused(
        &user.post(&page, &page, &[("kind", "cash")]),
        "Choose a bank account or an e-wallet",
    );
    let r = user.post(
        &page,
        &page,
        &[
            ("kind", "bank"),
            ("iban", "JO94 CBJO 0010 0000 0000 0131 0003 02"),
        ],
    );
    assert_eq!(
        (r.status, r.location()),
        (303, format!("{page}?done=saved").as_str()),
        "{}",
        r.body
    );
    let shown = user.get(r.location());
    assert!(
        shown.body.contains("The account is saved.")
            && shown.body.contains("JO94CBJO0010000000000131000302")
    );
    assert!(user
        .get("/sp/rejections?program=UCT")
        .body
        .contains("Changed since: paid again in the next cycle."));

    // An approved cycle is not closed before every provider has reported.
    let view = app.uses.cycle(&op, CYCLE).unwrap();
    if view.cycle.state == "approved" {
        refused(
            &user.post(&dash_url, &format!("{dash_url}/close"), &[]),
            "once the providers have reported",
        );
    }
    // The dashboard in Arabic.
    let mut arabic = sign_in(&app, "NAFUser", PW);
    arabic.accept_language = Some("ar");
    let page = arabic.get(&dash_url);
    assert!(
        page.body.contains("الأسر المسجلة حسب المحافظة") && page.body.contains("دينار"),
        "{}",
        page.body
    );
}

/// Signs a citizen in with their ID card and the code sent to them.
fn citizen(app: &App, nn: &str, card: &str) -> Browser {
    let mut b = Browser::new(app.addr);
    let r = b.post(
        "/citizen",
        "/citizen",
        &[("national_number", nn), ("card_number", card)],
    );
    assert_eq!(r.location(), "/citizen/code", "{}", r.body);
    let code = last_code(app);
    let r = b.post("/citizen/code", "/citizen/code", &[("code", &code)]);
    assert_eq!(r.location(), "/citizen/home");
    b
}

/// A beneficiary of the cycle who can sign in as a citizen: their national number, card and
/// household.
fn beneficiary(app: &App) -> (String, String, String) {
    let op = nur_app::Caller::operator("t");
    let cards = app.uses.catalog().table("CSPD_ID_Cards").unwrap();
    for m in app
        .uses
        .cycle_members(&op, CYCLE, Some("enrolled"))
        .unwrap()
    {
        let nn = m.payee.clone().unwrap();
        let rows = app.store.registry_rows(&[cards], &[nn.as_str()]).unwrap();
        for card in rows[&nn].get("CSPD_ID_Cards").into_iter().flatten() {
            let number = card["Card_Number"].as_str().unwrap();
            if app
                .uses
                .citizen_may_sign_in(&nn, number)
                .unwrap()
                .as_deref()
                == Some(m.household.as_str())
            {
                return (nn, number.to_owned(), m.household);
            }
        }
    }
    panic!("no beneficiary can sign in");
}

pub(super) fn portal_appeals_and_citizen_benefits(b: Backend) {
    let app = super::spawn_app(b);
    targeted(&app);
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let preparer = app.uses.caller_for_account("NAFUser").unwrap();
    let approver = app.uses.caller_for_account("NAFAdmin").unwrap();
    app.uses.create_cycle(&preparer, "UCT", "2026-12").unwrap();
    app.uses.approve_cycle(&approver, CYCLE).unwrap();
    let (nn, card, household) = beneficiary(&app);

    // The citizen's home, in Arabic: the decision in plain words, the payment, the account.
    let mut me = citizen(&app, &nn, &card);
    let home = me.get("/citizen/home");
    assert!(home.body.contains("lang=\"ar\""));
    assert!(
        home.body.contains("اختيرت أسرتك") && home.body.contains("/citizen/decisions#prog-UCT"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains("الدفعات المستلمة")
            && home.body.contains(CYCLE)
            && home.body.contains("قيد الانتظار"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains("href=\"/citizen/account\""),
        "the beneficiary may change the account"
    );
    assert!(home.body.contains("href=\"/citizen/access\""));

    // The beneficiary changes the account: a mistyped IBAN refused in Arabic, then saved.
    let page = me.get("/citizen/account");
    assert!(page.body.contains("for=\"iban\"") && page.body.contains("id=\"iban\""));
    refused(
        &me.post(
            "/citizen/account",
            "/citizen/account",
            &[("kind", "bank"), ("iban", "JO94CBJO0010000000000131000303")],
        ),
        "رقما التحقق",
    );
    let r = me.post(
        "/citizen/account",
        "/citizen/account",
        &[
            ("kind", "ewallet"),
            ("provider", "zain_cash"),
            ("mobile", "0791234567"),
        ],
    );
    assert_eq!(
        r.location(),
        "/citizen/home?e=citizen-account-saved#account",
        "{}",
        r.body
    );
    assert!(me.get("/citizen/home").body.contains("+962791234567"));

    // An appeal of the UCT decision: an empty reason refused, then filed with a document.
    let decisions = me.get("/citizen/decisions");
    assert!(
        decisions.body.contains("action=\"/citizen/appeals\"")
            && decisions.body.contains("for=\"reason-UCT\""),
        "{}",
        decisions.body
    );
    let r = me.post(
        "/citizen/decisions",
        "/citizen/appeals",
        &[("program", "UCT"), ("reason", "  ")],
    );
    refused(&r, "اذكر لماذا القرار خاطئ");
    let r = me.post_multipart(
        "/citizen/decisions",
        "/citizen/appeals",
        &[
            ("program", "UCT"),
            ("reason", "دخل الأسرة انخفض بعد فقدان العمل"),
        ],
        &[("documents", "letter.txt", "text/plain", b"plain text")],
    );
    refused(&r, "PDF");
    let pdf: &[u8] = b"%PDF-1.4\n% a letter from the employer\n";
    let r = me.post_multipart(
        "/citizen/decisions",
        "/citizen/appeals",
        &[
            ("program", "UCT"),
            ("reason", "دخل الأسرة انخفض بعد فقدان العمل"),
        ],
        &[("documents", "رسالة.pdf", "application/pdf", pdf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let mine = r.location().split('?').next().unwrap().to_owned();
    assert!(mine.starts_with("/citizen/appeals/AP-UCT-"), "{mine}");
    let id = mine.rsplit('/').next().unwrap().to_owned();
    let shown = me.get(r.location());
    assert!(
        shown.body.contains("دخل الأسرة انخفض") && shown.body.contains("مقدَّم"),
        "{}",
        shown.body
    );
    let doc = me.get(&format!("{mine}/documents/1"));
    assert_eq!((doc.status, doc.body.as_bytes()), (200, pdf));
    assert!(doc
        .header("content-disposition")
        .unwrap()
        .contains("filename*=UTF-8''%D8%B1"));
    assert!(me.get("/citizen/home").body.contains(&mine));
    assert!(
        me.get("/citizen/decisions")
            .body
            .contains("يوجد اعتراض على هذا القرار"),
        "one open appeal per decision"
    );

    // Another household's appeal is no such appeal to this citizen.
    let op = nur_app::Caller::operator("tests");
    let run = app.uses.cycle(&op, CYCLE).unwrap().cycle.run;
    let other = app
        .store
        .sp_run_entries(&run, 1, 1000)
        .unwrap()
        .into_iter()
        .find(|e| e.household != household)
        .unwrap()
        .household;
    let theirs = app
        .uses
        .submit_appeal(
            &op,
            &other,
            "UCT",
            "a private reason of another family",
            Vec::new(),
        )
        .unwrap();
    let r = me.get(&format!("/citizen/appeals/{}", theirs.appeal.id));
    refused(&r, "لا يوجد اعتراض كهذا");
    assert!(!r.body.contains("a private reason"));
    let r = me.get(&format!(
        "/citizen/appeals/{}/documents/1",
        theirs.appeal.id
    ));
    refused(&r, "لا يوجد اعتراض كهذا");
    assert_eq!(
        me.get(&format!("/sp/appeals/{id}")).location(),
        "/login",
        "an officer's page"
    );

    // An officer takes the citizen's appeal through review to overturned, a note each time.
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let open = naf.get("/sp/appeals");
    assert!(
        open.body.contains(&id) && open.body.contains(&theirs.appeal.id),
        "{}",
        open.body
    );
    refused(&naf.get("/sp/appeals?tab=lost"), "There is no such state");
    let page = format!("/sp/appeals/{id}");
    let shown = naf.get(&page);
    assert!(
        shown.body.contains("رسالة.pdf")
            && shown
                .body
                .contains(&format!("/sp/households/{household}/decisions")),
        "{}",
        shown.body
    );
    let step = format!("{page}/step");
    refused(
        &naf.post(&page, &step, &[("to", "under_review"), ("note", "")]),
        "a note is required",
    );
    refused(
        &naf.post(&page, &step, &[("to", "overturned"), ("note", "too early")]),
        "cannot take this step",
    );
    let r = naf.post(
        &page,
        &step,
        &[
            ("to", "under_review"),
            ("note", "Asked SSC to confirm the end of employment."),
        ],
    );
    assert_eq!(r.location(), format!("{page}?done=step"), "{}", r.body);
    let r = naf.post(
        &page,
        &step,
        &[
            ("to", "overturned"),
            ("note", "SSC confirms; enrol from the next cycle."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let done = naf.get(&page);
    assert!(
        done.body.contains("Overturned (the decision is reversed)")
            && done.body.contains("SSC confirms"),
        "{}",
        done.body
    );
    assert!(naf.get("/sp/appeals?tab=overturned").body.contains(&id));
    let citizen_view = me.get(&mine);
    assert!(
        citizen_view.body.contains("مقبول") && !citizen_view.body.contains("NAFAdmin"),
        "{}",
        citizen_view.body
    );

    // A caseworker appeals from a household's decisions page.
    let mut user = sign_in(&app, "NAFUser", PW);
    let decisions = format!("/sp/households/{other}/decisions");
    let page = user.get(&decisions);
    assert!(
        page.body.contains(&theirs.appeal.id),
        "the household's appeals are listed"
    );
    let third = app
        .store
        .sp_run_entries(&run, 1, 1000)
        .unwrap()
        .into_iter()
        .find(|e| e.household != household && e.household != other)
        .unwrap()
        .household;
    let action = format!("/sp/households/{third}/appeals");
    let from = format!("/sp/households/{third}/decisions");
    refused(
        &user.post(&from, &action, &[("program", "UCT"), ("reason", "")]),
        "Say why the decision is wrong",
    );
    refused(
        &user.post(&from, &action, &[("program", "NOPE"), ("reason", "x")]),
        "no decision of this program",
    );
    let r = user.post(
        &from,
        &action,
        &[
            ("program", "UCT"),
            ("reason", "The family's only earner died last month."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location().starts_with("/sp/appeals/AP-UCT-"),
        "{}",
        r.location()
    );
}
