//! NUR-SP targeting storage: models, scores, programs, the truth, runs and decisions.
//! Every publication is written with its audit event in one transaction; a run and its
//! entries are written once and never changed.

use crate::access::append;
use crate::sql::{Cell, Tx, P};
use crate::{now_ms, Result, Store};
use nur_core::audit::NewEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub version: i64,
    pub name: String,
    pub definition: String,
    pub published_by: String,
    pub published_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub household: String,
    pub model_version: i64,
    pub variant: String,
    /// ln predicted consumption per person, in millionths; none when it failed.
    pub score_micro: Option<i64>,
    /// The terms' values and contributions (JSON), aligned with the variant's terms.
    pub terms: String,
    pub error: Option<String>,
    pub scored_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProgramRow {
    pub code: String,
    pub version: i64,
    pub status: String,
    pub owner: String,
    pub definition: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub published_by: Option<String>,
    pub published_at_ms: Option<i64>,
}

/// What targeting reads of one household.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInput {
    pub household: String,
    pub applied: bool,
    pub facts: String,
    pub score_micro: Option<i64>,
    pub poor: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRow {
    pub id: String,
    pub program: String,
    pub program_version: i64,
    pub model_version: i64,
    pub facts_as_of_ms: i64,
    pub params: String,
    pub population: String,
    pub summary: String,
    pub errors: String,
    pub created_by: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EntryRow {
    pub rank: i64,
    pub household: String,
    pub score_micro: i64,
    pub members: i64,
    pub governorate: String,
    pub head_female: bool,
    pub decile: i64,
    pub benefit_fils: i64,
    pub poor: Option<bool>,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionRow {
    pub household: String,
    pub program: String,
    pub run: String,
    pub state: String,
    pub previous: String,
    pub score_micro: Option<i64>,
    pub position: Option<i64>,
    pub cause: String,
    pub decided_at_ms: i64,
}

/// A household's facts with its score and truth (what targeting reads of it).
const TARGET_INPUT: &str =
    "SELECT h.household, h.application, h.facts, s.score_micro, t.poor FROM sp_household h \
     LEFT JOIN sp_score s ON s.household = h.household \
     LEFT JOIN sp_truth t ON t.household = h.household";
const PROGRAM_COLUMNS: &str =
    "code, version, status, owner, definition, created_by, created_at, published_by, published_at";
const RUN_COLUMNS: &str = "id, program, program_version, model_version, facts_as_of, params, population, summary, errors, created_by, created_at";
const ENTRY_COLUMNS: &str = "rank, household, score_micro, members, governorate, head_female, decile, benefit_fils, poor, selected";

fn program_row(r: &[Cell]) -> ProgramRow {
    ProgramRow {
        code: r[0].text(),
        version: r[1].int(),
        status: r[2].text(),
        owner: r[3].text(),
        definition: r[4].text(),
        created_by: r[5].text(),
        created_at_ms: r[6].int(),
        published_by: r[7].opt_text(),
        published_at_ms: r[8].opt_int(),
    }
}

fn run_row(r: &[Cell]) -> RunRow {
    RunRow {
        id: r[0].text(),
        program: r[1].text(),
        program_version: r[2].int(),
        model_version: r[3].int(),
        facts_as_of_ms: r[4].int(),
        params: r[5].text(),
        population: r[6].text(),
        summary: r[7].text(),
        errors: r[8].text(),
        created_by: r[9].text(),
        created_at_ms: r[10].int(),
    }
}

fn entry_row(r: &[Cell]) -> EntryRow {
    EntryRow {
        rank: r[0].int(),
        household: r[1].text(),
        score_micro: r[2].int(),
        members: r[3].int(),
        governorate: r[4].text(),
        head_female: r[5].int() != 0,
        decile: r[6].int(),
        benefit_fils: r[7].int(),
        poor: r[8].opt_int().map(|p| p != 0),
        selected: r[9].int() != 0,
    }
}

fn target_input(r: &[Cell]) -> TargetInput {
    TargetInput {
        household: r[0].text(),
        applied: r[1].opt_text().is_some(),
        facts: r[2].text(),
        score_micro: r[3].opt_int(),
        poor: r[4].opt_int().map(|p| p != 0),
    }
}

fn opt_int(v: Option<i64>) -> P<'static> {
    v.map_or(P::Null, P::Int)
}

impl Store {
    /// Publishes a model under the next version, with its event.
    pub fn sp_publish_model(
        &self,
        name: &str,
        definition: &dyn Fn(i64) -> String,
        by: &str,
        event: NewEvent,
    ) -> Result<i64> {
        self.write(|tx| {
            let version = tx
                .row("SELECT COALESCE(MAX(version), 0) + 1 FROM sp_pmt_model", &[])?
                .map_or(1, |r| r[0].int());
            tx.exec(
                "INSERT INTO sp_pmt_model (version, name, definition, published_by, published_at) VALUES ($1, $2, $3, $4, $5)",
                &[version.into(), name.into(), (&definition(version)).into(), by.into(), now_ms().into()],
            )?;
            let mut event = event;
            event.target = format!("{name} v{version}");
            append(tx, event)?;
            Ok(version)
        })
    }

    /// A published model: `version`, or the newest.
    pub fn sp_model(&self, version: Option<i64>) -> Result<Option<ModelRow>> {
        self.read(|tx| {
            let sql =
                "SELECT version, name, definition, published_by, published_at FROM sp_pmt_model";
            let r = match version {
                Some(v) => tx.row(&format!("{sql} WHERE version = $1"), &[v.into()])?,
                None => tx.row(&format!("{sql} ORDER BY version DESC LIMIT 1"), &[])?,
            };
            Ok(r.map(|r| ModelRow {
                version: r[0].int(),
                name: r[1].text(),
                definition: r[2].text(),
                published_by: r[3].text(),
                published_at_ms: r[4].int(),
            }))
        })
    }

    /// Writes scores and moves the job's cursor, in one transaction.
    pub fn sp_put_scores(&self, rows: &[ScoreRow], job: Option<(&str, &str, i64)>) -> Result<()> {
        self.write(|tx| {
            put_scores(tx, rows)?;
            if let Some((name, cursor, done)) = job {
                tx.exec(
                    "UPDATE sp_job SET cursor = $2, done = done + $3, updated_at = $4 WHERE name = $1",
                    &[name.into(), cursor.into(), done.into(), now_ms().into()],
                )?;
            }
            Ok(())
        })
    }

    pub fn sp_score(&self, household: &str) -> Result<Option<ScoreRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT household, model_version, variant, score_micro, terms, error, scored_at FROM sp_score WHERE household = $1",
                    &[household.into()],
                )?
                .map(|r| ScoreRow {
                    household: r[0].text(),
                    model_version: r[1].int(),
                    variant: r[2].text(),
                    score_micro: r[3].opt_int(),
                    terms: r[4].text(),
                    error: r[5].opt_text(),
                    scored_at_ms: r[6].int(),
                }))
        })
    }

    /// Households after `after` (keyset), with whether they applied, their facts, score and
    /// truth: what scoring and targeting read, a batch at a time.
    pub fn sp_target_inputs(&self, after: &str, limit: u32) -> Result<Vec<TargetInput>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{TARGET_INPUT} WHERE h.household > $1 ORDER BY h.household LIMIT $2"),
                    &[after.into(), i64::from(limit).into()],
                )?
                .iter()
                .map(|r| target_input(r))
                .collect())
        })
    }

    /// One household's targeting input.
    pub fn sp_target_input(&self, household: &str) -> Result<Option<TargetInput>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("{TARGET_INPUT} WHERE h.household = $1"),
                    &[household.into()],
                )?
                .map(|r| target_input(&r)))
        })
    }

    /// Replaces the truth (household, consumption per person in fils, poor) from `source`.
    pub fn sp_put_truth(&self, rows: &[(String, i64, bool)], source: &str) -> Result<u64> {
        self.write(|tx| {
            let params: Vec<Vec<P<'_>>> = rows
                .iter()
                .map(|(h, fils, poor)| vec![h.into(), (*fils).into(), i64::from(*poor).into(), source.into()])
                .collect();
            tx.exec_many(
                "INSERT INTO sp_truth (household, consumption_pc_fils, poor, source) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (household) DO UPDATE SET consumption_pc_fils = excluded.consumption_pc_fils, poor = excluded.poor, source = excluded.source",
                &params,
            )
        })
    }

    /// Saves a program version (a draft, or published at once) with its event; the version
    /// is the next of its code.
    pub fn sp_put_program(
        &self,
        code: &str,
        owner: &str,
        definition: &dyn Fn(i64) -> String,
        publish: bool,
        by: &str,
        event: NewEvent,
    ) -> Result<i64> {
        self.write(|tx| {
            let version = tx
                .row(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM sp_program WHERE code = $1",
                    &[code.into()],
                )?
                .map_or(1, |r| r[0].int());
            let now = now_ms();
            let status = if publish { "published" } else { "draft" };
            tx.exec(
                "INSERT INTO sp_program (code, version, status, owner, definition, created_by, created_at, published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    code.into(),
                    version.into(),
                    status.into(),
                    owner.into(),
                    (&definition(version)).into(),
                    by.into(),
                    now.into(),
                    if publish { P::Text(by) } else { P::Null },
                    if publish { P::Int(now) } else { P::Null },
                ],
            )?;
            let mut event = event;
            event.target = format!("{code} v{version}");
            append(tx, event)?;
            Ok(version)
        })
    }

    /// Publishes a draft (it becomes the version targeting uses), with its event. False
    /// when there is no such draft.
    pub fn sp_publish_program(
        &self,
        code: &str,
        version: i64,
        by: &str,
        event: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE sp_program SET status = 'published', published_by = $3, published_at = $4 WHERE code = $1 AND version = $2 AND status = 'draft'",
                &[code.into(), version.into(), by.into(), now_ms().into()],
            )?;
            if n == 1 {
                append(tx, event)?;
            }
            Ok(n == 1)
        })
    }

    /// A program's version: `version`, or the newest published.
    pub fn sp_program(&self, code: &str, version: Option<i64>) -> Result<Option<ProgramRow>> {
        self.read(|tx| {
            let r = match version {
                Some(v) => tx.row(
                    &format!("SELECT {PROGRAM_COLUMNS} FROM sp_program WHERE code = $1 AND version = $2"),
                    &[code.into(), v.into()],
                )?,
                None => tx.row(
                    &format!("SELECT {PROGRAM_COLUMNS} FROM sp_program WHERE code = $1 AND status = 'published' ORDER BY version DESC LIMIT 1"),
                    &[code.into()],
                )?,
            };
            Ok(r.map(|r| program_row(&r)))
        })
    }

    /// Every version of every program, by code then version.
    pub fn sp_programs(&self) -> Result<Vec<ProgramRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {PROGRAM_COLUMNS} FROM sp_program ORDER BY code, version"),
                    &[],
                )?
                .iter()
                .map(|r| program_row(r))
                .collect())
        })
    }

    /// Writes a run and its ranked entries, with its event, once.
    pub fn sp_put_run(&self, run: &RunRow, entries: &[EntryRow], event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                &format!("INSERT INTO sp_target_run ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
                &[
                    (&run.id).into(),
                    (&run.program).into(),
                    run.program_version.into(),
                    run.model_version.into(),
                    run.facts_as_of_ms.into(),
                    (&run.params).into(),
                    (&run.population).into(),
                    (&run.summary).into(),
                    (&run.errors).into(),
                    (&run.created_by).into(),
                    run.created_at_ms.into(),
                ],
            )?;
            for chunk in entries.chunks(5000) {
                let rows: Vec<Vec<P<'_>>> = chunk
                    .iter()
                    .map(|e| {
                        vec![
                            (&run.id).into(),
                            e.rank.into(),
                            (&e.household).into(),
                            e.score_micro.into(),
                            e.members.into(),
                            (&e.governorate).into(),
                            i64::from(e.head_female).into(),
                            e.decile.into(),
                            e.benefit_fils.into(),
                            opt_int(e.poor.map(i64::from)),
                            i64::from(e.selected).into(),
                        ]
                    })
                    .collect();
                tx.exec_many(
                    &format!("INSERT INTO sp_target_entry (run, {ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
                    &rows,
                )?;
            }
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn sp_run(&self, id: &str) -> Result<Option<RunRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("SELECT {RUN_COLUMNS} FROM sp_target_run WHERE id = $1"),
                    &[id.into()],
                )?
                .map(|r| run_row(&r)))
        })
    }

    /// The runs of a program (every program when none), newest first.
    pub fn sp_runs(&self, program: Option<&str>, limit: u32) -> Result<Vec<RunRow>> {
        self.read(|tx| {
            let rows = match program {
                Some(p) => tx.rows(
                    &format!("SELECT {RUN_COLUMNS} FROM sp_target_run WHERE program = $1 ORDER BY created_at DESC, id DESC LIMIT $2"),
                    &[p.into(), i64::from(limit).into()],
                )?,
                None => tx.rows(
                    &format!("SELECT {RUN_COLUMNS} FROM sp_target_run ORDER BY created_at DESC, id DESC LIMIT $1"),
                    &[i64::from(limit).into()],
                )?,
            };
            Ok(rows.iter().map(|r| run_row(r)).collect())
        })
    }

    /// A run's entries from rank `from` (1-based), at most `limit`.
    pub fn sp_run_entries(&self, run: &str, from: i64, limit: i64) -> Result<Vec<EntryRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {ENTRY_COLUMNS} FROM sp_target_entry WHERE run = $1 AND rank >= $2 ORDER BY rank LIMIT $3"),
                    &[run.into(), from.into(), limit.into()],
                )?
                .iter()
                .map(|r| entry_row(r))
                .collect())
        })
    }

    /// A household's entry in a run, if it was eligible there.
    pub fn sp_run_entry(&self, run: &str, household: &str) -> Result<Option<EntryRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("SELECT {ENTRY_COLUMNS} FROM sp_target_entry WHERE household = $1 AND run = $2"),
                    &[household.into(), run.into()],
                )?
                .map(|r| entry_row(&r)))
        })
    }

    /// How many of a run's eligible households score below `score_micro`.
    pub fn sp_run_position(&self, run: &str, score_micro: i64) -> Result<i64> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT COUNT(*) FROM sp_target_entry WHERE run = $1 AND score_micro < $2",
                    &[run.into(), score_micro.into()],
                )?
                .map_or(0, |r| r[0].int()))
        })
    }

    /// Re-scores a household and records the decisions that changed, with their events,
    /// in one transaction.
    pub fn sp_reevaluated(
        &self,
        score: &ScoreRow,
        decisions: &[DecisionRow],
        events: Vec<NewEvent>,
    ) -> Result<()> {
        self.write(|tx| {
            put_scores(tx, std::slice::from_ref(score))?;
            for d in decisions {
                let seq = tx
                    .row(
                        "SELECT COALESCE(MAX(seq), 0) + 1 FROM sp_decision WHERE household = $1 AND program = $2",
                        &[(&d.household).into(), (&d.program).into()],
                    )?
                    .map_or(1, |r| r[0].int());
                tx.exec(
                    "INSERT INTO sp_decision (household, program, seq, run, state, previous, score_micro, position, cause, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[
                        (&d.household).into(),
                        (&d.program).into(),
                        seq.into(),
                        (&d.run).into(),
                        (&d.state).into(),
                        (&d.previous).into(),
                        opt_int(d.score_micro),
                        opt_int(d.position),
                        (&d.cause).into(),
                        d.decided_at_ms.into(),
                    ],
                )?;
            }
            for e in events {
                append(tx, e)?;
            }
            Ok(())
        })
    }

    /// A household's decisions as re-evaluation recorded them, newest first.
    pub fn sp_decisions(&self, household: &str) -> Result<Vec<DecisionRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT household, program, run, state, previous, score_micro, position, cause, decided_at FROM sp_decision WHERE household = $1 ORDER BY decided_at DESC, seq DESC",
                    &[household.into()],
                )?
                .into_iter()
                .map(|r| DecisionRow {
                    household: r[0].text(),
                    program: r[1].text(),
                    run: r[2].text(),
                    state: r[3].text(),
                    previous: r[4].text(),
                    score_micro: r[5].opt_int(),
                    position: r[6].opt_int(),
                    cause: r[7].text(),
                    decided_at_ms: r[8].int(),
                })
                .collect())
        })
    }

    /// How many households have facts.
    pub fn sp_facts_count(&self) -> Result<i64> {
        self.read(|tx| {
            Ok(tx
                .row("SELECT COUNT(*) FROM sp_household", &[])?
                .map_or(0, |r| r[0].int()))
        })
    }

    /// When the newest facts were computed.
    pub fn sp_facts_as_of(&self) -> Result<i64> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT COALESCE(MAX(computed_at), 0) FROM sp_household",
                    &[],
                )?
                .map_or(0, |r| r[0].int()))
        })
    }
}

