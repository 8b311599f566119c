//! The social registry's intake: drafts saved and resumed, submissions checked against the
//! form, verified against the registries *through the program entity's grants* (never
//! around them), each registry read audited as that entity's access with the purpose
//! "intake verification", and the household's facts computed — all written in one
//! transaction. The portal, the JSON API and `nur sp applications import` call these.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::{Actor, Grants};
use nur_core::{Catalog, Date, Ident, IdentityRules};
use nur_sp::facts::{Facts, HouseholdInput, MemberInput};
use nur_sp::verify::{self, MemberRegistry};
use nur_sp::{Checked, FactsDef, FieldError, Form, Stage};
use nur_store::{
    ApplicationRow, DiscrepancyRow, FactsRow, NewApplication, RowsByTable, SpConflict, Submission,
    VerificationRow,
};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// The purpose every verification read is audited with.
pub const VERIFICATION_PURPOSE: &str = "intake verification";

/// The largest answers document accepted (a household of 30 with every answer is ~15 KB).
pub const MAX_ANSWERS_BYTES: usize = 256 * 1024;

/// The social registry's configuration: the intake form, the household facts and the
/// entity whose programs and grants it works under.
pub struct SocialRegistry {
    pub form: Form,
    pub facts: FactsDef,
    pub entity: Ident,
    /// Where citizens' identity is checked when they sign in themselves.
    pub citizen: crate::citizen::CitizenDoor,
    /// The paying agency's account and how payments are written.
    pub payments: nur_sp::cycle::PaymentsDef,
    /// The banks and e-wallet providers payments go to.
    pub providers: nur_sp::payment::Providers,
}

impl SocialRegistry {
    /// Jordan's form and facts; the National Aid Fund runs the programs.
    pub fn jordan(catalog: &Catalog) -> SocialRegistry {
        SocialRegistry {
            form: Form::jordan(&catalog.geography),
            facts: FactsDef::jordan(catalog),
            entity: Ident::parse("NAF").expect("a valid identifier"),
            citizen: crate::citizen::CitizenDoor::jordan(),
            payments: nur_sp::cycle::PaymentsDef::jordan(),
            providers: nur_sp::payment::Providers::jordan(),
        }
    }
}

impl SocialRegistry {
    /// The columns the registry reads, table by table — what its entity needs granted and
    /// nothing more: identity, keys, the facts' inputs and their filters, deaths, the
    /// family booklet's head and governorate.
    pub fn needed_columns(&self, catalog: &Catalog) -> Vec<(Ident, Ident)> {
        let mut wanted: std::collections::BTreeSet<(String, String)> = Default::default();
        let add_identity =
            |t: &nur_core::Table, wanted: &mut std::collections::BTreeSet<(String, String)>| {
                for c in t
                    .columns
                    .iter()
                    .filter(|c| c.ty == nur_core::ColumnType::NationalNumber)
                {
                    wanted.insert((t.name.to_string(), c.name.to_string()));
                }
                for k in &t.key {
                    wanted.insert((t.name.to_string(), k.to_string()));
                }
            };
        for input in &self.facts.inputs {
            let Some(t) = catalog.table(&input.table) else {
                continue;
            };
            add_identity(t, &mut wanted);
            for c in input.column.iter().chain(input.filter.keys()) {
                wanted.insert((t.name.to_string(), c.clone()));
            }
        }
        let dims = &catalog.dimensions;
        let person = catalog.person_table();
        add_identity(person, &mut wanted);
        for c in [
            &dims.person.birth_date,
            &dims.person.gender,
            &dims.person.civil_record_id,
        ] {
            wanted.insert((person.name.to_string(), c.to_string()));
        }
        // The beneficiary's name on a payment.
        for c in &self.payments.name_columns {
            wanted.insert((person.name.to_string(), c.clone()));
        }
        let booklet = catalog.household_table();
        add_identity(booklet, &mut wanted);
        for c in [
            &dims.household.civil_record_id,
            &dims.household.head,
            &dims.household.governorate,
        ] {
            wanted.insert((booklet.name.to_string(), c.to_string()));
        }
        if let Some(t) = catalog.table(&self.facts.deaths.table) {
            add_identity(t, &mut wanted);
            wanted.insert((t.name.to_string(), self.facts.deaths.date.clone()));
        }
        wanted
            .into_iter()
            .filter_map(|(t, c)| Some((Ident::parse(&t).ok()?, Ident::parse(&c).ok()?)))
            .collect()
    }
}

