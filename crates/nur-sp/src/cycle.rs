//! Enrollment cycles, pure: a cycle's states and the moves between them, a household's
//! membership in a cycle, the period a cycle pays for, entitlements under a cap, end-to-end
//! payment ids, appeals' states and their deadline, and the paying agency's settings
//! (`config/jordan-payments.json`). `nur-app` applies them to stored cycles.

use serde::{Deserialize, Serialize};

/// A cycle moves draft → approved → paid → closed, never back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleState {
    /// Prepared: its households and entitlements can still be re-checked and changed.
    Draft,
    /// Approved by a second person, within the budget: its payment files can be exported.
    Approved,
    /// The providers have reported on its payments.
    Paid,
    /// Nothing changes any more; what was not paid is carried to a later cycle.
    Closed,
}

impl CycleState {
    pub fn as_str(self) -> &'static str {
        match self {
            CycleState::Draft => "draft",
            CycleState::Approved => "approved",
            CycleState::Paid => "paid",
            CycleState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CycleState> {
        Some(match s {
            "draft" => CycleState::Draft,
            "approved" => CycleState::Approved,
            "paid" => CycleState::Paid,
            "closed" => CycleState::Closed,
            _ => return None,
        })
    }

    /// Whether a cycle in this state may move to `to`.
    pub fn may_become(self, to: CycleState) -> bool {
        matches!(
            (self, to),
            (CycleState::Draft, CycleState::Approved)
                | (CycleState::Approved, CycleState::Paid)
                | (CycleState::Paid, CycleState::Closed)
        )
    }
}

/// A household's place in one cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Paid this cycle.
    Enrolled,
    /// Kept in the program but not paid this cycle (no account on file, paused by a
    /// caseworker); back when the cause is fixed.
    Paused,
    /// Left the program (the beneficiary died, an appeal removed it, a caseworker).
    Exited,
    /// Its criteria, re-checked this cycle, no longer hold.
    NotEligible,
    /// Its beneficiary or account is already paid through another household.
    Duplicate,
}

impl Membership {
    pub const ALL: [Membership; 5] = [
        Membership::Enrolled,
        Membership::Paused,
        Membership::Exited,
        Membership::NotEligible,
        Membership::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Enrolled => "enrolled",
            Membership::Paused => "paused",
            Membership::Exited => "exited",
            Membership::NotEligible => "not_eligible",
            Membership::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Membership> {
        Membership::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether the household is still in the program for the next cycle.
    pub fn continues(self) -> bool {
        matches!(self, Membership::Enrolled | Membership::Paused)
    }
}

/// The calendar month a cycle pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub month: u8,
}

impl Period {
    /// `YYYY-MM`, a year from 2000 to 2999.
    pub fn parse(s: &str) -> Result<Period, String> {
        let bad = || format!("{s:?}: a period is a month written YYYY-MM (e.g. 2026-12)");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        if !(2000..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    /// The payment date of the period: `day` of its month (at most the 28th, which every
    /// month has).
    pub fn execution_date(self, day: u8) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, day.clamp(1, 28))
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A cycle's id: the program and the period (one cycle per program and month).
pub fn cycle_id(program: &str, period: Period) -> String {
    format!("{program}-{period}")
}

/// A household's entitlement: the benefit, never negative, at most the cap.
pub fn entitlement(benefit_fils: i64, cap_fils: Option<i64>) -> i64 {
    let b = benefit_fils.max(0);
    cap_fils.map_or(b, |c| b.min(c.max(0)))
}

/// One payment's end-to-end id: the cycle and a sequence number, at most 35 characters
/// (ISO 20022's Max35Text) and unique across cycles.
pub fn end_to_end_id(cycle: &str, seq: u64) -> String {
    let id = format!("{}-{seq:07}", cycle.replace('-', ""));
    debug_assert!(id.len() <= 35);
    id
}

/// An appeal moves submitted → under review → upheld or overturned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    Submitted,
    UnderReview,
    /// The decision stands.
    Upheld,
    /// The decision is reversed; it takes effect in the program's next cycle.
    Overturned,
}

impl AppealState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Submitted => "submitted",
            AppealState::UnderReview => "under_review",
            AppealState::Upheld => "upheld",
            AppealState::Overturned => "overturned",
        }
    }

    pub fn parse(s: &str) -> Option<AppealState> {
        Some(match s {
            "submitted" => AppealState::Submitted,
            "under_review" => AppealState::UnderReview,
            "upheld" => AppealState::Upheld,
            "overturned" => AppealState::Overturned,
            _ => return None,
        })
    }

    pub fn decided(self) -> bool {
        matches!(self, AppealState::Upheld | AppealState::Overturned)
    }

    pub fn may_become(self, to: AppealState) -> bool {
        matches!(
            (self, to),
            (AppealState::Submitted, AppealState::UnderReview)
                | (
                    AppealState::UnderReview,
                    AppealState::Upheld | AppealState::Overturned
                )
        )
    }
}

