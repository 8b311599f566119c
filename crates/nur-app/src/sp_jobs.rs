//! The social registry's bulk work: importing applications (the same checks and
//! verification as one submission, in batches, idempotent by the application's external
//! reference), the national facts run (keyset by household, resumable, one batch in memory
//! at a time), and the re-verification worker that drains the outbox ingestion fills.

use crate::caller::Caller;
use crate::error::{AppError, Kind, Result};
use crate::intake::{age_on, new_id, parse_answers, today};
use crate::App;
use nur_core::audit::NewEvent;
use nur_core::audit::MAX_LISTED_PERSONS;
use nur_core::grant::Grants;
use nur_core::Date;
use nur_sp::facts::{HouseholdInput, MemberInput};
use nur_store::{FactsRow, NewApplication, Submission};
use serde_json::{Map, Value as Json};
use std::io::BufRead;

/// Applications written per transaction by an import.
pub const IMPORT_BATCH: usize = 200;

/// Households per batch of the facts run.
pub const FACTS_BATCH: u32 = 500;

/// The purpose the facts run's registry reads are audited with.
pub const FACTS_PURPOSE: &str = "household facts";

/// One refused line of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub line: u64,
    pub reference: Option<String>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub lines: u64,
    pub imported: u64,
    /// Already imported earlier (a re-import changes nothing).
    pub unchanged: u64,
    pub rejected: Vec<Rejected>,
    /// Imported applications with at least one discrepancy, and their discrepancies.
    pub with_discrepancies: u64,
    pub discrepancies: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactsReport {
    pub households: u64,
    pub applicants: u64,
    pub resumed_from: Option<String>,
    /// Facts that could not be computed (household, why), at most 100 kept.
    pub errors: Vec<(String, String)>,
}

/// Each household's application (when it applied) and facts input.
type FactsInputs = Vec<(Option<String>, HouseholdInput)>;

/// A batch read and waiting for its facts: the inputs, and the cursor after it.
struct FactsBatch {
    inputs: FactsInputs,
    accesses: Vec<NewEvent>,
    last: String,
}

/// One import line: already imported (`None`), ready to write with its reference, or
/// refused (with its reference when it has one).
type LineOutcome = std::result::Result<Option<Checked>, (Option<String>, AppError)>;

/// A line checked and waiting for its batch's registry read.
struct Checked {
    line: u64,
    reference: String,
    new: NewApplication,
    answers: nur_sp::Checked,
}

fn reasons(e: &AppError) -> Vec<String> {
    if e.fields.is_empty() {
        vec![e.message.clone()]
    } else {
        e.fields
            .iter()
            .map(|f| format!("{}: {}", f.path, f.message.en))
            .collect()
    }
}

impl App {
    /// Imports applications from JSON lines (`{"ref", "household", "channel", "form",
    /// "form_version", "answers"}`), each checked and verified like a submission.
    pub fn import_applications(
        &self,
        caller: &Caller,
        input: &mut dyn BufRead,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut pending: Vec<Checked> = Vec::new();
        let mut grants = self.grants_now(&self.sp.entity)?;
        let mut line = String::new();
        loop {
            line.clear();
            let n = input
                .read_line(&mut line)
                .map_err(|e| AppError::invalid("unreadable_input", e.to_string()))?;
            if n == 0 {
                break;
            }
            report.lines += 1;
            let at = report.lines;
            if line.trim().is_empty() {
                continue;
            }
            match self.import_line(caller, &line, at, &grants) {
                Ok(None) => report.unchanged += 1,
                Ok(Some(c)) => pending.push(c),
                Err((reference, e)) => report.rejected.push(Rejected {
                    line: at,
                    reference,
                    reasons: reasons(&e),
                }),
            }
            if pending.len() >= IMPORT_BATCH {
                self.import_batch(caller, &mut pending, &grants, &mut report)?;
                progress(&report);
                grants = self.grants_now(&self.sp.entity)?;
            }
        }
        self.import_batch(caller, &mut pending, &grants, &mut report)?;
        progress(&report);
        Ok(report)
    }

