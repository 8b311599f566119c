//! Change sources of a custodian: add, remove, list, freshness, dead letters; and change
//! events offered over HTTP by a client of the source's custodian. A source writes only its
//! entity's tables; adding and removing one is audited with the change.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Actor;
use nur_ingest::cdc::{self, Kind, Mode, Received, SourceDef};
use nur_store::{Applied, DeadLetterRow, SourceRow};
use serde_json::Value as J;

/// Events per request; larger batches should be split by the sender.
pub const MAX_EVENTS: usize = 10_000;

/// What an offered batch of events did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub received: u64,
    pub applied: Applied,
}

impl App {
    /// Adds a source of `def.entity` (checked against the catalog first).
    pub fn add_source(&self, caller: &Caller, def: SourceDef) -> Result<SourceDef> {
        let entity = nur_core::Ident::parse(&def.entity)
            .map_err(|e| AppError::invalid("unknown_entity", e))?;
        self.must_administer(caller, &entity)?;
        let mut ev = caller.event("source.add", format!("source:{}", def.name));
        ev.entity = Some(def.entity.clone());
        ev.outcome = format!("ok; {} source", def.kind.as_str());
        def.add(&self.store, &self.catalog, ev)
            .map_err(|e| AppError::invalid("invalid_source", e))
    }

    /// Removes a source (its cursors and dead letters go, the rows it wrote stay). A
    /// PostgreSQL replication slot is dropped at the source first; `Ok(Some(warning))` when
    /// that failed and the slot must be dropped by hand.
    pub fn remove_source(&self, caller: &Caller, name: &str) -> Result<Option<String>> {
        let def = self.source_def(name)?;
        let entity = nur_core::Ident::parse(&def.entity).map_err(AppError::internal)?;
        self.must_administer(caller, &entity)?;
        let mut warning = None;
        if def.kind == Kind::Postgres && def.config.mode == Some(Mode::Cdc) {
            if let Err(e) = cdc::pg_logical::release(&def) {
                warning = Some(format!(
                    "{e}; drop the slot at the source by hand, or it keeps WAL"
                ));
            }
        }
        let mut ev = caller.event("source.remove", format!("source:{name}"));
        ev.entity = Some(def.entity.clone());
        self.store.remove_source(name, ev)?;
        Ok(warning)
    }

    pub(crate) fn source_def(&self, name: &str) -> Result<SourceDef> {
        let row = self.store.source(name)?;
        SourceDef::from_row(&row).map_err(AppError::internal)
    }

    /// Every source's definition, connection secrets redacted (the operator's listing).
    pub fn source_defs(&self, caller: &Caller) -> Result<Vec<SourceDef>> {
        self.must_be_platform(caller)?;
        let mut out = Vec::new();
        for r in self.store.sources()? {
            let mut def = SourceDef::from_row(&r).map_err(AppError::internal)?;
            if let Some(u) = &def.config.url {
                def.config.url = Some(cdc::source::redact(u));
            }
            out.push(def);
        }
        Ok(out)
    }

    /// Every source's freshness and counters (no connection details): for the platform's
    /// own tools (the command line, the metrics behind their token).
    pub fn source_status(&self) -> Result<Vec<SourceRow>> {
        Ok(self.store.sources()?)
    }

    /// The sources a caller may watch: its own entity's (the platform sees all).
    pub fn sources_of(&self, caller: &Caller) -> Result<Vec<SourceRow>> {
        let all = self.store.sources()?;
        if caller.actor.administers_all() {
            return Ok(all);
        }
        let mine = caller.consumer()?;
        Ok(all
            .into_iter()
            .filter(|s| s.entity == mine.as_str())
            .collect())
    }

    /// A source's dead letters, newest first.
    pub fn dead_letters(
        &self,
        caller: &Caller,
        name: &str,
        limit: u32,
    ) -> Result<Vec<DeadLetterRow>> {
        let def = self.source_def(name)?;
        let entity = nur_core::Ident::parse(&def.entity).map_err(AppError::internal)?;
        self.must_administer(caller, &entity)?;
        Ok(self.store.dead_letters(name, limit)?)
    }

    /// A JSON array of Debezium events offered to an HTTP source by a client of its
    /// custodian. Malformed JSON and out-of-order positions refuse the whole batch (the
    /// sender still holds the events and can correct them); an event that parses but cannot
    /// be applied becomes a dead letter and the rest apply. Offering the same events again
    /// changes nothing.
    pub fn ingest_events(
        &self,
        caller: &Caller,
        source: &str,
        body: &[u8],
    ) -> Result<IngestOutcome> {
        // An unknown source and another entity's answer alike: which sources exist is not
        // told to those who may not feed them.
        let unknown = || {
            AppError::not_found(
                "source_not_found",
                format!("your entity has no source {source}"),
            )
        };
        let def = match self.store.source(source) {
            Ok(row) => SourceDef::from_row(&row).map_err(AppError::internal)?,
            Err(nur_store::StoreError::NotFound(_)) => return Err(unknown()),
            Err(e) => return Err(e.into()),
        };
        if !matches!(caller.actor, Actor::Client { .. })
            || caller.entity().map(|e| e.as_str()) != Some(def.entity.as_str())
        {
            return Err(unknown());
        }
        if def.kind != Kind::Http {
            return Err(AppError::invalid(
                "not_an_http_source",
                format!("source {source} is a {} source", def.kind.as_str()),
            ));
        }
        let items: Vec<J> = serde_json::from_slice(body).map_err(|e| {
            AppError::invalid(
                "malformed_json",
                format!("the body must be a JSON array of events: {e}"),
            )
        })?;
        self.apply_events(caller, source, &items)
    }

    /// Applies change events through an HTTP source's mapping (its caller checked), with
    /// the audit event of the batch.
    pub(crate) fn apply_events(
        &self,
        caller: &Caller,
        source: &str,
        items: &[J],
    ) -> Result<IngestOutcome> {
        let def = self.source_def(source)?;
        if items.is_empty() || items.len() > MAX_EVENTS {
            return Err(AppError::invalid(
                "batch_size",
                format!("send 1 to {MAX_EVENTS} events per request"),
            ));
        }
        let mut received = Vec::with_capacity(items.len());
        let mut last: Option<(usize, String)> = None;
        for (i, item) in items.iter().enumerate() {
            let r = Received::from_value(item, item.to_string());
            if let Ok(e) = &r.event {
                if let Some(p) = &e.position {
                    if let Some((j, prev)) = &last {
                        if p <= prev {
                            return Err(AppError::invalid(
                                "out_of_order",
                                format!("event {i} has position {p}, not after event {j}'s {prev}: send events in source order"),
                            ));
                        }
                    }
                    last = Some((i, p.clone()));
                }
            }
            received.push(r);
        }
        let mapper = def
            .clone()
            .check(&self.catalog)
            .map_err(AppError::internal)?;
        let batch = mapper.batch(source, "", received, |_| None);
        let applied = self.store.apply_changes(&batch)?;
        let mut ev = caller.event("ingest.events", format!("source:{source}"));
        ev.outcome = format!(
            "ok; received {}, applied {}, duplicates {}, dead letters {}",
            batch.received, applied.applied, applied.duplicates, applied.dead_lettered
        );
        self.store.audit(ev)?;
        Ok(IngestOutcome {
            received: batch.received,
            applied,
        })
    }

    /// Refuses unless the caller is the platform (the operator or the Super Admin).
    pub(crate) fn must_be_platform(&self, caller: &Caller) -> Result<()> {
        if caller.actor.administers_all() {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "super_admin_only",
                "only the Super Admin or the operator may do this",
            ))
        }
    }
}
