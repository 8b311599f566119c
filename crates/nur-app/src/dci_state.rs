//! What a DCI door keeps: the sender each API client is (and the signature scheme and key
//! on file for it), the messages it sent (a repeated message id refused, transactions
//! answered), subscriptions, the events ingestion fans out to them, and the outbox of
//! callbacks and notifications. The searches themselves are `search_persons` and the social
//! registry's reads, under the client's grants like any other access.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Actor;
use nur_core::Ident;
use nur_store::{now_ms, EventRow, MessageRow, OutboxRow, SenderRow, SubscriptionRow};

/// The signature schemes a partner may use (see `docs/dci.md`).
pub const SIGNATURE_SCHEMES: [&str; 3] = ["none", "cavage-ed25519", "jws"];

impl App {
    /// Registers `client_id` of an entity as the DCI sender `sender_id`, with the scheme its
    /// messages are signed by and its public key (a JWK) when it has one. Its entity's
    /// administrator, a Super Admin or the operator may.
    pub fn register_dci_sender(
        &self,
        caller: &Caller,
        client_id: &str,
        sender_id: &str,
        scheme: &str,
        public_key: Option<&str>,
    ) -> Result<SenderRow> {
        let client = self.store.client(client_id)?.ok_or_else(|| {
            AppError::not_found("client_not_found", format!("no client {client_id}"))
        })?;
        let entity = Ident::parse(&client.entity)
            .map_err(|e| AppError::internal(format!("stored entity: {e}")))?;
        if !caller.actor.administers(&entity) {
            return Err(AppError::forbidden(
                "not_entity_admin",
                format!("only {entity}'s administrator registers its clients as DCI senders"),
            ));
        }
        if sender_id.is_empty()
            || sender_id.len() > 99
            || !sender_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(AppError::invalid(
                "invalid_sender_id",
                "a sender id is 1 to 99 letters, digits, '-', '_', '.' or ':'",
            ));
        }
        if !SIGNATURE_SCHEMES.contains(&scheme) {
            return Err(AppError::invalid(
                "invalid_scheme",
                format!(
                    "the signature scheme {scheme:?} is not one of {}",
                    SIGNATURE_SCHEMES.join(", ")
                ),
            ));
        }
        if scheme != "none" && public_key.is_none() {
            return Err(AppError::invalid(
                "public_key_required",
                format!("a partner signing with {scheme} needs its public key on file"),
            ));
        }
        if let Some(k) = public_key {
            serde_json::from_str::<jsonwebtoken::jwk::Jwk>(k).map_err(|e| {
                AppError::invalid(
                    "invalid_public_key",
                    format!("the public key is not a JWK: {e}"),
                )
            })?;
        }
        let row = SenderRow {
            sender_id: sender_id.into(),
            client_id: client_id.into(),
            scheme: scheme.into(),
            public_key: public_key.map(str::to_owned),
            created_by: caller.actor.name().into(),
            created_at_ms: now_ms(),
        };
        let mut ev = caller.event("dci.sender.register", client_id);
        ev.outcome = format!("ok; sender {sender_id}, {scheme}");
        self.store.dci_put_sender(&row, ev)?;
        Ok(row)
    }

    /// The DCI senders registered.
    pub fn dci_senders(&self) -> Result<Vec<SenderRow>> {
        Ok(self.store.dci_senders()?)
    }

    /// Whether a sender sent a message id before (a sync message is recorded with its
    /// answer, after this check).
    pub fn dci_received(&self, sender_id: &str, message_id: &str) -> Result<bool> {
        Ok(self.store.dci_received(sender_id, message_id)?)
    }

    /// One sender by its DCI sender id (the worker's read, for what it sends).
    pub fn dci_sender(&self, sender_id: &str) -> Result<Option<SenderRow>> {
        Ok(self.store.dci_sender(sender_id)?)
    }

    /// The sender a client caller is; refused for any other caller or an unregistered client.
    pub fn dci_sender_of(&self, caller: &Caller) -> Result<SenderRow> {
        let Actor::Client { client_id, .. } = &caller.actor else {
            return Err(AppError::forbidden(
                "not_a_client",
                "DCI messages come from API clients",
            ));
        };
        self.store.dci_sender_of_client(client_id)?.ok_or_else(|| {
            AppError::forbidden(
                "not_a_dci_sender",
                format!("client {client_id} is not registered as a DCI sender"),
            )
        })
    }

    /// The caller a stored message or subscription acts as: its client, if it is still
    /// enabled (a revoked client's async answers and notifications stop with it).
    pub fn dci_caller(&self, client_id: &str) -> Result<Caller> {
        let c = self
            .store
            .client(client_id)?
            .filter(|c| c.revoked_at_ms.is_none())
            .ok_or_else(|| {
                AppError::forbidden("client_revoked", format!("client {client_id} is revoked"))
            })?;
        let entity = Ident::parse(&c.entity)
            .map_err(|e| AppError::internal(format!("stored entity: {e}")))?;
        Ok(Caller::new(
            Actor::Client {
                client_id: c.client_id,
                entity,
            },
            None,
        ))
    }

    /// Records a message received; false when its sender sent that message id before.
    pub fn dci_receive(&self, m: &MessageRow) -> Result<bool> {
        Ok(self.store.dci_receive(m)?)
    }

    /// Records a message's answer and its callback (async), once.
    pub fn dci_answer(
        &self,
        m: &MessageRow,
        status: &str,
        response: &str,
        callback: Option<&OutboxRow>,
    ) -> Result<bool> {
        Ok(self
            .store
            .dci_answer(&m.sender_id, &m.message_id, status, response, callback)?)
    }

    pub fn dci_transaction(
        &self,
        sender_id: &str,
        transaction_id: &str,
    ) -> Result<Vec<MessageRow>> {
        Ok(self.store.dci_transaction(sender_id, transaction_id)?)
    }

    pub fn dci_correlated(
        &self,
        sender_id: &str,
        correlation_id: &str,
    ) -> Result<Option<MessageRow>> {
        Ok(self.store.dci_correlated(sender_id, correlation_id)?)
    }

    pub fn dci_unanswered(&self, limit: u32) -> Result<Vec<MessageRow>> {
        Ok(self.store.dci_unanswered(limit)?)
    }

    /// Writes subscriptions, audited.
    pub fn dci_subscribe(&self, caller: &Caller, subs: &[SubscriptionRow]) -> Result<()> {
        let codes: Vec<&str> = subs.iter().map(|s| s.code.as_str()).collect();
        let mut ev = caller.event("dci.subscribe", codes.join(","));
        ev.outcome = format!(
            "ok; {}",
            subs.iter()
                .map(|s| format!("{} on {}", s.event_type, s.table_name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(self.store.dci_subscribe(subs, ev)?)
    }

    /// Ends a subscription of the sender; false when it has none live by that code.
    pub fn dci_unsubscribe(&self, caller: &Caller, sender_id: &str, code: &str) -> Result<bool> {
        let ev = caller.event("dci.unsubscribe", code);
        Ok(self.store.dci_unsubscribe(sender_id, code, ev)?)
    }

    pub fn dci_subscription(&self, code: &str) -> Result<Option<SubscriptionRow>> {
        Ok(self.store.dci_subscription(code)?)
    }

    pub fn dci_subscriptions(&self, sender_id: &str) -> Result<Vec<SubscriptionRow>> {
        Ok(self.store.dci_subscriptions(sender_id)?)
    }

    pub fn dci_events(&self, limit: u32) -> Result<Vec<EventRow>> {
        Ok(self.store.dci_events(limit)?)
    }

    /// Turns events into one notification (none when the filter left them all out).
    pub fn dci_notify(&self, events: &[&str], notification: Option<&OutboxRow>) -> Result<()> {
        Ok(self.store.dci_notify(events, notification)?)
    }

    pub fn dci_outbox_due(&self, limit: u32) -> Result<Vec<OutboxRow>> {
        Ok(self.store.dci_outbox_due(now_ms(), limit)?)
    }

    pub fn dci_outbox(&self, limit: u32) -> Result<Vec<OutboxRow>> {
        Ok(self.store.dci_outbox(limit)?)
    }

    /// Records a delivery attempt (`Err((error, next try at ms))` when it failed).
    pub fn dci_attempted(
        &self,
        id: &str,
        outcome: std::result::Result<(), (&str, i64)>,
    ) -> Result<()> {
        Ok(self.store.dci_attempted(id, outcome)?)
    }
}