fn put_scores(tx: &mut dyn Tx, rows: &[ScoreRow]) -> Result<()> {
    let params: Vec<Vec<P<'_>>> = rows
        .iter()
        .map(|s| {
            vec![
                (&s.household).into(),
                s.model_version.into(),
                (&s.variant).into(),
                opt_int(s.score_micro),
                (&s.terms).into(),
                s.error.as_deref().into(),
                s.scored_at_ms.into(),
            ]
        })
        .collect();
    tx.exec_many(
        "INSERT INTO sp_score (household, model_version, variant, score_micro, terms, error, scored_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (household) DO UPDATE SET model_version = excluded.model_version, variant = excluded.variant, score_micro = excluded.score_micro, terms = excluded.terms, error = excluded.error, scored_at = excluded.scored_at",
        &params,
    )?;
    Ok(())
}

/// What targeting reads of the households bound to `$1 … $n`.
pub(crate) fn target_inputs_in(tx: &mut dyn Tx, params: &[P<'_>]) -> Result<Vec<TargetInput>> {
    Ok(tx
        .rows(
            &format!(
                "{TARGET_INPUT} WHERE h.household IN ({})",
                crate::sp_pay::placeholders(1, params.len())
            ),
            params,
        )?
        .iter()
        .map(|r| target_input(r))
        .collect())
}

/// A run's selected households, by rank.
pub(crate) fn run_selected(tx: &mut dyn Tx, run: &str) -> Result<Vec<EntryRow>> {
    Ok(tx
        .rows(
            &format!("SELECT {ENTRY_COLUMNS} FROM sp_target_entry WHERE run = $1 AND selected = 1 ORDER BY rank"),
            &[run.into()],
        )?
        .iter()
        .map(|r| entry_row(r))
        .collect())
}
