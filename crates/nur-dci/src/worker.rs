//! The DCI worker: answers async messages from the store, turns events into notifications,
//! and delivers the outbox over HTTP with retries and backoff. Everything it does starts
//! from what is stored, so a restart picks up where it stopped; a delivery is marked done
//! only after the receiver answered 2xx (at least once; receivers deduplicate by
//! `message_id`, which stays the same on every retry).

use crate::service::Dci;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nur_store::{now_ms, OutboxRow};
use std::sync::Arc;
use std::time::Duration;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// How the outbox retries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait after the first failure; doubled after each next one.
    pub first: Duration,
    pub max: Duration,
    /// Attempts before a message is left undelivered (its last error kept).
    pub attempts: i64,
    /// How long one delivery may take.
    pub timeout: Duration,
    /// How often the worker looks for due work when nothing wakes it.
    pub poll: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_secs(2),
            max: Duration::from_secs(600),
            attempts: 12,
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

impl Backoff {
    /// When to try again after `attempts` failures.
    pub fn next_at(&self, attempts: i64) -> i64 {
        let factor = 1u32 << attempts.clamp(0, 20) as u32;
        let wait = self.first.saturating_mul(factor).min(self.max);
        now_ms() + wait.as_millis() as i64
    }
}

/// Runs the worker until the runtime stops.
pub async fn run(dci: Arc<Dci>, backoff: Backoff) {
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    loop {
        let d = dci.clone();
        let work = tokio::task::spawn_blocking(move || prepare(&d)).await;
        if let Ok(Err(e)) = work {
            tracing::warn!(error = %e, "DCI worker");
        }
        let d = dci.clone();
        let due = tokio::task::spawn_blocking(move || d.app.dci_outbox_due(100))
            .await
            .ok()
            .and_then(|r| r.ok())
            .unwrap_or_default();
        let busy = !due.is_empty();
        for o in due {
            let outcome = deliver(&client, &o, backoff.timeout).await;
            let d = dci.clone();
            let _ = tokio::task::spawn_blocking(move || record(&d, &o, outcome, &backoff)).await;
        }
        if !busy {
            tokio::select! {
                _ = dci.wake.notified() => {}
                _ = tokio::time::sleep(backoff.poll) => {}
            }
        }
    }
}

/// Answers the async messages waiting and turns the events into notifications.
pub fn prepare(dci: &Dci) -> Result<(), String> {
    for m in dci.app.dci_unanswered(50).map_err(|e| e.to_string())? {
        if let Err(e) = dci.answer_stored(&m) {
            tracing::warn!(message = %m.message_id, error = %e, "an async DCI message could not be answered");
        }
    }
    while dci.notify_events(200)? == 200 {}
    Ok(())
}

fn record(dci: &Dci, o: &OutboxRow, outcome: Result<(), String>, backoff: &Backoff) {
    let res = match &outcome {
        Ok(()) => dci.app.dci_attempted(&o.id, Ok(())),
        Err(e) => {
            let attempts = o.attempts + 1;
            // Past the last attempt the message stays, undelivered, with its error.
            let next = if attempts >= backoff.attempts {
                i64::MAX
            } else {
                backoff.next_at(attempts - 1)
            };
            tracing::warn!(to = %o.url, attempt = attempts, error = %e, "a DCI delivery failed");
            dci.app.dci_attempted(&o.id, Err((e, next)))
        }
    };
    if let Err(e) = res {
        tracing::error!(error = %e, "could not record a DCI delivery");
    }
}

async fn deliver(client: &HttpClient, o: &OutboxRow, timeout: Duration) -> Result<(), String> {
    let req = hyper::Request::post(&o.url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(o.body.clone())))
        .map_err(|e| format!("bad URL {}: {e}", o.url))?;
    let res = tokio::time::timeout(timeout, client.request(req))
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
        .map_err(|e| format!("{e}"))?;
    let status = res.status();
    // The body is read (and dropped) so the connection can be reused.
    let _ = tokio::time::timeout(timeout, res.into_body().collect()).await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {status}"))
    }
}
