use nur_core::account::{NewAccount, Role};
use nur_core::{Catalog, NationalNumber, Value};
use nur_store::testing::{Backend, TestDb};

use nur_store::{
    BatchStatus, Chunk, NewBatch, Rejected, Row, StoreError, Warehouse, SCHEMA_VERSION,
};

conformance!(
    migrations_are_idempotent,
    newer_database_is_refused,
    bulk_batch_round_trip,
    later_batch_supersedes_earlier,
    new_catalog_column_is_added,
    accounts,
);

pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// A valid person row for the Jordan catalog's person table, by column name.
pub fn person_row(c: &Catalog, nn: &str, first: &str, crid: &str) -> Row {
    let t = c.person_table();
    let values = t
        .columns
        .iter()
        .map(|col| match col.name.as_str() {
            "National_Number" => text(nn),
            "First_Name" => text(first),
            "Second_Name" => text("ابراهيم"),
            "Family_Name" => text("شاهين"),
            "Gender" => text("1"),
            "Birth_Date" => Value::Date(nur_core::Date::parse("1982-09-06").unwrap()),
            "Civil_Record_Id" => text(crid),
            _ => Value::Null,
        })
        .collect();
    Row {
        source_key: nn.into(),
        values,
    }
}

pub fn load(
    store: &nur_store::Store,
    c: &Catalog,
    table: &str,
    digest: &str,
    rows: Vec<Row>,
    rejected: Vec<Rejected>,
) -> nur_store::Batch {
    let t = c.table(table).unwrap();
    let b = store
        .start_batch(
            Some(t),
            &NewBatch {
                source: "test".into(),
                file: format!("{table}.csv"),
                digest: digest.into(),
                table: Some(table.into()),
            },
        )
        .unwrap();
    store
        .write_chunk(
            t,
            &b,
            &Chunk {
                rows,
                rejected,
                resume_offset: 100,
                resume_line: 3,
            },
        )
        .unwrap();
    store.finish_batch(Some(t), &b).unwrap();
    b
}

fn migrations_are_idempotent(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    let c = Catalog::jordan();
    assert_eq!(s.schema_version().unwrap(), 0);
    s.migrate(&c).unwrap();
    s.migrate(&c).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let stats = s.stats(&c).unwrap();
    assert_eq!(stats.tables.len(), c.tables.len());
    assert_eq!(stats.total_rows, 0);
}

fn newer_database_is_refused(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    let c = Catalog::jordan();
    s.migrate(&c).unwrap();
    // Pretend a newer build migrated this database.
    match b {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite:");
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.execute(
                "INSERT INTO nur_schema_version VALUES (99, 'future', 0)",
                [],
            )
            .unwrap();
        }
        Backend::Postgres => {
            let mut conn = ::postgres::Client::connect(&db.url, ::postgres::NoTls).unwrap();
            conn.execute(
                "INSERT INTO nur_schema_version VALUES (99, 'future', 0)",
                &[],
            )
            .unwrap();
        }
    }
    match s.migrate(&c) {
        Err(StoreError::Downgrade { found: 99, .. }) => {}
        other => panic!("expected a refused downgrade, got {other:?}"),
    }
}

fn bulk_batch_round_trip(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    let c = Catalog::jordan();
    s.migrate(&c).unwrap();
    let batch = load(
        &s,
        &c,
        "CSPD_Personal_Info",
        "d1",
        vec![
            person_row(&c, "9821017042", "جريس", "1234567"),
            person_row(&c, "9821017043", "يوسف", "1234567"),
        ],
        vec![Rejected {
            line: 4,
            reason: "national number 98210170: expected 10 digits, got 8".into(),
            raw: "98210170,x".into(),
        }],
    );
    assert!(batch.fresh, "an empty table loads on the fresh path");
    if b == Backend::Sqlite {
        // The index statistics keep their row counts and no value samples (with samples,
        // every bound national number would prepare a cached statement again).
        let path = db.url.trim_start_matches("sqlite:");
        let conn = rusqlite::Connection::open(path).unwrap();
        let counted: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'CSPD_Personal_Info'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let sampled: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_stat4 WHERE tbl = 'CSPD_Personal_Info'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(counted > 0);
        assert_eq!(sampled, 0);
    }
    let found = s.find_batch("d1").unwrap().unwrap();
    assert_eq!(found.status, BatchStatus::Done);
    assert_eq!((found.rows_loaded, found.rows_quarantined), (2, 1));
    assert_eq!((found.resume_offset, found.resume_line), (100, 3));
    assert!(s.find_batch("nope").unwrap().is_none());
    let mut keys = s.batch_keys(c.person_table(), batch.id).unwrap();
    keys.sort();
    assert_eq!(keys, ["9821017042", "9821017043"]);

    let stats = s.stats(&c).unwrap();
    let person = stats
        .tables
        .iter()
        .find(|t| t.table == "CSPD_Personal_Info")
        .unwrap();
    assert_eq!((person.rows, person.quarantined), (2, 1));
    assert_eq!(stats.quarantined, 1);
    let q = s.quarantine(10).unwrap();
    assert_eq!(q[0].line, 4);
    assert!(q[0].reason.contains("expected 10 digits"));

    let mut n = Vec::new();
    s.for_each_person(&c, &mut |nn| n.push(nn.to_owned()))
        .unwrap();
    n.sort();
    assert_eq!(n, ["9821017042", "9821017043"]);

    let nn = NationalNumber::parse(&c.identity, "9821017042").unwrap();
    let p = s.lookup_person(&c, &nn).unwrap().unwrap();
    let person = p.person.unwrap();
    assert_eq!(person["First_Name"], "جريس");
    assert_eq!(person["Birth_Date"], "1982-09-06");
    assert_eq!(person["_lineage"]["source"], "test");
    let hh = p.household.unwrap();
    assert_eq!(hh.civil_record_id, "1234567");
    assert_eq!(hh.members.len(), 2);
    let nobody = NationalNumber::parse(&c.identity, "9011000001").unwrap();
    assert!(s.lookup_person(&c, &nobody).unwrap().is_none());
}

