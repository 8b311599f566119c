use super::*;
use crate::catalog::{Catalog, Ident};
use crate::grant::{Grants, Target};
use crate::value::Value;
use proptest::prelude::*;
use serde_json::json;
use serde_json::Value as Json;

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn naf_grants() -> Grants {
    Grants::new(id("NAF"), held_targets())
}

fn spec(v: Json) -> QuerySpec {
    serde_json::from_value(v).unwrap()
}

fn the_issue_example() -> QuerySpec {
    spec(json!({
      "version": 1,
      "tables": [
        {"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name", "Family_Name"]},
        {"table": "DVLD_Car_Info", "columns": ["Vehicle_Type"], "join": "left"}
      ],
      "conditions": {"and": [{"column": "CSPD_Personal_Info.National_Number", "op": "=", "param": "national_number"}]},
      "parameters": [{"name": "national_number", "type": "national_number"}],
      "limit": 100
    }))
}

fn plan_for(s: &QuerySpec) -> Result<Plan, QueryError> {
    plan(
        &Catalog::jordan(),
        &naf_grants(),
        s,
        Limits::default(),
        RevokePolicy::Refuse,
    )
}

#[test]
fn joining_a_table_needs_its_person_column() {
    // With the table granted but not its national number, an inner join would list who has
    // rows there (who has bail records, say) though no column of it is shown.
    let held: Vec<Target> = held_targets()
        .into_iter()
        .filter(|t| t.to_string() != "column DVLD_Car_Info.National_Number")
        .collect();
    let mut s = the_issue_example();
    s.tables[1].columns.clear();
    s.tables[1].join = Some(JoinKind::Inner);
    let e = plan(
        &Catalog::jordan(),
        &Grants::new(id("NAF"), held),
        &s,
        Limits::default(),
        RevokePolicy::Refuse,
    )
    .unwrap_err();
    assert!(matches!(e, QueryError::Forbidden(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "joining table DVLD_Car_Info needs its column DVLD_Car_Info.National_Number granted to NAF"
    );
    assert_eq!(e.reason().code, "join_column_not_granted");
    assert_eq!(
        e.reason().arg("column"),
        Some("DVLD_Car_Info.National_Number")
    );
    assert!(plan_for(&s).is_ok(), "granted, it joins");
}

#[test]
fn bound_values_are_capped_with_a_reason() {
    // 256 `in` conditions sharing one list parameter of 1,000 values would bind 256,000.
    let tests: Vec<Json> = (0..256)
        .map(|_| json!({"column": "CSPD_Personal_Info.First_Name", "op": "in", "param": "names"}))
        .collect();
    let s = spec(json!({
        "version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
        "conditions": {"or": tests},
        "parameters": [{"name": "names", "type": "text", "list": true}],
    }));
    let p = plan_for(&s).unwrap();
    let names: Vec<Json> = (0..1000).map(|i| json!(format!("n{i}"))).collect();
    let mut m = serde_json::Map::new();
    m.insert("names".into(), Json::Array(names));
    let e = p.bind(&Catalog::jordan().identity, &m).unwrap_err();
    assert!(
        matches!(&e, QueryError::Parameter(r) if r.code == "too_many_bound" && r.arg("count") == Some("256000") && r.text().contains("20000")),
        "{e:?}"
    );
    let mut few = serde_json::Map::new();
    few.insert("names".into(), json!(["a", "b"]));
    assert!(p.bind(&Catalog::jordan().identity, &few).is_ok());
}

#[test]
fn the_issue_example_plans() {
    let p = plan_for(&the_issue_example()).unwrap();
    assert_eq!(p.tables.len(), 2);
    assert_eq!(p.tables[1].join, JoinKind::Left);
    let names: Vec<_> = p.output.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "National_Number",
            "First_Name",
            "Family_Name",
            "Vehicle_Type"
        ]
    );
    assert_eq!(p.limit, 100);
    let args = p
        .bind(
            &Catalog::jordan().identity,
            json!({"national_number": "9821017042"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(args.0, vec![vec![Value::Text("9821017042".into())]]);
}

#[test]
fn ungranted_names_are_refused_by_name() {
    let mut s = the_issue_example();
    s.tables[1].columns.push("Model_Year".into());
    let e = plan_for(&s).unwrap_err();
    assert!(matches!(e, QueryError::Forbidden(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "column DVLD_Car_Info.Model_Year is not granted to NAF"
    );
    let dropped = plan(
        &Catalog::jordan(),
        &naf_grants(),
        &s,
        Limits::default(),
        RevokePolicy::DropColumns,
    )
    .unwrap();
    assert_eq!(dropped.dropped, ["DVLD_Car_Info.Model_Year"]);
    let mut s = the_issue_example();
    s.tables.push(SpecTable {
        table: "SSC_Salaries".into(),
        columns: vec![],
        join: None,
    });
    assert!(
        matches!(plan_for(&s), Err(QueryError::Forbidden(r)) if r.text().contains("table SSC_Salaries"))
    );
    let mut s = the_issue_example();
    s.conditions = Some(Condition::Test(Test {
        column: "Mother_Name".into(),
        op: Op::Eq,
        param: None,
        params: None,
        value: Some(json!("x")),
    }));
    s.parameters.clear();
    assert!(
        matches!(plan_for(&s), Err(QueryError::Forbidden(r)) if r.text().contains("Mother_Name (in a condition)"))
    );
}

#[test]
fn malformed_specs_get_clear_errors() {
    let cases: &[(Json, &str)] = &[
        (
            json!({"version": 2, "tables": []}),
            "version 2 is not supported",
        ),
        (json!({"version": 1, "tables": []}), "at least one table"),
        (
            json!({"version": 1, "tables": [{"table": "Nope", "columns": ["A"]}]}),
            "unknown table \"Nope\"",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["x\"; DROP TABLE t; --"]}]}),
            "has no column",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"], "join": "inner"}]}),
            "first table",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}], "limit": 0}),
            "limit must be at least 1",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"column": "Birth_Date", "op": "=", "param": "p"}}),
            "parameter \"p\" is not declared",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"column": "Birth_Date", "op": "=", "param": "p"},
                "parameters": [{"name": "p", "type": "integer"}]}),
            "is a integer but the column is a date",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"column": "Birth_Date", "op": "between", "value": ["2000-01-01"]}}),
            "takes two operands",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"column": "Birth_Date", "op": "starts_with", "value": "2000-01-01"}}),
            "text columns only",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"column": "Birth_Date", "op": "=", "value": "yesterday"}}),
            "value \"yesterday\"",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "parameters": [{"name": "unused", "type": "text"}]}),
            "no condition uses it",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "parameters": [{"name": "bad name", "type": "text"}]}),
            "is not valid",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
                "conditions": {"and": []}}),
            "at least one condition",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name", "First_Name"]}]}),
            "selected twice",
        ),
    ];
    for (v, want) in cases {
        let err = match serde_json::from_value::<QuerySpec>(v.clone()) {
            Err(e) => e.to_string(),
            Ok(s) => plan_for(&s).unwrap_err().to_string(),
        };
        assert!(err.contains(want), "{v}: {err:?} lacks {want:?}");
    }
    for (text, want) in [
        ("{", "EOF"),
        (
            r#"{"version": 1, "tables": [], "evil": 1}"#,
            "unknown field `evil`",
        ),
        (
            r#"{"version": 1, "tables": [{"table": "T", "columns": []}], "conditions": {"column": "A", "op": "~~", "value": 1}}"#,
            "unknown variant `~~`",
        ),
        (
            r#"{"version": 1, "tables": [{"table": "T", "columns": []}], "conditions": {"and": 3}}"#,
            "takes an array",
        ),
    ] {
        let err = QuerySpec::from_json(text).unwrap_err().to_string();
        assert!(err.contains(want), "{text}: {err}");
    }
}

