//! DCI storage (migration 0011): senders and the keys on file for them, messages received
//! (duplicates refused, transactions answered from them), subscriptions, the events
//! ingestion fans out to them and the outbox of everything sent. Each write that hands work
//! on (an answer and its callback, an event and its notification) is one transaction, so a
//! restart between the two loses nothing and sends nothing twice.

use crate::access::append;
use crate::cdc::{Change, ChangeOp};
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store};
use nur_core::audit::NewEvent;
use nur_core::ColumnType;
use nur_core::Value;

/// A DCI sender: the API client it is, and how its messages are signed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SenderRow {
    pub sender_id: String,
    pub client_id: String,
    /// `none`, `cavage-ed25519` or `jws`.
    pub scheme: String,
    /// The partner's public key (a JWK), when one is on file.
    pub public_key: Option<String>,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// A message received.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub sender_id: String,
    pub message_id: String,
    pub registry: String,
    pub action: String,
    pub client_id: String,
    pub transaction_id: String,
    pub correlation_id: String,
    /// `rcvd` until answered, then `succ` or `rjct`.
    pub status: String,
    pub request: String,
    pub response: Option<String>,
    /// Where the answer goes (an async request's `sender_uri` + its on-* path).
    pub reply_to: Option<String>,
    pub created_at_ms: i64,
    pub completed_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    pub code: String,
    pub registry: String,
    pub sender_id: String,
    pub client_id: String,
    pub event_type: String,
    /// The warehouse table whose changes are the event.
    pub table_name: String,
    /// The subscribe criteria as received (JSON), its filter among them.
    pub criteria: String,
    pub notify_uri: String,
    pub created_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

/// A change to a subscribed table, waiting to become a notification.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: String,
    pub subscription: String,
    pub table_name: String,
    pub op: String,
    pub row_key: String,
    /// The first national number the changed row holds.
    pub person: Option<String>,
    pub source: String,
    pub created_at_ms: i64,
}

/// Something to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: String,
    /// `callback` or `notify`.
    pub kind: String,
    pub url: String,
    pub body: String,
    pub attempts: i64,
    pub next_at_ms: i64,
    pub last_error: Option<String>,
    pub delivered_at_ms: Option<i64>,
    pub created_at_ms: i64,
}

impl OutboxRow {
    pub fn new(id: String, kind: &str, url: String, body: String) -> OutboxRow {
        let now = now_ms();
        OutboxRow {
            id,
            kind: kind.into(),
            url,
            body,
            attempts: 0,
            next_at_ms: now,
            last_error: None,
            delivered_at_ms: None,
            created_at_ms: now,
        }
    }
}

const SENDER: &str =
    "SELECT sender_id, client_id, scheme, public_key, created_by, created_at FROM dci_sender";
const MESSAGE: &str = "SELECT sender_id, message_id, registry, action, client_id, transaction_id, correlation_id, status, request, response, reply_to, created_at, completed_at FROM dci_message";
const SUBSCRIPTION: &str = "SELECT code, registry, sender_id, client_id, event_type, table_name, criteria, notify_uri, created_at, ended_at FROM dci_subscription";
const EVENT: &str =
    "SELECT id, subscription, table_name, op, row_key, person, source, created_at FROM dci_event";
const OUTBOX: &str = "SELECT id, kind, url, body, attempts, next_at, last_error, delivered_at, created_at FROM dci_outbox";

fn sender(r: &[Cell]) -> SenderRow {
    SenderRow {
        sender_id: r[0].text(),
        client_id: r[1].text(),
        scheme: r[2].text(),
        public_key: r[3].opt_text(),
        created_by: r[4].text(),
        created_at_ms: r[5].int(),
    }
}

fn message(r: &[Cell]) -> MessageRow {
    MessageRow {
        sender_id: r[0].text(),
        message_id: r[1].text(),
        registry: r[2].text(),
        action: r[3].text(),
        client_id: r[4].text(),
        transaction_id: r[5].text(),
        correlation_id: r[6].text(),
        status: r[7].text(),
        request: r[8].text(),
        response: r[9].opt_text(),
        reply_to: r[10].opt_text(),
        created_at_ms: r[11].int(),
        completed_at_ms: r[12].opt_int(),
    }
}

fn subscription(r: &[Cell]) -> SubscriptionRow {
    SubscriptionRow {
        code: r[0].text(),
        registry: r[1].text(),
        sender_id: r[2].text(),
        client_id: r[3].text(),
        event_type: r[4].text(),
        table_name: r[5].text(),
        criteria: r[6].text(),
        notify_uri: r[7].text(),
        created_at_ms: r[8].int(),
        ended_at_ms: r[9].opt_int(),
    }
}

