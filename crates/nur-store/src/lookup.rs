//! One person across all registries: the person row, their household (booklet and members)
//! and every registry row that names them in an identity column. The algorithm is shared;
//! each backend supplies the indexed fetch.

use crate::Result;
use nur_core::{Catalog, ColumnType, NationalNumber, Table, Value};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// Where a stored row came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lineage {
    pub source: String,
    pub batch: i64,
    pub loaded_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub civil_record_id: String,
    pub booklet: Option<Map<String, Json>>,
    pub members: Vec<Map<String, Json>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRecord {
    pub national_number: String,
    pub person: Option<Map<String, Json>>,
    pub household: Option<Household>,
    /// Registry rows by table (tables with no row are left out).
    pub records: BTreeMap<String, Vec<Map<String, Json>>>,
}

pub type Fetched = Vec<(Vec<Value>, Lineage)>;

/// Fetches the rows of `table` whose `column` equals one of `keys` (one statement).
pub type Fetch<'a> = dyn FnMut(&Table, &str, &[&str]) -> Result<Fetched> + 'a;

/// Keys per statement of a batched fetch. A chunk is padded to the smallest of
/// [`FETCH_SIZES`] that holds it, so a few prepared statements per table and column serve
/// every batch, small (one household) or large (a national run's).
pub const FETCH_KEYS: usize = 200;
pub const FETCH_SIZES: [usize; 4] = [1, 8, 32, FETCH_KEYS];

fn to_map(table: &Table, values: &[Value], lineage: Option<&Lineage>) -> Map<String, Json> {
    let mut m: Map<String, Json> = table
        .columns
        .iter()
        .zip(values)
        .map(|(c, v)| (c.name.to_string(), v.to_json()))
        .collect();
    if let Some(l) = lineage {
        m.insert(
            "_lineage".into(),
            serde_json::to_value(l).expect("plain struct"),
        );
    }
    m
}

pub fn person(
    catalog: &Catalog,
    nn: &NationalNumber,
    fetch: &mut Fetch<'_>,
) -> Result<Option<PersonRecord>> {
    let dims = &catalog.dimensions;
    let person_table = catalog.person_table();
    let household_table = catalog.household_table();
    let key = nn.as_str();

    let person_rows = fetch(person_table, dims.person.national_number.as_str(), &[key])?;
    let person = person_rows
        .first()
        .map(|(v, l)| to_map(person_table, v, Some(l)));
    let crid_index = person_table
        .column_index(dims.person.civil_record_id.as_str())
        .expect("checked at load");
    let civil_record_id = person_rows.first().and_then(|(v, _)| match &v[crid_index] {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    });

    let household = match civil_record_id {
        None => None,
        Some(crid) => {
            let booklet = fetch(
                household_table,
                dims.household.civil_record_id.as_str(),
                &[crid.as_str()],
            )?
            .first()
            .map(|(v, l)| to_map(household_table, v, Some(l)));
            let members = fetch(
                person_table,
                dims.person.civil_record_id.as_str(),
                &[crid.as_str()],
            )?
            .iter()
            .map(|(v, _)| to_map(person_table, v, None))
            .collect();
            Some(Household {
                civil_record_id: crid,
                booklet,
                members,
            })
        }
    };

    let mut records = BTreeMap::new();
    for t in &catalog.tables {
        if t.name == person_table.name {
            continue;
        }
        let mut rows = Vec::new();
        for c in t
            .columns
            .iter()
            .filter(|c| c.ty == ColumnType::NationalNumber)
        {
            for (v, l) in fetch(t, c.name.as_str(), &[key])? {
                rows.push(to_map(t, &v, Some(&l)));
            }
        }
        if !rows.is_empty() {
            records.insert(t.name.to_string(), rows);
        }
    }
    if person.is_none() && records.is_empty() {
        return Ok(None);
    }
    Ok(Some(PersonRecord {
        national_number: key.to_owned(),
        person,
        household,
        records,
    }))
}

/// Registry rows by table, for one person.
pub type RowsByTable = BTreeMap<String, Vec<Map<String, Json>>>;

/// The rows of `tables` naming each of `keys` in one of their national-number columns, by
/// key and table, with their lineage: what the social registry verifies a household's
/// members against. Set-based: one statement per table, column and [`FETCH_KEYS`] keys (the
/// last chunk padded with its own last key), not one per person.
pub fn rows_for(
    tables: &[&Table],
    keys: &[&str],
    fetch: &mut Fetch<'_>,
) -> Result<BTreeMap<String, RowsByTable>> {
    let mut out: BTreeMap<String, RowsByTable> = keys
        .iter()
        .map(|k| ((*k).to_owned(), RowsByTable::new()))
        .collect();
    let mut unique: Vec<&str> = keys.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for t in tables {
        for (ci, c) in t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ty == ColumnType::NationalNumber)
        {
            for chunk in unique.chunks(FETCH_KEYS) {
                let size = FETCH_SIZES
                    .into_iter()
                    .find(|s| *s >= chunk.len())
                    .unwrap_or(FETCH_KEYS);
                let mut padded: Vec<&str> = chunk.to_vec();
                padded.resize(size, chunk[chunk.len() - 1]);
                for (v, l) in fetch(t, c.name.as_str(), &padded)? {
                    let Value::Text(k) = &v[ci] else { continue };
                    if let Some(by_table) = out.get_mut(k.as_str()) {
                        by_table.entry(t.name.to_string()).or_default().push(to_map(
                            t,
                            &v,
                            Some(&l),
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}