#[test]
fn parameters_are_typed_and_required() {
    let p = plan_for(&the_issue_example()).unwrap();
    let rules = Catalog::jordan().identity;
    let bind = |v: Json| {
        p.bind(&rules, v.as_object().unwrap())
            .unwrap_err()
            .to_string()
    };
    assert!(bind(json!({})).contains("is required"));
    assert!(bind(json!({"national_number": "98210170"})).contains("expected 10 digits, got 8"));
    assert!(bind(json!({"national_number": "9821017042", "x": 1})).contains("unknown parameter"));
    assert!(bind(json!({"national_number": "' OR 1=1 --"})).contains("national number"));
}

#[test]
fn limits_are_capped() {
    let mut s = the_issue_example();
    s.limit = Some(1_000_000);
    let p = plan_for(&s).unwrap();
    assert_eq!((p.limit, p.capped), (10_000, true));
}

#[test]
fn shared_column_names_are_qualified() {
    let mut s = the_issue_example();
    s.tables[1].columns.push("National_Number".into());
    let held = Grants::new(
        id("NAF"),
        held_targets().into_iter().chain([Target::Column {
            table: id("DVLD_Car_Info"),
            column: id("National_Number"),
        }]),
    );
    let p = plan(
        &Catalog::jordan(),
        &held,
        &s,
        Limits::default(),
        RevokePolicy::Refuse,
    )
    .unwrap();
    let names: Vec<_> = p.output.iter().map(|o| o.name.as_str()).collect();
    assert!(names.contains(&"CSPD_Personal_Info.National_Number"));
    assert!(names.contains(&"DVLD_Car_Info.National_Number"));
}