/// An application as the doors show it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: ApplicationRow,
    pub answers: Json,
    pub verification: Option<VerificationRow>,
    /// For a draft: what a submission would refuse now.
    pub open: Vec<FieldError>,
}

/// A household's profile: its current facts and its applications.
#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub household: String,
    pub facts: Option<FactsRow>,
    pub applications: Vec<ApplicationRow>,
}

/// What the registries said about a household's members, and what could not be read.
pub(crate) struct Reading {
    pub registry: Vec<MemberRegistry>,
    /// Tables read (for the audit event and the snapshot).
    pub tables: Vec<String>,
    /// Tables the facts or checks need that the entity is not granted.
    pub not_granted: Vec<String>,
    /// Per member: the tables and keys of the rows read, with their load time.
    pub snapshot: Json,
}

pub(crate) fn new_id() -> Result<String> {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).map_err(AppError::internal)?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("APP-{}-{hex}", nur_store::now_ms()))
}

pub(crate) fn today() -> Date {
    let days = nur_store::now_ms().div_euclid(86_400_000);
    Date::from_days(days)
}

pub(crate) fn conflict(c: SpConflict) -> AppError {
    match c {
        SpConflict::MemberTaken {
            member,
            application,
        } => AppError::unprocessable(
            "member_in_another_application",
            format!("{member} is already a member of application {application}"),
            vec![FieldError {
                path: "household.members".into(),
                code: "member_in_another_application".into(),
                message: nur_sp::Label {
                    en: format!("{member} is already a member of application {application}"),
                    ar: format!("{member} فرد في طلب آخر قائم ({application})"),
                },
            }],
        ),
        SpConflict::NotDraft { status } => AppError::conflict(
            "not_a_draft",
            format!("the application is {status}: only a draft can be changed or submitted"),
        ),
        SpConflict::Revision { current } => AppError::conflict(
            "draft_changed",
            format!("the draft changed meanwhile (now at revision {current}); reload it"),
        ),
        SpConflict::Missing => AppError::not_found("no_application", "no such application"),
    }
}

pub(crate) fn parse_answers(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Object(Map::new()))
}

fn household_of(answers: &Json) -> String {
    answers
        .pointer("/household/civil_record_id")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned()
}

/// The national numbers the answers name (the members the civil registry can verify).
pub(crate) fn national_numbers(c: &Checked) -> Vec<&str> {
    c.members
        .iter()
        .filter_map(|m| m.national_number.as_deref())
        .collect()
}

