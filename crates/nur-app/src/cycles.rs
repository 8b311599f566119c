//! NUR-SP enrollment cycles: per program and month, the households selected by the newest
//! targeting run plus those still enrolled from the cycle before and those an overturned
//! appeal brings in, each re-checked against the program's rules with today's facts, its
//! beneficiary (the family booklet's head) and account looked up, its entitlement computed
//! under the program's cap. A draft is approved by a second person within the budget, after
//! the deaths registered since it was prepared have stopped their households; the approval
//! writes the payments, including rejected ones of earlier cycles whose account has since
//! been fixed. Payment files and status reports: `payments`.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::fin_accounts::{account_from_answers, new_account};
use crate::target_runs::{reading, text_fact};
use crate::App;
use nur_core::account::Role;
use nur_core::audit::{NewEvent, MAX_LISTED_PERSONS};
use nur_core::grant::Actor;
use nur_sp::cycle::{self, CycleState, Membership, Period};
use nur_sp::program::{Outcome, ProgramDef, RuleKind};
use nur_store::{
    AppealFilter, Approval, CycleRow, MemberRow, NewPayAccount, PayAccountRow, PayAccountSet,
    Payee, PayeeSource, PaymentRow,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why payees and deaths are read: what the access report shows the person.
const CYCLE_PURPOSE: &str = "payment cycle";

/// A cycle's counts: households per membership state, the paid households by governorate
/// and by the head's sex (households and fils), and the turnover since the cycle before.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CycleCounts {
    pub by_state: BTreeMap<String, i64>,
    /// Governorate code → (households, fils).
    pub by_governorate: BTreeMap<String, (i64, i64)>,
    /// [male head, female head] → (households, fils).
    pub by_head_sex: [(i64, i64); 2],
    /// Enrolled now and not enrolled in the cycle before; enrolled then and not now.
    pub entered: i64,
    pub left: i64,
    /// Accounts taken from the households' applications for this cycle.
    pub accounts_from_intake: i64,
    /// Rejected payments of earlier cycles paid again in this one.
    pub carried: i64,
    pub carried_fils: i64,
}

/// A cycle with its counts and its payments' totals per status.
#[derive(Debug, Clone, Serialize)]
pub struct CycleView {
    pub cycle: CycleRow,
    pub counts: CycleCounts,
    /// Status → (payments, fils).
    pub payments: BTreeMap<String, (i64, i64)>,
    pub over_budget: bool,
}

/// How a household came into a cycle.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Run(String),
    Continuing,
    /// An overturned appeal: `include` when the appealed decision kept the household out.
    Appeal {
        id: String,
        include: bool,
    },
}

impl Source {
    fn code(&self) -> String {
        match self {
            Source::Run(r) => format!("run:{r}"),
            Source::Continuing => "continuing".into(),
            Source::Appeal { id, .. } => format!("appeal:{id}"),
        }
    }
}

impl App {
    /// Who prepares cycles: the operator and the program entity's officers (not auditors).
    fn may_prepare(&self, caller: &Caller) -> Result<()> {
        if let Actor::User {
            role: Role::Auditor,
            ..
        } = &caller.actor
        {
            return Err(AppError::forbidden(
                "auditor_reads_only",
                "an auditor changes nothing",
            ));
        }
        self.may_run_registry(caller)
    }

    /// The officer behind a call and their role: a portal user, or the officer a client of
    /// the program's entity names in `X-NUR-User-Id` (an enabled account of that entity).
    pub(crate) fn named_officer(&self, caller: &Caller) -> Result<(String, Role)> {
        match &caller.actor {
            Actor::User { username, role, .. } => Ok((username.clone(), *role)),
            Actor::Client { entity, .. } if *entity == self.sp.entity => {
                let Some(u) = &caller.on_behalf_of else {
                    return Err(AppError::forbidden(
                        "officer_required",
                        "name the officer this call is for (X-NUR-User-Id)",
                    ));
                };
                let a = self
                    .store
                    .account(u)?
                    .filter(|a| !a.disabled && a.entity.as_deref() == Some(entity.as_str()))
                    .ok_or_else(|| {
                        AppError::forbidden(
                            "officer_unknown",
                            format!("{u} is not an enabled officer of {entity}"),
                        )
                    })?;
                Ok((a.username, a.role))
            }
            a => Err(AppError::forbidden(
                "officer_required",
                format!("{}: a named officer takes this step", a.name()),
            )),
        }
    }

