//! The social registry's tables (migration 0007): applications and their members, the
//! verification of each submission with its discrepancies, household facts, the
//! re-verification outbox and the cursors of national jobs. A submission — the application,
//! its verification, the household's facts and the audit events of the registry reads — is
//! one transaction: it stands or falls whole.

use crate::access::append;
use crate::ddl;
use crate::sql::{Cell, Tx, P};
use crate::{now_ms, Result, Store};
use nur_core::audit::NewEvent;
use nur_core::Catalog;
use serde::Serialize;

/// Counts by a name (applications by status, discrepancies by kind).
pub type Counts = Vec<(String, i64)>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationRow {
    pub id: String,
    pub external_ref: Option<String>,
    pub entity: String,
    pub household: String,
    pub status: String,
    pub channel: String,
    pub form: String,
    pub form_version: i64,
    /// The answers, as JSON text.
    pub answers: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub revision: i64,
}

const APPLICATION_COLUMNS: &str = "id, external_ref, entity, household, status, channel, form, form_version, answers, created_by, created_at, updated_at, submitted_at, revision";

fn application_from(r: &[Cell]) -> ApplicationRow {
    ApplicationRow {
        id: r[0].text(),
        external_ref: r[1].opt_text(),
        entity: r[2].text(),
        household: r[3].text(),
        status: r[4].text(),
        channel: r[5].text(),
        form: r[6].text(),
        form_version: r[7].int(),
        answers: r[8].text(),
        created_by: r[9].text(),
        created_at_ms: r[10].int(),
        updated_at_ms: r[11].int(),
        submitted_at_ms: r[12].opt_int(),
        revision: r[13].int(),
    }
}

/// An application as a door hands it in.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub id: String,
    pub external_ref: Option<String>,
    pub entity: String,
    pub household: String,
    pub channel: String,
    pub form: String,
    pub form_version: i64,
    pub answers: String,
    pub created_by: String,
}

