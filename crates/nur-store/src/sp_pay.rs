//! NUR-SP enrollment and payments storage: financial addresses with their history, cycles
//! with each household's membership, payments and their reported status. Every change is
//! written with its audit event in one transaction; a cycle's move from one state to the
//! next is conditional on the state it was read in, so two officers cannot both approve.

use crate::access::append;
use crate::sql::{Cell, Tx, P};
use crate::{Result, Store};
use nur_core::audit::NewEvent;
use std::collections::HashMap;

/// Rows per statement when a list of keys is looked up.
const IN_CHUNK: usize = 500;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PayAccountRow {
    pub national_number: String,
    pub seq: i64,
    pub kind: String,
    pub provider: String,
    pub iban: Option<String>,
    pub mobile: Option<String>,
    /// The account's unique key (the IBAN, or provider and mobile).
    pub address: String,
    pub active: bool,
    /// intake, beneficiary, caseworker or a provider's file.
    pub source: String,
    pub changed_by: String,
    pub changed_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

/// A new active account for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayAccount {
    pub national_number: String,
    pub kind: String,
    pub provider: String,
    pub iban: Option<String>,
    pub mobile: Option<String>,
    pub address: String,
    pub source: String,
    pub changed_by: String,
}

/// What setting an account did.
#[derive(Debug, Clone, PartialEq)]
pub enum PayAccountSet {
    /// A new active account (the previous one, if any, ended).
    Set(PayAccountRow),
    /// The person's active account is already this one.
    Unchanged(PayAccountRow),
    /// The account is active for another person (their national number).
    HeldBy(String),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CycleRow {
    pub id: String,
    pub program: String,
    pub program_version: i64,
    pub period: String,
    pub run: String,
    pub previous: Option<String>,
    pub state: String,
    pub households: i64,
    pub persons: i64,
    pub total_fils: i64,
    pub budget_fils: Option<i64>,
    /// Households per membership state and other counts (JSON).
    pub counts: String,
    pub prepared_by: String,
    pub prepared_at_ms: i64,
    pub approved_by: Option<String>,
    pub approved_at_ms: Option<i64>,
    pub paid_at_ms: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberRow {
    pub household: String,
    pub state: String,
    /// Why, as a code with arguments (`run`, `continuing`, `rules:a,b`, `died:DATE`, …).
    pub reason: String,
    pub payee: Option<String>,
    pub payee_name: Option<String>,
    pub members: i64,
    pub governorate: String,
    pub head_female: bool,
    pub entitlement_fils: i64,
    /// How the household came into the cycle: run, continuing, appeal.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PaymentRow {
    pub end_to_end: String,
    pub cycle: String,
    pub household: String,
    pub payee: String,
    pub payee_name: String,
    pub account_seq: i64,
    pub kind: String,
    pub provider: String,
    pub iban: Option<String>,
    pub mobile: Option<String>,
    pub amount_fils: i64,
    /// The rejected payment of an earlier cycle this one pays again.
    pub carried_from: Option<String>,
    /// pending, accepted, rejected or returned.
    pub status: String,
    pub reason: Option<String>,
    pub status_at_ms: Option<i64>,
    pub report: Option<String>,
    /// The later payment that paid this rejected one again.
    pub carried_to: Option<String>,
}

/// One payment's new status from a provider's report.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub end_to_end: String,
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportRow {
    pub message_id: String,
    pub cycle: String,
    pub format: String,
    pub statuses: i64,
    pub changed: i64,
    pub imported_by: String,
    pub imported_at_ms: i64,
}

/// How a draft becomes approved: the members whose state changed at approval, the
/// payments, and the earlier rejected payments they pay again.
#[derive(Debug, Clone, Default)]
pub struct Approval {
    pub stopped: Vec<(String, String, String)>,
    pub payments: Vec<PaymentRow>,
    pub households: i64,
    pub persons: i64,
    pub total_fils: i64,
    pub counts: String,
}

const ACCOUNT_COLUMNS: &str = "national_number, seq, kind, provider, iban, mobile, address, active, source, changed_by, changed_at, ended_at";
const CYCLE_COLUMNS: &str = "id, program, program_version, period, run, previous, state, households, persons, total_fils, budget_fils, counts, prepared_by, prepared_at, approved_by, approved_at, paid_at, closed_by, closed_at";
const MEMBER_COLUMNS: &str = "household, state, reason, payee, payee_name, members, governorate, head_female, entitlement_fils, source";
const PAYMENT_COLUMNS: &str = "end_to_end, cycle, household, payee, payee_name, account_seq, kind, provider, iban, mobile, amount_fils, carried_from, status, reason, status_at, report, carried_to";

fn account_row(r: &[Cell]) -> PayAccountRow {
    PayAccountRow {
        national_number: r[0].text(),
        seq: r[1].int(),
        kind: r[2].text(),
        provider: r[3].text(),
        iban: r[4].opt_text(),
        mobile: r[5].opt_text(),
        address: r[6].text(),
        active: r[7].int() != 0,
        source: r[8].text(),
        changed_by: r[9].text(),
        changed_at_ms: r[10].int(),
        ended_at_ms: r[11].opt_int(),
    }
}

fn cycle_row(r: &[Cell]) -> CycleRow {
    CycleRow {
        id: r[0].text(),
        program: r[1].text(),
        program_version: r[2].int(),
        period: r[3].text(),
        run: r[4].text(),
        previous: r[5].opt_text(),
        state: r[6].text(),
        households: r[7].int(),
        persons: r[8].int(),
        total_fils: r[9].int(),
        budget_fils: r[10].opt_int(),
        counts: r[11].text(),
        prepared_by: r[12].text(),
        prepared_at_ms: r[13].int(),
        approved_by: r[14].opt_text(),
        approved_at_ms: r[15].opt_int(),
        paid_at_ms: r[16].opt_int(),
        closed_by: r[17].opt_text(),
        closed_at_ms: r[18].opt_int(),
    }
}

fn member_row(r: &[Cell]) -> MemberRow {
    MemberRow {
        household: r[0].text(),
        state: r[1].text(),
        reason: r[2].text(),
        payee: r[3].opt_text(),
        payee_name: r[4].opt_text(),
        members: r[5].int(),
        governorate: r[6].text(),
        head_female: r[7].int() != 0,
        entitlement_fils: r[8].int(),
        source: r[9].text(),
    }
}

fn payment_row(r: &[Cell]) -> PaymentRow {
    PaymentRow {
        end_to_end: r[0].text(),
        cycle: r[1].text(),
        household: r[2].text(),
        payee: r[3].text(),
        payee_name: r[4].text(),
        account_seq: r[5].int(),
        kind: r[6].text(),
        provider: r[7].text(),
        iban: r[8].opt_text(),
        mobile: r[9].opt_text(),
        amount_fils: r[10].int(),
        carried_from: r[11].opt_text(),
        status: r[12].text(),
        reason: r[13].opt_text(),
        status_at_ms: r[14].opt_int(),
        report: r[15].opt_text(),
        carried_to: r[16].opt_text(),
    }
}

fn opt<'a>(v: &'a Option<String>) -> P<'a> {
    v.as_deref().map_or(P::Null, P::Text)
}