    fn import_line(&self, caller: &Caller, line: &str, at: u64, grants: &Grants) -> LineOutcome {
        let doc: Json = serde_json::from_str(line).map_err(|e| {
            (
                None,
                AppError::invalid("not_json", format!("not a JSON object: {e}")),
            )
        })?;
        let reference = doc
            .get("ref")
            .and_then(Json::as_str)
            .filter(|r| !r.is_empty() && r.len() <= 64)
            .map(str::to_owned);
        let Some(reference) = reference else {
            return Err((
                None,
                AppError::invalid(
                    "no_reference",
                    "the line has no `ref` (at most 64 characters)",
                ),
            ));
        };
        let fail = |e: AppError| (Some(reference.clone()), e);
        let form = doc.get("form").and_then(Json::as_str).unwrap_or("");
        let version = doc.get("form_version").and_then(Json::as_i64).unwrap_or(0);
        if form != self.sp.form.form || version != i64::from(self.sp.form.version) {
            return Err(fail(AppError::invalid(
                "unknown_form",
                format!(
                    "form {form} version {version}; this registry takes {} version {}",
                    self.sp.form.form, self.sp.form.version
                ),
            )));
        }
        if self
            .store
            .sp_application_by_ref(&reference)
            .map_err(|e| fail(e.into()))?
            .is_some()
        {
            return Ok(None);
        }
        let answers = doc.get("answers").cloned().unwrap_or(Json::Null);
        let channel = doc
            .get("channel")
            .and_then(Json::as_str)
            .filter(|c| matches!(*c, "citizen" | "caseworker"))
            .unwrap_or("import");
        let id = new_id().map_err(fail)?;
        let new = NewApplication {
            id: id.clone(),
            external_ref: Some(reference.clone()),
            entity: self.sp.entity.to_string(),
            household: answers
                .pointer("/household/civil_record_id")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned(),
            channel: channel.to_owned(),
            form: self.sp.form.form.clone(),
            form_version: i64::from(self.sp.form.version),
            answers: answers.to_string(),
            created_by: caller.actor.name().to_owned(),
        };
        let answers = self
            .checked_for_submission(&answers, grants)
            .map_err(fail)?;
        Ok(Some(Checked {
            line: at,
            reference,
            new,
            answers,
        }))
    }