    /// Who prepared or changed something: the named officer, else the actor.
    pub(crate) fn officer_name(&self, caller: &Caller) -> String {
        self.named_officer(caller)
            .map(|(n, _)| n)
            .unwrap_or_else(|_| caller.actor.name().to_owned())
    }

    /// Who approves: an administrator of the program's entity (or a super admin), never the
    /// person who prepared the cycle.
    fn may_approve(&self, caller: &Caller, c: &CycleRow) -> Result<()> {
        let (name, role) = self.named_officer(caller)?;
        if name == c.prepared_by {
            return Err(AppError::forbidden(
                "approver_prepared",
                format!(
                    "{} prepared cycle {}: a second person approves it",
                    c.prepared_by, c.id
                ),
            ));
        }
        let ok = match (&caller.actor, role) {
            (_, Role::SuperAdmin) => true,
            (Actor::User { entity, .. }, Role::EntityAdmin) => {
                entity.as_ref() == Some(&self.sp.entity)
            }
            (Actor::Client { .. }, Role::EntityAdmin) => true,
            _ => false,
        };
        if !ok {
            return Err(AppError::forbidden(
                "not_approver",
                format!(
                    "{name} may not approve payment cycles: an administrator of {} approves them",
                    self.sp.entity
                ),
            ));
        }
        Ok(())
    }

    /// The operator's CLI acting as a named portal account (`--by USER`): the account must
    /// exist and be enabled.
    pub fn caller_for_account(&self, username: &str) -> Result<Caller> {
        let a = self
            .store
            .account(username)?
            .filter(|a| !a.disabled)
            .ok_or_else(|| {
                AppError::not_found(
                    "no_account",
                    format!("no enabled portal account {username}"),
                )
            })?;
        let role = a.role;
        let entity = a
            .entity
            .as_deref()
            .map(|e| nur_core::Ident::parse(e).map_err(AppError::internal))
            .transpose()?;
        Ok(Caller::new(
            Actor::User {
                username: a.username.clone(),
                role,
                entity,
            },
            None,
        ))
    }