fn held_targets() -> Vec<Target> {
    let mut v = vec![
        Target::Table {
            table: id("CSPD_Personal_Info"),
        },
        Target::Table {
            table: id("DVLD_Car_Info"),
        },
        Target::Column {
            table: id("DVLD_Car_Info"),
            column: id("Vehicle_Type"),
        },
        // Joining DVLD_Car_Info needs the column it is joined on.
        Target::Column {
            table: id("DVLD_Car_Info"),
            column: id("National_Number"),
        },
    ];
    for c in ["National_Number", "First_Name", "Family_Name", "Birth_Date"] {
        v.push(Target::Column {
            table: id("CSPD_Personal_Info"),
            column: id(c),
        });
    }
    v
}

// ---- property tests: random catalogs, grants and specs ----

const TYPES: [&str; 4] = ["text", "integer", "date", "decimal"];

/// A random catalog: 1–4 tables (T0…), each with a national-number column and 1–5 more.
fn catalog_strategy() -> impl Strategy<Value = Catalog> {
    prop::collection::vec((prop::collection::vec(0usize..4, 1..6), 0usize..3), 1..5).prop_map(
        |tables| {
            let mut base: Json =
                serde_json::from_str(include_str!("../../catalogs/jordan.json")).unwrap();
            let tables: Vec<Json> = tables
                .iter()
                .enumerate()
                .map(|(i, (cols, reg))| {
                    let mut columns = vec![json!({"name": "NN", "type": "national_number", "label_en": "n", "label_ar": "ن"})];
                    for (j, ty) in cols.iter().enumerate() {
                        columns.push(json!({"name": format!("C{j}"), "type": TYPES[*ty], "label_en": "c", "label_ar": "ع"}));
                    }
                    json!({"name": format!("T{i}"), "registry": base["registries"][*reg]["code"], "label_en": "t", "label_ar": "ج",
                           "person_column": "NN", "key": ["NN"], "columns": columns})
                })
                .collect();
            base["tables"] = Json::Array(tables);
            base["services"] = json!([]);
            // Dimensions must name real tables: point both at T0.
            base["dimensions"] = json!({
                "person": {"table": "T0", "national_number": "NN", "civil_record_id": "NN", "gender": "NN", "birth_date": "NN"},
                "household": {"table": "T0", "civil_record_id": "NN", "head": "NN", "governorate": "NN"}});
            Catalog::from_json(&base.to_string()).unwrap()
        },
    )
}

