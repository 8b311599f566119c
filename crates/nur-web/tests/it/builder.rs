//! The seed's query builder over HTTP: CSPD_Personal_Info LEFT OUTER JOIN DVLD_Car_Info on
//! the national number with a national-number parameter, built table by table, its SQL
//! generated, run with a sample value, saved, reopened as the same query (saving it again
//! changes nothing), updated after a confirmation, its history saying what changed, and its
//! API answering with the same columns. A result is paged without running or auditing again,
//! and exported as CSV and XLSX, read back, one audit event each.

use super::browser::{form_fields, Browser};
use super::portal::{account, audited, sign_in, PW};
use super::{call, column, grant, table, token, App};
use nur_core::account::Role;
use nur_core::Catalog;
use nur_store::testing::Backend;
use std::io::Read;

/// Posts the builder's fields as they are, plus `extra` (an action, changes).
fn submit(br: &mut Browser, fields: &[(String, String)], extra: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf" && !extra.iter().any(|(e, _)| e == k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(extra);
    let r = br.post("/queries", "/queries", &all);
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn kept_id(body: &str) -> String {
    body.split("name=\"result\" value=\"")
        .nth(1)
        .or_else(|| body.split("href=\"/results/").nth(1))
        .and_then(|r| r.split(['"', '/']).next())
        .unwrap_or_else(|| panic!("no kept result in {body}"))
        .to_owned()
}

fn grant_cars(app: &App) {
    let c = Catalog::jordan();
    grant(&app.store, &c, table("DVLD_Car_Info"));
    for col in ["National_Number", "Vehicle_Type", "Model_Year"] {
        grant(&app.store, &c, column("DVLD_Car_Info", col));
    }
}

pub(super) fn seed_query_builder_with_a_join(b: Backend) {
    let app = super::spawn_app(b);
    grant_cars(&app);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);

    // Action 1: the first table; its columns start unticked.
    let page = naf.get("/queries?table=CSPD_Personal_Info").body;
    assert!(page.contains("col-CSPD_Personal_Info.First_Name") && !page.contains(" checked"));
    let mut f = form_fields(&page, "builder");
    // Actions 2–3: two columns ticked; action 4: the second table added, the ticks kept.
    f.push(("col".into(), "CSPD_Personal_Info.National_Number".into()));
    f.push(("col".into(), "CSPD_Personal_Info.First_Name".into()));
    let body = submit(&mut naf, &f, &[("action", "add_table:DVLD_Car_Info")]);
    assert!(
        body.contains("name=\"tbl\" value=\"DVLD_Car_Info\""),
        "{body}"
    );
    let mut f = form_fields(&body, "builder");
    assert!(f.contains(&("col".into(), "CSPD_Personal_Info.First_Name".into())));
    assert!(
        f.contains(&("join".into(), "left".into())),
        "left join by default"
    );
    // Actions 5–6: two vehicle columns; action 7: Add New Parameter (on the first column).
    f.push(("col".into(), "DVLD_Car_Info.Vehicle_Type".into()));
    f.push(("col".into(), "DVLD_Car_Info.Model_Year".into()));
    let body = submit(&mut naf, &f, &[("action", "add_condition")]);
    let f = form_fields(&body, "builder");
    assert!(f.contains(&(
        "cond_col".into(),
        "CSPD_Personal_Info.National_Number".into()
    )));

    // Generate SQL: the catalog's names, Select and Where apart.
    let body = submit(&mut naf, &f, &[("action", "sql")]);
    assert!(
        body.contains("LEFT OUTER JOIN DVLD_Car_Info ON DVLD_Car_Info.National_Number = CSPD_Personal_Info.National_Number")
            && body.contains("WHERE CSPD_Personal_Info.National_Number = :national_number")
            && body.contains("Select Clause"),
        "{body}"
    );
    let review = body.split("Select Clause").nth(1).unwrap();
    let review = review.split("<details").next().unwrap();
    assert!(
        !review.contains("t0"),
        "no aliases in the reviewed SQL: {review}"
    );
    // Run needs a sample value; with one, the person's row.
    let f = form_fields(&body, "builder");
    let body = submit(&mut naf, &f, &[("action", "run")]);
    assert!(body.contains("Type a sample value"), "{body}");
    let body = submit(
        &mut naf,
        &f,
        &[("psample", app.person.as_str()), ("action", "run")],
    );
    assert!(
        body.contains("Query Executed Successfully") && body.contains(&app.person),
        "{body}"
    );
    // Actions 8–9: a name, Save Query.
    let f = form_fields(&body, "builder");
    let body = submit(&mut naf, &f, &[("name", "person_cars"), ("action", "save")]);
    assert!(
        body.contains("id=\"saved\"") && body.contains("version 1"),
        "{body}"
    );

    // Reopened: the same query, field for field; saved unchanged, no new version.
    let page = naf.get("/queries?procedure=person_cars").body;
    let reopened = form_fields(&page, "builder");
    let body = submit(&mut naf, &reopened, &[("action", "save")]);
    assert!(
        body.contains("Nothing changed") && body.contains("version 1"),
        "{body}"
    );
    assert_eq!(audited(&app, "procedure.save"), 1);
    let body = submit(&mut naf, &reopened, &[("action", "sql")]);
    assert!(body.contains("LEFT OUTER JOIN DVLD_Car_Info") && body.contains(":national_number"));

    // Updated: a new limit asks before version 2; confirmed, the history says what changed.
    let body = submit(&mut naf, &reopened, &[("limit", "50"), ("action", "save")]);
    assert!(
        body.contains("id=\"confirm-save\"") && body.contains("Save as version 2"),
        "{body}"
    );
    assert_eq!(
        audited(&app, "procedure.save"),
        1,
        "nothing saved before the answer"
    );
    let f = form_fields(&body, "builder");
    assert!(f.contains(&("confirm".into(), "person_cars@1".into())));
    let body = submit(&mut naf, &f, &[("action", "save")]);
    assert!(body.contains("version 2"), "{body}");
    let page = naf.get("/queries?procedure=person_cars").body;
    assert!(
        page.contains("id=\"versions\"") && page.contains("Rows limit 100 → 50"),
        "{page}"
    );

    // Its API: the same columns.
    let tok = token(&app);
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/procedures/NAF/person_cars",
        &format!("{{\"national_number\": \"{}\"}}", app.person),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        super::column_names(&v),
        [
            "National_Number",
            "First_Name",
            "Vehicle_Type",
            "Model_Year"
        ]
    );
    assert_eq!(v["rows"][0]["National_Number"], app.person.as_str());
}