    /// Prepares a program's cycle for `period` (`YYYY-MM`) as a draft and returns it.
    pub fn create_cycle(&self, caller: &Caller, program: &str, period: &str) -> Result<CycleView> {
        let r = self.create_cycle_inner(caller, program, period);
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.cycle.create", &format!("{program} {period}"), e);
        }
        r
    }

    fn create_cycle_inner(&self, caller: &Caller, code: &str, period: &str) -> Result<CycleView> {
        self.may_prepare(caller)?;
        let period = Period::parse(period).map_err(|e| AppError::invalid("bad_period", e))?;
        let (prow, def) = self.published_program(code)?;
        let id = cycle::cycle_id(&prow.code, period);
        let cycles = self.store.sp_cycles(Some(&prow.code), 1000)?;
        if cycles.iter().any(|c| c.id == id) {
            return Err(AppError::conflict(
                "cycle_exists",
                format!("cycle {id} exists already"),
            ));
        }
        if let Some(c) = cycles.iter().find(|c| c.period > period.to_string()) {
            return Err(AppError::invalid(
                "later_cycle",
                format!("cycle {} is later than {period}: cycles go forward", c.id),
            ));
        }
        if let Some(c) = cycles.iter().find(|c| c.state == "draft") {
            return Err(AppError::invalid(
                "draft_open",
                format!("cycle {} is still a draft: approve it first", c.id),
            ));
        }
        let previous = cycles.first().cloned();
        let run = self
            .store
            .sp_runs(Some(&prow.code), 1)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                AppError::invalid(
                    "no_run",
                    format!("{}: no targeting run to enrol from", prow.code),
                )
            })?;
        let (_, model) = self
            .model(None)?
            .ok_or_else(|| AppError::invalid("no_model", "no published PMT model"))?;

        // Who comes in: the run's selection, the households still enrolled, the appeals.
        let mut sources: BTreeMap<String, Source> = BTreeMap::new();
        for e in self.store.sp_run_selected(&run.id)? {
            sources.insert(e.household, Source::Run(run.id.clone()));
        }
        let mut before: HashSet<String> = HashSet::new();
        if let Some(p) = &previous {
            for m in self.store.sp_cycle_members(&p.id, None)? {
                let state = Membership::parse(&m.state);
                if state == Some(Membership::Enrolled) {
                    before.insert(m.household.clone());
                }
                if state.is_some_and(Membership::continues) {
                    sources.entry(m.household).or_insert(Source::Continuing);
                }
            }
        }
        let appeals = self
            .store
            .sp_appeals(AppealFilter::ToApply(&prow.code), 100_000)?;
        for a in &appeals {
            let include = a.decision != "selected";
            sources.insert(
                a.household.clone(),
                Source::Appeal {
                    id: a.id.clone(),
                    include,
                },
            );
        }

        let households: Vec<&str> = sources.keys().map(String::as_str).collect();
        let inputs = self.store.sp_target_inputs_of(&households)?;
        let ln_line = model.ln_line();
        let line = model.poverty_line_jod;
        let checks = recheck(&def, &inputs, ln_line, &sources, line);
        drop(inputs);

        let (payees, mut events) = self.payees(caller, &households)?;
        let payee_nns: Vec<&str> = payees
            .values()
            .map(|p| p.national_number.as_str())
            .collect();
        let mut accounts = self.store.sp_active_accounts(&payee_nns)?;
        let intake = self.accounts_from_intake(caller, &payees, &accounts)?;
        let from_intake = intake.len() as i64;
        accounts.extend(intake);

        // An account the provider rejected stays paused until it changes (the caseworker
        // sees the rejection; the next cycle pays again once it is fixed).
        let rejected: HashMap<String, (i64, String)> = self
            .store
            .sp_open_rejections(&prow.code)?
            .into_iter()
            .map(|p| (p.payee, (p.account_seq, p.end_to_end)))
            .collect();
        let now = nur_store::now_ms();
        let mut members = Vec::with_capacity(sources.len());
        let mut seen_payee: HashMap<String, String> = HashMap::new();
        let mut seen_account: HashMap<String, String> = HashMap::new();
        for (household, source) in &sources {
            let r = checks.get(household);
            let mut m = MemberRow {
                household: household.clone(),
                state: Membership::Enrolled.as_str().into(),
                reason: source.code(),
                payee: None,
                payee_name: None,
                members: r.map_or(0, |r| r.members),
                governorate: r.map(|r| r.governorate.clone()).unwrap_or_default(),
                head_female: r.is_some_and(|r| r.head_female),
                entitlement_fils: 0,
                source: match source {
                    Source::Run(_) => "run",
                    Source::Continuing => "continuing",
                    Source::Appeal { .. } => "appeal",
                }
                .into(),
            };
            let payee = payees.get(household);
            if let Some(p) = payee {
                m.payee = Some(p.national_number.clone());
                m.payee_name = Some(p.name.join(" "));
            }
            let check = r.map(|r| &r.outcome);
            let (state, reason) = match (source, r, payee, check) {
                (Source::Appeal { include: false, id }, ..) => {
                    (Membership::Exited, format!("appeal:{id}"))
                }
                (_, None, ..) => (Membership::NotEligible, "no_facts".into()),
                (_, _, None, _) => (Membership::Paused, "no_beneficiary".into()),
                (_, _, Some(p), _) if p.died_on.is_some() => (
                    Membership::Exited,
                    format!("died:{}", p.died_on.as_deref().unwrap_or_default()),
                ),
                (_, _, _, Some(Err(why))) => (Membership::NotEligible, why.clone()),
                (_, _, Some(p), Some(Ok(benefit))) => {
                    m.entitlement_fils = cycle::entitlement(*benefit, def.benefit_cap_fils);
                    let account = accounts.get(&p.national_number);
                    if let Some(other) = seen_payee.get(&p.national_number) {
                        (Membership::Duplicate, format!("payee_of:{other}"))
                    } else if let Some(other) = account.and_then(|a| seen_account.get(&a.address)) {
                        (Membership::Duplicate, format!("account_of:{other}"))
                    } else if let Some((a, (_, e2e))) = account.and_then(|a| {
                        rejected
                            .get(&p.national_number)
                            .filter(|(seq, _)| *seq == a.seq)
                            .map(|r| (a, r))
                    }) {
                        seen_payee.insert(p.national_number.clone(), household.clone());
                        seen_account.insert(a.address.clone(), household.clone());
                        (Membership::Paused, format!("account_rejected:{e2e}"))
                    } else if let Some(a) = account {
                        seen_payee.insert(p.national_number.clone(), household.clone());
                        seen_account.insert(a.address.clone(), household.clone());
                        (Membership::Enrolled, source.code())
                    } else {
                        seen_payee.insert(p.national_number.clone(), household.clone());
                        (Membership::Paused, "no_account".into())
                    }
                }
                (_, _, _, None) => (Membership::NotEligible, "no_facts".into()),
            };
            if state != Membership::Enrolled {
                m.entitlement_fils = 0;
            }
            m.state = state.as_str().into();
            m.reason = reason;
            members.push(m);
        }
        let mut counts = tally(&members, &before);
        counts.accounts_from_intake = from_intake;
        let (households_n, persons, total) = totals(&members);
        let row = CycleRow {
            id: id.clone(),
            program: prow.code.clone(),
            program_version: prow.version,
            period: period.to_string(),
            run: run.id.clone(),
            previous: previous.map(|p| p.id),
            state: CycleState::Draft.as_str().into(),
            households: households_n,
            persons,
            total_fils: total,
            budget_fils: def.budget_fils,
            counts: serde_json::to_string(&counts).expect("plain data"),
            prepared_by: self.officer_name(caller),
            prepared_at_ms: now,
            approved_by: None,
            approved_at_ms: None,
            paid_at_ms: None,
            closed_by: None,
            closed_at_ms: None,
        };
        let mut ev = self.program_event(caller, "sp.cycle.create", &id);
        ev.outcome = format!(
            "draft; {households_n} households enrolled, {persons} persons, {total} fils, from run {}",
            run.id
        );
        events.push(ev);
        let applied: Vec<String> = appeals.iter().map(|a| a.id.clone()).collect();
        self.store.sp_put_cycle(&row, &members, &applied, events)?;
        self.cycle(caller, &id)
    }

    /// The family booklet head of each household with their name and any death, read as
    /// the program entity's audited access (which must be granted those columns).
    fn payees(
        &self,
        caller: &Caller,
        households: &[&str],
    ) -> Result<(HashMap<String, Payee>, Vec<NewEvent>)> {
        let c = &self.catalog;
        let dims = &c.dimensions;
        let grants = self.grants_now(&self.sp.entity)?;
        let deaths = &self.sp.facts.deaths;
        let person = c.person_table();
        let booklet = c.household_table();
        let death_table = nur_core::Ident::parse(&deaths.table).map_err(AppError::internal)?;
        let mut needed: Vec<(nur_core::Ident, String)> = vec![
            (
                booklet.name.clone(),
                dims.household.civil_record_id.to_string(),
            ),
            (booklet.name.clone(), dims.household.head.to_string()),
            (person.name.clone(), dims.person.national_number.to_string()),
            (death_table.clone(), dims.person.national_number.to_string()),
            (death_table.clone(), deaths.date.clone()),
        ];
        for n in &self.sp.payments.name_columns {
            needed.push((person.name.clone(), n.clone()));
        }
        let missing: Vec<String> = needed
            .iter()
            .filter(|(t, col)| {
                !nur_core::Ident::parse(col).is_ok_and(|col| grants.column(c, t, &col))
            })
            .map(|(t, col)| format!("{t}.{col}"))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::forbidden(
                "payee_not_granted",
                format!(
                    "{} is not granted what a payment needs: {}",
                    self.sp.entity,
                    missing.join(", ")
                ),
            ));
        }
        let src = PayeeSource {
            booklet: (
                booklet.name.as_str(),
                dims.household.civil_record_id.as_str(),
                dims.household.head.as_str(),
            ),
            person: (
                person.name.as_str(),
                dims.person.national_number.as_str(),
                &self.sp.payments.name_columns,
            ),
            deaths: (
                &deaths.table,
                dims.person.national_number.as_str(),
                &deaths.date,
            ),
        };
        let payees = self.store.sp_payees(&src, households)?;
        let events = self.access_events(
            caller,
            "sp.cycle.payees",
            payees.iter().map(|p| p.national_number.as_str()),
        );
        Ok((
            payees
                .into_iter()
                .map(|p| (p.household.clone(), p))
                .collect(),
            events,
        ))
    }

    /// The program entity's audited access to `persons`, in events of at most
    /// MAX_LISTED_PERSONS each (so each person finds it in their access report).
    fn access_events<'a>(
        &self,
        caller: &Caller,
        action: &str,
        persons: impl Iterator<Item = &'a str>,
    ) -> Vec<NewEvent> {
        let persons: Vec<&str> = persons.collect();
        persons
            .chunks(MAX_LISTED_PERSONS)
            .map(|chunk| {
                let mut ev = self.program_event(caller, action, format!("{} persons", chunk.len()));
                ev.purpose = Some(CYCLE_PURPOSE.into());
                ev.persons = chunk.iter().map(|p| (*p).to_owned()).collect();
                ev
            })
            .collect()
    }

    /// Accounts for payees who have none, from their household's submitted application;
    /// set (and audited) before the cycle is written.
    fn accounts_from_intake(
        &self,
        caller: &Caller,
        payees: &HashMap<String, Payee>,
        have: &HashMap<String, PayAccountRow>,
    ) -> Result<HashMap<String, PayAccountRow>> {
        let lacking: Vec<&str> = payees
            .iter()
            .filter(|(_, p)| !have.contains_key(&p.national_number) && p.died_on.is_none())
            .map(|(h, _)| h.as_str())
            .collect();
        let answers = self.store.sp_answers_of(&lacking)?;
        let by = caller.actor.name().to_owned();
        let mut news: Vec<NewPayAccount> = Vec::new();
        for (h, a) in &answers {
            let (Some(p), Ok(json)) = (payees.get(h), serde_json::from_str(a)) else {
                continue;
            };
            if let Some(acc) = account_from_answers(&self.sp.providers, &json) {
                news.push(new_account(&p.national_number, &acc, "intake", &by));
            }
        }
        if news.is_empty() {
            return Ok(HashMap::new());
        }
        let mut events = self.access_events(
            caller,
            "sp.account.set",
            news.iter().map(|n| n.national_number.as_str()),
        );
        for ev in &mut events {
            ev.outcome = "accounts taken from intake".into();
        }
        let set = self.store.sp_set_accounts(&news, events)?;
        Ok(set
            .into_iter()
            .filter_map(|s| match s {
                PayAccountSet::Set(r) | PayAccountSet::Unchanged(r) => {
                    Some((r.national_number.clone(), r))
                }
                PayAccountSet::HeldBy(_) => None,
            })
            .collect())
    }

    /// A cycle with its counts and payment totals.
    pub fn cycle(&self, caller: &Caller, id: &str) -> Result<CycleView> {
        self.may_run_registry(caller)?;
        let cycle = self
            .store
            .sp_cycle(id)?
            .ok_or_else(|| AppError::not_found("no_cycle", format!("no cycle {id}")))?;
        let counts: CycleCounts = serde_json::from_str(&cycle.counts).unwrap_or_default();
        let payments = self
            .store
            .sp_payment_totals(id)?
            .into_iter()
            .map(|(s, n, f)| (s, (n, f)))
            .collect();
        let over_budget = cycle.budget_fils.is_some_and(|b| cycle.total_fils > b);
        Ok(CycleView {
            cycle,
            counts,
            payments,
            over_budget,
        })
    }

    /// Cycles, the newest first; of one program when given.
    pub fn cycles(&self, caller: &Caller, program: Option<&str>) -> Result<Vec<CycleRow>> {
        self.may_run_registry(caller)?;
        Ok(self.store.sp_cycles(program, 500)?)
    }

    /// A cycle's households: all, or those in one membership state.
    pub fn cycle_members(
        &self,
        caller: &Caller,
        id: &str,
        state: Option<&str>,
    ) -> Result<Vec<MemberRow>> {
        self.cycle(caller, id)?;
        if let Some(s) = state.filter(|s| Membership::parse(s).is_none()) {
            return Err(AppError::invalid(
                "bad_state",
                format!("{s}: a membership state is enrolled, paused, exited, not_eligible or duplicate"),
            ));
        }
        Ok(self.store.sp_cycle_members(id, state)?)
    }

    /// A caseworker pauses, exits or resumes (enrolls again) one household of a draft.
    pub fn set_membership(
        &self,
        caller: &Caller,
        id: &str,
        household: &str,
        state: &str,
        note: &str,
    ) -> Result<MemberRow> {
        self.may_prepare(caller)?;
        let to = Membership::parse(state)
            .filter(|s| {
                matches!(
                    s,
                    Membership::Enrolled | Membership::Paused | Membership::Exited
                )
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "bad_state",
                    format!("{state}: a caseworker sets enrolled, paused or exited"),
                )
            })?;
        if note.trim().is_empty() {
            return Err(AppError::invalid("note_required", "say why (a note)"));
        }
        let view = self.cycle(caller, id)?;
        if view.cycle.state != "draft" {
            return Err(AppError::conflict(
                "not_draft",
                format!("cycle {id} is {}: only a draft changes", view.cycle.state),
            ));
        }
        let mut members = self.store.sp_cycle_members(id, None)?;
        let m = members
            .iter_mut()
            .find(|m| m.household == household)
            .ok_or_else(|| {
                AppError::not_found(
                    "not_in_cycle",
                    format!("household {household} is not in cycle {id}"),
                )
            })?;
        let from = m.state.clone();
        if to == Membership::Enrolled && !matches!(from.as_str(), "paused" | "enrolled") {
            return Err(AppError::invalid(
                "not_resumable",
                format!("household {household} is {from}: only a paused household resumes"),
            ));
        }
        if to == Membership::Enrolled {
            let nn = m.payee.clone().unwrap_or_default();
            if self.store.sp_active_accounts(&[nn.as_str()])?.is_empty() {
                return Err(AppError::invalid(
                    "no_account",
                    format!("household {household}'s beneficiary has no account on file"),
                ));
            }
        }
        m.state = to.as_str().into();
        m.reason = format!("caseworker:{}", note.trim());
        let changed = m.clone();
        let before = self.enrolled_in(view.cycle.previous.as_deref())?;
        let mut counts = tally(&members, &before);
        counts.accounts_from_intake = view.counts.accounts_from_intake;
        let (h, p, t) = totals(&members);
        let mut ev = self.program_event(caller, "sp.cycle.member", format!("{id} {household}"));
        ev.outcome = format!("{from} → {}: {}", to.as_str(), note.trim());
        let counts = serde_json::to_string(&counts).expect("plain data");
        if !self
            .store
            .sp_set_member(id, &changed, (h, p, t, &counts), ev)?
        {
            return Err(AppError::conflict(
                "not_draft",
                format!("cycle {id} is no longer a draft"),
            ));
        }
        Ok(changed)
    }

    /// Approves a draft: a second person, after the deaths registered since it was prepared
    /// stopped their households, within the program's budget. Writes the payments.
    pub fn approve_cycle(&self, caller: &Caller, id: &str) -> Result<CycleView> {
        let r = self.approve_inner(caller, id);
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.cycle.approve", id, e);
        }
        r
    }

    fn approve_inner(&self, caller: &Caller, id: &str) -> Result<CycleView> {
        let view = self.cycle(caller, id)?;
        let c = &view.cycle;
        self.may_approve(caller, c)?;
        if c.state != "draft" {
            return Err(AppError::conflict(
                "not_draft",
                format!("cycle {id} is {}: only a draft is approved", c.state),
            ));
        }
        let mut members = self.store.sp_cycle_members(id, None)?;
        let payees: Vec<&str> = members
            .iter()
            .filter(|m| m.state == "enrolled")
            .filter_map(|m| m.payee.as_deref())
            .collect();
        let deaths = self.registered_deaths(&payees)?;
        let mut events = self.access_events(caller, "sp.cycle.deaths", payees.iter().copied());
        let accounts = self.store.sp_active_accounts(&payees)?;
        let mut a = Approval::default();
        let mut seq = 0u64;
        for m in members.iter_mut().filter(|m| m.state == "enrolled") {
            let nn = m.payee.clone().unwrap_or_default();
            let stop = if let Some(d) = deaths.get(&nn) {
                Some((Membership::Exited, format!("died:{d}")))
            } else if !accounts.contains_key(&nn) {
                Some((Membership::Paused, "no_account".into()))
            } else {
                None
            };
            if let Some((state, reason)) = stop {
                m.state = state.as_str().into();
                m.reason = reason.clone();
                a.stopped
                    .push((m.household.clone(), state.as_str().into(), reason));
                continue;
            }
            let acc = &accounts[&nn];
            seq += 1;
            a.payments
                .push(payment(id, seq, m, acc, m.entitlement_fils, None));
        }
        // Rejected payments of earlier cycles, paid again once the account changed.
        let mut carried = (0i64, 0i64);
        let open = self.store.sp_open_rejections(&c.program)?;
        let open_payees: Vec<&str> = open.iter().map(|p| p.payee.as_str()).collect();
        let open_accounts = self.store.sp_active_accounts(&open_payees)?;
        let open_deaths = self.registered_deaths(&open_payees)?;
        for p in open.iter().filter(|p| p.cycle != c.id) {
            let Some(acc) = open_accounts.get(&p.payee) else {
                continue;
            };
            if acc.seq == p.account_seq || open_deaths.contains_key(&p.payee) {
                continue;
            }
            seq += 1;
            let m = MemberRow {
                household: p.household.clone(),
                state: "enrolled".into(),
                reason: String::new(),
                payee: Some(p.payee.clone()),
                payee_name: Some(p.payee_name.clone()),
                members: 0,
                governorate: String::new(),
                head_female: false,
                entitlement_fils: p.amount_fils,
                source: "carried".into(),
            };
            a.payments.push(payment(
                id,
                seq,
                &m,
                acc,
                p.amount_fils,
                Some(p.end_to_end.clone()),
            ));
            carried.0 += 1;
            carried.1 += p.amount_fils;
        }
        let before = self.enrolled_in(c.previous.as_deref())?;
        let mut counts = tally(&members, &before);
        counts.accounts_from_intake = view.counts.accounts_from_intake;
        counts.carried = carried.0;
        counts.carried_fils = carried.1;
        let (h, p, _) = totals(&members);
        let total: i64 = a.payments.iter().map(|p| p.amount_fils).sum();
        if let Some(b) = c.budget_fils.filter(|b| total > *b) {
            return Err(AppError::invalid(
                "budget_exceeded",
                format!("cycle {id} would pay {total} fils, over the program's budget of {b} fils"),
            ));
        }
        a.households = h;
        a.persons = p;
        a.total_fils = total;
        a.counts = serde_json::to_string(&counts).expect("plain data");
        let mut ev = self.program_event(caller, "sp.cycle.approve", id);
        ev.outcome = format!(
            "approved; {} payments, {total} fils; {} stopped at approval, {} carried",
            a.payments.len(),
            a.stopped.len(),
            carried.0
        );
        events.push(ev);
        let by = self.officer_name(caller);
        let last = events.pop().expect("the approval's event");
        for e in events {
            self.store.audit(e)?;
        }
        if !self.store.sp_approve_cycle(id, &by, &a, last)? {
            return Err(AppError::conflict(
                "not_draft",
                format!("cycle {id} was approved meanwhile"),
            ));
        }
        self.cycle(caller, id)
    }

    /// Closes a paid cycle; what was rejected stays open and is carried to a later cycle.
    pub fn close_cycle(&self, caller: &Caller, id: &str) -> Result<CycleView> {
        let r = (|| {
            self.may_prepare(caller)?;
            let view = self.cycle(caller, id)?;
            if view.cycle.state != "paid" {
                return Err(AppError::conflict(
                    "not_paid",
                    format!(
                        "cycle {id} is {}: a cycle closes once the providers have reported (import their status reports)",
                        view.cycle.state
                    ),
                ));
            }
            let mut ev = self.program_event(caller, "sp.cycle.close", id);
            let open: i64 = view
                .payments
                .iter()
                .filter(|(s, _)| s.as_str() != "accepted")
                .map(|(_, (n, _))| n)
                .sum();
            ev.outcome = format!("closed; {open} payments not accepted");
            if !self
                .store
                .sp_cycle_state(id, "paid", "closed", &self.officer_name(caller), ev)?
            {
                return Err(AppError::conflict(
                    "not_paid",
                    format!("cycle {id} changed meanwhile"),
                ));
            }
            self.cycle(caller, id)
        })();
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.cycle.close", id, e);
        }
        r
    }
}

