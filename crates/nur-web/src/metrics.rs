//! Prometheus metrics (`GET /metrics`, text format 0.0.4) through `prometheus-client`: every
//! route's requests, latency and errors (by status and machine code), counted by a
//! middleware around the router; and, read at each scrape, the audit group commit and the
//! change sources' counters and freshness.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use nur_store::Store;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    route: String,
    status: u16,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
    kind: String,
    entity: String,
}

/// The machine code of an error response, left in its extensions by `ApiError` so the
/// metrics can count errors by code.
#[derive(Clone, Copy, Debug)]
pub struct ErrorCode(pub &'static str);

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    errors: Family<ErrorLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // From half a millisecond (a person lookup) to ten seconds (a national query).
    Histogram::new([
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl Metrics {
    pub fn new(store: Arc<Store>) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram);
        let errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "nur_http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "nur_http_request_duration",
            "Time to answer a request, by route",
            Unit::Seconds,
            latency.clone(),
        );
        registry.register(
            "nur_http_errors",
            "Error answers, by route, status and machine code",
            errors.clone(),
        );
        registry.register_collector(Box::new(StoreCollector(store)));
        Metrics {
            registry,
            requests,
            latency,
            errors,
        }
    }

    /// The text exposition (Prometheus 0.0.4). Reads the store: call it off the async
    /// threads.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    fn observe(&self, method: &str, route: &str, resp: &Response, seconds: f64) {
        let status = resp.status().as_u16();
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
        if status >= 400 {
            let code = resp
                .extensions()
                .get::<ErrorCode>()
                .map(|c| c.0)
                .unwrap_or("none");
            self.errors
                .get_or_create(&ErrorLabels {
                    route: route.to_owned(),
                    status,
                    code: code.to_owned(),
                })
                .inc();
        }
    }
}

/// Counts every request under its route's pattern (never the raw path, which would hold
/// national numbers and grow without bound).
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    s.metrics
        .observe(&method, &route, &resp, started.elapsed().as_secs_f64());
    resp
}

/// The store's side, read at each scrape.
struct StoreCollector(Arc<Store>);

impl std::fmt::Debug for StoreCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreCollector")
    }
}

fn counter(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    v: f64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(v);
    let m = e.encode_descriptor(name, help, unit, c.metric_type())?;
    c.encode(m)
}

impl Collector for StoreCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let pool = self.0.pool_stats();
        for (name, help, v) in [
            (
                "nur_db_connections_open",
                "Database connections open",
                pool.open,
            ),
            (
                "nur_db_connections_idle",
                "Database connections idle in the pool",
                pool.idle,
            ),
            (
                "nur_db_connections_max",
                "Database connections the pool may open",
                pool.max,
            ),
            (
                "nur_db_connections_waiting",
                "Callers waiting for a database connection to come back",
                pool.waiting,
            ),
        ] {
            let g = ConstGauge::new(v as i64);
            let m = e.encode_descriptor(name, help, None, g.metric_type())?;
            g.encode(m)?;
        }
        let g = self.0.audit_group_stats();
        counter(
            &mut e,
            "nur_audit_groups",
            "Transactions of the audit group commit",
            None,
            g.groups as f64,
        )?;
        counter(
            &mut e,
            "nur_audit_events",
            "Events appended through the audit group commit",
            None,
            g.events as f64,
        )?;
        counter(
            &mut e,
            "nur_audit_commit",
            "Time spent committing audit groups",
            Some(&Unit::Seconds),
            g.commit_micros as f64 / 1e6,
        )?;
        let rows = match self.0.sources() {
            Ok(r) => r,
            Err(err) => {
                // A scrape still answers (the other families stand); the failure is logged.
                tracing::error!(%err, "metrics: cannot read the sources");
                return Ok(());
            }
        };
        type Pick = fn(&nur_store::SourceRow) -> Option<f64>;
        let families: [(&str, &str, Option<Unit>, bool, Pick); 8] = [
            (
                "nur_source_events",
                "Events received from the source",
                None,
                true,
                |r| Some(r.events_total as f64),
            ),
            (
                "nur_source_applied",
                "Changes applied to the warehouse",
                None,
                true,
                |r| Some(r.applied_total as f64),
            ),
            (
                "nur_source_duplicates",
                "Events skipped as already applied",
                None,
                true,
                |r| Some(r.duplicates_total as f64),
            ),
            (
                "nur_source_dead_letters",
                "Events sent to the dead-letter table",
                None,
                true,
                |r| Some(r.errors_total as f64),
            ),
            (
                "nur_source_lag",
                "Apply time minus source commit time of the last batch",
                Some(Unit::Seconds),
                false,
                |r| r.lag_ms.map(|l| l as f64 / 1000.0),
            ),
            (
                "nur_source_last_event_timestamp",
                "Source commit time of the newest applied change",
                Some(Unit::Seconds),
                false,
                |r| r.last_event_ms.map(|l| l as f64 / 1000.0),
            ),
            (
                "nur_source_last_apply_timestamp",
                "When the last batch was committed",
                Some(Unit::Seconds),
                false,
                |r| r.last_applied_ms.map(|l| l as f64 / 1000.0),
            ),
            (
                "nur_source_up",
                "1 unless the source's last attempt failed",
                None,
                false,
                |r| Some(if r.last_error.is_none() { 1.0 } else { 0.0 }),
            ),
        ];
        for (name, help, unit, is_counter, pick) in families {
            let ty = if is_counter {
                ConstCounter::new(0.0).metric_type()
            } else {
                ConstGauge::new(0.0).metric_type()
            };
            let mut m = e.encode_descriptor(name, help, unit.as_ref(), ty)?;
            for r in &rows {
                let Some(v) = pick(r) else { continue };
                let labels = SourceLabels {
                    source: r.name.clone(),
                    kind: r.kind.clone(),
                    entity: r.entity.clone(),
                };
                let fm = m.encode_family(&labels)?;
                if is_counter {
                    ConstCounter::new(v).encode(fm)?;
                } else {
                    ConstGauge::new(v).encode(fm)?;
                }
            }
        }
        Ok(())
    }
}
