//! NUR-SP payment files and reconciliation. An approved cycle's payments are written per
//! provider (a bank, an e-wallet) as an ISO 20022 `pain.001.001.09` credit transfer or CSV;
//! the same cycle always gives the same bytes (its message ids and creation time come from
//! the cycle, not a clock), and every export is audited. A provider's `pain.002` status
//! report (or CSV) marks payments accepted, rejected or returned with the reason — all of
//! it or, when it names an unknown payment or another total, none of it. A rejected payment
//! is listed for the caseworker and paid again by the next approved cycle once its account
//! has changed (`cycles`).

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_sp::payment::{self, Account, Batch, Debtor, Outcome, Payment, StatusReport};
use nur_store::{PaymentRow, ReportRow, StatusChange};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A payment file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Pain001,
    Csv,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "pain001" | "xml" => Some(FileFormat::Pain001),
            "csv" => Some(FileFormat::Csv),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Pain001 => "xml",
            FileFormat::Csv => "csv",
        }
    }
}

/// One provider's payment file.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentFile {
    pub name: String,
    pub provider: String,
    pub payments: usize,
    pub total_fils: i64,
    pub sha256: String,
    #[serde(skip)]
    pub content: String,
}

/// What a status report changed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Reconciled {
    pub message_id: String,
    pub cycle: String,
    pub statuses: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub returned: usize,
    pub unchanged: usize,
    pub pending: u64,
    /// The cycle's payments per status afterwards: status → (payments, fils).
    pub totals: BTreeMap<String, (i64, i64)>,
}

/// A rejected payment waiting for its account to be fixed.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub payment: PaymentRow,
    /// Whether the beneficiary's active account has changed since (it will be paid again).
    pub account_changed: bool,
}

