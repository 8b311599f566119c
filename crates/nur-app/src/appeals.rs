//! NUR-SP appeals: a citizen (about their own household) or a caseworker appeals a
//! program's decision with a reason and optional documents; an officer takes it under
//! review and upholds or overturns it, each step named and noted; each program gives the
//! days within which an appeal is decided, and the overdue ones are listed. An overturned
//! decision takes effect in the program's next cycle (`cycles`). Every step is audited.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::payments::hex;
use crate::App;
use nur_core::grant::Actor;
use nur_sp::cycle::{self, AppealState};
use nur_store::{AppealFilter, AppealRow, AppealStepRow, DocumentRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// At most this many documents per appeal, each at most this many bytes.
pub const MAX_DOCUMENTS: usize = 3;
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;
/// The document kinds accepted (scans and photographs).
const DOCUMENT_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];
const MAX_REASON: usize = 4000;

/// A document sent with an appeal.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppealView {
    pub appeal: AppealRow,
    pub steps: Vec<AppealStepRow>,
    pub documents: Vec<DocumentRow>,
    pub overdue: bool,
}

impl App {
    /// Files an appeal against a program's current decision about a household.
    pub fn submit_appeal(
        &self,
        caller: &Caller,
        household: &str,
        program: &str,
        reason: &str,
        documents: Vec<NewDocument>,
    ) -> Result<AppealView> {
        let r = self.submit_appeal_inner(caller, household, program, reason, documents);
        if let Err(e) = &r {
            self.audit_refusal(
                caller,
                "sp.appeal.submit",
                &format!("{household} {program}"),
                e,
            );
        }
        r
    }