impl App {
    /// The death dates the civil registry holds for `people`.
    fn registered_deaths(&self, people: &[&str]) -> Result<HashMap<String, String>> {
        let deaths = &self.sp.facts.deaths;
        let nn = self.catalog.dimensions.person.national_number.as_str();
        Ok(self
            .store
            .sp_deaths((&deaths.table, nn, &deaths.date), people)?)
    }

    /// The households enrolled in `cycle` (none for no cycle): turnover is counted against it.
    fn enrolled_in(&self, cycle: Option<&str>) -> Result<HashSet<String>> {
        Ok(match cycle {
            Some(p) => self
                .store
                .sp_cycle_members(p, Some("enrolled"))?
                .into_iter()
                .map(|m| m.household)
                .collect(),
            None => HashSet::new(),
        })
    }
}

/// What the cycle keeps of a household's re-check: its benefit when the program's rules
/// hold today (or an overturned appeal includes it), else why not (`rules:a,b`, `error:…`);
/// and what the dashboard counts it by.
struct Checked {
    outcome: std::result::Result<i64, String>,
    members: i64,
    governorate: String,
    head_female: bool,
}

/// Each candidate's re-check, on every core: each thread parses its households' facts,
/// decides them and keeps only the outcome (a cycle never holds every household's facts).
fn recheck(
    def: &ProgramDef,
    inputs: &[nur_store::TargetInput],
    ln_line: f64,
    sources: &BTreeMap<String, Source>,
    line: f64,
) -> HashMap<String, Checked> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let per = inputs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(per)
            .map(|chunk| {
                scope.spawn(move || {
                    let root = nur_sp::expr::root();
                    chunk
                        .iter()
                        .map(|i| {
                            let r = reading(i, ln_line);
                            let scope = nur_sp::program::scope(
                                &root,
                                &r.facts.values,
                                &r.facts.inputs,
                                r.score.as_ref(),
                                line,
                                r.applied,
                            );
                            let d = def.decide(&scope);
                            let include = matches!(
                                sources.get(&i.household),
                                Some(Source::Appeal { include: true, .. })
                            );
                            let outcome = match (d.eligible, d.benefit_fils) {
                                (true, Some(b)) => Ok(b),
                                _ if include => {
                                    def.benefit_of(&scope).map_err(|e| format!("error:{e}"))
                                }
                                _ => Err(why_not(&d)),
                            };
                            let checked = Checked {
                                outcome,
                                members: r
                                    .facts
                                    .values
                                    .get("members")
                                    .and_then(|v| v.as_u64())
                                    .unwrap_or(0) as i64,
                                governorate: text_fact(&r, "governorate"),
                                head_female: r
                                    .facts
                                    .values
                                    .get("head_female")
                                    .and_then(|v| v.as_bool())
                                    .unwrap_or(false),
                            };
                            (i.household.clone(), checked)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("re-check thread"))
            .collect()
    })
}

/// The rules that refused a household (`rules:a,b`), or the error that left it undecided.
fn why_not(d: &nur_sp::program::Decision) -> String {
    let refused: Vec<&str> = d
        .rules
        .iter()
        .filter(|r| {
            matches!(
                (r.kind, &r.outcome),
                (RuleKind::Inclusion, Outcome::Fails) | (RuleKind::Exclusion, Outcome::Holds)
            )
        })
        .map(|r| r.name.as_str())
        .collect();
    if refused.is_empty() {
        format!("error:{}", d.error.clone().unwrap_or_default())
    } else {
        format!("rules:{}", refused.join(","))
    }
}

fn payment(
    cycle: &str,
    seq: u64,
    m: &MemberRow,
    acc: &PayAccountRow,
    amount: i64,
    carried_from: Option<String>,
) -> PaymentRow {
    PaymentRow {
        end_to_end: cycle::end_to_end_id(cycle, seq),
        cycle: cycle.to_owned(),
        household: m.household.clone(),
        payee: m.payee.clone().unwrap_or_default(),
        payee_name: m.payee_name.clone().unwrap_or_default(),
        account_seq: acc.seq,
        kind: acc.kind.clone(),
        provider: acc.provider.clone(),
        iban: acc.iban.clone(),
        mobile: acc.mobile.clone(),
        amount_fils: amount,
        carried_from,
        status: "pending".into(),
        reason: None,
        status_at_ms: None,
        report: None,
        carried_to: None,
    }
}

/// Enrolled households, their persons and their entitlements.
fn totals(members: &[MemberRow]) -> (i64, i64, i64) {
    members
        .iter()
        .filter(|m| m.state == "enrolled")
        .fold((0, 0, 0), |(h, p, t), m| {
            (h + 1, p + m.members, t + m.entitlement_fils)
        })
}

fn tally(members: &[MemberRow], before: &HashSet<String>) -> CycleCounts {
    let mut c = CycleCounts::default();
    let mut now: HashSet<&str> = HashSet::new();
    for m in members {
        *c.by_state.entry(m.state.clone()).or_default() += 1;
        if m.state != "enrolled" {
            continue;
        }
        now.insert(&m.household);
        let g = c.by_governorate.entry(m.governorate.clone()).or_default();
        g.0 += 1;
        g.1 += m.entitlement_fils;
        let s = &mut c.by_head_sex[usize::from(m.head_female)];
        s.0 += 1;
        s.1 += m.entitlement_fils;
        if !before.contains(&m.household) {
            c.entered += 1;
        }
    }
    c.left = before.iter().filter(|h| !now.contains(h.as_str())).count() as i64;
    c
}