impl App {
    /// An approved (or later) cycle's payment files, one per provider, or only `provider`'s.
    pub fn export_payments(
        &self,
        caller: &Caller,
        id: &str,
        format: FileFormat,
        provider: Option<&str>,
    ) -> Result<Vec<PaymentFile>> {
        let r = self.export_inner(caller, id, format, provider);
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.payments.export", id, e);
        }
        r
    }

    fn export_inner(
        &self,
        caller: &Caller,
        id: &str,
        format: FileFormat,
        provider: Option<&str>,
    ) -> Result<Vec<PaymentFile>> {
        let view = self.cycle(caller, id)?;
        let c = &view.cycle;
        if c.state == "draft" {
            return Err(AppError::conflict(
                "not_approved",
                format!("cycle {id} is a draft: payment files come from an approved cycle"),
            ));
        }
        let approved_at = c.approved_at_ms.unwrap_or(c.prepared_at_ms);
        let created_at = iso_time(approved_at);
        let period = nur_sp::cycle::Period::parse(&c.period)
            .map_err(|e| AppError::internal(format!("stored cycle {id}: {e}")))?;
        let settings = &self.sp.payments;
        let debtor = Debtor {
            name: settings.debtor_name.clone(),
            iban: settings.debtor_iban.clone(),
            bic: settings.debtor_bic.clone(),
        };
        let mut by_provider: BTreeMap<String, Vec<Payment>> = BTreeMap::new();
        for p in self.store.sp_payments(id, provider)? {
            let account = match (&p.iban, &p.mobile) {
                (Some(iban), _) => Account::Bank {
                    iban: iban.clone(),
                    bank: p.provider.clone(),
                },
                (None, Some(mobile)) => Account::Wallet {
                    mobile: mobile.clone(),
                    provider: p.provider.clone(),
                },
                (None, None) => {
                    return Err(AppError::internal(format!(
                        "payment {} has no account",
                        p.end_to_end
                    )))
                }
            };
            let remittance = match &p.carried_from {
                Some(f) => format!("{} {} (again: {f})", c.program, c.period),
                None => format!("{} {}", c.program, c.period),
            };
            by_provider
                .entry(p.provider.clone())
                .or_default()
                .push(Payment {
                    end_to_end_id: p.end_to_end,
                    amount_fils: p.amount_fils,
                    name: p.payee_name,
                    national_id: p.payee,
                    account,
                    remittance,
                });
        }
        if by_provider.is_empty() {
            return Err(AppError::not_found(
                "no_payments",
                match provider {
                    Some(p) => format!("cycle {id} has no payments to {p}"),
                    None => format!("cycle {id} has no payments"),
                },
            ));
        }
        let mut files = Vec::new();
        for (prov, payments) in &by_provider {
            let message_id = format!("{id}-{prov}");
            let batch = Batch {
                message_id: message_id.clone(),
                created_at: created_at.clone(),
                execution_date: period.execution_date(settings.execution_day),
                debtor: &debtor,
                currency: &settings.currency,
                payments,
                payment_info_id: message_id.clone(),
            };
            let content = match format {
                FileFormat::Pain001 => payment::pain001(&batch, &self.sp.providers),
                FileFormat::Csv => payment::payments_csv(&batch, &self.sp.providers),
            }
            .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
            files.push(PaymentFile {
                name: format!("{message_id}.{}", format.extension()),
                provider: prov.clone(),
                payments: payments.len(),
                total_fils: payments.iter().map(|p| p.amount_fils).sum(),
                sha256: hex(&Sha256::digest(content.as_bytes())),
                content,
            });
        }
        let mut ev = self.program_event(caller, "sp.payments.export", id);
        ev.outcome = files
            .iter()
            .map(|f| {
                format!(
                    "{} ({} payments, {} fils, sha256 {})",
                    f.name,
                    f.payments,
                    f.total_fils,
                    &f.sha256[..16]
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        self.store.audit(ev)?;
        Ok(files)
    }

    /// Imports a provider's status report (`pain.002` or CSV): all of it or nothing.
    pub fn reconcile(&self, caller: &Caller, content: &[u8], format: &str) -> Result<Reconciled> {
        let r = self.reconcile_inner(caller, content, format);
        if let Err(e) = &r {
            self.audit_refusal(caller, "sp.payments.reconcile", format, e);
        }
        r
    }

    fn reconcile_inner(&self, caller: &Caller, content: &[u8], format: &str) -> Result<Reconciled> {
        self.may_run_registry(caller)?;
        let mut report: StatusReport = match format {
            "pain002" | "xml" => payment::read_pain002(content),
            "csv" => payment::read_status_csv(content),
            other => {
                return Err(AppError::invalid(
                    "bad_format",
                    format!("{other}: a status report is pain002 or csv"),
                ))
            }
        }
        .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
        if report.message_id.is_empty() {
            // A CSV has no message id: its content names it.
            report.message_id = format!("csv-{}", &hex(&Sha256::digest(content))[..24]);
        }
        if let Some(r) = self.store.sp_status_report(&report.message_id)? {
            return Err(AppError::conflict(
                "report_imported",
                format!(
                    "status report {} was imported already (cycle {}, by {})",
                    r.message_id, r.cycle, r.imported_by
                ),
            ));
        }
        // A file refused as a whole: its outcome holds for each of its payments.
        if let (Some(outcome), Some(orig)) = (report.group_outcome, &report.original_message_id) {
            let (cycle, provider) = orig.rsplit_once('-').ok_or_else(|| {
                AppError::invalid("unknown_file", format!("{orig}: not a payment file of NUR"))
            })?;
            let named: HashSet<String> = report
                .statuses
                .iter()
                .map(|s| s.end_to_end_id.clone())
                .collect();
            for p in self.store.sp_payments(cycle, Some(provider))? {
                if !named.contains(&p.end_to_end) {
                    report.statuses.push(payment::Status {
                        end_to_end_id: p.end_to_end,
                        outcome,
                        reason: report.group_reason.clone(),
                        amount_fils: None,
                    });
                }
            }
        }
        if report.statuses.is_empty() {
            return Err(AppError::invalid(
                "empty_report",
                "the status report names no payment",
            ));
        }
        let mut seen = HashSet::new();
        if let Some(d) = report
            .statuses
            .iter()
            .find(|s| !seen.insert(s.end_to_end_id.as_str()))
        {
            return Err(AppError::invalid(
                "duplicate_status",
                format!("payment {} has two statuses in the report", d.end_to_end_id),
            ));
        }
        let ids: Vec<&str> = report
            .statuses
            .iter()
            .map(|s| s.end_to_end_id.as_str())
            .collect();
        let known = self.store.sp_payments_by_id(&ids)?;
        let unknown: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|i| !known.contains_key(*i))
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid(
                "unknown_payments",
                format!(
                    "{} payments of the report are not NUR's: {}{}",
                    unknown.len(),
                    unknown
                        .iter()
                        .take(10)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if unknown.len() > 10 { ", …" } else { "" }
                ),
            ));
        }
        let cycles: HashSet<&str> = known.values().map(|p| p.cycle.as_str()).collect();
        if cycles.len() > 1 {
            let mut list: Vec<&str> = cycles.into_iter().collect();
            list.sort();
            return Err(AppError::invalid(
                "mixed_cycles",
                format!(
                    "the report names payments of several cycles: {}",
                    list.join(", ")
                ),
            ));
        }
        let cycle_id = known.values().next().expect("not empty").cycle.clone();
        let named_total: i64 = known.values().map(|p| p.amount_fils).sum();
        if let Some(n) = report.number_of_transactions {
            if n != report.statuses.len() as u64 + report.pending {
                return Err(AppError::invalid(
                    "count_mismatch",
                    format!(
                        "the report says {n} transactions and gives {} statuses",
                        report.statuses.len() as u64 + report.pending
                    ),
                ));
            }
        }
        if let Some(sum) = report.control_sum_fils {
            if report.pending == 0 && sum != named_total {
                return Err(AppError::invalid(
                    "total_mismatch",
                    format!(
                        "the report's control sum is {sum} fils; its payments add up to {named_total} fils"
                    ),
                ));
            }
        }
        let view = self.cycle(caller, &cycle_id)?;
        if !matches!(view.cycle.state.as_str(), "approved" | "paid") {
            return Err(AppError::conflict(
                "cycle_not_open",
                format!(
                    "cycle {cycle_id} is {}: statuses are imported for an approved or paid cycle",
                    view.cycle.state
                ),
            ));
        }
        let mut out = Reconciled {
            message_id: report.message_id.clone(),
            cycle: cycle_id.clone(),
            statuses: report.statuses.len(),
            pending: report.pending,
            ..Default::default()
        };
        let mut changes = Vec::new();
        for s in &report.statuses {
            let p = &known[&s.end_to_end_id];
            if let Some(a) = s.amount_fils.filter(|a| *a != p.amount_fils) {
                return Err(AppError::invalid(
                    "amount_mismatch",
                    format!(
                        "payment {} is {} fils; the report says {a}",
                        p.end_to_end, p.amount_fils
                    ),
                ));
            }
            let to = s.outcome.as_str();
            let allowed = match (p.status.as_str(), s.outcome) {
                (from, _) if from == to => {
                    out.unchanged += 1;
                    continue;
                }
                ("pending", _) => true,
                ("accepted", Outcome::Returned) => true,
                _ => false,
            };
            if !allowed {
                return Err(AppError::invalid(
                    "status_conflict",
                    format!(
                        "payment {} is {}; the report says {to}",
                        p.end_to_end, p.status
                    ),
                ));
            }
            match s.outcome {
                Outcome::Accepted => out.accepted += 1,
                Outcome::Rejected => out.rejected += 1,
                Outcome::Returned => out.returned += 1,
            }
            changes.push(StatusChange {
                end_to_end: p.end_to_end.clone(),
                status: to.into(),
                reason: s.reason.clone(),
            });
        }
        let row = ReportRow {
            message_id: report.message_id.clone(),
            cycle: cycle_id.clone(),
            format: format.into(),
            statuses: report.statuses.len() as i64,
            changed: changes.len() as i64,
            imported_by: caller.actor.name().to_owned(),
            imported_at_ms: 0,
        };
        let mut ev = self.program_event(caller, "sp.payments.reconcile", &cycle_id);
        ev.outcome = format!(
            "report {}: {} accepted, {} rejected, {} returned, {} unchanged",
            report.message_id, out.accepted, out.rejected, out.returned, out.unchanged
        );
        self.store.sp_reconcile(&row, &changes, ev)?;
        out.totals = self
            .store
            .sp_payment_totals(&cycle_id)?
            .into_iter()
            .map(|(s, n, f)| (s, (n, f)))
            .collect();
        Ok(out)
    }

    /// A cycle's payments (of one provider, or in one status, when given).
    pub fn payments(
        &self,
        caller: &Caller,
        id: &str,
        provider: Option<&str>,
        status: Option<&str>,
    ) -> Result<Vec<PaymentRow>> {
        self.cycle(caller, id)?;
        let mut rows = self.store.sp_payments(id, provider)?;
        if let Some(s) = status {
            rows.retain(|p| p.status == s);
        }
        Ok(rows)
    }

    /// A program's rejected and returned payments not yet paid again, for the caseworker,
    /// each with whether its beneficiary's account has changed since.
    pub fn rejections(&self, caller: &Caller, program: &str) -> Result<Vec<Rejection>> {
        self.may_run_registry(caller)?;
        let open = self.store.sp_open_rejections(program)?;
        let payees: Vec<&str> = open.iter().map(|p| p.payee.as_str()).collect();
        let accounts: HashMap<String, nur_store::PayAccountRow> =
            self.store.sp_active_accounts(&payees)?;
        Ok(open
            .into_iter()
            .map(|p| {
                let account_changed = accounts
                    .get(&p.payee)
                    .is_some_and(|a| a.seq != p.account_seq);
                Rejection {
                    payment: p,
                    account_changed,
                }
            })
            .collect())
    }
}

/// `2026-12-02T10:00:00` in UTC from milliseconds.
pub(crate) fn iso_time(ms: i64) -> String {
    let d = nur_core::Date::from_days(ms.div_euclid(86_400_000));
    let s = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.year(),
        d.month(),
        d.day(),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
