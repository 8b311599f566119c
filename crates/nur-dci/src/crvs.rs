//! The CRVS registry over the civil-status tables: which column each identifier type and
//! each `CRVSPerson` attribute is (configuration, `config/jordan-crvs.json`, checked against
//! the catalog when read), a search turned into a query spec, and a person's granted rows
//! turned into a `CRVSPerson`.

use crate::criteria::{Cmp, Cond, Criteria, Query};
use crate::envelope::Refusal;
use nur_app::FoundPerson;
use nur_core::query::{
    Condition, Direction, Op, OrderBy, QuerySpec, SpecTable, Test, SPEC_VERSION,
};
use nur_core::{Catalog, ColumnType};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// `Table.Column`.
    pub column: String,
    /// DCI value → stored code (`female` → `2`).
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    /// Whether a search may filter on it (a column whose table's person is not the
    /// record's — a parent, a spouse — may not: its join would find the wrong person).
    #[serde(default = "yes")]
    pub searchable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrvsDef {
    pub reg_type: String,
    pub reg_record_type: String,
    pub country_code: String,
    /// The tables a person's record is read from; the first is the person table.
    pub tables: Vec<String>,
    /// Identifier type → `Table.Column`.
    pub identifiers: BTreeMap<String, String>,
    pub attributes: BTreeMap<String, AttributeDef>,
    /// Vital event type → the table whose new rows are the event.
    pub events: BTreeMap<String, String>,
    /// Tables whose rows are about two persons alike (a marriage: husband and wife).
    #[serde(default)]
    pub either_party: Vec<String>,
}

fn split(tc: &str) -> (&str, &str) {
    tc.split_once('.').unwrap_or((tc, ""))
}

fn invalid(m: impl Into<String>) -> Refusal {
    Refusal::new("rjct.search_criteria.invalid", m)
}

impl CrvsDef {
    /// Jordan's civil registry (CSPD).
    pub fn jordan(catalog: &Catalog) -> Result<CrvsDef, String> {
        CrvsDef::read(include_str!("../config/jordan-crvs.json"), catalog)
    }

    /// Reads a definition and checks every table and column it names.
    pub fn read(text: &str, catalog: &Catalog) -> Result<CrvsDef, String> {
        let d: CrvsDef = serde_json::from_str(text).map_err(|e| format!("CRVS mapping: {e}"))?;
        let check = |tc: &str| -> Result<(), String> {
            let (t, c) = split(tc);
            let table = catalog
                .table(t)
                .ok_or_else(|| format!("CRVS mapping: no table {t}"))?;
            table
                .column(c)
                .map(|_| ())
                .ok_or_else(|| format!("CRVS mapping: no column {tc}"))
        };
        for tc in d.identifiers.values() {
            check(tc)?;
        }
        for a in d.attributes.values() {
            check(&a.column)?;
        }
        for t in d.tables.iter().chain(d.events.values()) {
            catalog
                .table(t)
                .ok_or_else(|| format!("CRVS mapping: no table {t}"))?;
        }
        if d.tables.is_empty() {
            return Err("CRVS mapping: no tables".into());
        }
        Ok(d)
    }

    pub fn person_table(&self) -> &str {
        &self.tables[0]
    }

    pub fn table_refs(&self) -> Vec<&str> {
        self.tables.iter().map(String::as_str).collect()
    }

