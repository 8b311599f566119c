//! `nur bench-lookup`: in-process measurements that the scripts under `bench/` call. No test
//! depends on these timings.

use anyhow::{bail, Result};
use nur_core::{Catalog, NationalNumber};
use nur_store::{Store, Warehouse};

/// Looks up `samples` random persons one by one and prints latency percentiles as JSON.
pub fn lookup(store: &Store, catalog: &Catalog, samples: usize, seed: u64) -> Result<()> {
    let mut all = Vec::new();
    store.for_each_person(catalog, &mut |nn| all.push(nn.to_owned()))?;
    if all.is_empty() {
        bail!("the person table is empty");
    }
    let mut rng = nur_synth::rng::Rng::new(seed);
    let picks: Vec<NationalNumber> = (0..samples)
        .map(|_| NationalNumber::parse(&catalog.identity, rng.pick::<String>(&all)))
        .collect::<Result<_, _>>()?;
    // Warm the page cache and statement caches as a running server would be.
    for nn in picks.iter().take(1000) {
        store.lookup_person(catalog, nn)?;
    }
    let mut micros = Vec::with_capacity(samples);
    let mut records = 0usize;
    let started = std::time::Instant::now();
    for nn in &picks {
        let t = std::time::Instant::now();
        let p = store.lookup_person(catalog, nn)?;
        micros.push(t.elapsed().as_secs_f64() * 1e6);
        records += p
            .map(|p| p.records.values().map(Vec::len).sum::<usize>())
            .unwrap_or(0);
    }
    let total = started.elapsed().as_secs_f64();
    micros.sort_by(f64::total_cmp);
    let pct = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "persons_in_store": all.len(),
            "samples": samples,
            "p50_us": pct(0.50), "p90_us": pct(0.90), "p99_us": pct(0.99), "max_us": micros[micros.len() - 1],
            "lookups_per_s": samples as f64 / total,
            "mean_registry_rows_per_person": records as f64 / samples as f64,
        })
    );
    Ok(())
}
