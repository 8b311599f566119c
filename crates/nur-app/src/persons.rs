//! A person across every registry, as the caller's grants allow; and the citizen access
//! report (who accessed a person's data, when and why).

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Grants;
use nur_core::{Catalog, NationalNumber};
use nur_store::{AccessEntry, Household, PersonRecord, Warehouse};
use serde_json::{Map, Value as Json};

/// Keeps only what `grants` lets the caller see; `None` when that is nothing.
pub(crate) fn visible(
    catalog: &Catalog,
    grants: &Grants,
    rec: PersonRecord,
) -> Option<PersonRecord> {
    let keep = |table: &str, m: Map<String, Json>| -> Option<Map<String, Json>> {
        let t = catalog.table(table)?;
        if !grants.table(catalog, &t.name) {
            return None;
        }
        let m: Map<String, Json> = m
            .into_iter()
            .filter(|(k, _)| {
                k == "_lineage"
                    || t.column(k)
                        .is_some_and(|c| grants.column(catalog, &t.name, &c.name))
            })
            .collect();
        (m.keys().any(|k| k != "_lineage")).then_some(m)
    };
    let person_table = catalog.person_table().name.to_string();
    let household_table = catalog.household_table().name.to_string();
    let person = rec.person.and_then(|p| keep(&person_table, p));
    let household = rec.household.and_then(|h| {
        let booklet = h.booklet.and_then(|b| keep(&household_table, b));
        let members: Vec<_> = h
            .members
            .into_iter()
            .filter_map(|m| keep(&person_table, m))
            .collect();
        (booklet.is_some() || !members.is_empty()).then_some(Household {
            civil_record_id: h.civil_record_id,
            booklet,
            members,
        })
    });
    let records: std::collections::BTreeMap<_, _> = rec
        .records
        .into_iter()
        .filter_map(|(t, rows)| {
            let rows: Vec<_> = rows.into_iter().filter_map(|r| keep(&t, r)).collect();
            (!rows.is_empty()).then_some((t, rows))
        })
        .collect();
    if person.is_none() && household.is_none() && records.is_empty() {
        return None;
    }
    Some(PersonRecord {
        national_number: rec.national_number,
        person,
        household,
        records,
    })
}

/// One page of a citizen's access report.
#[derive(Debug, Clone)]
pub struct AccessReport {
    pub national_number: String,
    pub limit: u32,
    pub offset: u32,
    pub entries: Vec<AccessEntry>,
}

impl App {
    /// A national number from outside, checked.
    pub fn national_number(&self, nn: &str) -> Result<NationalNumber> {
        NationalNumber::parse(&self.catalog.identity, nn)
            .map_err(|e| AppError::invalid("invalid_national_number", e.to_string()))
    }

    /// A person as the caller's grants allow, audited; `None` when nothing is visible (not
    /// found and not visible look the same, so grants cannot be probed).
    pub fn lookup_person(
        &self,
        caller: &Caller,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        let grants = self.grants_now(caller.consumer()?)?;
        let found = self
            .store
            .lookup_person(&self.catalog, nn)?
            .and_then(|r| visible(&self.catalog, &grants, r));
        let mut ev = caller.event("person.lookup", nn.as_str());
        let Some(rec) = found else {
            ev.outcome = "not found".into();
            self.store.audit(ev)?;
            return Ok(None);
        };
        let mut persons = vec![rec.national_number.clone()];
        if let Some(h) = &rec.household {
            let key = self.catalog.dimensions.person.national_number.to_string();
            persons.extend(
                h.members
                    .iter()
                    .filter_map(|m| m.get(&key).and_then(|v| v.as_str()).map(str::to_owned)),
            );
        }
        ev.persons = persons;
        ev.columns = rec.records.keys().cloned().collect();
        self.store.audit(ev)?;
        Ok(Some(rec))
    }

    /// Who accessed this person's data, newest first (a page of at most 500).
    pub fn access_report(
        &self,
        caller: &Caller,
        nn: &NationalNumber,
        limit: u32,
        offset: u32,
    ) -> Result<AccessReport> {
        let limit = limit.clamp(1, 500);
        let entries = self.store.access_log(nn.as_str(), limit, offset)?;
        self.store
            .audit(caller.event("person.access_report", nn.as_str()))?;
        Ok(AccessReport {
            national_number: nn.as_str().to_owned(),
            limit,
            offset,
            entries,
        })
    }
}
