//! Deliberately bad rows, appended to every file so validation is always exercised: five
//! kinds, each built from the table's first good row so that exactly one thing is wrong.
//!
//! - `duplicate`: the good row again (its key repeats);
//! - `invalid_id`: the person column holds an 8-digit national number;
//! - `orphan`: a well-formed national number of nobody (born 1901); for the person table,
//!   whose rows cannot be orphans, a birth date that disagrees with the number instead;
//! - `malformed`: an impossible date, a non-number or a non-boolean in a typed column;
//! - `field_count`: one field short.
//!
//! Bad rows other than duplicates get keys of their own, so they never collide with good rows.

use crate::rng::Rng;
use crate::{io, Out, SynthError};
use nur_core::{Catalog, ColumnType};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) fn append(
    out: &mut Out<'_>,
    catalog: &Catalog,
    rng: &mut Rng,
    share: f64,
    path: &Path,
) -> Result<BTreeMap<String, u64>, SynthError> {
    let mut kinds = BTreeMap::new();
    let Some(template) = out.template.clone() else {
        return Ok(kinds);
    };
    let t = out.table;
    let per_kind = ((out.file.rows as f64 * share / 5.0).ceil() as u64).max(1);
    let person = t.person_index();
    let person_is_nn = t.columns[person].ty == ColumnType::NationalNumber;
    let is_person_table = t.name == catalog.dimensions.person.table;
    let key_text: Vec<usize> = t
        .key_indexes()
        .into_iter()
        .filter(|&i| i != person && t.columns[i].ty == ColumnType::Text)
        .collect();
    let mut n = 0u64;
    // A fresh key: a nobody's national number in the person column and a suffix on text keys.
    let mut fresh = |row: &mut Vec<String>, rng: &mut Rng| {
        n += 1;
        if person_is_nn {
            row[person] = format!("901{}{:06}", 1 + rng.range(0, 1), n);
        } else {
            row[person] = format!("Q{:08}", n);
        }
        for &k in &key_text {
            row[k] = format!("{}Q{n}", row[k]);
        }
    };
    let mut write = |kind: &str, row: &[String], kinds: &mut BTreeMap<String, u64>| {
        *kinds.entry(kind.to_owned()).or_insert(0) += 1;
        out.file
            .write_row(row.iter().map(String::as_str))
            .map_err(|e| io(path, e))
    };
    for _ in 0..per_kind {
        write("duplicate", &template, &mut kinds)?;

        let mut row = template.clone();
        fresh(&mut row, rng);
        row[person] = if person_is_nn {
            "98210170".into()
        } else {
            "1bad id".into()
        };
        write("invalid_id", &row, &mut kinds)?;

        let mut row = template.clone();
        fresh(&mut row, rng);
        if is_person_table {
            // The number says born 1901; the birth date column still says otherwise.
            write("birth_year_mismatch", &row, &mut kinds)?;
        } else if person_is_nn {
            write("orphan", &row, &mut kinds)?;
        }

        let typed = t.columns.iter().position(|c| {
            !t.key.contains(&c.name)
                && matches!(
                    c.ty,
                    ColumnType::Date
                        | ColumnType::Integer
                        | ColumnType::Decimal
                        | ColumnType::Boolean
                )
        });
        if let Some(ci) = typed {
            let mut row = template.clone();
            fresh(&mut row, rng);
            row[ci] = match t.columns[ci].ty {
                ColumnType::Date => "2023-02-30".into(),
                ColumnType::Boolean => "maybe".into(),
                _ => "12x".into(),
            };
            write("malformed", &row, &mut kinds)?;
        }

        let mut row = template.clone();
        fresh(&mut row, rng);
        row.pop();
        write("field_count", &row, &mut kinds)?;
    }
    Ok(kinds)
}