fn opt_int(v: Option<i64>) -> P<'static> {
    v.map_or(P::Null, P::Int)
}

/// `$first, $first+1, …` for `n` parameters.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sets one person's active account inside `tx` (see [`PayAccountSet`]).
fn set_account(tx: &mut dyn Tx, a: &NewPayAccount, now: i64) -> Result<PayAccountSet> {
    if let Some(r) = tx.row(
        "SELECT national_number FROM sp_account WHERE address = $1 AND active = 1",
        &[(&a.address).into()],
    )? {
        let holder = r[0].text();
        if holder != a.national_number {
            return Ok(PayAccountSet::HeldBy(holder));
        }
    }
    let current = tx
        .row(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM sp_account WHERE national_number = $1 AND active = 1"),
            &[(&a.national_number).into()],
        )?
        .map(|r| account_row(&r));
    if let Some(c) = current.filter(|c| c.address == a.address) {
        return Ok(PayAccountSet::Unchanged(c));
    }
    tx.exec(
        "UPDATE sp_account SET active = 0, ended_at = $2 WHERE national_number = $1 AND active = 1",
        &[(&a.national_number).into(), now.into()],
    )?;
    let seq = tx
        .row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM sp_account WHERE national_number = $1",
            &[(&a.national_number).into()],
        )?
        .map_or(1, |r| r[0].int());
    tx.exec(
        &format!("INSERT INTO sp_account ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, NULL)"),
        &[
            (&a.national_number).into(),
            seq.into(),
            (&a.kind).into(),
            (&a.provider).into(),
            opt(&a.iban),
            opt(&a.mobile),
            (&a.address).into(),
            (&a.source).into(),
            (&a.changed_by).into(),
            now.into(),
        ],
    )?;
    Ok(PayAccountSet::Set(PayAccountRow {
        national_number: a.national_number.clone(),
        seq,
        kind: a.kind.clone(),
        provider: a.provider.clone(),
        iban: a.iban.clone(),
        mobile: a.mobile.clone(),
        address: a.address.clone(),
        active: true,
        source: a.source.clone(),
        changed_by: a.changed_by.clone(),
        changed_at_ms: now,
        ended_at_ms: None,
    }))
}

