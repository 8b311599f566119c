//! A search for persons: a query spec under the caller's grants finds them (its conditions
//! need the grants a query's do), then one page of them is read across the tables asked for,
//! each row cut to the caller's granted columns. What a DCI registry search is, and what a
//! subscription's notification reads. One audit event names every person of the page and
//! every column handed back; the persons matched beyond the page are not handed back, so they
//! are not in it.

use crate::caller::Caller;
use crate::data::Args;
use crate::error::{AppError, Result};
use crate::persons::{keep_visible, Sight};
use crate::App;
use nur_core::query::{self, QueryError, QuerySpec, RevokePolicy};
use nur_core::{ColumnType, Value};
use nur_store::RowsByTable;
use std::collections::BTreeSet;

/// Which persons, which page of them, and what to read of each.
#[derive(Debug, Clone)]
pub struct PersonSearch<'a> {
    /// Its national-number outputs are the persons found, in its order.
    pub spec: QuerySpec,
    pub args: Args,
    /// The first match of the page (0-based) and the page's size.
    pub offset: usize,
    pub page_size: usize,
    /// The tables each person's record is read from.
    pub tables: &'a [&'a str],
    /// Where the search came from, for the audit trail (`dci.crvs`, `dci.sr notify`, …).
    pub origin: &'a str,
}

/// One page of the persons a search found.
#[derive(Debug, Clone)]
pub struct PersonPage {
    /// How many persons matched (at most the query limit: see `truncated`).
    pub total: usize,
    /// More persons may match than the limit let the search count.
    pub truncated: bool,
    pub persons: Vec<FoundPerson>,
}

#[derive(Debug, Clone)]
pub struct FoundPerson {
    pub national_number: String,
    /// The rows of each table asked for that name the person, as granted (tables with
    /// nothing visible left out).
    pub records: RowsByTable,
}

impl App {
    /// Finds persons with `search.spec` and reads one page of them (see the module).
    pub fn search_persons(&self, caller: &Caller, search: PersonSearch<'_>) -> Result<PersonPage> {
        let grants = self.grants_now(caller.consumer()?)?;
        let action = "person.search";
        let plan = match query::plan(
            &self.catalog,
            &grants,
            &search.spec,
            self.limits,
            RevokePolicy::Refuse,
        ) {
            Ok(p) => p,
            Err(e) => {
                let forbidden = matches!(e, QueryError::Forbidden(_));
                let e = AppError::from(e);
                if forbidden {
                    self.audit_refusal(caller, action, search.origin, &e);
                }
                return Err(e);
            }
        };
        let args = match search.args {
            Args::Json(m) => plan.bind(&self.catalog.identity, &m)?,
            Args::Text(pairs) => plan.bind_text(&self.catalog.identity, &pairs)?,
        };
        let ids: Vec<usize> = plan
            .output
            .iter()
            .enumerate()
            .filter(|(_, o)| o.ty == ColumnType::NationalNumber)
            .map(|(i, _)| i)
            .collect();
        let got = self.store.run_query(&plan, &args)?;
        let truncated = got.rows.len() >= plan.limit as usize;
        let mut seen = BTreeSet::new();
        let mut found: Vec<String> = Vec::new();
        for r in &got.rows {
            for &i in &ids {
                if let Value::Text(nn) = &r[i] {
                    if seen.insert(nn.clone()) {
                        found.push(nn.clone());
                    }
                }
            }
        }
        let total = found.len();
        let page: Vec<String> = found
            .into_iter()
            .skip(search.offset)
            .take(search.page_size)
            .collect();
        let tables: Vec<&nur_core::Table> = search
            .tables
            .iter()
            .map(|t| {
                self.catalog.table(t).ok_or_else(|| {
                    AppError::internal(format!("the search reads an unknown table {t}"))
                })
            })
            .collect::<Result<_>>()?;
        let keys: Vec<&str> = page.iter().map(String::as_str).collect();
        let mut rows = if keys.is_empty() {
            Default::default()
        } else {
            self.store.registry_rows(&tables, &keys)?
        };
        let sight = Sight::Granted(&grants);
        let mut columns = BTreeSet::new();
        let mut about: Vec<String> = page.clone();
        let mut persons = Vec::with_capacity(page.len());
        for nn in page {
            let mut records = RowsByTable::new();
            for (table, list) in rows.remove(&nn).unwrap_or_default() {
                let kept: Vec<_> = list
                    .into_iter()
                    .filter_map(|m| keep_visible(&self.catalog, &sight, &table, m))
                    .collect();
                for m in &kept {
                    for (k, v) in m {
                        if k == "_lineage" {
                            continue;
                        }
                        columns.insert(format!("{table}.{k}"));
                        let is_person = self
                            .catalog
                            .table(&table)
                            .and_then(|t| t.column(k))
                            .is_some_and(|c| c.ty == ColumnType::NationalNumber);
                        if let (true, Some(other)) = (is_person, v.as_str()) {
                            about.push(other.to_owned());
                        }
                    }
                }
                if !kept.is_empty() {
                    records.insert(table, kept);
                }
            }
            persons.push(FoundPerson {
                national_number: nn,
                records,
            });
        }
        about.sort();
        about.dedup();
        let mut ev = caller.event(action, search.origin);
        ev.persons = about;
        ev.columns = columns.into_iter().collect();
        ev.outcome = format!("ok; {total} matched, {} read", persons.len());
        self.store.audit(ev)?;
        Ok(PersonPage {
            total,
            truncated,
            persons,
        })
    }
}
