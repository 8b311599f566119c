//! The social registry as DCI reads it: groups (households) with their facts, current
//! score and registration, a batch at a time or by id; the members an application lists;
//! and the registry's own event (a household registers by submitting an application),
//! fanned out to the subscriptions that wait for it in the transaction that writes it.

use crate::sp_pay::placeholders;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store};

/// The pseudo-table SR `REGISTER` subscriptions listen on (no registry table is named so:
/// catalog names carry no dot).
pub const REGISTER_EVENTS: &str = "sp.register";

/// A household as a DCI group reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub household: String,
    pub application: Option<String>,
    /// JSON: the facts (`values`) and the inputs they came from.
    pub facts: String,
    pub computed_at_ms: i64,
    pub score_micro: Option<i64>,
    pub model_version: Option<i64>,
    /// When the application the facts came from was submitted.
    pub submitted_at_ms: Option<i64>,
}

const GROUP: &str = "SELECT h.household, h.application, h.facts, h.computed_at, s.score_micro, \
     s.model_version, a.submitted_at FROM sp_household h \
     LEFT JOIN sp_score s ON s.household = h.household \
     LEFT JOIN sp_application a ON a.id = h.application";

fn group(r: &[Cell]) -> GroupRow {
    GroupRow {
        household: r[0].text(),
        application: r[1].opt_text(),
        facts: r[2].text(),
        computed_at_ms: r[3].int(),
        score_micro: r[4].opt_int(),
        model_version: r[5].opt_int(),
        submitted_at_ms: r[6].opt_int(),
    }
}

/// Queues a `REGISTER` event for every live subscription to it (inside the submission's
/// transaction, so a registration is heard of once and never lost).
pub(crate) fn registered(tx: &mut dyn Tx, household: &str, application: &str) -> Result<()> {
    let id = format!("sp\u{1f}{application}\u{1f}{REGISTER_EVENTS}\u{1f}{household}\u{1f}");
    tx.exec(
        "INSERT INTO dci_event (id, subscription, table_name, op, row_key, person, source, created_at) \
         SELECT $1 || code, code, $2, 'upsert', $3, NULL, 'sp', $4 FROM dci_subscription \
         WHERE table_name = $2 AND ended_at IS NULL ON CONFLICT (id) DO NOTHING",
        &[id.as_str().into(), REGISTER_EVENTS.into(), household.into(), now_ms().into()],
    )?;
    Ok(())
}

impl Store {
    /// Groups after `after` (keyset, by household), at most `limit`.
    pub fn sr_groups_after(&self, after: &str, limit: u32) -> Result<Vec<GroupRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{GROUP} WHERE h.household > $1 ORDER BY h.household LIMIT $2"),
                    &[after.into(), i64::from(limit).into()],
                )?
                .iter()
                .map(|r| group(r))
                .collect())
        })
    }

    /// The groups of these households that the registry holds, by household.
    pub fn sr_groups_of(&self, households: &[&str]) -> Result<Vec<GroupRow>> {
        self.read(|tx| {
            let mut out = Vec::with_capacity(households.len());
            for chunk in households.chunks(500) {
                let sql = format!(
                    "{GROUP} WHERE h.household IN ({}) ORDER BY h.household",
                    placeholders(1, chunk.len())
                );
                let params: Vec<_> = chunk.iter().map(|h| (*h).into()).collect();
                out.extend(tx.rows(&sql, &params)?.iter().map(|r| group(r)));
            }
            Ok(out)
        })
    }

    /// The persons an application lists (its members, by national number or personal ID).
    pub fn sr_application_members(&self, application: &str) -> Result<Vec<String>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT member FROM sp_application_member WHERE application = $1 ORDER BY member",
                    &[application.into()],
                )?
                .iter()
                .map(|r| r[0].text())
                .collect())
        })
    }
}