pub(super) fn results_page_and_export_without_running_again(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let f: Vec<(String, String)> = [
        ("tbl", "CSPD_Personal_Info"),
        ("join", "left"),
        ("col", "CSPD_Personal_Info.National_Number"),
        ("col", "CSPD_Personal_Info.First_Name"),
        ("col", "CSPD_Personal_Info.Birth_Date"),
        ("limit", "100"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let body = submit(&mut naf, &f, &[("action", "run")]);
    assert!(body.contains("1 / 4"), "100 rows, 25 a page: {body}");
    let runs = audited(&app, "query.run");
    let id = kept_id(&body);
    for page in ["page:2", "page:3", "page:2"] {
        let body = submit(&mut naf, &f, &[("result", &id), ("action", page)]);
        assert!(body.contains(&format!("{} / 4", &page[5..])), "{body}");
    }
    assert_eq!(
        audited(&app, "query.run"),
        runs,
        "paging runs nothing again"
    );

    // Another session does not see this result.
    let mut other = sign_in(&app, "NAFAdmin", PW);
    let body = submit(&mut other, &f, &[("result", &id), ("action", "page:2")]);
    assert!(body.contains("no longer kept"), "{body}");
    assert_eq!(other.get(&format!("/results/{id}/csv")).status, 404);

    // CSV: a byte order mark, the header, a hundred rows.
    let csv = naf.get(&format!("/results/{id}/csv"));
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&csv.bytes[3..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["National_Number", "First_Name", "Birth_Date"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0][0].len(), 10, "a national number: {:?}", &rows[0]);

    // XLSX: a workbook whose sheet holds the header, the first number and a real date cell.
    let xlsx = naf.get(&format!("/results/{id}/xlsx"));
    assert_eq!(xlsx.status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = read("xl/sharedStrings.xml");
    assert!(strings.contains("National_Number") && strings.contains(&rows[0][0]));
    assert_eq!(sheet.matches("<row ").count(), 101, "{sheet}");
    assert!(
        read("xl/styles.xml").contains("yyyy-mm-dd"),
        "dates are dates"
    );
    assert_eq!(audited(&app, "data.export"), 2, "one audit event per file");
    assert_eq!(audited(&app, "query.run"), runs);
    assert_eq!(naf.get(&format!("/results/{id}/pdf")).status, 404);

    // The audit log of a filter as a file, itself an audit event.
    let log = naf.get("/audit?format=csv&action=data.export");
    assert_eq!(log.status, 200);
    let mut r = csv::Reader::from_reader(&log.bytes[3..]);
    assert_eq!(&r.headers().unwrap()[7], "action");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "the two exports above");
    assert!(rows
        .iter()
        .all(|x| &x[7] == "data.export" && &x[3] == "NAFAdmin"));
    let book = naf.get("/audit?format=xlsx");
    assert!(book.bytes.starts_with(b"PK"));
    assert_eq!(audited(&app, "audit.export"), 2);
}

/// Forged or broken builder forms get a clear message on the page, never a failure, and run
/// nothing.
pub(super) fn builder_refuses_malformed_forms(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let base = |extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        let mut f = vec![
            ("tbl", "CSPD_Personal_Info"),
            ("join", "left"),
            ("col", "CSPD_Personal_Info.National_Number"),
        ];
        f.extend_from_slice(extra);
        f.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let runs = audited(&app, "query.run");
    for (extra, says) in [
        (vec![("tbl", "No_Such_Table")], "There is no table"),
        (vec![("col", "CSPD_Personal_Info.No_Such")], "has no column"),
        (vec![("col", "CSPD_Death_Info.Death_Cause")], "Deaths"),
        (
            vec![
                ("cond_col", "CSPD_Personal_Info.Gender"),
                ("cond_op", "DROP"),
                ("cond_val", "1"),
            ],
            "There is no operator DROP",
        ),
        (
            vec![
                ("cond_col", "CSPD_Personal_Info.Birth_Date"),
                ("cond_op", ">"),
                ("cond_val", "yesterday"),
            ],
            "Birth_Date",
        ),
        (vec![("cond_tree", "{not json")], "cannot be read"),
        (
            vec![
                ("cond_col", "CSPD_Personal_Info.First_Name"),
                ("cond_op", "="),
                ("cond_param", "1bad"),
            ],
            "not valid",
        ),
        (vec![("limit", "0")], "limit must be at least 1"),
    ] {
        let body = submit(&mut naf, &base(&extra), &[("action", "run")]);
        assert!(
            body.contains("flash error") && body.contains(says),
            "{says}: {body}"
        );
    }
    // A limit that is no number asks for no limit of its own (the platform's maximum).
    let body = submit(&mut naf, &base(&[("limit", "lots")]), &[("action", "sql")]);
    assert!(body.contains("LIMIT 10000"), "{body}");
    assert_eq!(audited(&app, "query.run"), runs, "nothing ran");
    // Paging a result id that was never kept, or a page that is no number.
    let body = submit(
        &mut naf,
        &base(&[]),
        &[("result", "nope"), ("action", "page:x")],
    );
    assert!(body.contains("no longer kept"), "{body}");

    // In Arabic the same refusals are Arabic sentences: the planner's and the binder's
    // reasons come as codes with arguments, tables and columns by their Arabic labels.
    let _ = naf.get("/lang?to=ar&back=/queries");
    let flash = |body: &str| -> String {
        let at = body
            .find("flash error")
            .unwrap_or_else(|| panic!("no refusal: {body}"));
        let rest = &body[at..];
        rest[..rest.find("</p>").unwrap()].to_owned()
    };
    for (extra, says) in [
        (vec![("col", "CSPD_Death_Info.Death_Cause")], "سبب الوفاة"),
        (
            vec![
                ("cond_col", "CSPD_Personal_Info.Birth_Date"),
                ("cond_op", ">"),
                ("cond_val", "yesterday"),
            ],
            "ليست قيمة صالحة من نوع",
        ),
        (vec![("tbl", "No_Such_Table")], "لا يوجد جدول"),
        (vec![("limit", "0")], "حد الصفوف"),
    ] {
        let said = flash(&submit(&mut naf, &base(&extra), &[("action", "run")]));
        assert!(said.contains(says), "{says}: {said}");
        for english in [
            "granted",
            "not a valid",
            "unknown",
            "limit must",
            "CSPD_Death_Info",
        ] {
            assert!(!said.contains(english), "{english} in {said}");
        }
    }
    // A sample value of the wrong type, through the binder.
    let said = flash(&submit(
        &mut naf,
        &base(&[
            ("cond_col", "CSPD_Personal_Info.Birth_Date"),
            ("cond_op", "="),
            ("cond_param", "born"),
            ("pname", "born"),
            ("ptype", "date"),
            ("psample", "soon"),
        ]),
        &[("action", "run")],
    ));
    assert!(
        said.contains("المعامل") && said.contains("soon") && !said.contains("is not"),
        "{said}"
    );
}