/// When an appeal submitted at `submitted_ms` must be decided.
pub fn appeal_due(submitted_ms: i64, sla_days: u32) -> i64 {
    submitted_ms + i64::from(sla_days) * 86_400_000
}

/// The default time to decide an appeal, when a program names none.
pub const DEFAULT_APPEAL_SLA_DAYS: u32 = 30;

/// The paying agency and how its payments are written: its account, the currency, the day
/// of the month payments are executed, and the civil registry's columns that make the
/// beneficiary's name on a payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentsDef {
    pub debtor_name: String,
    pub debtor_iban: String,
    pub debtor_bic: String,
    pub currency: String,
    pub execution_day: u8,
    pub name_columns: Vec<String>,
}

impl PaymentsDef {
    pub fn jordan() -> PaymentsDef {
        PaymentsDef::from_json(include_str!("../config/jordan-payments.json"))
            .expect("the embedded payments settings are valid")
    }

    pub fn from_json(text: &str) -> Result<PaymentsDef, String> {
        let p: PaymentsDef = serde_json::from_str(text).map_err(|e| e.to_string())?;
        crate::iban::check(&p.debtor_iban)
            .map_err(|e| format!("debtor_iban {}: {e:?}", p.debtor_iban))?;
        if p.currency.len() != 3 || !p.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("currency {:?}: three capital letters", p.currency));
        }
        if p.name_columns.is_empty() {
            return Err("name_columns: at least one column".into());
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_move_forward_only() {
        use CycleState::*;
        assert!(Draft.may_become(Approved));
        assert!(Approved.may_become(Paid));
        assert!(Paid.may_become(Closed));
        for (a, b) in [
            (Draft, Paid),
            (Approved, Draft),
            (Closed, Draft),
            (Draft, Closed),
        ] {
            assert!(!a.may_become(b), "{a:?} → {b:?}");
        }
        for s in [Draft, Approved, Paid, Closed] {
            assert_eq!(CycleState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn periods_are_months() {
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.to_string(), "2026-12");
        assert_eq!(p.execution_date(25), "2026-12-25");
        assert_eq!(p.execution_date(31), "2026-12-28");
        for bad in [
            "2026-13", "2026-1", "26-12", "2026/12", "", "abcd-ef", "1999-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(cycle_id("UCT", p), "UCT-2026-12");
        assert_eq!(end_to_end_id("UCT-2026-12", 42), "UCT202612-0000042");
        assert!(end_to_end_id("NGO-INKIND-2026-12", 9_999_999).len() <= 35);
    }

    #[test]
    fn entitlements_are_capped_and_never_negative() {
        assert_eq!(entitlement(136_000, Some(100_000)), 100_000);
        assert_eq!(entitlement(56_000, Some(100_000)), 56_000);
        assert_eq!(entitlement(-5, None), 0);
        assert_eq!(entitlement(7, None), 7);
    }

    #[test]
    fn appeals_are_reviewed_before_they_are_decided() {
        use AppealState::*;
        assert!(Submitted.may_become(UnderReview));
        assert!(UnderReview.may_become(Upheld));
        assert!(UnderReview.may_become(Overturned));
        assert!(!Submitted.may_become(Overturned));
        assert!(!Upheld.may_become(Overturned));
        assert_eq!(appeal_due(0, 30), 30 * 86_400_000);
        for m in Membership::ALL {
            assert_eq!(Membership::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn the_paying_agency_is_configuration() {
        let p = PaymentsDef::jordan();
        assert_eq!(p.currency, "JOD");
        assert!(PaymentsDef::from_json(
            r#"{"debtor_name":"x","debtor_iban":"JO00","debtor_bic":"X","currency":"JOD","execution_day":1,"name_columns":["a"]}"#
        )
        .is_err());
    }
}
