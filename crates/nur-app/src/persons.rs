//! A person across every registry, as the caller's grants allow; and the citizen access
//! report (who accessed a person's data, when and why).

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::account::Role;
use nur_core::grant::Actor;
use nur_core::grant::Grants;
use nur_core::{Catalog, Ident, NationalNumber};
use nur_store::{AccessEntry, Household, PersonRecord, ReportScope, Warehouse};
use serde_json::{Map, Value as Json};

/// What a lookup hands back, and every person it is about.
pub(crate) struct Visible {
    pub record: PersonRecord,
    /// The national numbers of the persons whose data is in `record`: the person, and each
    /// household member shown — whether or not their national number is itself granted.
    pub about: Vec<String>,
}

/// What a caller may see of the warehouse.
pub(crate) enum Sight<'a> {
    /// An entity: what its grants allow.
    Granted(&'a Grants),
    /// The platform's operator, at the command line of a server: everything (and audited
    /// like any other access).
    Everything,
}

impl Sight<'_> {
    fn table(&self, catalog: &Catalog, table: &Ident) -> bool {
        match self {
            Sight::Granted(g) => g.table(catalog, table),
            Sight::Everything => true,
        }
    }

    fn column(&self, catalog: &Catalog, table: &Ident, column: &Ident) -> bool {
        match self {
            Sight::Granted(g) => g.column(catalog, table, column),
            Sight::Everything => true,
        }
    }
}

/// Keeps only what `sight` lets the caller see; `None` when that is nothing. The household
/// (its civil record id, booklet and members) is shown only to a caller who sees a column
/// holding the civil record id: otherwise who lives with whom would leak through it.
pub(crate) fn visible(catalog: &Catalog, sight: &Sight, rec: PersonRecord) -> Option<Visible> {
    let keep = |table: &str, m: Map<String, Json>| -> Option<Map<String, Json>> {
        let t = catalog.table(table)?;
        if !sight.table(catalog, &t.name) {
            return None;
        }
        let m: Map<String, Json> = m
            .into_iter()
            .filter(|(k, _)| {
                k == "_lineage"
                    || t.column(k)
                        .is_some_and(|c| sight.column(catalog, &t.name, &c.name))
            })
            .collect();
        (m.keys().any(|k| k != "_lineage")).then_some(m)
    };
    let dims = &catalog.dimensions;
    let person_table = catalog.person_table();
    let household_table = catalog.household_table();
    let nn_column = dims.person.national_number.to_string();
    let household_granted = sight.column(catalog, &person_table.name, &dims.person.civil_record_id)
        || sight.column(
            catalog,
            &household_table.name,
            &dims.household.civil_record_id,
        );
    let mut about = vec![rec.national_number.clone()];
    let person = rec.person.and_then(|p| keep(person_table.name.as_str(), p));
    let household = rec.household.filter(|_| household_granted).and_then(|h| {
        let booklet = h
            .booklet
            .and_then(|b| keep(household_table.name.as_str(), b));
        let mut members = Vec::new();
        for m in h.members {
            let nn = m
                .get(&nn_column)
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            if let Some(kept) = keep(person_table.name.as_str(), m) {
                about.extend(nn);
                members.push(kept);
            }
        }
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
    // Registry rows may name other persons too (a spouse in a marriage record).
    for (t, rows) in &records {
        let Some(table) = catalog.table(t) else {
            continue;
        };
        for c in table
            .columns
            .iter()
            .filter(|c| c.ty == nur_core::ColumnType::NationalNumber)
        {
            about.extend(
                rows.iter()
                    .filter_map(|r| r.get(c.name.as_str()).and_then(|v| v.as_str()))
                    .map(str::to_owned),
            );
        }
    }
    about.sort();
    about.dedup();
    Some(Visible {
        record: PersonRecord {
            national_number: rec.national_number,
            person,
            household,
            records,
        },
        about,
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

    /// A person as the caller may see them (an entity under its grants, the operator in
    /// full), audited with every person the answer is about;
    /// `None` when nothing is visible (not found and not visible look the same, so grants
    /// cannot be probed).
    pub fn lookup_person(
        &self,
        caller: &Caller,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        let grants;
        let sight = if matches!(caller.actor, Actor::Operator { .. }) {
            Sight::Everything
        } else {
            grants = self.grants_now(caller.consumer()?)?;
            Sight::Granted(&grants)
        };
        let found = self
            .store
            .lookup_person(&self.catalog, nn)?
            .and_then(|r| visible(&self.catalog, &sight, r));
        let mut ev = caller.event("person.lookup", nn.as_str());
        let Some(v) = found else {
            ev.outcome = "not found".into();
            self.store.audit(ev)?;
            return Ok(None);
        };
        ev.persons = v.about;
        ev.columns = v.record.records.keys().cloned().collect();
        self.store.audit(ev)?;
        Ok(Some(v.record))
    }

    /// Who accessed this person's data, newest first (a page of at most 500): in full for
    /// the platform and its auditors; for an entity, its own accesses only (another agency's
    /// interest in a person is not the entity's to know). The person's own full report, less
    /// the entities withheld from citizens, is the citizen channel's.
    pub fn access_report(
        &self,
        caller: &Caller,
        nn: &NationalNumber,
        limit: u32,
        offset: u32,
    ) -> Result<AccessReport> {
        let limit = limit.clamp(1, 500);
        let scope = match &caller.actor {
            a if a.administers_all() => ReportScope::Full,
            Actor::User {
                role: Role::Auditor,
                ..
            } => ReportScope::Full,
            _ => ReportScope::Entity(caller.consumer()?.to_string()),
        };
        let entries = self.store.access_log(nn.as_str(), &scope, limit, offset)?;
        let mut ev = caller.event("person.access_report", nn.as_str());
        if scope == ReportScope::Full {
            ev.outcome = "ok; full report".into();
        }
        self.store.audit(ev)?;
        Ok(AccessReport {
            national_number: nn.as_str().to_owned(),
            limit,
            offset,
            entries,
        })
    }
}