    /// The query spec that finds a search's persons (national numbers only: the records are
    /// read afterwards, under the same grants).
    pub fn spec(&self, catalog: &Catalog, c: &Criteria, limit: u32) -> Result<QuerySpec, Refusal> {
        let person = self.person_table();
        let person_col = catalog
            .table(person)
            .map(|t| t.person_column.to_string())
            .unwrap_or_default();
        let mut spec = QuerySpec {
            version: SPEC_VERSION,
            tables: Vec::new(),
            conditions: None,
            parameters: Vec::new(),
            order_by: Vec::new(),
            limit: Some(limit),
        };
        match &c.query {
            Query::Id { id_type, value } => {
                let tc = self.identifiers.get(id_type).ok_or_else(|| {
                    invalid(format!(
                        "identifier type {id_type} is not known here; known: {}",
                        self.identifiers
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                let (t, _) = split(tc);
                let table = catalog.table(t).expect("checked when read");
                // The record's person; both parties of a marriage or a divorce.
                let columns = if self.either_party.iter().any(|e| e == t) {
                    table
                        .columns
                        .iter()
                        .filter(|col| col.ty == ColumnType::NationalNumber)
                        .map(|col| col.name.to_string())
                        .collect()
                } else {
                    vec![table.person_column.to_string()]
                };
                spec.tables.push(SpecTable {
                    table: t.into(),
                    columns,
                    join: None,
                });
                spec.conditions = Some(Condition::Test(Test {
                    column: tc.clone(),
                    op: Op::Eq,
                    param: None,
                    params: None,
                    value: Some(Json::String(value.clone())),
                }));
            }
            Query::Where(cond) => {
                spec.tables.push(SpecTable {
                    table: person.into(),
                    columns: vec![person_col.clone()],
                    join: None,
                });
                let mut joined = vec![person.to_owned()];
                let mut need = |tc: &str| {
                    let (t, _) = split(tc);
                    if !joined.iter().any(|j| j == t) {
                        joined.push(t.to_owned());
                    }
                };
                for a in cond.attributes() {
                    if let Some(d) = self.attributes.get(a) {
                        need(&d.column);
                    }
                }
                for (a, _) in &c.sort {
                    if let Some(d) = self.attributes.get(a) {
                        need(&d.column);
                    }
                }
                for t in &joined[1..] {
                    spec.tables.push(SpecTable {
                        table: t.clone(),
                        columns: Vec::new(),
                        join: Some(nur_core::query::JoinKind::Inner),
                    });
                }
                spec.conditions = Some(self.condition(cond)?);
            }
        }
        for (a, desc) in &c.sort {
            let d = self
                .attributes
                .get(a)
                .filter(|d| d.searchable)
                .ok_or_else(|| Refusal::new("rjct.sort.invalid", format!("cannot sort by {a}")))?;
            if !spec.tables.iter().any(|t| t.table == split(&d.column).0) {
                return Err(Refusal::new(
                    "rjct.sort.invalid",
                    format!("cannot sort an identifier search by {a}"),
                ));
            }
            spec.order_by.push(OrderBy {
                column: d.column.clone(),
                direction: if *desc {
                    Direction::Desc
                } else {
                    Direction::Asc
                },
            });
        }
        // A stable order, so pages do not overlap.
        let first = &spec.tables[0];
        if let Some(c) = first.columns.first() {
            spec.order_by.push(OrderBy {
                column: format!("{}.{c}", first.table),
                direction: Direction::Asc,
            });
        }
        Ok(spec)
    }

    fn condition(&self, c: &Cond) -> Result<Condition, Refusal> {
        Ok(match c {
            Cond::And(v) => Condition::And(
                v.iter()
                    .map(|c| self.condition(c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Or(v) => Condition::Or(
                v.iter()
                    .map(|c| self.condition(c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Test {
                attribute,
                cmp,
                value,
            } if attribute == "age" => self.age(*cmp, value)?,
            Cond::Test {
                attribute,
                cmp,
                value,
            } => {
                let d = self.attributes.get(attribute).ok_or_else(|| {
                    invalid(format!(
                        "attribute {attribute} is not known here; known: age, {}",
                        self.searchable().join(", ")
                    ))
                })?;
                if !d.searchable {
                    return Err(invalid(format!(
                        "attribute {attribute} cannot be searched on"
                    )));
                }
                let code = |v: &Json| -> Json {
                    match v {
                        Json::String(s) => {
                            Json::String(d.codes.get(s).cloned().unwrap_or_else(|| s.clone()))
                        }
                        other => other.clone(),
                    }
                };
                let value = match value {
                    Json::Array(list) => Json::Array(list.iter().map(code).collect()),
                    v => code(v),
                };
                Condition::Test(Test {
                    column: d.column.clone(),
                    op: op(*cmp),
                    param: None,
                    params: None,
                    value: Some(value),
                })
            }
        })
    }

    /// `age` compares the birth date with today's date `n` years ago.
    fn age(&self, cmp: Cmp, value: &Json) -> Result<Condition, Refusal> {
        let years = value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|y| *y < 200)
            .ok_or_else(|| invalid("age is compared with a whole number of years"))?
            as i16;
        let column = self
            .attributes
            .get("birth_date")
            .ok_or_else(|| invalid("age needs a birth_date attribute"))?
            .column
            .clone();
        let today = nur_core::Date::from_days(nur_store::now_ms().div_euclid(86_400_000));
        let ago = |y: i16| -> Json {
            // 29 February a number of years back is 28 February in a common year.
            let day = if today.month() == 2 && today.day() == 29 {
                28
            } else {
                today.day()
            };
            Json::String(format!(
                "{:04}-{:02}-{day:02}",
                today.year() - i32::from(y),
                today.month()
            ))
        };
        // Younger than n: born after today n years ago.
        let (op, date) = match cmp {
            Cmp::Lt => (Op::Gt, ago(years)),
            Cmp::Le => (Op::Gt, ago(years + 1)),
            Cmp::Gt => (Op::Le, ago(years + 1)),
            Cmp::Ge => (Op::Le, ago(years)),
            _ => return Err(invalid("age takes lt, le, gt or ge")),
        };
        Ok(Condition::Test(Test {
            column,
            op,
            param: None,
            params: None,
            value: Some(date),
        }))
    }

    fn searchable(&self) -> Vec<String> {
        self.attributes
            .iter()
            .filter(|(_, d)| d.searchable)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// A person's attributes, flat (attribute → DCI value), from their granted rows: a table
    /// with a person column gives the rows that are the person's own (not a child's birth
    /// certificate naming them as father); marriages and divorces name two persons and give
    /// the latest where they are either. An attribute not granted is absent.
    pub fn flat(&self, catalog: &Catalog, p: &FoundPerson) -> Map<String, Json> {
        let mut out = Map::new();
        out.insert("UIN".into(), p.national_number.clone().into());
        for (name, d) in &self.attributes {
            let (t, c) = split(&d.column);
            let Some(rows) = p.records.get(t) else {
                continue;
            };
            let Some(table) = catalog.table(t) else {
                continue;
            };
            let pc = table.person_column.as_str();
            let either = self.either_party.iter().any(|e| e == t);
            let own = |r: &&Map<String, Json>| {
                either || r.get(pc).and_then(Json::as_str) == Some(p.national_number.as_str())
            };
            let latest = rows
                .iter()
                .filter(own)
                .filter_map(|r| r.get(c).filter(|v| !v.is_null()))
                .max_by_key(|v| v.to_string());
            let Some(v) = latest else { continue };
            let v = match v {
                Json::String(s) => d
                    .codes
                    .iter()
                    .find(|(_, code)| *code == s)
                    .map(|(dci, _)| Json::String(dci.clone()))
                    .unwrap_or_else(|| v.clone()),
                other => other.clone(),
            };
            out.insert(name.clone(), v);
        }
        out
    }

    /// A notified `CRVSPerson` as a row of `table` (a partner's event applied as a change):
    /// every attribute mapped to one of its columns, codes turned back into stored codes,
    /// identifiers into their columns, the person column from the UIN. `None` without a UIN.
    pub fn row_of(
        &self,
        catalog: &Catalog,
        table: &str,
        record: &Json,
    ) -> Option<Map<String, Json>> {
        let t = catalog.table(table)?;
        let mut flat = Map::new();
        for id in record
            .get("identifier")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(k), Some(v)) = (id["identifier_type"].as_str(), id.get("identifier_value"))
            {
                flat.insert(k.to_uppercase(), v.clone());
            }
        }
        if let Some(o) = record.as_object() {
            for (k, v) in o {
                let v = match v {
                    Json::Object(p) => match p.get("name") {
                        Some(n) => n.clone(),
                        None => continue,
                    },
                    Json::Array(_) => continue,
                    other => other.clone(),
                };
                flat.entry(k.clone()).or_insert(v);
            }
        }
        let uin = flat.get("UIN")?.clone();
        let mut row = Map::new();
        row.insert(t.person_column.to_string(), uin);
        for (attr, d) in &self.attributes {
            let (tt, c) = split(&d.column);
            if tt != table {
                continue;
            }
            if let Some(v) = flat.get(attr.as_str()) {
                let v = match v.as_str().and_then(|s| d.codes.get(s)) {
                    Some(code) => Json::String(code.clone()),
                    None => v.clone(),
                };
                row.entry(c.to_owned()).or_insert(v);
            }
        }
        for (id_type, tc) in &self.identifiers {
            let (tt, c) = split(tc);
            if tt == table {
                if let Some(v) = flat.get(id_type.as_str()) {
                    row.entry(c.to_owned()).or_insert(v.clone());
                }
            }
        }
        Some(row)
    }

    /// A person as a DCI `CRVSPerson`.
    pub fn record(&self, catalog: &Catalog, p: &FoundPerson) -> Json {
        let f = self.flat(catalog, p);
        crvs_person(&f, &self.country_code)
    }
}

fn op(c: Cmp) -> Op {
    match c {
        Cmp::Eq => Op::Eq,
        Cmp::Ne => Op::Ne,
        Cmp::Lt => Op::Lt,
        Cmp::Le => Op::Le,
        Cmp::Gt => Op::Gt,
        Cmp::Ge => Op::Ge,
        Cmp::In => Op::In,
    }
}

/// The `CRVSPerson` shape of flat attributes.
pub fn crvs_person(f: &Map<String, Json>, country: &str) -> Json {
    let get = |k: &str| f.get(k).cloned();
    let mut r = Map::new();
    r.insert("@type".into(), "CRVS_Person".into());
    let mut ids = Vec::new();
    for t in ["UIN", "BRN", "DRN"] {
        if let Some(v) = get(t) {
            ids.push(json!({"identifier_type": t, "identifier_value": v}));
        }
    }
    r.insert("identifier".into(), ids.into());
    let name = |suffix: &str| {
        let mut n = Map::new();
        for (dci, key) in [
            ("given_name", "given_name"),
            ("second_name", "second_name"),
            ("third_name", "third_name"),
            ("surname", "surname"),
        ] {
            if let Some(v) = get(&format!("{key}{suffix}")) {
                n.insert(dci.into(), v);
            }
        }
        (!n.is_empty()).then(|| {
            n.insert("@type".into(), "Name".into());
            Json::Object(n)
        })
    };
    if let Some(n) = name("") {
        r.insert("name".into(), n);
    }
    if let Some(n) = name("_en") {
        r.insert("name_en".into(), n);
    }
    for k in [
        "sex",
        "birth_date",
        "death_date",
        "marital_status",
        "marriage_date",
        "divorce_date",
        "nationality",
        "household_id",
    ] {
        if let Some(v) = get(k) {
            r.insert(k.into(), v);
        }
    }
    if let Some(v) = get("birth_place") {
        r.insert("birth_place".into(), json!({"@type": "Place", "name": v}));
    }
    if let Some(v) = get("death_place") {
        r.insert("death_place".into(), json!({"@type": "Place", "name": v}));
    }
    for (k, src) in [
        ("parent1_identifier", "parent1_identifier"),
        ("parent2_identifier", "parent2_identifier"),
    ] {
        if let Some(v) = get(src) {
            r.insert(
                k.into(),
                json!({"identifier_type": "UIN", "identifier_value": v}),
            );
        }
    }
    if let Some(v) = get("phone_number") {
        r.insert("phone_number".into(), json!([v]));
    }
    let mut addr = Map::new();
    for k in [
        "address_line1",
        "address_line2",
        "locality",
        "sub_region_code",
        "region_code",
    ] {
        if let Some(v) = get(k) {
            addr.insert(k.into(), v);
        }
    }
    if !addr.is_empty() {
        addr.insert("@type".into(), "Address".into());
        addr.insert("country_code".into(), country.into());
        r.insert("address".into(), json!([addr]));
    }
    Json::Object(r)
}

/// The country's geography as a DCI location hierarchy (`/.well-known/locations.json`):
/// governorates, liwas and kadas with their codes, Arabic and English names and the place
/// each lies in. (The official schema requires `id` and `containedInPlace` while describing
/// `identifier` and `contained_in_place`; both spellings are sent.)
pub fn locations(catalog: &Catalog) -> Json {
    let mut out = Vec::new();
    let mut place = |code: &str, en: &str, ar: &str, kind: &str, within: Option<&str>| {
        out.push(json!({
            "@type": "Place",
            "id": code,
            "identifier": [{"@type": "PropertyValue", "name": "code", "identifier": code}],
            "name": en,
            "name_ar": ar,
            "additional_type": kind,
            "contained_in_place": within,
            "containedInPlace": within,
        }));
    };
    for g in &catalog.geography.governorates {
        place(&g.code, &g.name_en, &g.name_ar, "governorate", None);
        for l in &g.liwas {
            place(&l.code, &l.name_en, &l.name_ar, "liwa", Some(&g.code));
            for k in &l.kadas {
                place(&k.code, &k.name_en, &k.name_ar, "kada", Some(&l.code));
            }
        }
    }
    json!({
        "@context": {"@context": "http://spdci.org/", "xsd": "http://www.w3.org/2001/XMLSchema#", "schema": "http://schema.org/"},
        "@type": "LocationHierarchy",
        "last_updated": crate::envelope::now_ts(),
        "locations": out,
    })
}