    /// Verifies a batch of checked lines against one registry read for all their members,
    /// and writes the verified ones in one transaction.
    fn import_batch(
        &self,
        caller: &Caller,
        pending: &mut Vec<Checked>,
        grants: &Grants,
        report: &mut ImportReport,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let keys: Vec<&str> = pending
            .iter()
            .flat_map(|c| crate::intake::national_numbers(&c.answers))
            .collect();
        let rows = self.granted_rows(grants, &keys)?;
        // Verification and facts are pure work on what was read: on every core, in order.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let per = pending.len().div_ceil(threads).max(1);
        let lines: Vec<Checked> = std::mem::take(pending);
        let finished: Vec<(u64, String, Result<Submission>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = lines
                .chunks(per)
                .map(|chunk| {
                    let rows = &rows;
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|c| {
                                let id = c.new.id.clone();
                                let done = self.finish_submission(
                                    caller,
                                    Some(c.new.clone()),
                                    &id,
                                    None,
                                    c.answers.clone(),
                                    rows,
                                    grants,
                                );
                                (c.line, c.reference.clone(), done)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("verification thread"))
                .collect()
        });
        let mut ready: Vec<(u64, String, Submission)> = Vec::with_capacity(finished.len());
        for (line, reference, done) in finished {
            match done {
                Ok(s) => ready.push((line, reference, s)),
                Err(e) => report.rejected.push(Rejected {
                    line,
                    reference: Some(reference),
                    reasons: reasons(&e),
                }),
            }
        }
        let batch: Vec<Submission> = ready.iter().map(|(_, _, s)| s.clone()).collect();
        let results = self.store.sp_submit_many(&batch)?;
        for ((line, reference, s), r) in ready.into_iter().zip(results) {
            match r {
                Ok(_) => {
                    report.imported += 1;
                    let n = s.verification.discrepancies.len() as u64;
                    if n > 0 {
                        report.with_discrepancies += 1;
                        report.discrepancies += n;
                    }
                }
                Err(c) => report.rejected.push(Rejected {
                    line,
                    reference: Some(reference),
                    reasons: reasons(&crate::intake::conflict(c)),
                }),
            }
        }
        report.rejected.sort_by_key(|r| r.line);
        Ok(())
    }

    /// Computes the facts of every household (applicants from answers and registries, the
    /// others from the registries alone), in batches of `batch` households; resumes after
    /// the last batch written unless `restart`.
    pub fn compute_all_facts(
        &self,
        caller: &Caller,
        batch: u32,
        restart: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<FactsReport> {
        if !matches!(caller.actor, nur_core::grant::Actor::Operator { .. }) {
            return Err(AppError::forbidden(
                "operator_only",
                "the national facts run is started by the operator",
            ));
        }
        const JOB: &str = "facts";
        let mut report = FactsReport::default();
        let job = match self.store.sp_job(JOB)? {
            Some(j) if !restart && j.finished_at_ms.is_none() => {
                report.resumed_from = Some(j.cursor.clone());
                j
            }
            _ => {
                let total = self.store.sp_household_count(&self.catalog)?;
                self.store.sp_job_start(JOB, total)?
            }
        };
        let (cursor, done, total) = (job.cursor.clone(), job.done as u64, job.total as u64);
        // Two stages, so reading the next batch overlaps computing the last: this thread
        // reads (registry rows, answers, the audited access) and the other computes and
        // writes, the cursor moved with each batch's facts, in order.
        let (tx, rx) = std::sync::mpsc::sync_channel::<FactsBatch>(1);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<u64>();
        let written = std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> Result<Vec<(String, String)>> {
                let (mut done, mut errors) = (done, Vec::new());
                for b in rx {
                    // Every write is this thread's (two writers would wait on each other).
                    for ev in b.accesses {
                        self.store.audit(ev)?;
                    }
                    let rows = self.compute_facts(&b.inputs, &mut errors);
                    self.store
                        .sp_put_facts(&rows, Some((JOB, &b.last, rows.len() as i64)))?;
                    done += rows.len() as u64;
                    let _ = done_tx.send(done);
                }
                Ok(errors)
            });
            let read = (|| -> Result<()> {
                let mut cursor = cursor;
                loop {
                    let households =
                        self.store
                            .sp_households_after(&self.catalog, &cursor, batch.max(1))?;
                    let Some((last, _)) = households.last() else {
                        return Ok(());
                    };
                    let last = last.clone();
                    let grants = self.grants_now(&self.sp.entity)?;
                    let (inputs, accesses) = self.facts_inputs(caller, &households, &grants)?;
                    report.households += inputs.len() as u64;
                    report.applicants +=
                        inputs.iter().filter(|(_, i)| i.answers.is_some()).count() as u64;
                    cursor = last.clone();
                    let batch = FactsBatch {
                        inputs,
                        accesses,
                        last,
                    };
                    if tx.send(batch).is_err() {
                        // The writer stopped: its error is the run's.
                        return Ok(());
                    }
                    if let Some(d) = done_rx.try_iter().last() {
                        progress(d, total);
                    }
                }
            })();
            drop(tx);
            let written = writer.join().expect("facts writer");
            if let Some(d) = done_rx.try_iter().last() {
                progress(d, total);
            }
            read.and(written)
        });
        let errors = written?;
        report.errors = errors;
        self.store.sp_job_finish(JOB)?;
        Ok(report)
    }

    /// The facts inputs of a batch of households: their members' registry rows read under
    /// the entity's grants, and the answers of those that applied; with the audit events of
    /// that access, written with the facts.
    fn facts_inputs(
        &self,
        caller: &Caller,
        households: &[(String, Vec<String>)],
        grants: &Grants,
    ) -> Result<(FactsInputs, Vec<NewEvent>)> {
        let keys: Vec<&str> = households
            .iter()
            .flat_map(|(_, m)| m.iter().map(String::as_str))
            .collect();
        let mut rows = self.granted_rows(grants, &keys)?;
        let ids: Vec<&str> = households.iter().map(|(h, _)| h.as_str()).collect();
        let answers = self.store.sp_submitted_answers(&ids)?;
        // Every registry read is the program entity's audited access; events name at most
        // MAX_LISTED_PERSONS persons each, so every person is in their access report.
        let accesses = keys
            .chunks(MAX_LISTED_PERSONS)
            .map(|chunk| {
                let mut ev = self.program_event(
                    caller,
                    "sp.facts",
                    format!("{} households", households.len()),
                );
                ev.purpose = Some(FACTS_PURPOSE.into());
                ev.persons = chunk.iter().map(|k| (*k).to_owned()).collect();
                ev
            })
            .collect();
        let today = today();
        let inputs = households
            .iter()
            .map(|(h, members)| {
                let applied = answers.get(h);
                let a = applied.map(|(_, a)| parse_answers(a));
                (
                    applied.map(|(id, _)| id.clone()),
                    self.registry_household(h, members, &mut rows, a, today),
                )
            })
            .collect();
        Ok((inputs, accesses))
    }

    /// The facts of a batch's households, on the cores the reading leaves free (each thread
    /// with its own CEL root context); the first error of each household kept in `errors`
    /// (at most 100).
    fn compute_facts(
        &self,
        inputs: &[(Option<String>, HouseholdInput)],
        errors: &mut Vec<(String, String)>,
    ) -> Vec<FactsRow> {
        let now = nur_store::now_ms();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .saturating_sub(1)
            .clamp(1, 8);
        let per = inputs.len().div_ceil(threads).max(1);
        let computed: Vec<(FactsRow, Option<String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        let root = nur_sp::expr::root();
                        chunk
                            .iter()
                            .map(|(app, input)| {
                                let facts = self.sp.facts.compute(&root, input);
                                let err = facts.errors.first().cloned();
                                let row = FactsRow {
                                    household: input.household.clone(),
                                    application: app.clone(),
                                    facts_name: self.sp.facts.name.clone(),
                                    facts_version: i64::from(self.sp.facts.version),
                                    facts: serde_json::to_string(&facts).expect("plain data"),
                                    computed_at_ms: now,
                                };
                                (row, err)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("facts thread"))
                .collect()
        });
        let mut out = Vec::with_capacity(computed.len());
        for (row, err) in computed {
            if let Some(e) = err {
                if errors.len() < 100 {
                    errors.push((row.household.clone(), e));
                }
            }
            out.push(row);
        }
        out
    }

    /// A household's facts input from its registered members (the living ones) and, when
    /// it applied, its answers.
    fn registry_household(
        &self,
        household: &str,
        members: &[String],
        rows: &mut std::collections::BTreeMap<String, nur_store::RowsByTable>,
        answers: Option<Json>,
        today: Date,
    ) -> HouseholdInput {
        let c = &self.catalog;
        let dims = &c.dimensions;
        let person_table = c.person_table().name.to_string();
        let household_table = c.household_table().name.to_string();
        let deaths = &self.sp.facts.deaths.table;
        let declared: Map<String, Json> = answers
            .as_ref()
            .and_then(|a| a.pointer("/household/members"))
            .and_then(Json::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|m| {
                        let nn = m.get("national_number")?.as_str()?.to_owned();
                        Some((nn, m.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let female_code = c
            .person_table()
            .column(dims.person.gender.as_str())
            .and_then(|col| {
                col.values
                    .iter()
                    .find(|v| v.label_en.eq_ignore_ascii_case("female"))
            })
            .map(|v| v.code.clone())
            .unwrap_or_else(|| "2".into());
        let mut governorate = None;
        let mut input_members = Vec::new();
        for nn in members {
            let mut by_table = rows.remove(nn).unwrap_or_default();
            let booklet = by_table.remove(&household_table).unwrap_or_default();
            // The booklet reaches the household through its head's national number: read
            // its governorate even when the head has died (the widow's household).
            if governorate.is_none() {
                governorate = booklet
                    .iter()
                    .find_map(|b| b.get(dims.household.governorate.as_str()))
                    .and_then(Json::as_str)
                    .map(str::to_owned);
            }
            if by_table.contains_key(deaths) {
                continue;
            }
            let person = by_table
                .remove(&person_table)
                .and_then(|mut l| (!l.is_empty()).then(|| l.swap_remove(0)));
            let head = booklet.iter().any(|b| {
                b.get(dims.household.head.as_str()).and_then(Json::as_str) == Some(nn.as_str())
            });
            let text = |k: &str| {
                person
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .and_then(Json::as_str)
                    .map(str::to_owned)
            };
            let born = text(dims.person.birth_date.as_str()).and_then(|d| Date::parse(&d).ok());
            input_members.push(MemberInput {
                national_number: nn.clone(),
                age: born.map(|b| age_on(b, today)).unwrap_or(0),
                female: text(dims.person.gender.as_str()).as_deref() == Some(female_code.as_str()),
                head,
                declared: declared.get(nn).and_then(|m| m.as_object().cloned()),
                records: by_table,
            });
        }
        let governorate = answers
            .as_ref()
            .and_then(|a| a.pointer("/household/governorate"))
            .and_then(Json::as_str)
            .map(str::to_owned)
            .or(governorate);
        HouseholdInput {
            household: household.to_owned(),
            governorate,
            as_of_year: today.year(),
            members: input_members,
            answers,
        }
    }

    /// The re-verification worker of `nur serve` and `nur ingest run`: drains the outbox
    /// until `stopped` says so, waiting `idle` when it is empty (a failure is logged and
    /// retried after a pause; the marks stay until handled).
    pub fn reverify_worker(&self, stopped: &dyn Fn() -> bool, idle: std::time::Duration) {
        let caller = Caller::operator("re-verification worker");
        while !stopped() {
            match self.reverify_pending(&caller, 200) {
                Ok(0) => std::thread::sleep(idle),
                Ok(n) => tracing::debug!(households = n, "re-verified"),
                Err(e) => {
                    tracing::error!(error = %e.message, "re-verification failed; retrying");
                    std::thread::sleep(idle * 10);
                }
            }
        }
    }

    /// Re-verifies up to `limit` households marked by ingestion: their submitted answers
    /// are verified again against the registries as they are now, and the verification,
    /// discrepancies and facts replaced. Returns how many were handled.
    pub fn reverify_pending(&self, caller: &Caller, limit: u32) -> Result<u64> {
        let pending = self.store.sp_reverify_pending(limit)?;
        if pending.is_empty() {
            return Ok(0);
        }
        let grants = self.grants_now(&self.sp.entity)?;
        let mut handled = 0;
        for (household, reason, marked_at) in pending {
            let apps = self.store.sp_applications_of(&household)?;
            let Some(app) = apps.into_iter().find(|a| a.status == "submitted") else {
                self.store.sp_reverify_done(&household, marked_at)?;
                continue;
            };
            let answers = parse_answers(&app.answers);
            let before = self
                .store
                .sp_household(&household)?
                .map(|f| crate::targeting::parse_facts(&f.facts));
            let mut caller = caller.clone();
            caller.purpose = Some(format!("re-verification: {reason}"));
            match self.prepare_submission(&caller, None, &app.id, None, &answers, &grants) {
                Ok(mut s) => {
                    s.events[0].action = "sp.reverify".into();
                    self.store.sp_reverified(&s, marked_at)?;
                    // The new facts re-score the household and re-decide its programs.
                    self.reevaluate(&caller, &household, before.as_ref(), &reason)?;
                }
                Err(e) if e.kind == Kind::Unprocessable => {
                    // A member died or left the civil registry: the application stays, its
                    // verification records why it no longer holds.
                    let mut ev = self.program_event(&caller, "sp.reverify", &app.id);
                    ev.outcome = format!("refused: {}", e.message);
                    let failures: Vec<nur_store::FieldFailure> = e
                        .fields
                        .iter()
                        .map(|f| nur_store::FieldFailure {
                            path: f.path.clone(),
                            message_ar: f.message.ar.clone(),
                            message_en: f.message.en.clone(),
                        })
                        .collect();
                    self.store
                        .sp_reverify_failed(&app.id, &household, &failures, ev, marked_at)?;
                }
                Err(e) => return Err(e),
            }
            handled += 1;
        }
        Ok(handled)
    }
}