fn event(r: &[Cell]) -> EventRow {
    EventRow {
        id: r[0].text(),
        subscription: r[1].text(),
        table_name: r[2].text(),
        op: r[3].text(),
        row_key: r[4].text(),
        person: r[5].opt_text(),
        source: r[6].text(),
        created_at_ms: r[7].int(),
    }
}

fn outbox(r: &[Cell]) -> OutboxRow {
    OutboxRow {
        id: r[0].text(),
        kind: r[1].text(),
        url: r[2].text(),
        body: r[3].text(),
        attempts: r[4].int(),
        next_at_ms: r[5].int(),
        last_error: r[6].opt_text(),
        delivered_at_ms: r[7].opt_int(),
        created_at_ms: r[8].int(),
    }
}

fn put_outbox(tx: &mut dyn Tx, o: &OutboxRow) -> Result<()> {
    tx.exec(
        "INSERT INTO dci_outbox (id, kind, url, body, attempts, next_at, last_error, delivered_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7) ON CONFLICT (id) DO NOTHING",
        &[(&o.id).into(), (&o.kind).into(), (&o.url).into(), (&o.body).into(), o.attempts.into(), o.next_at_ms.into(), o.created_at_ms.into()],
    )?;
    Ok(())
}

/// Fans the changes out to the live subscriptions of their tables, in the changes'
/// transaction (one read of the subscribed tables per batch; nothing more when none is).
/// A change is applied once, so each subscription hears of it once.
pub(crate) fn fan_out(tx: &mut dyn Tx, source: &str, fresh: &[&Change]) -> Result<()> {
    if fresh.is_empty() {
        return Ok(());
    }
    let subscribed: Vec<String> = tx
        .rows(
            "SELECT DISTINCT table_name FROM dci_subscription WHERE ended_at IS NULL",
            &[],
        )?
        .iter()
        .map(|r| r[0].text())
        .collect();
    if subscribed.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    for c in fresh {
        let table = c.table.name.as_str();
        if !subscribed.iter().any(|t| t == table) {
            continue;
        }
        let op = match c.op {
            ChangeOp::Upsert => "upsert",
            ChangeOp::Delete => "delete",
            ChangeOp::Truncate => continue,
        };
        let person = c.columns.iter().find_map(|(i, v)| {
            let is_person = c
                .table
                .columns
                .get(*i)
                .is_some_and(|col| col.ty == ColumnType::NationalNumber);
            match (is_person, v) {
                (true, Value::Text(nn)) => Some(nn.as_str()),
                _ => None,
            }
        });
        let id = format!("{source}\u{1f}{}\u{1f}{table}\u{1f}{}", c.position, c.key);
        tx.exec(
            "INSERT INTO dci_event (id, subscription, table_name, op, row_key, person, source, created_at) \
             SELECT $1 || code, code, $2, $3, $4, $5, $6, $7 FROM dci_subscription \
             WHERE table_name = $2 AND ended_at IS NULL ON CONFLICT (id) DO NOTHING",
            &[id.as_str().into(), table.into(), op.into(), c.key.as_str().into(), person.into(), source.into(), now.into()],
        )?;
    }
    Ok(())
}

/// Fans the rows of a bulk chunk (a file drop, a reload) out to the live subscriptions of
/// their table, in the chunk's transaction; event ids name the batch and the row's key, so a
/// resumed chunk is heard of once.
pub(crate) fn fan_out_rows(
    tx: &mut dyn Tx,
    table: &nur_core::Table,
    batch: &crate::Batch,
    rows: &[crate::Row],
) -> Result<()> {
    let live = tx
        .row(
            "SELECT count(*) FROM dci_subscription WHERE table_name = $1 AND ended_at IS NULL",
            &[table.name.as_str().into()],
        )?
        .map(|r| r[0].int())
        .unwrap_or(0);
    if rows.is_empty() || live == 0 {
        return Ok(());
    }
    let person_at = table
        .columns
        .iter()
        .position(|c| c.ty == ColumnType::NationalNumber);
    let now = now_ms();
    let name = table.name.as_str();
    for r in rows {
        let person = person_at.and_then(|i| match &r.values[i] {
            Value::Text(nn) => Some(nn.as_str()),
            _ => None,
        });
        let id = format!(
            "{}\u{1f}batch{}\u{1f}{name}\u{1f}{}",
            batch.source, batch.id, r.source_key
        );
        tx.exec(
            "INSERT INTO dci_event (id, subscription, table_name, op, row_key, person, source, created_at) \
             SELECT $1 || code, code, $2, 'upsert', $3, $4, $5, $6 FROM dci_subscription \
             WHERE table_name = $2 AND ended_at IS NULL ON CONFLICT (id) DO NOTHING",
            &[id.as_str().into(), name.into(), r.source_key.as_str().into(), person.into(), batch.source.as_str().into(), now.into()],
        )?;
    }
    Ok(())
}

