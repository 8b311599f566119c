//! Row validation: one input record (header-mapped fields) → a warehouse [`Row`] or a reason.

use nur_core::{Catalog, ColumnType, NationalNumber, Table, Value};
use nur_store::Row;
use std::collections::HashSet;
use xxhash_rust::xxh3::xxh3_128;

/// How the input's fields map onto the table's columns.
pub struct Mapping {
    /// For each catalog column, the index of its input field (None: not in the input).
    pub field_of_column: Vec<Option<usize>>,
    pub field_count: usize,
}

impl Mapping {
    /// Maps header names to columns (case-insensitive). Unknown headers and missing required
    /// columns make the file unloadable: the caller reports it instead of guessing.
    pub fn new(table: &Table, headers: &[String]) -> Result<Mapping, String> {
        let mut field_of_column = vec![None; table.columns.len()];
        let mut unknown = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}');
            match table
                .columns
                .iter()
                .position(|c| c.name.as_str().eq_ignore_ascii_case(h))
            {
                Some(ci) if field_of_column[ci].is_some() => {
                    return Err(format!("column {h} appears twice in the header"))
                }
                Some(ci) => field_of_column[ci] = Some(i),
                None => unknown.push(h.to_owned()),
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "header names columns that table {} does not have: {}",
                table.name,
                unknown.join(", ")
            ));
        }
        let missing: Vec<&str> = table
            .columns
            .iter()
            .zip(&field_of_column)
            .filter(|(c, f)| f.is_none() && (c.required || table.key.contains(&c.name)))
            .map(|(c, _)| c.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "header lacks required columns of table {}: {}",
                table.name,
                missing.join(", ")
            ));
        }
        Ok(Mapping {
            field_of_column,
            field_count: headers.len(),
        })
    }
}

/// Per-file validation state: duplicate keys seen so far and the persons known to exist.
pub struct Validator<'a> {
    pub catalog: &'a Catalog,
    pub table: &'a Table,
    pub mapping: Mapping,
    seen: HashSet<u128>,
    /// National numbers of the person dimension, when orphans are checked for this table.
    persons: Option<&'a HashSet<u64>>,
    key_indexes: Vec<usize>,
    person_index: usize,
}

impl<'a> Validator<'a> {
    pub fn new(
        catalog: &'a Catalog,
        table: &'a Table,
        mapping: Mapping,
        persons: Option<&'a HashSet<u64>>,
    ) -> Validator<'a> {
        Validator {
            catalog,
            table,
            mapping,
            seen: HashSet::new(),
            persons,
            key_indexes: table.key_indexes(),
            person_index: table.person_index(),
        }
    }

    /// Marks keys already written by this batch before a resume.
    pub fn seed_keys(&mut self, keys: impl IntoIterator<Item = String>) {
        for k in keys {
            self.seen.insert(xxh3_128(k.as_bytes()));
        }
    }

    /// Validates one record whose fields are already UTF-8 text.
    pub fn row(&mut self, fields: &[&str]) -> Result<Row, String> {
        if fields.len() != self.mapping.field_count {
            return Err(format!(
                "expected {} fields, got {}",
                self.mapping.field_count,
                fields.len()
            ));
        }
        let rules = &self.catalog.identity;
        let mut values = Vec::with_capacity(self.table.columns.len());
        let mut errors = Vec::new();
        for (col, field) in self.table.columns.iter().zip(&self.mapping.field_of_column) {
            let raw = field.map(|i| fields[i]).unwrap_or("");
            match Value::parse(rules, col, raw) {
                Ok(v) => values.push(v),
                Err(e) => {
                    errors.push(e.to_string());
                    values.push(Value::Null);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        self.check_birth_year(&values)?;
        let mut source_key = String::new();
        for (n, &i) in self.key_indexes.iter().enumerate() {
            if n > 0 {
                source_key.push('|');
            }
            source_key.push_str(&values[i].to_string());
        }
        if let (Some(persons), Value::Text(nn)) = (self.persons, &values[self.person_index]) {
            let known = nn.parse::<u64>().is_ok_and(|n| persons.contains(&n));
            if !known {
                return Err(format!(
                    "orphan: no person with national number {nn} in {}",
                    self.catalog.dimensions.person.table
                ));
            }
        }
        if !self.seen.insert(xxh3_128(source_key.as_bytes())) {
            return Err(format!(
                "duplicate: key {source_key} already appears earlier in this file"
            ));
        }
        Ok(Row { source_key, values })
    }

    /// In the person table the birth date must agree with the year the national number
    /// encodes (its century digit and two year digits).
    fn check_birth_year(&self, values: &[Value]) -> Result<(), String> {
        let dims = &self.catalog.dimensions.person;
        if self.table.name != dims.table {
            return Ok(());
        }
        let nn_i = self.table.column_index(dims.national_number.as_str());
        let bd_i = self.table.column_index(dims.birth_date.as_str());
        if let (Some(nn_i), Some(bd_i)) = (nn_i, bd_i) {
            if let (Value::Text(nn), Value::Date(bd)) = (&values[nn_i], &values[bd_i]) {
                let n =
                    NationalNumber::parse(&self.catalog.identity, nn).map_err(|e| e.to_string())?;
                if n.birth_year() != bd.year() {
                    return Err(format!(
                        "national number {nn} encodes birth year {}, but {} is {bd}",
                        n.birth_year(),
                        dims.birth_date
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether rows of `table` must name a known person.
pub fn checks_orphans(catalog: &Catalog, table: &Table) -> bool {
    table.name != catalog.dimensions.person.table
        && table.columns[table.person_index()].ty == ColumnType::NationalNumber
}