/// A catalog, its table and column grants, the (table, column) picks of a spec, a seed.
type Case = (Catalog, Vec<bool>, Vec<bool>, Vec<(usize, usize)>, u64);

fn case_strategy() -> impl Strategy<Value = Case> {
    catalog_strategy().prop_flat_map(|c| {
        let n_tables = c.tables.len();
        let n_cols: usize = c.tables.iter().map(|t| t.columns.len()).sum();
        (
            Just(c),
            prop::collection::vec(any::<bool>(), n_tables),
            prop::collection::vec(any::<bool>(), n_cols),
            prop::collection::vec((0..n_tables, 0usize..6), 1..8),
            any::<u64>(),
        )
    })
}

fn build(c: &Catalog, table_grants: &[bool], col_grants: &[bool]) -> (Grants, Vec<Target>) {
    let mut held = Vec::new();
    let mut k = 0;
    for (i, t) in c.tables.iter().enumerate() {
        if table_grants[i] {
            held.push(Target::Table {
                table: t.name.clone(),
            });
        }
        for col in &t.columns {
            if col_grants[k] {
                held.push(Target::Column {
                    table: t.name.clone(),
                    column: col.name.clone(),
                });
            }
            k += 1;
        }
    }
    // The consumer is never a custodian of these tables (custodians see everything).
    let consumer = c
        .entities
        .iter()
        .find(|e| c.tables.iter().all(|t| t.custodian() != &e.code))
        .unwrap()
        .code
        .clone();
    (Grants::new(consumer, held.clone()), held)
}

fn random_spec(c: &Catalog, picks: &[(usize, usize)], seed: u64) -> QuerySpec {
    let mut order: Vec<usize> = Vec::new();
    for (t, _) in picks {
        if !order.contains(t) {
            order.push(*t);
        }
    }
    let tables = order
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let table = &c.tables[t];
            let mut columns: Vec<String> = Vec::new();
            for (pt, col) in picks {
                let name = table.columns[col % table.columns.len()].name.to_string();
                if *pt == t && !columns.contains(&name) {
                    columns.push(name);
                }
            }
            SpecTable {
                table: table.name.to_string(),
                columns,
                join: (i > 0).then_some(if seed.is_multiple_of(2) {
                    JoinKind::Left
                } else {
                    JoinKind::Inner
                }),
            }
        })
        .collect();
    let first = &c.tables[order[0]];
    let conditions = seed.is_multiple_of(3).then(|| {
        Condition::Test(Test {
            column: format!("{}.NN", first.name),
            op: Op::IsNotNull,
            param: None,
            params: None,
            value: None,
        })
    });
    QuerySpec {
        version: 1,
        tables,
        conditions,
        parameters: vec![],
        order_by: vec![],
        limit: Some(10),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the catalog, grants and spec: a plan only ever outputs (and filters on)
    /// granted columns, and revoking any grant one of its output columns rests on makes the
    /// same spec fail (or, under drop_columns, leave that column out).
    #[test]
    fn plans_never_exceed_grants((c, tg, cg, picks, seed) in case_strategy()) {
        let (grants, held) = build(&c, &tg, &cg);
        let spec = random_spec(&c, &picks, seed);
        let Ok(p) = plan(&c, &grants, &spec, Limits::default(), RevokePolicy::Refuse) else {
            return Ok(());
        };
        for o in &p.output {
            let t = &p.tables[o.table].table;
            prop_assert!(grants.column(&c, t, &o.column));
            let table_grant = Target::Table { table: t.clone() };
            let column_grant = Target::Column { table: t.clone(), column: o.column.clone() };
            prop_assert!(held.contains(&table_grant));
            prop_assert!(held.contains(&column_grant));
        }
        // Revoke, one at a time, each grant an output column needs.
        let o = &p.output[seed as usize % p.output.len()];
        let t = p.tables[o.table].table.clone();
        for revoked in [Target::Table { table: t.clone() }, Target::Column { table: t.clone(), column: o.column.clone() }] {
            let fewer = Grants::new(grants.entity().unwrap().clone(), held.iter().filter(|h| **h != revoked).cloned());
            let refused = plan(&c, &fewer, &spec, Limits::default(), RevokePolicy::Refuse);
            prop_assert!(matches!(refused, Err(QueryError::Forbidden(_))), "{revoked} revoked yet {refused:?}");
            if let Ok(d) = plan(&c, &fewer, &spec, Limits::default(), RevokePolicy::DropColumns) {
                prop_assert!(d.output.iter().all(|x| fewer.column(&c, &d.tables[x.table].table, &x.column)));
                prop_assert!(!d.dropped.is_empty());
            }
        }
    }
}