/// Why an application step was not taken (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpConflict {
    /// A member is already in another open application.
    MemberTaken { member: String, application: String },
    /// Only a draft can be changed or submitted.
    NotDraft { status: String },
    /// The draft changed since the caller read it.
    Revision { current: i64 },
    /// The application does not exist.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscrepancyRow {
    pub kind: String,
    pub path: String,
    pub national_number: Option<String>,
    pub source_table: String,
    /// JSON array of the registry rows' keys.
    pub record_keys: String,
    /// JSON of the declared and the registry value.
    pub declared: String,
    pub registry: String,
    pub as_of_ms: Option<i64>,
    pub message_ar: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationRow {
    pub application: String,
    pub household: String,
    pub verified_at_ms: i64,
    pub formal_income_fils: i64,
    pub members_verified: i64,
    /// JSON: what was read (tables, keys, lineage, tables not granted).
    pub snapshot: String,
    pub discrepancies: Vec<DiscrepancyRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactsRow {
    pub household: String,
    pub application: Option<String>,
    pub facts_name: String,
    pub facts_version: i64,
    /// JSON: the facts, and the inputs they came from.
    pub facts: String,
    pub computed_at_ms: i64,
}

/// A submission: the application's final answers and members, its verification, the
/// household's facts, and the audit events (the submission and the registry reads).
#[derive(Debug, Clone)]
pub struct Submission {
    /// A new application submitted at once (an import, an API call without a draft); none
    /// submits the draft `id`.
    pub new: Option<NewApplication>,
    pub id: String,
    pub expected_revision: Option<i64>,
    pub household: String,
    pub answers: String,
    pub members: Vec<String>,
    pub verification: VerificationRow,
    pub facts: FactsRow,
    pub events: Vec<NewEvent>,
}

/// An answer that no longer verifies, as re-verification records it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFailure {
    pub path: String,
    pub message_ar: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRow {
    pub name: String,
    pub cursor: String,
    pub done: i64,
    pub total: i64,
    pub started_at_ms: i64,
    pub updated_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

fn application(tx: &mut dyn Tx, id: &str) -> Result<Option<ApplicationRow>> {
    Ok(tx
        .row(
            &format!("SELECT {APPLICATION_COLUMNS} FROM sp_application WHERE id = $1"),
            &[id.into()],
        )?
        .map(|r| application_from(&r)))
}

/// The first member already in another open application than `id`.
fn taken(tx: &mut dyn Tx, id: &str, members: &[String]) -> Result<Option<SpConflict>> {
    for m in members {
        if let Some(r) = tx.row(
            "SELECT application FROM sp_application_member WHERE member = $1 AND application <> $2",
            &[m.into(), id.into()],
        )? {
            return Ok(Some(SpConflict::MemberTaken {
                member: m.clone(),
                application: r[0].text(),
            }));
        }
    }
    Ok(None)
}

fn set_members(tx: &mut dyn Tx, id: &str, members: &[String]) -> Result<()> {
    tx.exec(
        "DELETE FROM sp_application_member WHERE application = $1",
        &[id.into()],
    )?;
    let rows: Vec<Vec<P<'_>>> = members.iter().map(|m| vec![m.into(), id.into()]).collect();
    tx.exec_many(
        "INSERT INTO sp_application_member (member, application) VALUES ($1, $2)",
        &rows,
    )?;
    Ok(())
}

fn insert_application(tx: &mut dyn Tx, a: &NewApplication, status: &str, now: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO sp_application (id, external_ref, entity, household, status, channel, form, form_version, answers, created_by, created_at, updated_at, submitted_at, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, NULL, 1)",
        &[
            (&a.id).into(),
            a.external_ref.as_deref().into(),
            (&a.entity).into(),
            (&a.household).into(),
            status.into(),
            (&a.channel).into(),
            (&a.form).into(),
            a.form_version.into(),
            (&a.answers).into(),
            (&a.created_by).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

fn put_facts(tx: &mut dyn Tx, f: &FactsRow) -> Result<()> {
    tx.exec(
        "INSERT INTO sp_household (household, application, facts_name, facts_version, facts, computed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (household) DO UPDATE SET application = COALESCE(excluded.application, sp_household.application), facts_name = excluded.facts_name, facts_version = excluded.facts_version, facts = excluded.facts, computed_at = excluded.computed_at",
        &[
            (&f.household).into(),
            f.application.as_deref().into(),
            (&f.facts_name).into(),
            f.facts_version.into(),
            (&f.facts).into(),
            f.computed_at_ms.into(),
        ],
    )?;
    Ok(())
}

fn put_verification(tx: &mut dyn Tx, v: &VerificationRow) -> Result<()> {
    tx.exec(
        "INSERT INTO sp_verification (application, household, verified_at, formal_income_fils, members_verified, discrepancies, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (application) DO UPDATE SET household = excluded.household, verified_at = excluded.verified_at, formal_income_fils = excluded.formal_income_fils, members_verified = excluded.members_verified, discrepancies = excluded.discrepancies, snapshot = excluded.snapshot",
        &[
            (&v.application).into(),
            (&v.household).into(),
            v.verified_at_ms.into(),
            v.formal_income_fils.into(),
            v.members_verified.into(),
            (v.discrepancies.len() as i64).into(),
            (&v.snapshot).into(),
        ],
    )?;
    tx.exec(
        "DELETE FROM sp_discrepancy WHERE application = $1",
        &[(&v.application).into()],
    )?;
    let rows: Vec<Vec<P<'_>>> = v
        .discrepancies
        .iter()
        .enumerate()
        .map(|(i, d)| {
            vec![
                (&v.application).into(),
                (i as i64).into(),
                (&v.household).into(),
                (&d.kind).into(),
                (&d.path).into(),
                d.national_number.as_deref().into(),
                (&d.source_table).into(),
                (&d.record_keys).into(),
                (&d.declared).into(),
                (&d.registry).into(),
                d.as_of_ms.into(),
                (&d.message_ar).into(),
                (&d.message_en).into(),
            ]
        })
        .collect();
    tx.exec_many(
        "INSERT INTO sp_discrepancy (application, seq, household, kind, path, national_number, source_table, record_keys, declared, registry, as_of, message_ar, message_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &rows,
    )?;
    Ok(())
}

fn submit_in(
    tx: &mut dyn Tx,
    s: &Submission,
    now: i64,
) -> Result<std::result::Result<ApplicationRow, SpConflict>> {
    if let Some(new) = &s.new {
        if application(tx, &new.id)?.is_some() {
            return Ok(Err(SpConflict::NotDraft {
                status: "exists".into(),
            }));
        }
        if let Some(c) = taken(tx, &new.id, &s.members)? {
            return Ok(Err(c));
        }
        insert_application(tx, new, "draft", now)?;
    }
    let Some(current) = application(tx, &s.id)? else {
        return Ok(Err(SpConflict::Missing));
    };
    if current.status != "draft" {
        return Ok(Err(SpConflict::NotDraft {
            status: current.status,
        }));
    }
    if s.expected_revision.is_some_and(|r| r != current.revision) {
        return Ok(Err(SpConflict::Revision {
            current: current.revision,
        }));
    }
    if let Some(c) = taken(tx, &s.id, &s.members)? {
        return Ok(Err(c));
    }
    tx.exec(
        "UPDATE sp_application SET status = 'submitted', household = $2, answers = $3, updated_at = $4, submitted_at = $4, revision = revision + 1 WHERE id = $1",
        &[(&s.id).into(), (&s.household).into(), (&s.answers).into(), now.into()],
    )?;
    set_members(tx, &s.id, &s.members)?;
    put_verification(tx, &s.verification)?;
    put_facts(tx, &s.facts)?;
    crate::sr::registered(tx, &s.household, &s.id)?;
    tx.exec(
        "DELETE FROM sp_reverify WHERE household = $1",
        &[(&s.household).into()],
    )?;
    for e in &s.events {
        append(tx, e.clone())?;
    }
    Ok(Ok(application(tx, &s.id)?.expect("just written")))
}

fn verification(tx: &mut dyn Tx, app: &str) -> Result<Option<VerificationRow>> {
    let Some(r) = tx.row(
        "SELECT application, household, verified_at, formal_income_fils, members_verified, snapshot FROM sp_verification WHERE application = $1",
        &[app.into()],
    )?
    else {
        return Ok(None);
    };
    let discrepancies = tx
        .rows(
            "SELECT kind, path, national_number, source_table, record_keys, declared, registry, as_of, message_ar, message_en FROM sp_discrepancy WHERE application = $1 ORDER BY seq",
            &[app.into()],
        )?
        .iter()
        .map(|d| DiscrepancyRow {
            kind: d[0].text(),
            path: d[1].text(),
            national_number: d[2].opt_text(),
            source_table: d[3].text(),
            record_keys: d[4].text(),
            declared: d[5].text(),
            registry: d[6].text(),
            as_of_ms: d[7].opt_int(),
            message_ar: d[8].text(),
            message_en: d[9].text(),
        })
        .collect();
    Ok(Some(VerificationRow {
        application: r[0].text(),
        household: r[1].text(),
        verified_at_ms: r[2].int(),
        formal_income_fils: r[3].int(),
        members_verified: r[4].int(),
        snapshot: r[5].text(),
        discrepancies,
    }))
}

impl Store {
    /// Saves a new draft with its members, and its audit event.
    pub fn sp_create_draft(
        &self,
        a: &NewApplication,
        members: &[String],
        event: NewEvent,
    ) -> Result<std::result::Result<ApplicationRow, SpConflict>> {
        self.write(|tx| {
            if let Some(c) = taken(tx, &a.id, members)? {
                return Ok(Err(c));
            }
            let now = now_ms();
            insert_application(tx, a, "draft", now)?;
            set_members(tx, &a.id, members)?;
            append(tx, event)?;
            Ok(Ok(application(tx, &a.id)?.expect("just written")))
        })
    }

    /// Replaces a draft's answers and members (only a draft, at the revision the caller
    /// read when it gives one).
    pub fn sp_update_draft(
        &self,
        id: &str,
        expected_revision: Option<i64>,
        household: &str,
        answers: &str,
        members: &[String],
        event: NewEvent,
    ) -> Result<std::result::Result<ApplicationRow, SpConflict>> {
        self.write(|tx| {
            let Some(current) = application(tx, id)? else {
                return Ok(Err(SpConflict::Missing));
            };
            if current.status != "draft" {
                return Ok(Err(SpConflict::NotDraft {
                    status: current.status,
                }));
            }
            if expected_revision.is_some_and(|r| r != current.revision) {
                return Ok(Err(SpConflict::Revision {
                    current: current.revision,
                }));
            }
            if let Some(c) = taken(tx, id, members)? {
                return Ok(Err(c));
            }
            tx.exec(
                "UPDATE sp_application SET household = $2, answers = $3, updated_at = $4, revision = revision + 1 WHERE id = $1",
                &[id.into(), household.into(), answers.into(), now_ms().into()],
            )?;
            set_members(tx, id, members)?;
            append(tx, event)?;
            Ok(Ok(application(tx, id)?.expect("just written")))
        })
    }

    /// Submits one application: everything of it in one transaction.
    pub fn sp_submit(
        &self,
        s: &Submission,
    ) -> Result<std::result::Result<ApplicationRow, SpConflict>> {
        self.write(|tx| submit_in(tx, s, now_ms()))
    }

    /// Submits many applications in one transaction (an import's batch); each refused one
    /// is answered with its conflict and leaves nothing behind, the others are written.
    pub fn sp_submit_many(
        &self,
        batch: &[Submission],
    ) -> Result<Vec<std::result::Result<ApplicationRow, SpConflict>>> {
        self.write(|tx| {
            let now = now_ms();
            let mut out = Vec::with_capacity(batch.len());
            for s in batch {
                // A conflict is found before anything of that application is written.
                out.push(submit_in(tx, s, now)?);
            }
            Ok(out)
        })
    }

    pub fn sp_application(&self, id: &str) -> Result<Option<ApplicationRow>> {
        self.read(|tx| application(tx, id))
    }

    /// The application imported under an external reference.
    pub fn sp_application_by_ref(&self, external_ref: &str) -> Result<Option<ApplicationRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!(
                        "SELECT {APPLICATION_COLUMNS} FROM sp_application WHERE external_ref = $1"
                    ),
                    &[external_ref.into()],
                )?
                .map(|r| application_from(&r)))
        })
    }

    /// Which of `refs` are already imported.
    pub fn sp_known_refs(&self, refs: &[&str]) -> Result<std::collections::HashSet<String>> {
        self.read(|tx| {
            let mut known = std::collections::HashSet::new();
            for r in refs {
                if tx
                    .row(
                        "SELECT 1 FROM sp_application WHERE external_ref = $1",
                        &[(*r).into()],
                    )?
                    .is_some()
                {
                    known.insert((*r).to_owned());
                }
            }
            Ok(known)
        })
    }

    /// A household's applications, newest first.
    pub fn sp_applications_of(&self, household: &str) -> Result<Vec<ApplicationRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {APPLICATION_COLUMNS} FROM sp_application WHERE household = $1 ORDER BY created_at DESC, id DESC"),
                    &[household.into()],
                )?
                .iter()
                .map(|r| application_from(r))
                .collect())
        })
    }

    /// The newest applications with a status, for a caseworker's list.
    pub fn sp_applications(&self, status: Option<&str>, limit: u32) -> Result<Vec<ApplicationRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {APPLICATION_COLUMNS} FROM sp_application WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) ORDER BY updated_at DESC, id DESC LIMIT $2"),
                    &[status.into(), i64::from(limit).into()],
                )?
                .iter()
                .map(|r| application_from(r))
                .collect())
        })
    }

    pub fn sp_verification(&self, application: &str) -> Result<Option<VerificationRow>> {
        self.read(|tx| verification(tx, application))
    }

    /// Counts for the registry's overview: applications by status, discrepancies by kind.
    pub fn sp_counts(&self) -> Result<(Counts, Counts)> {
        self.read(|tx| {
            let pairs = |rows: crate::sql::Rows| -> Vec<(String, i64)> {
                rows.iter().map(|r| (r[0].text(), r[1].int())).collect()
            };
            let by_status = pairs(tx.rows(
                "SELECT status, count(*) FROM sp_application GROUP BY status ORDER BY status",
                &[],
            )?);
            let by_kind = pairs(tx.rows(
                "SELECT kind, count(*) FROM sp_discrepancy GROUP BY kind ORDER BY kind",
                &[],
            )?);
            Ok((by_status, by_kind))
        })
    }

    pub fn sp_household(&self, household: &str) -> Result<Option<FactsRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT household, application, facts_name, facts_version, facts, computed_at FROM sp_household WHERE household = $1",
                    &[household.into()],
                )?
                .map(|r| FactsRow {
                    household: r[0].text(),
                    application: r[1].opt_text(),
                    facts_name: r[2].text(),
                    facts_version: r[3].int(),
                    facts: r[4].text(),
                    computed_at_ms: r[5].int(),
                }))
        })
    }

    /// The submitted application of each household of `households` that has one (its
    /// answers feed the facts).
    pub fn sp_submitted_answers(
        &self,
        households: &[&str],
    ) -> Result<std::collections::HashMap<String, (String, String)>> {
        self.read(|tx| {
            let mut out = std::collections::HashMap::new();
            for h in households {
                if let Some(r) = tx.row(
                    "SELECT id, answers FROM sp_application WHERE household = $1 AND status = 'submitted' ORDER BY submitted_at DESC LIMIT 1",
                    &[(*h).into()],
                )? {
                    out.insert((*h).to_owned(), (r[0].text(), r[1].text()));
                }
            }
            Ok(out)
        })
    }

    /// Writes a batch of facts and moves the job's cursor, in one transaction (so a killed
    /// job resumes after the last batch written).
    pub fn sp_put_facts(&self, rows: &[FactsRow], job: Option<(&str, &str, i64)>) -> Result<()> {
        self.write(|tx| {
            for f in rows {
                put_facts(tx, f)?;
            }
            if let Some((name, cursor, done)) = job {
                tx.exec(
                    "UPDATE sp_job SET cursor = $2, done = done + $3, updated_at = $4 WHERE name = $1",
                    &[name.into(), cursor.into(), done.into(), now_ms().into()],
                )?;
            }
            Ok(())
        })
    }

    /// The households (civil record ids) after `after`, at most `limit`, each with the
    /// national numbers of its living members — from the person dimension's table, keyset by
    /// civil record id so a national run holds one batch at a time.
    pub fn sp_households_after(
        &self,
        catalog: &Catalog,
        after: &str,
        limit: u32,
    ) -> Result<Vec<(String, Vec<String>)>> {
        self.read(|tx| {
            let d = tx.dialect();
            let p = &catalog.dimensions.person;
            let table = ddl::quote(d, p.table.as_str());
            let crid = ddl::quote(d, p.civil_record_id.as_str());
            let nn = ddl::quote(d, p.national_number.as_str());
            let last = tx
                .rows(
                    &format!("SELECT {crid} FROM {table} WHERE {crid} > $1 GROUP BY {crid} ORDER BY {crid} LIMIT $2"),
                    &[after.into(), i64::from(limit).into()],
                )?
                .pop()
                .map(|r| r[0].text());
            let Some(last) = last else {
                return Ok(Vec::new());
            };
            let rows = tx.rows(
                &format!("SELECT {crid}, {nn} FROM {table} WHERE {crid} > $1 AND {crid} <= $2 ORDER BY {crid}, {nn}"),
                &[after.into(), (&last).into()],
            )?;
            let mut out: Vec<(String, Vec<String>)> = Vec::new();
            for r in rows {
                let (h, n) = (r[0].text(), r[1].text());
                match out.last_mut() {
                    Some((last, members)) if *last == h => members.push(n),
                    _ => out.push((h, vec![n])),
                }
            }
            Ok(out)
        })
    }

    /// Starts (or restarts from scratch) a national job.
    pub fn sp_job_start(&self, name: &str, total: i64) -> Result<JobRow> {
        self.write(|tx| {
            let now = now_ms();
            tx.exec(
                "INSERT INTO sp_job (name, cursor, done, total, started_at, updated_at, finished_at) VALUES ($1, '', 0, $2, $3, $3, NULL) ON CONFLICT (name) DO UPDATE SET cursor = '', done = 0, total = excluded.total, started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL",
                &[name.into(), total.into(), now.into()],
            )?;
            Ok(job(tx, name)?.expect("just written"))
        })
    }

    pub fn sp_job(&self, name: &str) -> Result<Option<JobRow>> {
        self.read(|tx| job(tx, name))
    }

    pub fn sp_job_finish(&self, name: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE sp_job SET finished_at = $2, updated_at = $2 WHERE name = $1",
                &[name.into(), now_ms().into()],
            )?;
            Ok(())
        })
    }

    /// How many households the person dimension's table holds.
    pub fn sp_household_count(&self, catalog: &Catalog) -> Result<i64> {
        self.read(|tx| {
            let d = tx.dialect();
            let p = &catalog.dimensions.person;
            let sql = format!(
                "SELECT count(DISTINCT {}) FROM {}",
                ddl::quote(d, p.civil_record_id.as_str()),
                ddl::quote(d, p.table.as_str())
            );
            Ok(tx.row(&sql, &[])?.map(|r| r[0].int()).unwrap_or(0))
        })
    }

    /// Writes a re-verification (the verification, discrepancies, facts and events of a
    /// submission, the application itself unchanged) and takes the household off the
    /// outbox unless it was marked again meanwhile.
    pub fn sp_reverified(&self, s: &Submission, marked_at: i64) -> Result<()> {
        self.write(|tx| {
            put_verification(tx, &s.verification)?;
            put_facts(tx, &s.facts)?;
            for e in &s.events {
                append(tx, e.clone())?;
            }
            tx.exec(
                "DELETE FROM sp_reverify WHERE household = $1 AND marked_at <= $2",
                &[(&s.household).into(), marked_at.into()],
            )?;
            Ok(())
        })
    }

    /// Records that a household's answers no longer verify (a member died, left the
    /// registry): each failure is added as a discrepancy of kind `identity`, with its event.
    pub fn sp_reverify_failed(
        &self,
        application: &str,
        household: &str,
        failures: &[FieldFailure],
        event: NewEvent,
        marked_at: i64,
    ) -> Result<()> {
        self.write(|tx| {
            let next = tx
                .row(
                    "SELECT coalesce(max(seq), -1) + 1 FROM sp_discrepancy WHERE application = $1",
                    &[application.into()],
                )?
                .map(|r| r[0].int())
                .unwrap_or(0);
            for (i, f) in failures.iter().enumerate() {
                tx.exec(
                    "INSERT INTO sp_discrepancy (application, seq, household, kind, path, national_number, source_table, record_keys, declared, registry, as_of, message_ar, message_en) VALUES ($1, $2, $3, 'identity', $4, NULL, '', '[]', 'null', 'null', $5, $6, $7)",
                    &[application.into(), (next + i as i64).into(), household.into(), f.path.as_str().into(), now_ms().into(), f.message_ar.as_str().into(), f.message_en.as_str().into()],
                )?;
            }
            tx.exec(
                "UPDATE sp_verification SET discrepancies = discrepancies + $2, verified_at = $3 WHERE application = $1",
                &[application.into(), (failures.len() as i64).into(), now_ms().into()],
            )?;
            append(tx, event)?;
            tx.exec(
                "DELETE FROM sp_reverify WHERE household = $1 AND marked_at <= $2",
                &[household.into(), marked_at.into()],
            )?;
            Ok(())
        })
    }

    /// Households marked for re-verification, oldest first.
    pub fn sp_reverify_pending(&self, limit: u32) -> Result<Vec<(String, String, i64)>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT household, reason, marked_at FROM sp_reverify ORDER BY marked_at, household LIMIT $1",
                    &[i64::from(limit).into()],
                )?
                .iter()
                .map(|r| (r[0].text(), r[1].text(), r[2].int()))
                .collect())
        })
    }

    /// Takes a household off the outbox once its re-verification is written — unless it was
    /// marked again since (`marked_at` newer than the one handled).
    pub fn sp_reverify_done(&self, household: &str, marked_at: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM sp_reverify WHERE household = $1 AND marked_at <= $2",
                &[household.into(), marked_at.into()],
            )?;
            Ok(())
        })
    }
}

