//! In-process ingestion measurements for `bench/ingest_nats.sh` and `bench/ingest_lag.sh`:
//! publish Debezium events to JetStream, apply a source until a number of changes is reached
//! (throughput), or follow a source for a while recording each change's lag (source commit →
//! NUR commit). No test depends on these timings.

use anyhow::{anyhow, Result};
use nur_core::Catalog;
use nur_ingest::cdc::{self, Control, SourceDef};
use nur_store::now_ms;
use nur_store::{Applied, ChangeBatch, Store};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Publishes `events` car changes over `keys` registration numbers (nine updates for every
/// delete), with increasing positions, and waits for every acknowledgement.
pub fn publish(url: &str, stream: &str, subject: &str, events: u64, keys: u64) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    rt.block_on(async {
        let client = async_nats::connect(url).await?;
        let js = async_nats::jetstream::new(client);
        let _ = js.delete_stream(stream).await;
        js.create_stream(async_nats::jetstream::stream::Config {
            name: stream.to_owned(),
            subjects: vec![format!("{}.>", subject.split('.').next().unwrap_or(subject))],
            storage: async_nats::jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await?;
        let mut pending = Vec::with_capacity(4096);
        for i in 0..events {
            let reg = format!("B{}", i % keys);
            let nn = format!("98010{:05}", i % keys % 100_000);
            let row = serde_json::json!({"Registration_Number": reg, "National_Number": nn, "Make": "Kia", "Model_Year": 1990 + (i % 30) as i64, "Registration_Date": 19_000 + (i % 365) as i64});
            let ts = now_ms();
            let (op, before, after) = if i % 10 == 9 {
                ("d", row, serde_json::Value::Null)
            } else {
                ("u", serde_json::Value::Null, row)
            };
            let e = serde_json::json!({"before": before, "after": after, "op": op, "ts_ms": ts,
                "source": {"table": "DVLD_Car_Info", "lsn": i + 1, "ts_ms": ts}});
            pending.push(js.publish(subject.to_owned(), e.to_string().into()).await?);
            if pending.len() == 4096 {
                for p in pending.drain(..) {
                    p.await?;
                }
            }
        }
        for p in pending {
            p.await?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"published": events, "seconds": secs, "per_s": events as f64 / secs})
    );
    Ok(())
}

/// Follows `source` until `events` events have been received, then prints the rate.
pub fn throughput(store: Store, catalog: Arc<Catalog>, source: &str, events: u64) -> Result<()> {
    let def = SourceDef::from_row(&store.source(source)?).map_err(|e| anyhow!(e))?;
    let seen = Arc::new(AtomicU64::new(0));
    let first = Arc::new(Mutex::new(None::<Instant>));
    let observer = {
        let (seen, first) = (seen.clone(), first.clone());
        Arc::new(move |b: &ChangeBatch, _: &Applied| {
            first.lock().unwrap().get_or_insert_with(Instant::now);
            seen.fetch_add(b.received, Ordering::Relaxed);
        })
    };
    let ctl = Control::observed(observer);
    let store = Arc::new(store);
    let runner = {
        let (store, catalog, ctl) = (store.clone(), catalog.clone(), ctl.clone());
        std::thread::spawn(move || cdc::run_source(&store, &catalog, def, &ctl))
    };
    let started = Instant::now();
    while seen.load(Ordering::Relaxed) < events {
        if runner.is_finished() {
            return Err(anyhow!("the source stopped: {:?}", runner.join()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let total = started.elapsed().as_secs_f64();
    let from_first = first.lock().unwrap().map(|f| f.elapsed().as_secs_f64());
    ctl.stop();
    runner
        .join()
        .map_err(|_| anyhow!("runner panicked"))?
        .map_err(|e| anyhow!(e))?;
    let s = store.source(source)?;
    println!(
        "{}",
        serde_json::json!({
            "backend": store.backend(), "events": seen.load(Ordering::Relaxed),
            "applied": s.applied_total, "duplicates": s.duplicates_total, "dead_letters": s.errors_total,
            "seconds": total, "events_per_s": events as f64 / total,
            "events_per_s_after_first_batch": from_first.map(|f| events as f64 / f),
        })
    );
    Ok(())
}

/// Follows `source` for `seconds`, recording for every change the time from its source
/// commit to NUR's commit of the batch holding it; prints percentiles.
pub fn lag(store: Store, catalog: Arc<Catalog>, source: &str, seconds: u64) -> Result<()> {
    let def = SourceDef::from_row(&store.source(source)?).map_err(|e| anyhow!(e))?;
    let lags = Arc::new(Mutex::new(Vec::<i64>::new()));
    let observer = {
        let lags = lags.clone();
        Arc::new(move |b: &ChangeBatch, _: &Applied| {
            let now = now_ms();
            let mut l = lags.lock().unwrap();
            l.extend(
                b.changes
                    .iter()
                    .filter_map(|c| c.source_ts_ms)
                    .map(|t| now - t),
            );
        })
    };
    let ctl = Control::observed(observer);
    let store = Arc::new(store);
    let runner = {
        let (store, catalog, ctl) = (store.clone(), catalog.clone(), ctl.clone());
        std::thread::spawn(move || cdc::run_source(&store, &catalog, def, &ctl))
    };
    std::thread::sleep(Duration::from_secs(seconds));
    ctl.stop();
    runner
        .join()
        .map_err(|_| anyhow!("runner panicked"))?
        .map_err(|e| anyhow!(e))?;
    let mut l = lags.lock().unwrap().clone();
    if l.is_empty() {
        return Err(anyhow!("no change arrived in {seconds} s"));
    }
    l.sort_unstable();
    let pct = |q: f64| l[((l.len() as f64 * q) as usize).min(l.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "backend": store.backend(), "changes": l.len(), "seconds": seconds,
            "changes_per_s": l.len() as f64 / seconds as f64,
            "lag_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": l[l.len() - 1]},
        })
    );
    Ok(())
}
