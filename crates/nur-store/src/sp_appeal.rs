//! NUR-SP appeals storage: an appeal, each step of its review by a named officer, and the
//! documents that came with it. A step is written only from the state it was read in.

use crate::access::append;
use crate::sql::{Cell, P};
use crate::{Result, Store};
use nur_core::audit::NewEvent;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AppealRow {
    pub id: String,
    pub household: String,
    pub program: String,
    /// The decision appealed (selected, waitlisted, not_eligible, or a cycle's stop).
    pub decision: String,
    pub run: Option<String>,
    pub state: String,
    pub reason: String,
    pub submitted_by: String,
    /// citizen or caseworker.
    pub submitter_kind: String,
    pub submitted_at_ms: i64,
    pub due_at_ms: i64,
    pub decided_at_ms: Option<i64>,
    /// The cycle in which an overturned decision took effect.
    pub applied_cycle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AppealStepRow {
    pub seq: i64,
    pub state: String,
    pub officer: String,
    pub note: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DocumentRow {
    pub seq: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub bytes: i64,
    /// The content, hex-encoded (both backends keep it as text).
    #[serde(skip)]
    pub content: String,
}

const APPEAL_COLUMNS: &str = "id, household, program, decision, run, state, reason, submitted_by, submitter_kind, submitted_at, due_at, decided_at, applied_cycle";

fn appeal_row(r: &[Cell]) -> AppealRow {
    AppealRow {
        id: r[0].text(),
        household: r[1].text(),
        program: r[2].text(),
        decision: r[3].text(),
        run: r[4].opt_text(),
        state: r[5].text(),
        reason: r[6].text(),
        submitted_by: r[7].text(),
        submitter_kind: r[8].text(),
        submitted_at_ms: r[9].int(),
        due_at_ms: r[10].int(),
        decided_at_ms: r[11].opt_int(),
        applied_cycle: r[12].opt_text(),
    }
}

/// Which appeals to list.
#[derive(Debug, Clone, Copy)]
pub enum AppealFilter<'a> {
    Household(&'a str),
    State(&'a str),
    /// Not decided and past their deadline at this time.
    OverdueAt(i64),
    /// Overturned and not yet applied, of a program.
    ToApply(&'a str),
    All,
}

impl Store {
    /// Writes a new appeal with its documents, its first step and its event.
    pub fn sp_put_appeal(
        &self,
        a: &AppealRow,
        documents: &[DocumentRow],
        step: &AppealStepRow,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                &format!("INSERT INTO sp_appeal ({APPEAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)"),
                &[
                    (&a.id).into(),
                    (&a.household).into(),
                    (&a.program).into(),
                    (&a.decision).into(),
                    a.run.as_deref().map_or(P::Null, P::Text),
                    (&a.state).into(),
                    (&a.reason).into(),
                    (&a.submitted_by).into(),
                    (&a.submitter_kind).into(),
                    a.submitted_at_ms.into(),
                    a.due_at_ms.into(),
                ],
            )?;
            for d in documents {
                tx.exec(
                    "INSERT INTO sp_appeal_document (appeal, seq, name, content_type, sha256, bytes, content) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[(&a.id).into(), d.seq.into(), (&d.name).into(), (&d.content_type).into(), (&d.sha256).into(), d.bytes.into(), (&d.content).into()],
                )?;
            }
            put_step(tx, &a.id, step)?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// Moves an appeal from `from` to the step's state, with the step and its event. False
    /// when it was no longer in `from`.
    pub fn sp_appeal_step(
        &self,
        id: &str,
        from: &str,
        step: &AppealStepRow,
        decided: bool,
        event: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE sp_appeal SET state = $3, decided_at = COALESCE($4, decided_at) WHERE id = $1 AND state = $2",
                &[id.into(), from.into(), (&step.state).into(), if decided { P::Int(step.at_ms) } else { P::Null }],
            )?;
            if n == 0 {
                return Ok(false);
            }
            put_step(tx, id, step)?;
            append(tx, event)?;
            Ok(true)
        })
    }

    pub fn sp_appeal(&self, id: &str) -> Result<Option<AppealRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("SELECT {APPEAL_COLUMNS} FROM sp_appeal WHERE id = $1"),
                    &[id.into()],
                )?
                .map(|r| appeal_row(&r)))
        })
    }

    /// Appeals, the oldest deadline first, at most `limit`.
    pub fn sp_appeals(&self, filter: AppealFilter<'_>, limit: u32) -> Result<Vec<AppealRow>> {
        self.read(|tx| {
            let lim = i64::from(limit);
            let sel = format!("SELECT {APPEAL_COLUMNS} FROM sp_appeal");
            let rows = match filter {
                AppealFilter::Household(h) => tx.rows(
                    &format!("{sel} WHERE household = $1 ORDER BY submitted_at DESC LIMIT $2"),
                    &[h.into(), lim.into()],
                )?,
                AppealFilter::State(s) => tx.rows(
                    &format!("{sel} WHERE state = $1 ORDER BY due_at, id LIMIT $2"),
                    &[s.into(), lim.into()],
                )?,
                AppealFilter::OverdueAt(now) => tx.rows(
                    &format!("{sel} WHERE state IN ('submitted', 'under_review') AND due_at < $1 ORDER BY due_at, id LIMIT $2"),
                    &[now.into(), lim.into()],
                )?,
                AppealFilter::ToApply(p) => tx.rows(
                    &format!("{sel} WHERE program = $1 AND state = 'overturned' AND applied_cycle IS NULL ORDER BY id LIMIT $2"),
                    &[p.into(), lim.into()],
                )?,
                AppealFilter::All => tx.rows(
                    &format!("{sel} ORDER BY submitted_at DESC, id LIMIT $1"),
                    &[lim.into()],
                )?,
            };
            Ok(rows.iter().map(|r| appeal_row(r)).collect())
        })
    }

    pub fn sp_appeal_steps(&self, id: &str) -> Result<Vec<AppealStepRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT seq, state, officer, note, at FROM sp_appeal_step WHERE appeal = $1 ORDER BY seq",
                    &[id.into()],
                )?
                .iter()
                .map(|r| AppealStepRow {
                    seq: r[0].int(),
                    state: r[1].text(),
                    officer: r[2].text(),
                    note: r[3].text(),
                    at_ms: r[4].int(),
                })
                .collect())
        })
    }

    pub fn sp_appeal_documents(&self, id: &str) -> Result<Vec<DocumentRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT seq, name, content_type, sha256, bytes, content FROM sp_appeal_document WHERE appeal = $1 ORDER BY seq",
                    &[id.into()],
                )?
                .iter()
                .map(|r| DocumentRow {
                    seq: r[0].int(),
                    name: r[1].text(),
                    content_type: r[2].text(),
                    sha256: r[3].text(),
                    bytes: r[4].int(),
                    content: r[5].text(),
                })
                .collect())
        })
    }
}

fn put_step(tx: &mut dyn crate::sql::Tx, id: &str, step: &AppealStepRow) -> Result<()> {
    let seq = tx
        .row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM sp_appeal_step WHERE appeal = $1",
            &[id.into()],
        )?
        .map_or(1, |r| r[0].int());
    tx.exec(
        "INSERT INTO sp_appeal_step (appeal, seq, state, officer, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[id.into(), seq.into(), (&step.state).into(), (&step.officer).into(), (&step.note).into(), step.at_ms.into()],
    )?;
    Ok(())
}