#[test]
fn the_review_sql_names_real_tables_and_keeps_clauses_apart() {
    let mut s = the_issue_example();
    s.conditions = Some(spec_condition(json!({"and": [
        {"column": "CSPD_Personal_Info.National_Number", "op": "=", "param": "national_number"},
        {"or": [
            {"column": "DVLD_Car_Info.Vehicle_Type", "op": "=", "value": "Truck's"},
            {"column": "DVLD_Car_Info.Vehicle_Type", "op": "is_null"}
        ]}
    ]})));
    s.order_by = vec![OrderBy {
        column: "CSPD_Personal_Info.Family_Name".into(),
        direction: Direction::Desc,
    }];
    let r = review(&plan_for(&s).unwrap());
    assert_eq!(
        r.select,
        "SELECT CSPD_Personal_Info.National_Number,\n       CSPD_Personal_Info.First_Name,\n       CSPD_Personal_Info.Family_Name,\n       DVLD_Car_Info.Vehicle_Type"
    );
    assert_eq!(
        r.from,
        "FROM CSPD_Personal_Info\nLEFT OUTER JOIN DVLD_Car_Info ON DVLD_Car_Info.National_Number = CSPD_Personal_Info.National_Number"
    );
    assert_eq!(
        r.where_clause,
        "WHERE CSPD_Personal_Info.National_Number = :national_number\n  AND (DVLD_Car_Info.Vehicle_Type = 'Truck''s'\n    OR DVLD_Car_Info.Vehicle_Type IS NULL)"
    );
    assert_eq!(r.order_by, "ORDER BY CSPD_Personal_Info.Family_Name DESC");
    assert!(r.text().ends_with("\nLIMIT 100"));
    assert!(!r.text().contains("\"t0\""), "no aliases");
}

fn spec_condition(v: Json) -> Condition {
    serde_json::from_value(v).unwrap()
}

/// Every reason the planner, the binder and the spec reader give is in `REASONS` (which a
/// page's catalogs are checked against), and `REASONS` names no reason that is never given.
#[test]
fn every_reason_code_is_listed() {
    let sources = [
        include_str!("plan.rs"),
        include_str!("bind.rs"),
        include_str!("spec.rs"),
    ];
    let mut given = std::collections::BTreeSet::new();
    for src in sources {
        for part in src.split("reason!(").skip(1) {
            let code = part.trim_start().trim_start_matches('"');
            let code = &code[..code.find('"').expect("a quoted code")];
            given.insert(code.to_owned());
        }
    }
    let listed: std::collections::BTreeSet<String> =
        super::REASONS.iter().map(|c| c.to_string()).collect();
    assert_eq!(given, listed);
}