fn later_batch_supersedes_earlier(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    let c = Catalog::jordan();
    s.migrate(&c).unwrap();
    load(
        &s,
        &c,
        "CSPD_Personal_Info",
        "d1",
        vec![person_row(&c, "9821017042", "جريس", "1234567")],
        vec![],
    );
    let second = load(
        &s,
        &c,
        "CSPD_Personal_Info",
        "d2",
        vec![
            person_row(&c, "9821017042", "جورج", "1234567"),
            person_row(&c, "9832053320", "ايمان", "1234567"),
        ],
        vec![],
    );
    assert!(!second.fresh, "a table with rows takes the upsert path");
    let stats = s.stats(&c).unwrap();
    assert_eq!(
        stats
            .tables
            .iter()
            .find(|t| t.table == "CSPD_Personal_Info")
            .unwrap()
            .rows,
        2
    );
    let nn = NationalNumber::parse(&c.identity, "9821017042").unwrap();
    let p = s.lookup_person(&c, &nn).unwrap().unwrap();
    assert_eq!(p.person.unwrap()["First_Name"], "جورج");
}

fn new_catalog_column_is_added(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    let c = Catalog::jordan();
    s.migrate(&c).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../../../nur-core/catalogs/jordan.json")).unwrap();
    let tables = json["tables"].as_array_mut().unwrap();
    let car = tables
        .iter_mut()
        .find(|t| t["name"] == "DVLD_Car_Info")
        .unwrap();
    car["columns"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "Fuel_Type", "type": "text", "label_en": "Fuel type", "label_ar": "نوع الوقود"
        }));
    let c2 = Catalog::from_json(&json.to_string()).unwrap();
    s.migrate(&c2).unwrap();
    s.migrate(&c2).unwrap();
    load(
        &s,
        &c2,
        "CSPD_Personal_Info",
        "p",
        vec![person_row(&c2, "9821017042", "جريس", "1234567")],
        vec![],
    );
    let t = c2.table("DVLD_Car_Info").unwrap();
    let values = t
        .columns
        .iter()
        .map(|col| match col.name.as_str() {
            "National_Number" => text("9821017042"),
            "Registration_Number" => text("V1"),
            "Fuel_Type" => text("diesel"),
            _ => Value::Null,
        })
        .collect();
    load(
        &s,
        &c2,
        "DVLD_Car_Info",
        "car",
        vec![Row {
            source_key: "V1".into(),
            values,
        }],
        vec![],
    );
    let nn = NationalNumber::parse(&c2.identity, "9821017042").unwrap();
    let p = s.lookup_person(&c2, &nn).unwrap().unwrap();
    assert_eq!(p.records["DVLD_Car_Info"][0]["Fuel_Type"], "diesel");
}

fn accounts(b: Backend) {
    let db = TestDb::new(b);
    let s = db.open();
    s.migrate(&Catalog::jordan()).unwrap();
    let a = NewAccount {
        username: "NAFAdmin".into(),
        display_name: "NAF Admin".into(),
        role: Role::EntityAdmin,
        entity: Some("NAF".into()),
        password_hash: "$argon2id$x".into(),
        contact: None,
    };
    s.put_account(&a, Default::default()).unwrap();
    s.put_account(&a, Default::default()).unwrap();
    assert_eq!(
        s.accounts().unwrap(),
        vec![(
            "NAFAdmin".to_string(),
            "entity_admin".to_string(),
            Some("NAF".to_string())
        )]
    );
}