fn put_members(tx: &mut dyn Tx, cycle: &str, members: &[MemberRow]) -> Result<()> {
    for chunk in members.chunks(2000) {
        let rows: Vec<Vec<P<'_>>> = chunk
            .iter()
            .map(|m| {
                vec![
                    cycle.into(),
                    (&m.household).into(),
                    (&m.state).into(),
                    (&m.reason).into(),
                    opt(&m.payee),
                    opt(&m.payee_name),
                    m.members.into(),
                    (&m.governorate).into(),
                    i64::from(m.head_female).into(),
                    m.entitlement_fils.into(),
                    (&m.source).into(),
                ]
            })
            .collect();
        tx.exec_many(
            &format!("INSERT INTO sp_cycle_member (cycle, {MEMBER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            &rows,
        )?;
    }
    Ok(())
}

impl Store {
    /// Sets accounts (each refused when another person holds it), with their events, in
    /// one transaction.
    pub fn sp_set_accounts(
        &self,
        accounts: &[NewPayAccount],
        events: Vec<NewEvent>,
    ) -> Result<Vec<PayAccountSet>> {
        self.write(|tx| {
            let now = crate::now_ms();
            let mut out = Vec::with_capacity(accounts.len());
            for a in accounts {
                out.push(set_account(tx, a, now)?);
            }
            for ev in events {
                append(tx, ev)?;
            }
            Ok(out)
        })
    }

    /// The active account of each of `people` that has one.
    pub fn sp_active_accounts(&self, people: &[&str]) -> Result<HashMap<String, PayAccountRow>> {
        self.read(|tx| {
            let mut out = HashMap::with_capacity(people.len());
            for chunk in people.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                for r in tx.rows(
                    &format!(
                        "SELECT {ACCOUNT_COLUMNS} FROM sp_account WHERE active = 1 AND national_number IN ({})",
                        placeholders(1, chunk.len())
                    ),
                    &params,
                )? {
                    let a = account_row(&r);
                    out.insert(a.national_number.clone(), a);
                }
            }
            Ok(out)
        })
    }

    /// A person's accounts, the newest first (the history).
    pub fn sp_accounts_of(&self, person: &str) -> Result<Vec<PayAccountRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {ACCOUNT_COLUMNS} FROM sp_account WHERE national_number = $1 ORDER BY seq DESC"),
                    &[person.into()],
                )?
                .iter()
                .map(|r| account_row(r))
                .collect())
        })
    }

    /// Writes a draft cycle with its members, the accounts taken from intake for it and
    /// its events; marks the overturned appeals it applies.
    pub fn sp_put_cycle(
        &self,
        cycle: &CycleRow,
        members: &[MemberRow],
        appeals: &[String],
        events: Vec<NewEvent>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                &format!("INSERT INTO sp_cycle ({CYCLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL, NULL, NULL)"),
                &[
                    (&cycle.id).into(),
                    (&cycle.program).into(),
                    cycle.program_version.into(),
                    (&cycle.period).into(),
                    (&cycle.run).into(),
                    opt(&cycle.previous),
                    (&cycle.state).into(),
                    cycle.households.into(),
                    cycle.persons.into(),
                    cycle.total_fils.into(),
                    opt_int(cycle.budget_fils),
                    (&cycle.counts).into(),
                    (&cycle.prepared_by).into(),
                    cycle.prepared_at_ms.into(),
                ],
            )?;
            put_members(tx, &cycle.id, members)?;
            for a in appeals {
                tx.exec(
                    "UPDATE sp_appeal SET applied_cycle = $2 WHERE id = $1 AND applied_cycle IS NULL",
                    &[a.into(), (&cycle.id).into()],
                )?;
            }
            for ev in events {
                append(tx, ev)?;
            }
            Ok(())
        })
    }

    pub fn sp_cycle(&self, id: &str) -> Result<Option<CycleRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("SELECT {CYCLE_COLUMNS} FROM sp_cycle WHERE id = $1"),
                    &[id.into()],
                )?
                .map(|r| cycle_row(&r)))
        })
    }

    /// Cycles, the newest period first; of one program when given.
    pub fn sp_cycles(&self, program: Option<&str>, limit: u32) -> Result<Vec<CycleRow>> {
        self.read(|tx| {
            let rows = match program {
                Some(p) => tx.rows(
                    &format!("SELECT {CYCLE_COLUMNS} FROM sp_cycle WHERE program = $1 ORDER BY period DESC LIMIT $2"),
                    &[p.into(), i64::from(limit).into()],
                )?,
                None => tx.rows(
                    &format!("SELECT {CYCLE_COLUMNS} FROM sp_cycle ORDER BY period DESC, program LIMIT $1"),
                    &[i64::from(limit).into()],
                )?,
            };
            Ok(rows.iter().map(|r| cycle_row(r)).collect())
        })
    }

    /// A cycle's members: every one, or those in `state`, by household.
    pub fn sp_cycle_members(&self, cycle: &str, state: Option<&str>) -> Result<Vec<MemberRow>> {
        self.read(|tx| {
            let rows = match state {
                Some(s) => tx.rows(
                    &format!("SELECT {MEMBER_COLUMNS} FROM sp_cycle_member WHERE cycle = $1 AND state = $2 ORDER BY household"),
                    &[cycle.into(), s.into()],
                )?,
                None => tx.rows(
                    &format!("SELECT {MEMBER_COLUMNS} FROM sp_cycle_member WHERE cycle = $1 ORDER BY household"),
                    &[cycle.into()],
                )?,
            };
            Ok(rows.iter().map(|r| member_row(r)).collect())
        })
    }

    /// A household's membership in every approved (or later) cycle, the newest first, with
    /// the cycle's id: a draft decides nothing yet.
    pub fn sp_memberships(&self, household: &str) -> Result<Vec<(String, MemberRow)>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT m.cycle, {} FROM sp_cycle_member m JOIN sp_cycle c ON c.id = m.cycle WHERE m.household = $1 AND c.state <> 'draft' ORDER BY c.period DESC", MEMBER_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ")),
                    &[household.into()],
                )?
                .iter()
                .map(|r| (r[0].text(), member_row(&r[1..])))
                .collect())
        })
    }

    /// Changes one member of a draft cycle (a caseworker's pause, exit or resume) and the
    /// cycle's totals, with the event. False when the cycle is no longer a draft.
    pub fn sp_set_member(
        &self,
        cycle: &str,
        member: &MemberRow,
        totals: (i64, i64, i64, &str),
        event: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE sp_cycle SET households = $2, persons = $3, total_fils = $4, counts = $5 WHERE id = $1 AND state = 'draft'",
                &[cycle.into(), totals.0.into(), totals.1.into(), totals.2.into(), totals.3.into()],
            )?;
            if n == 0 {
                return Ok(false);
            }
            tx.exec(
                "UPDATE sp_cycle_member SET state = $3, reason = $4 WHERE cycle = $1 AND household = $2",
                &[cycle.into(), (&member.household).into(), (&member.state).into(), (&member.reason).into()],
            )?;
            append(tx, event)?;
            Ok(true)
        })
    }

    /// Approves a draft: the stops found at approval, the payments, the rejected payments
    /// they carry, the totals and the event. False when the cycle was not a draft any more
    /// (another officer approved it meanwhile).
    pub fn sp_approve_cycle(
        &self,
        id: &str,
        by: &str,
        a: &Approval,
        event: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let now = crate::now_ms();
            let n = tx.exec(
                "UPDATE sp_cycle SET state = 'approved', approved_by = $2, approved_at = $3, households = $4, persons = $5, total_fils = $6, counts = $7 WHERE id = $1 AND state = 'draft'",
                &[id.into(), by.into(), now.into(), a.households.into(), a.persons.into(), a.total_fils.into(), (&a.counts).into()],
            )?;
            if n == 0 {
                return Ok(false);
            }
            for (household, state, reason) in &a.stopped {
                tx.exec(
                    "UPDATE sp_cycle_member SET state = $3, reason = $4 WHERE cycle = $1 AND household = $2",
                    &[id.into(), household.into(), state.into(), reason.into()],
                )?;
            }
            for chunk in a.payments.chunks(1000) {
                let rows: Vec<Vec<P<'_>>> = chunk
                    .iter()
                    .map(|p| {
                        vec![
                            (&p.end_to_end).into(),
                            (&p.cycle).into(),
                            (&p.household).into(),
                            (&p.payee).into(),
                            (&p.payee_name).into(),
                            p.account_seq.into(),
                            (&p.kind).into(),
                            (&p.provider).into(),
                            opt(&p.iban),
                            opt(&p.mobile),
                            p.amount_fils.into(),
                            opt(&p.carried_from),
                        ]
                    })
                    .collect();
                tx.exec_many(
                    &format!("INSERT INTO sp_payment ({PAYMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', NULL, NULL, NULL, NULL)"),
                    &rows,
                )?;
            }
            for p in a.payments.iter().filter(|p| p.carried_from.is_some()) {
                tx.exec(
                    "UPDATE sp_payment SET carried_to = $2 WHERE end_to_end = $1",
                    &[opt(&p.carried_from), (&p.end_to_end).into()],
                )?;
            }
            append(tx, event)?;
            Ok(true)
        })
    }

    /// Moves a cycle from `from` to `to` (paid or closed), stamped with `by`.
    pub fn sp_cycle_state(
        &self,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        event: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let now = crate::now_ms();
            let n = match to {
                "closed" => tx.exec(
                    "UPDATE sp_cycle SET state = $3, closed_by = $4, closed_at = $5 WHERE id = $1 AND state = $2",
                    &[id.into(), from.into(), to.into(), by.into(), now.into()],
                )?,
                _ => tx.exec(
                    "UPDATE sp_cycle SET state = $3, paid_at = $4 WHERE id = $1 AND state = $2",
                    &[id.into(), from.into(), to.into(), now.into()],
                )?,
            };
            if n == 0 {
                return Ok(false);
            }
            append(tx, event)?;
            Ok(true)
        })
    }

    /// A cycle's payments, by end-to-end id; of one provider when given.
    pub fn sp_payments(&self, cycle: &str, provider: Option<&str>) -> Result<Vec<PaymentRow>> {
        self.read(|tx| {
            let rows = match provider {
                Some(p) => tx.rows(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM sp_payment WHERE cycle = $1 AND provider = $2 ORDER BY end_to_end"),
                    &[cycle.into(), p.into()],
                )?,
                None => tx.rows(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM sp_payment WHERE cycle = $1 ORDER BY end_to_end"),
                    &[cycle.into()],
                )?,
            };
            Ok(rows.iter().map(|r| payment_row(r)).collect())
        })
    }

    /// A household's payments, the newest cycle first.
    pub fn sp_household_payments(&self, household: &str) -> Result<Vec<PaymentRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM sp_payment WHERE household = $1 ORDER BY cycle DESC, end_to_end"),
                    &[household.into()],
                )?
                .iter()
                .map(|r| payment_row(r))
                .collect())
        })
    }

    /// Rejected or returned payments of a program's cycles not yet paid again.
    pub fn sp_open_rejections(&self, program: &str) -> Result<Vec<PaymentRow>> {
        self.read(|tx| {
            let cols = PAYMENT_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            Ok(tx
                .rows(
                    &format!("SELECT {cols} FROM sp_payment p JOIN sp_cycle c ON c.id = p.cycle WHERE c.program = $1 AND p.status IN ('rejected', 'returned') AND p.carried_to IS NULL ORDER BY p.end_to_end"),
                    &[program.into()],
                )?
                .iter()
                .map(|r| payment_row(r))
                .collect())
        })
    }

    /// The payments named by `ids` that exist.
    pub fn sp_payments_by_id(&self, ids: &[&str]) -> Result<HashMap<String, PaymentRow>> {
        self.read(|tx| {
            let mut out = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                for r in tx.rows(
                    &format!(
                        "SELECT {PAYMENT_COLUMNS} FROM sp_payment WHERE end_to_end IN ({})",
                        placeholders(1, chunk.len())
                    ),
                    &params,
                )? {
                    let p = payment_row(&r);
                    out.insert(p.end_to_end.clone(), p);
                }
            }
            Ok(out)
        })
    }

    /// Count and sum of a cycle's payments per status.
    pub fn sp_payment_totals(&self, cycle: &str) -> Result<Vec<(String, i64, i64)>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT status, count(*), CAST(COALESCE(SUM(amount_fils), 0) AS BIGINT) FROM sp_payment WHERE cycle = $1 GROUP BY status ORDER BY status",
                    &[cycle.into()],
                )?
                .iter()
                .map(|r| (r[0].text(), r[1].int(), r[2].int()))
                .collect())
        })
    }

    pub fn sp_status_report(&self, message_id: &str) -> Result<Option<ReportRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT message_id, cycle, format, statuses, changed, imported_by, imported_at FROM sp_status_report WHERE message_id = $1",
                    &[message_id.into()],
                )?
                .map(|r| ReportRow {
                    message_id: r[0].text(),
                    cycle: r[1].text(),
                    format: r[2].text(),
                    statuses: r[3].int(),
                    changed: r[4].int(),
                    imported_by: r[5].text(),
                    imported_at_ms: r[6].int(),
                }))
        })
    }

    /// Applies a status report: each payment's new status, the report itself, the cycle
    /// moved to paid once no payment of it is pending, and the event — all or nothing.
    pub fn sp_reconcile(
        &self,
        report: &ReportRow,
        changes: &[StatusChange],
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            let now = crate::now_ms();
            for chunk in changes.chunks(1000) {
                let rows: Vec<Vec<P<'_>>> = chunk
                    .iter()
                    .map(|c| {
                        vec![
                            (&c.end_to_end).into(),
                            (&c.status).into(),
                            opt(&c.reason),
                            now.into(),
                            (&report.message_id).into(),
                        ]
                    })
                    .collect();
                tx.exec_many(
                    "UPDATE sp_payment SET status = $2, reason = $3, status_at = $4, report = $5 WHERE end_to_end = $1",
                    &rows,
                )?;
            }
            tx.exec(
                "INSERT INTO sp_status_report (message_id, cycle, format, statuses, changed, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    (&report.message_id).into(),
                    (&report.cycle).into(),
                    (&report.format).into(),
                    report.statuses.into(),
                    report.changed.into(),
                    (&report.imported_by).into(),
                    now.into(),
                ],
            )?;
            tx.exec(
                "UPDATE sp_cycle SET state = 'paid', paid_at = $2 WHERE id = $1 AND state = 'approved' AND NOT EXISTS (SELECT 1 FROM sp_payment WHERE cycle = $1 AND status = 'pending')",
                &[(&report.cycle).into(), now.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }
}