fn member_keys(c: &Checked) -> Vec<String> {
    let mut keys: Vec<String> = c
        .members
        .iter()
        .filter_map(|m| m.key().map(str::to_owned))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

impl App {
    pub fn social_registry(&self) -> &SocialRegistry {
        &self.sp
    }

    /// Caseworkers and API clients of the program's entity, and the operator, handle
    /// applications. (Citizens reach their own application through their own door.)
    pub(crate) fn may_handle(&self, caller: &Caller) -> Result<()> {
        match &caller.actor {
            Actor::Operator { .. } => Ok(()),
            a if a.entity() == Some(&self.sp.entity) => Ok(()),
            a => Err(AppError::forbidden(
                "not_program_entity",
                format!(
                    "{} does not act for {}, whose programs the social registry serves",
                    a.name(),
                    self.sp.entity
                ),
            )),
        }
    }

    /// Who may handle the applications of `household`: the program's caseworkers and the
    /// operator, and a citizen for their own family booklet only.
    fn may_handle_household(&self, caller: &Caller, household: &str) -> Result<()> {
        let Actor::Citizen { national_number } = &caller.actor else {
            return self.may_handle(caller);
        };
        match self.citizen_household(national_number)? {
            Some(own) if own == household => Ok(()),
            _ => Err(AppError::forbidden(
                "not_own_household",
                "a citizen reaches only the applications of their own family booklet",
            )),
        }
    }

    /// What a citizen's own answers must hold besides the form's rules: their family
    /// booklet, and (at submission) themselves among its members.
    fn citizen_answers(&self, caller: &Caller, answers: &Json, stage: Stage) -> Result<()> {
        let Actor::Citizen { national_number } = &caller.actor else {
            return Ok(());
        };
        let own = self.citizen_household(national_number)?.ok_or_else(|| {
            AppError::forbidden(
                "citizen_unknown",
                "the civil registry no longer holds this person",
            )
        })?;
        let refuse = |path: &str, code: &str, ar: String, en: String| {
            Err(AppError::unprocessable(
                "invalid_answers",
                en.clone(),
                vec![FieldError {
                    path: path.into(),
                    code: code.into(),
                    message: nur_sp::Label { ar, en },
                }],
            ))
        };
        let household = household_of(answers);
        if household != own {
            return refuse(
                "household.civil_record_id",
                "not_own_household",
                format!("يمكنك التقدم لأسرتك فقط، دفتر العائلة رقم {own}"),
                format!("you apply for your own household only: family booklet {own}"),
            );
        }
        let listed = answers
            .pointer("/household/members")
            .and_then(Json::as_array)
            .is_some_and(|ms| {
                ms.iter().any(|m| {
                    m.get("national_number").and_then(Json::as_str) == Some(national_number)
                })
            });
        if stage == Stage::Submit && !listed {
            return refuse(
                "household.members",
                "applicant_not_member",
                format!("أضف نفسك (الرقم الوطني {national_number}) إلى أفراد الأسرة"),
                format!("list yourself (national number {national_number}) among the members"),
            );
        }
        Ok(())
    }

    fn check_answers(&self, answers: &Json, stage: Stage) -> Checked {
        self.sp
            .form
            .check(&self.catalog.identity, answers, today(), stage)
    }

    /// The answers checked at `stage`, or every refused one as a 422.
    fn accepted_answers(&self, answers: &Json, stage: Stage) -> Result<Checked> {
        let checked = self.check_answers(answers, stage);
        if checked.errors.is_empty() {
            return Ok(checked);
        }
        Err(AppError::unprocessable(
            "invalid_answers",
            format!("{} answers are refused", checked.errors.len()),
            checked.errors,
        ))
    }

    /// Sets the registries' audit fields on an event of the program's entity.
    pub(crate) fn program_event(
        &self,
        caller: &Caller,
        action: &str,
        target: impl Into<String>,
    ) -> nur_core::audit::NewEvent {
        let mut ev = caller.event(action, target);
        ev.entity = Some(self.sp.entity.to_string());
        ev
    }

    fn refuse_size(answers: &Json) -> Result<()> {
        if answers.to_string().len() > MAX_ANSWERS_BYTES {
            return Err(AppError::invalid(
                "answers_too_large",
                format!("the answers exceed {MAX_ANSWERS_BYTES} bytes"),
            ));
        }
        Ok(())
    }

    /// Saves a new draft. A draft may be incomplete; what it holds must be right.
    pub fn create_application(
        &self,
        caller: &Caller,
        answers: &Json,
        channel: &str,
    ) -> Result<ApplicationView> {
        if !matches!(caller.actor, Actor::Citizen { .. }) {
            self.may_handle(caller)?;
        }
        Self::refuse_size(answers)?;
        let checked = self.accepted_answers(answers, Stage::Draft)?;
        self.citizen_answers(caller, &checked.answers, Stage::Draft)?;
        let id = new_id()?;
        let new = NewApplication {
            id: id.clone(),
            external_ref: None,
            entity: self.sp.entity.to_string(),
            household: household_of(&checked.answers),
            channel: channel.to_owned(),
            form: self.sp.form.form.clone(),
            form_version: i64::from(self.sp.form.version),
            answers: checked.answers.to_string(),
            created_by: caller.actor.name().to_owned(),
        };
        let ev = self.program_event(caller, "sp.application.create", &id);
        let row = self
            .store
            .sp_create_draft(&new, &member_keys(&checked), ev)?
            .map_err(conflict)?;
        self.view(row, None)
    }

    /// Replaces a draft's answers (at `revision` when given: a stale editor is refused, not
    /// silently overwritten).
    pub fn update_application(
        &self,
        caller: &Caller,
        id: &str,
        revision: Option<i64>,
        answers: &Json,
    ) -> Result<ApplicationView> {
        self.may_handle_application(caller, id)?;
        Self::refuse_size(answers)?;
        let checked = self.accepted_answers(answers, Stage::Draft)?;
        self.citizen_answers(caller, &checked.answers, Stage::Draft)?;
        let ev = self.program_event(caller, "sp.application.update", id);
        let row = self
            .store
            .sp_update_draft(
                id,
                revision,
                &household_of(&checked.answers),
                &checked.answers.to_string(),
                &member_keys(&checked),
                ev,
            )?
            .map_err(conflict)?;
        self.view(row, None)
    }

    /// Submits a draft: every answer checked, every member verified against the
    /// registries, the household's facts computed; refused whole, or written whole.
    pub fn submit_application(
        &self,
        caller: &Caller,
        id: &str,
        revision: Option<i64>,
    ) -> Result<ApplicationView> {
        let draft = self.may_handle_application(caller, id)?;
        if draft.status != "draft" {
            return Err(conflict(SpConflict::NotDraft {
                status: draft.status,
            }));
        }
        let answers = parse_answers(&draft.answers);
        self.citizen_answers(caller, &answers, Stage::Submit)?;
        let grants = self.grants_now(&self.sp.entity)?;
        let mut submission =
            self.prepare_submission(caller, None, id, revision, &answers, &grants)?;
        self.add_partner_checks(caller, &mut submission);
        let row = self.store.sp_submit(&submission)?.map_err(conflict)?;
        self.view(row, Some(submission.verification))
    }

    /// What the verifying partner registries say about each member, in the verification's
    /// snapshot (one application at a time: a bulk import does not ask partners).
    fn add_partner_checks(&self, caller: &Caller, s: &mut Submission) {
        let checks = self.partner_checks(caller, &s.members);
        if checks.as_object().is_some_and(|o| o.is_empty()) {
            return;
        }
        if let Ok(Json::Object(mut snap)) = serde_json::from_str::<Json>(&s.verification.snapshot) {
            snap.insert("partners".into(), checks);
            s.verification.snapshot = Json::Object(snap).to_string();
        }
    }

    /// Checks and verifies answers into a submission ready to write (`new` for an
    /// application submitted without a draft).
    pub(crate) fn prepare_submission(
        &self,
        caller: &Caller,
        new: Option<NewApplication>,
        id: &str,
        revision: Option<i64>,
        answers: &Json,
        grants: &Grants,
    ) -> Result<Submission> {
        let checked = self.checked_for_submission(answers, grants)?;
        let rows = self.granted_rows(grants, &national_numbers(&checked))?;
        self.finish_submission(caller, new, id, revision, checked, &rows, grants)
    }

    /// The answers checked for a submission, and the civil registry granted (without it no
    /// member can be verified).
    pub(crate) fn checked_for_submission(
        &self,
        answers: &Json,
        grants: &Grants,
    ) -> Result<Checked> {
        let checked = self.accepted_answers(answers, Stage::Submit)?;
        let person_table = &self.catalog.person_table().name;
        if !grants.table(&self.catalog, person_table) {
            return Err(AppError::forbidden(
                "verification_not_granted",
                format!(
                    "{} is not granted {person_table}: members cannot be verified against the civil registry",
                    self.sp.entity
                ),
            ));
        }
        Ok(checked)
    }

    /// Verifies checked answers against registry rows read beforehand (`rows` may hold
    /// other households' members too: an import reads a whole batch at once).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn finish_submission(
        &self,
        caller: &Caller,
        new: Option<NewApplication>,
        id: &str,
        revision: Option<i64>,
        checked: Checked,
        rows: &BTreeMap<String, RowsByTable>,
        grants: &Grants,
    ) -> Result<Submission> {
        let keys = national_numbers(&checked);
        let reading = self.reading(rows, &checked, grants);
        let v = verify::verify(
            &self.catalog,
            &self.sp.facts,
            &checked.answers,
            &checked.members,
            &reading.registry,
        );
        if !v.errors.is_empty() {
            return Err(AppError::unprocessable(
                "verification_failed",
                format!("{} members could not be verified", v.errors.len()),
                v.errors,
            ));
        }
        let household = household_of(&checked.answers);
        let facts = self.household_facts(&household, &checked, &reading);
        let now = nur_store::now_ms();
        let verification = VerificationRow {
            application: id.to_owned(),
            household: household.clone(),
            verified_at_ms: now,
            formal_income_fils: (v.formal_income_jod * 1000.0).round() as i64,
            members_verified: v.members_verified as i64,
            snapshot: json!({
                "tables": reading.tables,
                "not_granted": reading.not_granted,
                "members": reading.snapshot,
            })
            .to_string(),
            discrepancies: v
                .discrepancies
                .iter()
                .map(|d| DiscrepancyRow {
                    kind: d.kind.clone(),
                    path: d.path.clone(),
                    national_number: d.national_number.clone(),
                    source_table: d.source_table.clone(),
                    record_keys: Json::from(d.record_keys.clone()).to_string(),
                    declared: d.declared.to_string(),
                    registry: d.registry.to_string(),
                    as_of_ms: d.as_of_ms,
                    message_ar: d.message.ar.clone(),
                    message_en: d.message.en.clone(),
                })
                .collect(),
        };
        let mut submit = self.program_event(caller, "sp.application.submit", id);
        submit.outcome = format!("ok: {} discrepancies", v.discrepancies.len());
        let mut read = self.program_event(caller, "sp.verify", id);
        read.purpose = Some(VERIFICATION_PURPOSE.into());
        read.persons = keys.iter().map(|k| (*k).to_owned()).collect();
        read.columns = reading.tables.clone();
        Ok(Submission {
            new,
            id: id.to_owned(),
            expected_revision: revision,
            household: household.clone(),
            answers: checked.answers.to_string(),
            members: member_keys(&checked),
            verification,
            facts: FactsRow {
                household,
                application: Some(id.to_owned()),
                facts_name: self.sp.facts.name.clone(),
                facts_version: i64::from(self.sp.facts.version),
                facts: serde_json::to_string(&facts).expect("plain data"),
                computed_at_ms: now,
            },
            events: vec![submit, read],
        })
    }

    /// Every table verification and the facts read.
    pub(crate) fn needed_tables(&self) -> Vec<String> {
        let mut t: Vec<String> = self
            .sp
            .facts
            .tables()
            .into_iter()
            .map(str::to_owned)
            .collect();
        t.push(self.catalog.person_table().name.to_string());
        t.push(self.catalog.household_table().name.to_string());
        t.push(self.sp.facts.deaths.table.clone());
        t.sort();
        t.dedup();
        t
    }

    /// Reads `keys`' rows of the needed tables the entity is granted, with only the granted
    /// columns the registry reads (and lineage): the program's entity sees what its grants
    /// allow, and nothing around them. The columns are cut in the statement itself: a table's
    /// other columns are never read.
    pub(crate) fn granted_rows(
        &self,
        grants: &Grants,
        keys: &[&str],
    ) -> Result<BTreeMap<String, RowsByTable>> {
        let c = &self.catalog;
        // Each granted table cut to the granted columns the registry reads: the statement
        // selects nothing else, so no other column is ever read.
        let projected: Vec<nur_core::Table> = self
            .needed_tables()
            .iter()
            .filter_map(|t| c.table(t))
            .filter(|t| grants.table(c, &t.name))
            .map(|t| {
                let reads = self.sp_reads.get(t.name.as_str());
                let mut p = t.clone();
                p.columns.retain(|col| {
                    reads.is_some_and(|r| r.contains(col.name.as_str()))
                        && grants.column(c, &t.name, &col.name)
                });
                p
            })
            .collect();
        let tables: Vec<&nur_core::Table> = projected.iter().collect();
        let mut rows = self.store.registry_rows(&tables, keys)?;
        for by_table in rows.values_mut() {
            by_table.retain(|_, list| !list.is_empty());
        }
        Ok(rows)
    }

    fn reading(
        &self,
        rows: &BTreeMap<String, RowsByTable>,
        checked: &Checked,
        grants: &Grants,
    ) -> Reading {
        let c = &self.catalog;
        let person_table = c.person_table().name.to_string();
        let deaths = &self.sp.facts.deaths;
        let mut tables = std::collections::BTreeSet::new();
        let mut snapshot = Map::new();
        let registry = checked
            .members
            .iter()
            .map(|m| {
                let Some(nn) = m.national_number.as_deref() else {
                    return MemberRegistry::default();
                };
                let mut by_table = rows.get(nn).cloned().unwrap_or_default();
                let mut seen = Map::new();
                for (t, list) in &by_table {
                    tables.insert(t.clone());
                    let key_cols = c.table(t).map(|t| t.key.clone()).unwrap_or_default();
                    let keys: Vec<Json> = list
                        .iter()
                        .map(|r| {
                            json!({
                                "key": key_cols.iter().filter_map(|k| r.get(k.as_str())).map(|v| v.to_string().trim_matches('"').to_owned()).collect::<Vec<_>>().join("/"),
                                "loaded_at_ms": r.get("_lineage").and_then(|l| l.get("loaded_at_ms")),
                            })
                        })
                        .collect();
                    seen.insert(t.clone(), Json::from(keys));
                }
                snapshot.insert(nn.to_owned(), Json::Object(seen));
                let person = by_table.remove(&person_table).and_then(|mut l| {
                    if l.is_empty() {
                        None
                    } else {
                        Some(l.swap_remove(0))
                    }
                });
                let death_date = by_table.remove(&deaths.table).and_then(|l| {
                    l.first()
                        .map(|r| r.get(&deaths.date).and_then(Json::as_str).unwrap_or("").to_owned())
                });
                MemberRegistry {
                    person,
                    death_date,
                    records: by_table,
                }
            })
            .collect();
        let not_granted = self
            .needed_tables()
            .into_iter()
            .filter(|t| c.table(t).is_some_and(|t| !grants.table(c, &t.name)))
            .collect();
        Reading {
            registry,
            tables: tables.into_iter().collect(),
            not_granted,
            snapshot: Json::Object(snapshot),
        }
    }

    /// The facts of a household that applied: its living declared members with their
    /// answers and registry records.
    fn household_facts(&self, household: &str, checked: &Checked, reading: &Reading) -> Facts {
        let dims = &self.catalog.dimensions.person;
        let year = today().year();
        let members = checked
            .members
            .iter()
            .zip(&reading.registry)
            .map(|(m, reg)| {
                let declared = checked
                    .answers
                    .pointer(&format!("/household/members/{}", m.index))
                    .and_then(|v| v.as_object().cloned());
                let born = m.birth_date.or_else(|| {
                    reg.person
                        .as_ref()
                        .and_then(|p| p.get(dims.birth_date.as_str()))
                        .and_then(Json::as_str)
                        .and_then(|s| Date::parse(s).ok())
                });
                MemberInput {
                    national_number: m.key().unwrap_or("").to_owned(),
                    age: born.map(|b| age_on(b, today())).unwrap_or(0),
                    female: m.gender.as_deref() == Some("female"),
                    head: m.relation == "head",
                    declared,
                    records: reg.records.clone(),
                }
            })
            .collect();
        let input = HouseholdInput {
            household: household.to_owned(),
            governorate: checked
                .answers
                .pointer("/household/governorate")
                .and_then(Json::as_str)
                .map(str::to_owned),
            as_of_year: year,
            members,
            answers: Some(checked.answers.clone()),
        };
        let root = nur_sp::expr::root();
        self.sp.facts.compute(&root, &input)
    }

    /// An application with its verification.
    pub fn application(&self, caller: &Caller, id: &str) -> Result<ApplicationView> {
        let row = self.may_handle_application(caller, id)?;
        self.view(row, None)
    }

    /// The application `id` if the caller may handle it (a citizen, only their household's;
    /// another household's answers "no such application", as an unknown id would).
    fn may_handle_application(&self, caller: &Caller, id: &str) -> Result<ApplicationRow> {
        if !matches!(caller.actor, Actor::Citizen { .. }) {
            self.may_handle(caller)?;
        }
        let missing = || AppError::not_found("no_application", "no such application");
        let row = self.store.sp_application(id)?.ok_or_else(missing)?;
        match self.may_handle_household(caller, &row.household) {
            Err(e) if e.code == "not_own_household" => Err(missing()),
            other => other.map(|()| row),
        }
    }

    fn view(
        &self,
        row: ApplicationRow,
        verification: Option<VerificationRow>,
    ) -> Result<ApplicationView> {
        let answers = parse_answers(&row.answers);
        let verification = match verification {
            Some(v) => Some(v),
            None if row.status == "submitted" => self.store.sp_verification(&row.id)?,
            None => None,
        };
        let open = if row.status == "draft" {
            self.check_answers(&answers, Stage::Submit).errors
        } else {
            Vec::new()
        };
        Ok(ApplicationView {
            application: row,
            answers,
            verification,
            open,
        })
    }

    /// A household's current profile.
    pub fn sp_household(&self, caller: &Caller, household: &str) -> Result<HouseholdView> {
        self.may_handle_household(caller, household)?;
        nur_core::CivilRecordId::parse(&self.catalog.identity, household)
            .map_err(|e| AppError::invalid("invalid_civil_record_id", e.to_string()))?;
        let facts = self.store.sp_household(household)?;
        let applications = self.store.sp_applications_of(household)?;
        if facts.is_none() && applications.is_empty() {
            return Err(AppError::not_found(
                "no_household",
                format!("household {household} has no social-registry record"),
            ));
        }
        Ok(HouseholdView {
            household: household.to_owned(),
            facts,
            applications,
        })
    }

    /// The newest applications (a caseworker's list).
    pub fn applications(
        &self,
        caller: &Caller,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ApplicationRow>> {
        self.may_handle(caller)?;
        Ok(self.store.sp_applications(status, limit.clamp(1, 500))?)
    }

    /// The identity rules, for doors that check a national number before calling.
    pub fn identity_rules(&self) -> &IdentityRules {
        &self.catalog.identity
    }
}

/// Completed years on `on`.
pub(crate) fn age_on(born: Date, on: Date) -> i64 {
    let mut a = i64::from(on.year() - born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        a -= 1;
    }
    a
}
