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

/// The part of one stored row of `table` that `sight` shows (its lineage kept); `None` when
/// that is no column at all.
pub(crate) fn keep_visible(
    catalog: &Catalog,
    sight: &Sight,
    table: &str,
    m: Map<String, Json>,
) -> Option<Map<String, Json>> {
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
}

/// Keeps only what `sight` lets the caller see; `None` when that is nothing. The household
/// (its civil record id, booklet and members) is shown only to a caller who sees a column
/// holding the civil record id: otherwise who lives with whom would leak through it.
pub(crate) fn visible(catalog: &Catalog, sight: &Sight, rec: PersonRecord) -> Option<Visible> {
    let keep = |table: &str, m: Map<String, Json>| keep_visible(catalog, sight, table, m);
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
    // Rows may name other persons too: a spouse in a marriage record, the head in the
    // family booklet.
    let named = |table: &str, m: &Map<String, Json>| -> Vec<String> {
        catalog
            .table(table)
            .map(|t| {
                t.columns
                    .iter()
                    .filter(|c| c.ty == nur_core::ColumnType::NationalNumber)
                    .filter_map(|c| m.get(c.name.as_str()).and_then(|v| v.as_str()))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(b) = household.as_ref().and_then(|h| h.booklet.as_ref()) {
        about.extend(named(household_table.name.as_str(), b));
    }
    for (t, rows) in &records {
        for r in rows {
            about.extend(named(t, r));
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
    /// interest in a person is not the entity's to know). A signed-in citizen reads their
    /// own report in full, less the entities withheld from citizens, and nobody else's.
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
            Actor::Citizen { national_number } if national_number == nn.as_str() => {
                ReportScope::Citizen
            }
            Actor::Citizen { .. } => {
                return Err(AppError::forbidden(
                    "not_own_report",
                    "a citizen reads only their own access report",
                ))
            }
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

#[cfg(test)]
mod tests {
    //! What a lookup shows, against a model written apart from it: a column is seen by its
    //! custodian, or by a consumer holding both the table and the column; the household only
    //! with a civil record id seen; and every person whose data is shown is among `about`.
    use super::*;
    use nur_core::grant::Target;
    use nur_core::ColumnType;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn catalog() -> &'static Catalog {
        static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        C.get_or_init(Catalog::jordan)
    }

    /// Every grantable target of the warehouse, in a fixed order.
    fn targets() -> Vec<Target> {
        let mut all = Vec::new();
        for t in &catalog().tables {
            all.push(Target::Table {
                table: t.name.clone(),
            });
            for c in &t.columns {
                all.push(Target::Column {
                    table: t.name.clone(),
                    column: c.name.clone(),
                });
            }
        }
        all
    }

    /// A national number from a small pool, so persons recur across rows.
    fn nn(i: u8) -> String {
        format!("98010{:05}", i % 12)
    }

    /// A row of `table` with every column filled, national numbers from the pool.
    fn row(table: &nur_core::Table, seed: &mut impl Iterator<Item = u8>) -> Map<String, Json> {
        let mut m = Map::new();
        for c in &table.columns {
            let v = if c.ty == ColumnType::NationalNumber {
                nn(seed.next().unwrap_or(0))
            } else {
                format!("{}-value", c.name)
            };
            m.insert(c.name.to_string(), Json::String(v));
        }
        m.insert("_lineage".into(), serde_json::json!({"batch": 1}));
        m
    }

    fn record(members: usize, tables: &[usize], seed: &[u8]) -> PersonRecord {
        let c = catalog();
        let mut seed = seed.iter().copied().cycle();
        let mut person = row(c.person_table(), &mut seed);
        let own = person[c.dimensions.person.national_number.as_str()]
            .as_str()
            .unwrap()
            .to_owned();
        person.insert(
            c.dimensions.person.civil_record_id.to_string(),
            Json::String("CR-1".into()),
        );
        let household = Household {
            civil_record_id: "CR-1".into(),
            booklet: Some(row(c.household_table(), &mut seed)),
            members: (0..members)
                .map(|_| row(c.person_table(), &mut seed))
                .collect(),
        };
        let records = tables
            .iter()
            .map(|&i| {
                let t = &c.tables[i % c.tables.len()];
                (
                    t.name.to_string(),
                    vec![row(t, &mut seed), row(t, &mut seed)],
                )
            })
            .collect();
        PersonRecord {
            national_number: own,
            person: Some(person),
            household: Some(household),
            records,
        }
    }

    /// The model: may `consumer`, holding `held`, see `column` of `table`?
    fn may_see(consumer: &Ident, held: &BTreeSet<String>, table: &str, column: &str) -> bool {
        let t = catalog().table(table).unwrap();
        t.custodian() == consumer
            || (held.contains(table) && held.contains(&format!("{table}.{column}")))
    }

    fn shown_maps(r: &PersonRecord) -> Vec<(String, &Map<String, Json>)> {
        let c = catalog();
        let mut out = Vec::new();
        let pt = c.person_table().name.to_string();
        if let Some(p) = &r.person {
            out.push((pt.clone(), p));
        }
        if let Some(h) = &r.household {
            if let Some(b) = &h.booklet {
                out.push((c.household_table().name.to_string(), b));
            }
            for m in &h.members {
                out.push((pt.clone(), m));
            }
        }
        for (t, rows) in &r.records {
            for m in rows {
                out.push((t.clone(), m));
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn a_lookup_shows_the_granted_and_names_everyone_it_is_about(
            consumer in prop::sample::select(vec!["NAF", "MOSD", "CSPD", "DVLD"]),
            mask in prop::collection::vec(prop::bool::weighted(0.4), 2000),
            members in 0usize..4,
            tables in prop::collection::vec(0usize..100, 0..6),
            seed in prop::collection::vec(any::<u8>(), 1..40),
        ) {
            let c = catalog();
            let consumer = Ident::parse(consumer).unwrap();
            let all = targets();
            let held: Vec<Target> = all
                .iter()
                .zip(mask.iter().cycle())
                .filter(|(_, on)| **on)
                .map(|(t, _)| t.clone())
                .collect();
            let names: BTreeSet<String> = held
                .iter()
                .map(|t| match t {
                    Target::Table { table } => table.to_string(),
                    Target::Column { table, column } => format!("{table}.{column}"),
                    _ => unreachable!(),
                })
                .collect();
            let grants = Grants::new(consumer.clone(), held);
            let input = record(members, &tables, &seed);
            let input_persons: BTreeSet<String> = shown_maps(&input)
                .iter()
                .flat_map(|(t, m)| {
                    let t = c.table(t).unwrap();
                    t.columns
                        .iter()
                        .filter(|col| col.ty == ColumnType::NationalNumber)
                        .filter_map(|col| m.get(col.name.as_str()).and_then(|v| v.as_str()))
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect();
            let pt = c.person_table().name.to_string();
            let cr = c.dimensions.person.civil_record_id.to_string();
            let ht = c.household_table().name.to_string();
            let hcr = c.dimensions.household.civil_record_id.to_string();
            let household_seen =
                may_see(&consumer, &names, &pt, &cr) || may_see(&consumer, &names, &ht, &hcr);
            let Some(v) = visible(c, &Sight::Granted(&grants), input.clone()) else {
                // Nothing shown: not a single column of the record was to be seen.
                let mut outside = input.clone();
                if !household_seen {
                    outside.household = None;
                }
                for (t, m) in shown_maps(&outside) {
                    for k in m.keys().filter(|k| *k != "_lineage") {
                        prop_assert!(!may_see(&consumer, &names, &t, k), "{t}.{k} hidden");
                    }
                }
                return Ok(());
            };
            if v.record.household.is_some() {
                prop_assert!(household_seen, "a household shown without its civil record id granted");
            }
            let about: BTreeSet<String> = v.about.iter().cloned().collect();
            prop_assert!(about.contains(&input.national_number));
            prop_assert!(about.is_subset(&input_persons.iter().cloned().chain([input.national_number.clone()]).collect()));
            for (t, m) in shown_maps(&v.record) {
                for k in m.keys().filter(|k| *k != "_lineage") {
                    prop_assert!(may_see(&consumer, &names, &t, k), "{t}.{k} shown");
                    let col = c.table(&t).unwrap().column(k).unwrap();
                    if col.ty == ColumnType::NationalNumber {
                        let shown = m[k].as_str().unwrap();
                        prop_assert!(about.contains(shown), "{shown} shown in {t}.{k}, not in about");
                    }
                }
            }
            // Each member shown is someone the answer is about, whether or not their national
            // number is itself shown.
            if let (Some(h_in), Some(h_out)) = (&input.household, &v.record.household) {
                let nn_col = c.dimensions.person.national_number.as_str();
                let shown_members = h_out.members.len();
                let member_persons: BTreeSet<String> = h_in
                    .members
                    .iter()
                    .filter(|m| m.keys().any(|k| k != "_lineage" && may_see(&consumer, &names, &pt, k)))
                    .map(|m| m[nn_col].as_str().unwrap().to_owned())
                    .collect();
                prop_assert_eq!(shown_members > 0, !member_persons.is_empty());
                prop_assert!(member_persons.is_subset(&about));
            }
        }
    }
}