    fn submit_appeal_inner(
        &self,
        caller: &Caller,
        household: &str,
        program: &str,
        reason: &str,
        documents: Vec<NewDocument>,
    ) -> Result<AppealView> {
        let kind = match &caller.actor {
            Actor::Citizen { .. } => "citizen",
            Actor::User { .. } | Actor::Operator { .. } => "caseworker",
            // The entity's case system files for the officer it names.
            Actor::Client { .. } => {
                self.named_officer(caller)?;
                "caseworker"
            }
        };
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "reason_required",
                "an appeal says why the decision is wrong",
            ));
        }
        if reason.chars().count() > MAX_REASON {
            return Err(AppError::invalid(
                "reason_too_long",
                format!("a reason has at most {MAX_REASON} characters"),
            ));
        }
        if documents.len() > MAX_DOCUMENTS {
            return Err(AppError::invalid(
                "too_many_documents",
                format!("at most {MAX_DOCUMENTS} documents"),
            ));
        }
        let mut docs = Vec::new();
        for (i, d) in documents.iter().enumerate() {
            let name = d.name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(AppError::invalid(
                    "bad_document",
                    format!("document {}: a name of 1 to 200 characters", i + 1),
                ));
            }
            if !DOCUMENT_TYPES.contains(&d.content_type.as_str())
                || !sniff(&d.content, &d.content_type)
            {
                return Err(AppError::invalid(
                    "bad_document",
                    format!("{name}: a document is a PDF, JPEG or PNG file"),
                ));
            }
            if d.content.is_empty() || d.content.len() > MAX_DOCUMENT_BYTES {
                return Err(AppError::invalid(
                    "bad_document",
                    format!(
                        "{name}: a document has 1 byte to {} MB",
                        MAX_DOCUMENT_BYTES >> 20
                    ),
                ));
            }
            docs.push(DocumentRow {
                seq: i as i64 + 1,
                name: name.to_owned(),
                content_type: d.content_type.clone(),
                sha256: hex(&Sha256::digest(&d.content)),
                bytes: d.content.len() as i64,
                content: hex(&d.content),
            });
        }
        // The decision must exist and concern the caller (a citizen: their household).
        let decisions = self.decisions(caller, household)?;
        let d = decisions
            .programs
            .iter()
            .find(|p| p.code == program)
            .ok_or_else(|| {
                AppError::not_found(
                    "no_decision",
                    format!("no decision of program {program} about household {household}"),
                )
            })?;
        if d.run.is_none() {
            return Err(AppError::not_found(
                "no_decision",
                format!("program {program} has not decided about anyone yet"),
            ));
        }
        let open = self
            .store
            .sp_appeals(AppealFilter::Household(household), 1000)?
            .into_iter()
            .find(|a| {
                a.program == program
                    && !AppealState::parse(&a.state).is_some_and(AppealState::decided)
            });
        if let Some(a) = open {
            return Err(AppError::conflict(
                "appeal_open",
                format!("appeal {} against this decision is still open", a.id),
            ));
        }
        let (_, def) = self.published_program(program)?;
        let now = nur_store::now_ms();
        let sla = def
            .appeal_sla_days
            .unwrap_or(cycle::DEFAULT_APPEAL_SLA_DAYS);
        let id = appeal_id(household, program, now);
        let by = match kind {
            "citizen" => caller.actor.name().to_owned(),
            _ => self.officer_name(caller),
        };
        let row = AppealRow {
            id: id.clone(),
            household: household.to_owned(),
            program: program.to_owned(),
            decision: d.state.clone(),
            run: d.run.clone(),
            state: AppealState::Submitted.as_str().into(),
            reason: reason.to_owned(),
            submitted_by: by.clone(),
            submitter_kind: kind.into(),
            submitted_at_ms: now,
            due_at_ms: cycle::appeal_due(now, sla),
            decided_at_ms: None,
            applied_cycle: None,
        };
        let step = AppealStepRow {
            seq: 1,
            state: row.state.clone(),
            officer: by,
            note: reason.to_owned(),
            at_ms: now,
        };
        let mut ev = self.program_event(caller, "sp.appeal.submit", &id);
        ev.outcome = format!(
            "{household} {program}: against {} ({} documents), due in {sla} days",
            d.state,
            docs.len()
        );
        if let Actor::Citizen { national_number } = &caller.actor {
            ev.persons = vec![national_number.clone()];
        }
        self.store.sp_put_appeal(&row, &docs, &step, ev)?;
        self.appeal(caller, &id)
    }

    /// An appeal with its steps and documents (a citizen: about their own household).
    pub fn appeal(&self, caller: &Caller, id: &str) -> Result<AppealView> {
        let a = self
            .store
            .sp_appeal(id)?
            .ok_or_else(|| AppError::not_found("no_appeal", format!("no appeal {id}")))?;
        if let Err(e) = self.may_see_household(caller, &a.household) {
            // A citizen learns nothing about other households' appeals, not even that they exist.
            return Err(match caller.actor {
                Actor::Citizen { .. } => {
                    AppError::not_found("no_appeal", format!("no appeal {id}"))
                }
                _ => e,
            });
        }
        let steps = self.store.sp_appeal_steps(id)?;
        let documents = self.store.sp_appeal_documents(id)?;
        let overdue = !AppealState::parse(&a.state).is_some_and(AppealState::decided)
            && a.due_at_ms < nur_store::now_ms();
        Ok(AppealView {
            appeal: a,
            steps,
            documents,
            overdue,
        })
    }

    /// One of an appeal's documents (name, type, bytes).
    pub fn appeal_document(
        &self,
        caller: &Caller,
        id: &str,
        seq: i64,
    ) -> Result<(String, String, Vec<u8>)> {
        let v = self.appeal(caller, id)?;
        let d = v
            .documents
            .into_iter()
            .find(|d| d.seq == seq)
            .ok_or_else(|| {
                AppError::not_found("no_document", format!("appeal {id} has no document {seq}"))
            })?;
        let bytes = (0..d.content.len() / 2)
            .map(|i| u8::from_str_radix(&d.content[2 * i..2 * i + 2], 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(AppError::internal)?;
        Ok((d.name, d.content_type, bytes))
    }

    /// Appeals for officers: of a household, in a state, overdue, or all.
    pub fn appeals(&self, caller: &Caller, filter: AppealFilter<'_>) -> Result<Vec<AppealRow>> {
        match (&caller.actor, filter) {
            (Actor::Citizen { .. }, AppealFilter::Household(h)) => {
                self.may_see_household(caller, h)?
            }
            _ => self.may_run_registry(caller)?,
        }
        if let AppealFilter::State(s) = filter {
            if AppealState::parse(s).is_none() {
                return Err(AppError::invalid(
                    "bad_state",
                    format!("{s}: an appeal is submitted, under_review, upheld or overturned"),
                ));
            }
        }
        Ok(self.store.sp_appeals(filter, 1000)?)
    }

    /// The next step of an appeal by the officer calling: `under_review`, then `upheld` or
    /// `overturned`, each with a note.
    pub fn appeal_step(
        &self,
        caller: &Caller,
        id: &str,
        to: &str,
        note: &str,
    ) -> Result<AppealView> {
        let r = self.appeal_step_inner(caller, id, to, note);
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.appeal.step", id, e);
        }
        r
    }

    fn appeal_step_inner(
        &self,
        caller: &Caller,
        id: &str,
        to: &str,
        note: &str,
    ) -> Result<AppealView> {
        let (username, role) = self.named_officer(caller)?;
        if role == nur_core::account::Role::Auditor {
            return Err(AppError::forbidden(
                "auditor_reads_only",
                "an auditor changes nothing",
            ));
        }
        self.may_run_registry(caller)?;
        let to = AppealState::parse(to).ok_or_else(|| {
            AppError::invalid(
                "bad_state",
                format!("{to}: an appeal moves to under_review, upheld or overturned"),
            )
        })?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > MAX_REASON {
            return Err(AppError::invalid(
                "note_required",
                format!("each step has a note of 1 to {MAX_REASON} characters"),
            ));
        }
        let a = self
            .store
            .sp_appeal(id)?
            .ok_or_else(|| AppError::not_found("no_appeal", format!("no appeal {id}")))?;
        let from = AppealState::parse(&a.state)
            .ok_or_else(|| AppError::internal(format!("appeal {id}: state {}", a.state)))?;
        if !from.may_become(to) {
            return Err(AppError::conflict(
                "bad_step",
                format!(
                    "appeal {id} is {}: it cannot become {}",
                    from.as_str(),
                    to.as_str()
                ),
            ));
        }
        if to.decided() && a.submitted_by == username {
            return Err(AppError::forbidden(
                "own_appeal",
                format!("{username} filed appeal {id}: another officer decides it"),
            ));
        }
        let now = nur_store::now_ms();
        let step = AppealStepRow {
            seq: 0,
            state: to.as_str().into(),
            officer: username,
            note: note.to_owned(),
            at_ms: now,
        };
        let mut ev = self.program_event(caller, "sp.appeal.step", id);
        ev.outcome = format!("{} → {}: {note}", from.as_str(), to.as_str());
        if !self
            .store
            .sp_appeal_step(id, from.as_str(), &step, to.decided(), ev)?
        {
            return Err(AppError::conflict(
                "bad_step",
                format!("appeal {id} changed meanwhile"),
            ));
        }
        self.appeal(caller, id)
    }
}

/// An appeal's id: the household, the program and when (unique per household and program
/// at a millisecond).
fn appeal_id(household: &str, program: &str, now: i64) -> String {
    format!("AP-{program}-{household}-{now}")
}

/// Whether the bytes begin as their declared type's files do.
fn sniff(bytes: &[u8], content_type: &str) -> bool {
    match content_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        _ => false,
    }
}