fn job(tx: &mut dyn Tx, name: &str) -> Result<Option<JobRow>> {
    Ok(tx
        .row(
            "SELECT name, cursor, done, total, started_at, updated_at, finished_at FROM sp_job WHERE name = $1",
            &[name.into()],
        )?
        .map(|r| JobRow {
            name: r[0].text(),
            cursor: r[1].text(),
            done: r[2].int(),
            total: r[3].int(),
            started_at_ms: r[4].int(),
            updated_at_ms: r[5].int(),
            finished_at_ms: r[6].opt_int(),
        }))
}

/// Marks for re-verification the households that applied and count a person a change
/// touched among their members, in the change's own transaction (the outbox a worker
/// drains, so a crash between the change and the re-verification loses nothing). Other
/// households' facts follow at the next national run (`nur sp facts`).
pub(crate) fn mark_reverify(tx: &mut dyn Tx, persons: &[&str], reason: &str) -> Result<u64> {
    let now = now_ms();
    let mut marked = 0;
    for person in persons {
        marked += tx.exec(
            "INSERT INTO sp_reverify (household, reason, marked_at) \
             SELECT a.household, $2, $3 FROM sp_application_member m JOIN sp_application a ON a.id = m.application \
             WHERE m.member = $1 AND a.status = 'submitted' \
             ON CONFLICT (household) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at",
            &[(*person).into(), reason.into(), now.into()],
        )?;
    }
    Ok(marked)
}
