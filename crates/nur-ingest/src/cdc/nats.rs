//! NATS JetStream: a durable pull consumer on a file-storage stream, as Debezium Server's
//! JetStream sink publishes (one subject per table). A fetched batch is applied in one
//! transaction and acknowledged only after the commit (ack policy "all": acknowledging the
//! last message acknowledges the batch). After a crash, delivery restarts at the first
//! unacknowledged message, so a batch committed but not acknowledged is read again; its
//! positions are then at or before the committed one and count as duplicates.

use super::mapping::{Mapper, Received};
use super::source::SourceDef;
use super::Control;
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use nur_store::Store;
use std::time::Duration;

pub(crate) fn run(
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
) -> Result<(), String> {
    // Only the NATS calls run inside the runtime: the store is synchronous (its PostgreSQL
    // client runs a runtime of its own, which cannot start inside another).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let c = &def.config;
    let url = c.url.as_deref().expect("checked");
    let stream_name = c.stream.as_deref().expect("defaulted");
    let durable = c.durable.as_deref().expect("defaulted");
    let consumer = rt.block_on(consumer(url, stream_name, &c.subjects, durable))?;
    let max = c.batch.unwrap_or(5_000);
    while !stop.stopped() {
        let messages = rt.block_on(fetch(&consumer, max))?;
        let Some(last) = messages.last() else {
            continue;
        };
        let received = messages
            .iter()
            .map(|m| Received::from_json_text(&m.payload))
            .collect();
        // Dedup is by the event's own source position; the stream sequence is a different
        // order (a republished event gets a new one), so it is never used in its place.
        let batch = mapper.batch(&def.name, "", received, |_| None);
        let applied = store.apply_changes(&batch).map_err(|e| e.to_string())?;
        stop.committed(&def.name, &batch, &applied);
        rt.block_on(last.double_ack())
            .map_err(|e| format!("ack: {e}"))?;
    }
    Ok(())
}

/// Up to `max` messages, waiting at most 250 ms for them.
async fn fetch(
    consumer: &consumer::PullConsumer,
    max: usize,
) -> Result<Vec<jetstream::Message>, String> {
    let mut messages = consumer
        .batch()
        .max_messages(max)
        .expires(Duration::from_millis(250))
        .messages()
        .await
        .map_err(|e| format!("fetch: {e}"))?;
    let mut out = Vec::with_capacity(max);
    while let Some(m) = messages.next().await {
        out.push(m.map_err(|e| format!("fetch: {e}"))?);
    }
    Ok(out)
}

/// The stream and durable consumer, created when missing.
pub async fn consumer(
    url: &str,
    stream_name: &str,
    subjects: &[String],
    durable: &str,
) -> Result<consumer::PullConsumer, String> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    let js = jetstream::new(client);
    let st = js
        .get_or_create_stream(stream::Config {
            name: stream_name.to_owned(),
            subjects: subjects.to_vec(),
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("stream {stream_name}: {e}"))?;
    let config = |deliver_policy| consumer::pull::Config {
        durable_name: Some(durable.to_owned()),
        deliver_policy,
        ack_policy: consumer::AckPolicy::All,
        ack_wait: Duration::from_secs(30),
        max_ack_pending: 100_000,
        ..Default::default()
    };
    let mut c = st
        .get_or_create_consumer(durable, config(consumer::DeliverPolicy::All))
        .await
        .map_err(|e| format!("consumer {durable}: {e}"))?;
    // Messages delivered to an instance that died before acknowledging them would come back
    // only after the ack wait, behind newer ones, and acknowledging a newer one ("all")
    // would drop them. This runner is the durable's only reader: restart delivery at the
    // first unacknowledged message so the stream is read in order again.
    let info = c
        .info()
        .await
        .map_err(|e| format!("consumer {durable}: {e}"))?
        .clone();
    if info.num_ack_pending > 0 {
        let start = info.ack_floor.stream_sequence + 1;
        st.delete_consumer(durable)
            .await
            .map_err(|e| format!("consumer {durable}: {e}"))?;
        c = st
            .create_consumer(config(consumer::DeliverPolicy::ByStartSequence {
                start_sequence: start,
            }))
            .await
            .map_err(|e| format!("consumer {durable}: {e}"))?;
    }
    Ok(c)
}
