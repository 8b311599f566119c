//! Granting and revoking: a custodian's admin (or the Super Admin, or the operator) decides
//! which consuming entity sees which of its tables, columns, operations and output
//! properties. Each change is checked by [`GrantChange::check`] and written with its history
//! and its audit event in one transaction.

use crate::caller::Caller;
use crate::error::Result;
use crate::App;
use nur_core::grant::{GrantChange, Target};
use nur_core::{Catalog, Ident};
use nur_store::{GrantFilter, GrantRow};
use std::collections::HashSet;

/// Grants a target needs before it means anything: a column needs its table and the
/// table's key (rows without their key cannot be told apart), a property its operation.
pub fn prerequisites(c: &Catalog, t: &Target) -> Vec<Target> {
    match t {
        Target::Column { table, .. } => {
            let mut v = vec![Target::Table {
                table: table.clone(),
            }];
            if let Some(tab) = c.table(table.as_str()) {
                v.extend(tab.key.iter().map(|k| Target::Column {
                    table: table.clone(),
                    column: k.clone(),
                }));
            }
            v
        }
        Target::Property {
            service, operation, ..
        } => {
            vec![Target::Operation {
                service: service.clone(),
                operation: operation.clone(),
            }]
        }
        _ => Vec::new(),
    }
}

impl App {
    /// Grants (`grant`) or revokes one target; returns whether anything changed (granting
    /// twice or revoking what was not granted changes nothing and records nothing).
    pub fn change_grant(&self, caller: &Caller, change: &GrantChange, grant: bool) -> Result<bool> {
        let custodian = change.check(&self.catalog, &caller.actor)?;
        let target = &change.target;
        let mut ev = caller.event(
            if grant { "grant" } else { "revoke" },
            format!("{target} to {}", change.consumer),
        );
        ev.entity = Some(custodian.to_string());
        ev.columns = vec![target.to_string()];
        Ok(self.store.change_grant(
            grant,
            change.consumer.as_str(),
            custodian.as_str(),
            target,
            ev,
        )?)
    }

    /// Brings each target to the wanted state (granted or not), granting what a target needs
    /// along with it; returns how many grants changed. Targets of custodians the caller does
    /// not administer are refused.
    pub fn set_grants(&self, caller: &Caller, wanted: &[(GrantChange, bool)]) -> Result<i64> {
        // What is held now, so that unchanged targets cost no write.
        let mut held: HashSet<(Ident, Target)> = HashSet::new();
        let consumers: HashSet<&Ident> = wanted.iter().map(|(c, _)| &c.consumer).collect();
        for consumer in consumers {
            for t in self.store.grants_of(consumer.as_str())? {
                held.insert((consumer.clone(), t));
            }
        }
        let mut changes = 0;
        for (change, want) in wanted {
            let key = (change.consumer.clone(), change.target.clone());
            if *want == held.contains(&key) {
                continue;
            }
            if *want {
                for pre in prerequisites(&self.catalog, &change.target) {
                    let pre_key = (change.consumer.clone(), pre.clone());
                    if held.contains(&pre_key) {
                        continue;
                    }
                    let pre = GrantChange {
                        consumer: change.consumer.clone(),
                        target: pre,
                    };
                    changes += i64::from(self.change_grant(caller, &pre, true)?);
                    held.insert(pre_key);
                }
            }
            changes += i64::from(self.change_grant(caller, change, *want)?);
            if *want {
                held.insert(key);
            } else {
                held.remove(&key);
            }
        }
        Ok(changes)
    }

    /// The custodians whose grants the caller administers.
    pub fn administered_custodians(&self, caller: &Caller) -> Vec<Ident> {
        self.catalog
            .entities
            .iter()
            .filter(|e| caller.actor.administers(&e.code))
            .map(|e| e.code.clone())
            .collect()
    }

    /// Grants as stored, for listing (`nur grants`, the privilege matrices): an Entity
    /// Admin sees the grants its entity gave; the Super Admin and the operator every grant.
    pub fn grants(&self, caller: &Caller, filter: &GrantFilter) -> Result<Vec<GrantRow>> {
        let mut f = filter.clone();
        if !caller.actor.administers_all() {
            let mine = caller.consumer()?.to_string();
            if f.custodian.as_ref().is_some_and(|c| *c != mine) {
                return Ok(Vec::new());
            }
            f.custodian = Some(mine);
        }
        Ok(self.store.grants(&f)?)
    }
}
