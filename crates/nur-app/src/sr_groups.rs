//! The social registry's households as groups, for the DCI Social Registry: each with its
//! facts, its current poverty score and the model that gave it, when it registered and when
//! its facts were last computed. Only the program entity's clients (and the operator) read
//! them, as only they handle applications; the members' own records are read separately
//! through [`App::search_persons`], under the caller's grants and audited.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_store::GroupRow;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// A household as a group.
#[derive(Debug, Clone, PartialEq)]
pub struct SrGroup {
    pub household: String,
    pub application: Option<String>,
    /// The facts' values by name (`members`, `governorate`, `disabled`, …).
    pub facts: Map<String, Json>,
    /// The current score (the model's units), and the model's name and version.
    pub score: Option<f64>,
    pub score_type: Option<String>,
    pub registered_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

#[derive(serde::Deserialize)]
struct Values {
    #[serde(default)]
    values: Map<String, Json>,
}

impl App {
    /// Groups after `after` by household id, at most `limit` (a scan's batch).
    pub fn sr_groups_after(
        &self,
        caller: &Caller,
        after: &str,
        limit: u32,
    ) -> Result<Vec<SrGroup>> {
        self.may_handle(caller)?;
        let rows = self.store.sr_groups_after(after, limit.clamp(1, 5_000))?;
        self.groups(rows)
    }

    /// The groups of these households that the registry holds.
    pub fn sr_groups_of(&self, caller: &Caller, households: &[&str]) -> Result<Vec<SrGroup>> {
        self.may_handle(caller)?;
        let rows = self.store.sr_groups_of(households)?;
        self.groups(rows)
    }

    /// The persons a group's application lists (empty for a household that never applied).
    pub fn sr_listed_members(&self, caller: &Caller, group: &SrGroup) -> Result<Vec<String>> {
        self.may_handle(caller)?;
        match &group.application {
            Some(a) => Ok(self.store.sr_application_members(a)?),
            None => Ok(Vec::new()),
        }
    }

    fn groups(&self, rows: Vec<GroupRow>) -> Result<Vec<SrGroup>> {
        let mut models: BTreeMap<i64, Option<String>> = BTreeMap::new();
        rows.into_iter()
            .map(|r| {
                let facts = serde_json::from_str::<Values>(&r.facts)
                    .map_err(|e| {
                        AppError::internal(format!("stored facts of {}: {e}", r.household))
                    })?
                    .values;
                let score_type = match r.model_version {
                    Some(v) => match models.get(&v) {
                        Some(n) => n.clone(),
                        None => {
                            let n = self
                                .store
                                .sp_model(Some(v))?
                                .map(|m| format!("{} v{}", m.name, m.version));
                            models.insert(v, n.clone());
                            n
                        }
                    },
                    None => None,
                };
                Ok(SrGroup {
                    household: r.household,
                    application: r.application,
                    facts,
                    score: r.score_micro.map(|s| s as f64 / 1e6),
                    score_type,
                    registered_at_ms: r.submitted_at_ms,
                    updated_at_ms: r.computed_at_ms,
                })
            })
            .collect()
    }
}