impl Store {
    /// Registers (or replaces) a sender, with its audit event.
    pub fn dci_put_sender(&self, s: &SenderRow, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec("DELETE FROM dci_sender WHERE sender_id = $1 OR client_id = $2", &[(&s.sender_id).into(), (&s.client_id).into()])?;
            tx.exec(
                "INSERT INTO dci_sender (sender_id, client_id, scheme, public_key, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[(&s.sender_id).into(), (&s.client_id).into(), (&s.scheme).into(), s.public_key.as_deref().into(), (&s.created_by).into(), s.created_at_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn dci_sender_of_client(&self, client_id: &str) -> Result<Option<SenderRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("{SENDER} WHERE client_id = $1"),
                    &[client_id.into()],
                )?
                .map(|r| sender(&r)))
        })
    }

    pub fn dci_senders(&self) -> Result<Vec<SenderRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(&format!("{SENDER} ORDER BY sender_id"), &[])?
                .iter()
                .map(|r| sender(r))
                .collect())
        })
    }

    /// One sender by its DCI sender id.
    pub fn dci_sender(&self, sender_id: &str) -> Result<Option<SenderRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("{SENDER} WHERE sender_id = $1"),
                    &[sender_id.into()],
                )?
                .map(|r| sender(&r)))
        })
    }

    /// Whether this sender sent this message id before.
    pub fn dci_received(&self, sender_id: &str, message_id: &str) -> Result<bool> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT 1 FROM dci_message WHERE sender_id = $1 AND message_id = $2",
                    &[sender_id.into(), message_id.into()],
                )?
                .is_some())
        })
    }

    /// Records a message received (an async one to answer, or a sync one with its answer);
    /// false when this sender sent this message id before.
    pub fn dci_receive(&self, m: &MessageRow) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "INSERT INTO dci_message (sender_id, message_id, registry, action, client_id, transaction_id, correlation_id, status, request, response, reply_to, created_at, completed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (sender_id, message_id) DO NOTHING",
                &[(&m.sender_id).into(), (&m.message_id).into(), (&m.registry).into(), (&m.action).into(), (&m.client_id).into(), (&m.transaction_id).into(), (&m.correlation_id).into(), (&m.status).into(), (&m.request).into(), m.response.as_deref().into(), m.reply_to.as_deref().into(), m.created_at_ms.into(), m.completed_at_ms.into()],
            )?;
            Ok(n == 1)
        })
    }

    /// Records a message's answer and, for an async one, its callback, in one transaction;
    /// false when it was answered already.
    pub fn dci_answer(
        &self,
        sender_id: &str,
        message_id: &str,
        status: &str,
        response: &str,
        callback: Option<&OutboxRow>,
    ) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE dci_message SET status = $3, response = $4, completed_at = $5 \
                 WHERE sender_id = $1 AND message_id = $2 AND status = 'rcvd'",
                &[
                    sender_id.into(),
                    message_id.into(),
                    status.into(),
                    response.into(),
                    now_ms().into(),
                ],
            )?;
            if n == 0 {
                return Ok(false);
            }
            if let Some(o) = callback {
                put_outbox(tx, o)?;
            }
            Ok(true)
        })
    }

    /// The messages of a sender's transaction, oldest first.
    pub fn dci_transaction(
        &self,
        sender_id: &str,
        transaction_id: &str,
    ) -> Result<Vec<MessageRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{MESSAGE} WHERE sender_id = $1 AND transaction_id = $2 ORDER BY created_at, message_id"),
                    &[sender_id.into(), transaction_id.into()],
                )?
                .iter()
                .map(|r| message(r))
                .collect())
        })
    }

    /// A sender's message found by its correlation id.
    pub fn dci_correlated(
        &self,
        sender_id: &str,
        correlation_id: &str,
    ) -> Result<Option<MessageRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    &format!("{MESSAGE} WHERE sender_id = $1 AND correlation_id = $2"),
                    &[sender_id.into(), correlation_id.into()],
                )?
                .map(|r| message(&r)))
        })
    }

    /// Async messages received and not answered yet, oldest first.
    pub fn dci_unanswered(&self, limit: u32) -> Result<Vec<MessageRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!(
                        "{MESSAGE} WHERE status = 'rcvd' ORDER BY created_at, message_id LIMIT $1"
                    ),
                    &[i64::from(limit).into()],
                )?
                .iter()
                .map(|r| message(r))
                .collect())
        })
    }

    /// Writes a subscription with its answer's callback (async) and its audit event.
    pub fn dci_subscribe(&self, subs: &[SubscriptionRow], event: NewEvent) -> Result<()> {
        self.write(|tx| {
            for s in subs {
                tx.exec(
                    "INSERT INTO dci_subscription (code, registry, sender_id, client_id, event_type, table_name, criteria, notify_uri, created_at, ended_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
                    &[(&s.code).into(), (&s.registry).into(), (&s.sender_id).into(), (&s.client_id).into(), (&s.event_type).into(), (&s.table_name).into(), (&s.criteria).into(), (&s.notify_uri).into(), s.created_at_ms.into()],
                )?;
            }
            append(tx, event)?;
            Ok(())
        })
    }

    /// Ends a sender's subscription; false when it has none live by that code. Its events
    /// not yet notified are dropped with it.
    pub fn dci_unsubscribe(&self, sender_id: &str, code: &str, event: NewEvent) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE dci_subscription SET ended_at = $3 WHERE code = $1 AND sender_id = $2 AND ended_at IS NULL",
                &[code.into(), sender_id.into(), now_ms().into()],
            )?;
            if n == 1 {
                tx.exec("DELETE FROM dci_event WHERE subscription = $1", &[code.into()])?;
                append(tx, event)?;
            }
            Ok(n == 1)
        })
    }

    pub fn dci_subscription(&self, code: &str) -> Result<Option<SubscriptionRow>> {
        self.read(|tx| {
            Ok(tx
                .row(&format!("{SUBSCRIPTION} WHERE code = $1"), &[code.into()])?
                .map(|r| subscription(&r)))
        })
    }

    /// A sender's live subscriptions to an event type of a registry.
    pub fn dci_subscriptions(&self, sender_id: &str) -> Result<Vec<SubscriptionRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{SUBSCRIPTION} WHERE sender_id = $1 AND ended_at IS NULL ORDER BY created_at, code"),
                    &[sender_id.into()],
                )?
                .iter()
                .map(|r| subscription(r))
                .collect())
        })
    }

    /// Events waiting for their notification, oldest first.
    pub fn dci_events(&self, limit: u32) -> Result<Vec<EventRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{EVENT} ORDER BY created_at, id LIMIT $1"),
                    &[i64::from(limit).into()],
                )?
                .iter()
                .map(|r| event(r))
                .collect())
        })
    }

    /// Turns events into their notification (none when the filter left them out), in one
    /// transaction.
    pub fn dci_notify(&self, events: &[&str], notification: Option<&OutboxRow>) -> Result<()> {
        self.write(|tx| {
            for id in events {
                tx.exec("DELETE FROM dci_event WHERE id = $1", &[(*id).into()])?;
            }
            if let Some(o) = notification {
                put_outbox(tx, o)?;
            }
            Ok(())
        })
    }

    /// Messages due to be sent at `now`, oldest first.
    pub fn dci_outbox_due(&self, now: i64, limit: u32) -> Result<Vec<OutboxRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{OUTBOX} WHERE delivered_at IS NULL AND next_at <= $1 ORDER BY next_at, id LIMIT $2"),
                    &[now.into(), i64::from(limit).into()],
                )?
                .iter()
                .map(|r| outbox(r))
                .collect())
        })
    }

    /// The outbox, newest first, delivered or not.
    pub fn dci_outbox(&self, limit: u32) -> Result<Vec<OutboxRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("{OUTBOX} ORDER BY created_at DESC, id LIMIT $1"),
                    &[i64::from(limit).into()],
                )?
                .iter()
                .map(|r| outbox(r))
                .collect())
        })
    }

    /// Records an attempt: delivered, or failed with its error and the next try's time.
    pub fn dci_attempted(
        &self,
        id: &str,
        outcome: std::result::Result<(), (&str, i64)>,
    ) -> Result<()> {
        self.write(|tx| {
            match outcome {
                Ok(()) => tx.exec(
                    "UPDATE dci_outbox SET attempts = attempts + 1, delivered_at = $2, last_error = NULL WHERE id = $1",
                    &[id.into(), now_ms().into()],
                )?,
                Err((error, next_at)) => tx.exec(
                    "UPDATE dci_outbox SET attempts = attempts + 1, last_error = $2, next_at = $3 WHERE id = $1",
                    &[id.into(), error.into(), next_at.into()],
                )?,
            };
            Ok(())
        })
    }
}