/// A household's beneficiary as the civil registry holds them: the family booklet's head,
/// their name parts and, when a death is registered for them, its date.
#[derive(Debug, Clone, PartialEq)]
pub struct Payee {
    pub household: String,
    pub national_number: String,
    pub name: Vec<String>,
    pub died_on: Option<String>,
}

/// Where a payee is read: the booklet (table, household id, head), the person table
/// (table, national number, name columns) and the deaths (table, national number, date).
#[derive(Debug, Clone)]
pub struct PayeeSource<'a> {
    pub booklet: (&'a str, &'a str, &'a str),
    pub person: (&'a str, &'a str, &'a [String]),
    pub deaths: (&'a str, &'a str, &'a str),
}

impl Store {
    /// The payee of each household of `households` whose booklet names a head, in one
    /// statement per chunk (the booklet joined to the head's person and death rows).
    pub fn sp_payees(&self, src: &PayeeSource<'_>, households: &[&str]) -> Result<Vec<Payee>> {
        self.read(|tx| {
            let d = tx.dialect();
            let q = |s: &str| crate::ddl::quote(d, s);
            let (bt, bh, bhead) = src.booklet;
            let (pt, pnn, names) = src.person;
            let (dt, dnn, ddate) = src.deaths;
            let name_cols: String = names.iter().map(|c| format!(", p.{}", q(c))).collect();
            let mut out = Vec::with_capacity(households.len());
            for chunk in households.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                // The deaths joined directly (an index probe per head); a head with two
                // registered deaths comes twice and keeps the earliest date.
                let sql = format!(
                    "SELECT b.{bh}, b.{bhead}, CAST(x.{ddate} AS TEXT){name_cols} FROM {bt} b \
                     LEFT JOIN {pt} p ON p.{pnn} = b.{bhead} \
                     LEFT JOIN {dt} x ON x.{dnn} = b.{bhead} \
                     WHERE b.{bh} IN ({})",
                    placeholders(1, chunk.len()),
                    bh = q(bh),
                    bhead = q(bhead),
                    ddate = q(ddate),
                    bt = q(bt),
                    pt = q(pt),
                    pnn = q(pnn),
                    dnn = q(dnn),
                    dt = q(dt),
                );
                for r in tx.rows(&sql, &params)? {
                    let Some(head) = r[1].opt_text() else {
                        continue;
                    };
                    let died_on = r[2].opt_text();
                    if let Some(last) = out.last_mut().filter(|p: &&mut Payee| {
                        p.household == r[0].text() && p.national_number == head
                    }) {
                        if let Some(d) = died_on {
                            if last.died_on.as_ref().is_none_or(|l| d < *l) {
                                last.died_on = Some(d);
                            }
                        }
                        continue;
                    }
                    out.push(Payee {
                        household: r[0].text(),
                        national_number: head,
                        died_on,
                        name: r[3..].iter().filter_map(Cell::opt_text).collect(),
                    });
                }
            }
            Ok(out)
        })
    }

    /// The death dates registered for each of `people` that has one.
    pub fn sp_deaths(
        &self,
        deaths: (&str, &str, &str),
        people: &[&str],
    ) -> Result<HashMap<String, String>> {
        self.read(|tx| {
            let d = tx.dialect();
            let q = |s: &str| crate::ddl::quote(d, s);
            let (dt, dnn, ddate) = deaths;
            let mut out = HashMap::new();
            for chunk in people.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                let sql = format!(
                    "SELECT {dnn}, MIN(CAST({ddate} AS TEXT)) FROM {dt} WHERE {dnn} IN ({}) GROUP BY {dnn}",
                    placeholders(1, chunk.len()),
                    dnn = q(dnn),
                    ddate = q(ddate),
                    dt = q(dt),
                );
                for r in tx.rows(&sql, &params)? {
                    out.insert(r[0].text(), r[1].text());
                }
            }
            Ok(out)
        })
    }

    /// What targeting reads of each of `households` (facts, score, truth).
    pub fn sp_target_inputs_of(&self, households: &[&str]) -> Result<Vec<crate::TargetInput>> {
        self.read(|tx| {
            let mut out = Vec::with_capacity(households.len());
            for chunk in households.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                out.extend(crate::sp_target::target_inputs_in(tx, &params)?);
            }
            Ok(out)
        })
    }

    /// A run's selected households, by rank.
    pub fn sp_run_selected(&self, run: &str) -> Result<Vec<crate::EntryRow>> {
        self.read(|tx| crate::sp_target::run_selected(tx, run))
    }

    /// The submitted application's answers of each of `households` that has one.
    pub fn sp_answers_of(&self, households: &[&str]) -> Result<HashMap<String, String>> {
        self.read(|tx| {
            let mut out = HashMap::new();
            for chunk in households.chunks(IN_CHUNK) {
                let params: Vec<P<'_>> = chunk.iter().map(|p| (*p).into()).collect();
                for r in tx.rows(
                    &format!(
                        "SELECT household, answers FROM sp_application WHERE status = 'submitted' AND household IN ({}) ORDER BY submitted_at",
                        placeholders(1, chunk.len())
                    ),
                    &params,
                )? {
                    // The newest submission wins (rows come oldest first).
                    out.insert(r[0].text(), r[1].text());
                }
            }
            Ok(out)
        })
    }
}
