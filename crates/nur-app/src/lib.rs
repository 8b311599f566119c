//! NUR's use cases, each written once. The command line, the portal, the JSON API (and the
//! social-registry and DCI doors) translate their requests into calls of [`App`] and
//! its answers into their responses; none of them evaluates a grant, builds an audit event or
//! writes to the store itself.
//!
//! Every use case takes the [`Caller`] (the actor, the officer it acts for, the purpose and
//! the address), authorises it, does the work and records its audit event: an administrative
//! change in the same transaction as the change; a data access before any data is handed
//! back, with the reads of its access decision taken in one snapshot.

mod accounts;
mod appeals;
mod audit;
mod caller;
mod citizen;
mod citizen_sp;
mod clients;
mod cycles;
mod data;
mod dci_state;
mod decisions;
mod error;
mod fin_accounts;
mod gateway;
mod grants;
mod guards;
mod intake;
mod partners;
mod payments;
mod persons;
mod procedures;
mod registry_search;
mod settings;
pub mod signin;
mod sources;
mod sp_jobs;
mod sr_groups;
mod target_runs;
mod targeting;
mod tokens;

pub use accounts::{random_password, NewUser, UserChange};
pub use appeals::{AppealView, NewDocument, MAX_DOCUMENTS, MAX_DOCUMENT_BYTES};
pub use audit::Anchor;
pub use caller::Caller;
pub use citizen::{citizen_of, CitizenDoor, CitizenStep, CitizenView, CITIZEN, CITIZEN_CODE};
pub use citizen_sp::CitizenBenefits;
pub use clients::{new_client, new_secret, Credentials};
pub use cycles::{CycleCounts, CycleView};
pub use data::{Args, Output, ProcedureRef, QuerySql, QueryableTable};
pub use dci_state::SIGNATURE_SCHEMES;
pub use decisions::{
    HouseholdDecisions, InputUsed, ProgramDecision, RuleExplained, TermExplained, DECISIONS_PURPOSE,
};
pub use error::{AppError, Kind, Result};
pub use fin_accounts::{mask, masked, AccountInput, AccountsImport};
pub use gateway::{OperationResult, PreparedCall};
pub use grants::prerequisites;
pub use guards::GuardLimits;
pub use intake::{
    ApplicationView, HouseholdView, SocialRegistry, MAX_ANSWERS_BYTES, VERIFICATION_PURPOSE,
};
pub use partners::{MessageSigner, PartnerAnswer, PartnerDef, PartnerFailure, PartnerTransport};
pub use payments::{FileFormat, PaymentFile, Reconciled, Rejection};
pub use persons::AccessReport;
pub use procedures::SaveProcedure;
pub use registry_search::{FoundPerson, PersonPage, PersonSearch};
pub use settings::SettingsChange;
pub use signin::{Delivery, SignInPolicy};
pub use sources::{IngestOutcome, MAX_EVENTS};
pub use sp_jobs::{FactsReport, ImportReport, Rejected, FACTS_BATCH, FACTS_PURPOSE, IMPORT_BATCH};
pub use sr_groups::SrGroup;
pub use target_runs::{TargetOutcome, TargetPlan};
pub use targeting::{ProgramSummary, ScoreReport, SCORE_BATCH};
pub use tokens::{jwk_x, IssuedToken, TokenKeys, MAX_HEADER_TEXT};

use nur_core::query::Limits;
use nur_core::Catalog;
use nur_store::Store;
use std::sync::Arc;

/// How a deployment runs its use cases.
#[derive(Clone, Default)]
pub struct Options {
    /// The most rows one query or procedure call returns.
    pub limits: Limits,
    /// Lifetime of access tokens.
    pub token_ttl_secs: u64,
    pub signin: SignInPolicy,
    /// Where one-time codes go (none: codes cannot be sent; TOTP only).
    pub delivery: Option<Arc<dyn Delivery>>,
    /// Bounds on password checks, request rates and failures (`guards`).
    pub guards: GuardLimits,
    /// The social registry's form, facts and program entity (Jordan's when none).
    pub social_registry: Option<Arc<SocialRegistry>>,
}

/// The rooms every door leads into.
pub struct App {
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    limits: Limits,
    signin: SignInPolicy,
    tokens: TokenKeys,
    delivery: Option<Arc<dyn Delivery>>,
    guards: guards::Guards,
    sp: Arc<SocialRegistry>,
    /// The columns the social registry reads, by table (`SocialRegistry::needed_columns`,
    /// decided once: every submission and facts batch cuts its registry read to them).
    sp_reads: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    /// How DCI partner registries are reached (set where NUR serves).
    partner_transport: std::sync::OnceLock<Arc<dyn partners::PartnerTransport>>,
}

impl App {
    /// Loads (or creates) the token signing key; store calls are synchronous, so call this
    /// outside an async runtime or on a blocking thread.
    pub fn new(store: Arc<Store>, catalog: Arc<Catalog>, options: Options) -> Result<App> {
        let ttl = if options.token_ttl_secs == 0 {
            300
        } else {
            options.token_ttl_secs
        };
        let tokens = TokenKeys::load(&store, ttl)?;
        let sp = options
            .social_registry
            .unwrap_or_else(|| Arc::new(SocialRegistry::jordan(&catalog)));
        let mut sp_reads = std::collections::BTreeMap::<_, std::collections::BTreeSet<_>>::new();
        for (t, c) in sp.needed_columns(&catalog) {
            sp_reads
                .entry(t.to_string())
                .or_default()
                .insert(c.to_string());
        }
        Ok(App {
            store,
            catalog,
            limits: options.limits,
            signin: options.signin,
            tokens,
            delivery: options.delivery,
            guards: guards::Guards::new(options.guards),
            sp,
            sp_reads,
            partner_transport: std::sync::OnceLock::new(),
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The store, for reads that need no authorisation (probes, statistics, the catalog's
    /// data of the portal's public pages). Writes go through the use cases.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn signin_policy(&self) -> &SignInPolicy {
        &self.signin
    }

    pub fn token_ttl_secs(&self) -> u64 {
        self.tokens.ttl_secs
    }

    /// Records a refusal from `ip`: the first of its kind from that address in an interval
    /// at once, the rest counted into one later event. A failure to record is logged; the
    /// refusal stands either way.
    pub(crate) fn refused(&self, ip: std::net::IpAddr, ev: nur_core::audit::NewEvent) {
        for e in self.guards.refusal(ip, ev) {
            if let Err(err) = self.store.audit(e) {
                tracing::error!(%err, "could not audit a refusal");
            }
        }
    }

    /// Writes the counts of refusals held back in intervals that have ended (with `all`,
    /// every count, as a server stops), and trims the guards' memory; a server calls it every
    /// few seconds.
    pub fn flush_refusals(&self, all: bool) {
        for e in self.guards.flush(all) {
            if let Err(err) = self.store.audit(e) {
                tracing::error!(%err, "could not audit refusals");
            }
        }
    }

    /// A refusal at a door (a portal route refused for its role, a form without its CSRF
    /// token, an invalid bearer token), audited like the use cases' own.
    pub fn door_refused(
        &self,
        actor: Option<&str>,
        ip: std::net::IpAddr,
        action: &str,
        target: &str,
        reason: &str,
    ) {
        self.refused(
            ip,
            nur_core::audit::NewEvent {
                actor_kind: if actor.is_some() { "user" } else { "anonymous" }.into(),
                actor: actor.unwrap_or("").into(),
                action: action.into(),
                target: target.into(),
                client_ip: Some(ip.to_string()),
                outcome: format!("refused: {reason}"),
                ..Default::default()
            },
        );
    }
}
