//! `nur`: the National Unified Registry command line. Each subcommand wires the library crates
//! together; none holds domain logic of its own.

mod access;
mod bench;
mod bench_ingest;
mod demo;
mod progress;
mod sources;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use nur_core::{Catalog, NationalNumber};
use nur_store::{OpenMode, Store, Warehouse};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "nur",
    version,
    about = "NUR — the National Unified Registry platform"
)]
struct Cli {
    /// A country catalog file (JSON); Jordan's built-in catalog when absent.
    #[arg(long, global = true, env = "NUR_CATALOG")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a deterministic synthetic population: one CSV file per warehouse table.
    Synth {
        /// Number of persons (households are added until at least this many exist).
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// Random seed; the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a database (SQLite file or PostgreSQL schema) and its warehouse tables.
    Init {
        /// Database URL: sqlite:PATH or postgres://HOST/DB.
        #[arg(long, env = "NUR_DB")]
        db: String,
    },
    /// Load the CSV / JSON-lines files of a directory into the warehouse.
    ///
    /// Each file maps to the catalog table it is named after. Invalid rows go to the
    /// quarantine with file, line and reason. Loading the same file twice changes nothing; a
    /// killed load resumes where it stopped. Exits non-zero only when nothing could be loaded.
    Load {
        #[arg(long, env = "NUR_DB")]
        db: String,
        /// Directory holding TABLE.csv / TABLE.jsonl files.
        dir: PathBuf,
        /// Source name recorded in lineage (default: each table's custodian).
        #[arg(long)]
        source: Option<String>,
        /// Accept registry rows whose national number has no person record.
        #[arg(long)]
        allow_orphans: bool,
        /// Print the load report as JSON.
        #[arg(long)]
        json: bool,
        /// Rows per transaction (default 50000).
        #[arg(long, default_value_t = 0, hide = true)]
        chunk_rows: usize,
    },
    /// Row counts per table and quarantine counts.
    Stats {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        json: bool,
    },
    /// List quarantined rows (file, line, reason).
    Quarantine {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One person with their household and every registry record.
    Lookup {
        #[arg(long, env = "NUR_DB")]
        db: String,
        national_number: String,
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP APIs.
    Serve {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        api: ApiOptions,
    },
    /// Grant a consumer entity a table (and columns) or an operation (and output properties).
    Grant(access::GrantArgs),
    /// Revoke a grant; with --columns or --properties, only those.
    Revoke(access::GrantArgs),
    /// List grants.
    Grants {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        consumer: Option<String>,
        #[arg(long)]
        custodian: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Save, delete, list and show procedures (saved query specs served as APIs).
    Procedure {
        #[command(subcommand)]
        cmd: access::ProcedureCmd,
    },
    /// Create, rotate, revoke and list API clients of an entity.
    Client {
        #[command(subcommand)]
        cmd: access::ClientCmd,
    },
    /// Change an entity's settings.
    Entity {
        #[arg(long, env = "NUR_DB")]
        db: String,
        entity: String,
        /// Require X-NUR-Purpose on every data request of this entity's clients.
        #[arg(long)]
        purpose_required: Option<bool>,
        /// Leave this entity's accesses out of citizens' access reports.
        #[arg(long)]
        withhold_from_access_report: Option<bool>,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Register where a service's live operations answer (the gateway calls them there).
    Upstream {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        service: String,
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 5000)]
        timeout_ms: i64,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Configure change sources (CDC streams, scheduled pulls, file drops); read their
    /// freshness and dead letters.
    Source {
        #[command(subcommand)]
        cmd: sources::SourceCmd,
    },
    /// Follow the configured sources.
    Ingest {
        #[command(subcommand)]
        cmd: IngestCmd,
    },
    /// Verify or list the audit trail.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Time person lookups in process over random national numbers (benchmarks).
    #[command(hide = true)]
    BenchLookup {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long, default_value_t = 100_000)]
        samples: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Publish Debezium car events to a JetStream stream (benchmarks).
    #[command(hide = true)]
    BenchNatsPublish {
        #[arg(long, default_value = "nats://127.0.0.1:4222")]
        url: String,
        #[arg(long)]
        stream: String,
        #[arg(long)]
        subject: String,
        #[arg(long, default_value_t = 500_000)]
        events: u64,
        #[arg(long, default_value_t = 100_000)]
        keys: u64,
    },
    /// Follow a source in process until EVENTS events are received; print the rate.
    #[command(hide = true)]
    BenchIngest {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        source: String,
        #[arg(long)]
        events: u64,
    },
    /// Follow a source in process for SECONDS; print source-commit-to-NUR-commit lag.
    #[command(hide = true)]
    BenchLag {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        source: String,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Generate, load and serve a demo population in the embedded store (reused when present).
    Demo {
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        #[arg(long, default_value = "nur-data")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum IngestCmd {
    /// Run the configured sources (or one) until stopped; exactly-once whatever the stop.
    Run {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain; report the first broken link (exit status 1) or the count.
    Verify {
        #[arg(long, env = "NUR_DB")]
        db: String,
    },
    /// List events, newest first.
    List {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        /// Only events that returned this national number.
        #[arg(long)]
        person: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Options of the HTTP APIs.
#[derive(clap::Args, Clone)]
struct ApiOptions {
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 300)]
    token_ttl: u64,
    /// The most rows one query or procedure call returns.
    #[arg(long, default_value_t = 10_000)]
    max_rows: u32,
    /// Development delivery of portal one-time codes: append them to this file.
    #[arg(long)]
    outbox: Option<PathBuf>,
    /// Mark portal cookies Secure (NUR is served behind TLS).
    #[arg(long)]
    secure_cookies: bool,
    /// Send one-time codes by e-mail through this SMTP relay (host:port) …
    #[arg(long)]
    smtp_relay: Option<String>,
    /// … from this address.
    #[arg(long, default_value = "nur@localhost")]
    smtp_from: String,
    /// Require STARTTLS with the relay (its certificate checked for the relay's host name);
    /// without it, plain SMTP.
    #[arg(long, requires = "smtp_relay")]
    smtp_starttls: bool,
    /// Trust only the CA certificates of this PEM file for the relay (an internal CA);
    /// without it, the system's store.
    #[arg(long, requires = "smtp_starttls")]
    smtp_ca_file: Option<PathBuf>,
    /// Or by SMS through this gateway (http://host:port/path, POST {"to", "text"}).
    #[arg(long)]
    sms_gateway: Option<String>,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NUR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let catalog = Arc::new(load_catalog(cli.catalog.as_deref())?);
    match cli.command {
        Command::Synth { persons, seed, out } => {
            let started = std::time::Instant::now();
            let mut bar = progress::SynthBar::new(persons);
            let opts = nur_synth::SynthOptions::new(persons, seed);
            let m = nur_synth::generate_with_progress(&catalog, &opts, &out, &mut bar)?;
            drop(bar);
            let rows: u64 = m.tables.values().map(|t| t.good_rows + t.bad_rows).sum();
            println!(
                "wrote {} persons in {} households, {rows} rows in {} files to {} in {:.1}s",
                m.persons,
                m.households,
                m.tables.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Init { db } => {
            let store = Store::open(&db, OpenMode::Create)?;
            store.migrate(&catalog)?;
            println!(
                "initialised {db} (schema version {}, {} warehouse tables)",
                store.schema_version()?,
                catalog.tables.len()
            );
        }
        Command::Load {
            db,
            dir,
            source,
            allow_orphans,
            json,
            chunk_rows,
        } => {
            let store = open(&db, &catalog)?;
            let opts = nur_ingest::LoadOptions {
                source,
                allow_orphans,
                only_tables: Vec::new(),
                chunk_rows,
            };
            let mut bar = progress::Bar::new(!json);
            let report = nur_ingest::load_dir(&store, &catalog, &dir, &opts, &mut bar)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                progress::print_report(&report);
            }
            if report.failed() {
                bail!("nothing could be loaded from {}", dir.display());
            }
        }
        Command::Stats { db, json } => {
            let store = open(&db, &catalog)?;
            let stats = store.stats(&catalog)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!(
                    "{:<32} {:>6} {:>12} {:>11}",
                    "table", "owner", "rows", "quarantined"
                );
                for t in &stats.tables {
                    println!(
                        "{:<32} {:>6} {:>12} {:>11}",
                        t.table, t.custodian, t.rows, t.quarantined
                    );
                }
                println!(
                    "{} rows in {} tables; {} quarantined rows; {} batches ({}, schema v{})",
                    stats.total_rows,
                    stats.tables.len(),
                    stats.quarantined,
                    stats.batches,
                    stats.backend,
                    stats.schema_version
                );
            }
        }
        Command::Quarantine { db, limit, json } => {
            let store = open(&db, &catalog)?;
            let rows = store.quarantine(limit)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for q in rows {
                    println!("{}:{}: {}\n    {}", q.file, q.line, q.reason, q.raw);
                }
            }
        }
        Command::Lookup {
            db,
            national_number,
            json,
        } => {
            let nn = NationalNumber::parse(&catalog.identity, &national_number)?;
            let store = open(&db, &catalog)?;
            match store.lookup_person(&catalog, &nn)? {
                Some(p) if json => println!("{}", serde_json::to_string_pretty(&p)?),
                Some(p) => demo::print_person(&p),
                None => bail!("no person or registry record has national number {nn}"),
            }
        }
        Command::BenchNatsPublish {
            url,
            stream,
            subject,
            events,
            keys,
        } => bench_ingest::publish(&url, &stream, &subject, events, keys)?,
        Command::BenchIngest { db, source, events } => {
            let store = open(&db, &catalog)?;
            bench_ingest::throughput(store, catalog, &source, events)?;
        }
        Command::BenchLag {
            db,
            source,
            seconds,
        } => {
            let store = open(&db, &catalog)?;
            bench_ingest::lag(store, catalog, &source, seconds)?;
        }
        Command::BenchLookup { db, samples, seed } => {
            let store = open(&db, &catalog)?;
            bench::lookup(&store, &catalog, samples, seed)?;
        }
        Command::Serve { db, listen, api } => {
            let store = open(&db, &catalog)?;
            serve(store, catalog, listen, api, None)?;
        }
        Command::Source { cmd } => {
            let db = match &cmd {
                sources::SourceCmd::Add(a) => a.db.clone(),
                sources::SourceCmd::List { db, .. }
                | sources::SourceCmd::Remove { db, .. }
                | sources::SourceCmd::Status { db, .. }
                | sources::SourceCmd::DeadLetters { db, .. } => db.clone(),
            };
            let store = open(&db, &catalog)?;
            sources::command(&store, &catalog, cmd)?;
        }
        Command::Ingest {
            cmd: IngestCmd::Run { db, source },
        } => {
            let store = open(&db, &catalog)?;
            sources::run(store, catalog, source)?;
        }
        Command::Grant(a) => {
            let store = open(a.db(), &catalog)?;
            access::change_grants(&store, &catalog, a, true)?;
        }
        Command::Revoke(a) => {
            let store = open(a.db(), &catalog)?;
            access::change_grants(&store, &catalog, a, false)?;
        }
        Command::Grants {
            db,
            consumer,
            custodian,
            json,
        } => {
            let store = open(&db, &catalog)?;
            access::list_grants(&store, consumer, custodian, json)?;
        }
        Command::Procedure { cmd } => {
            let store = open(cmd.db(), &catalog)?;
            access::procedure(&store, &catalog, cmd)?;
        }
        Command::Client { cmd } => {
            let store = open(cmd.db(), &catalog)?;
            access::client(&store, &catalog, cmd)?;
        }
        Command::Entity {
            db,
            entity,
            purpose_required,
            withhold_from_access_report,
            actor,
        } => {
            let store = open(&db, &catalog)?;
            access::entity_settings(
                &store,
                &catalog,
                &entity,
                purpose_required,
                withhold_from_access_report,
                actor,
            )?;
        }
        Command::Upstream {
            db,
            service,
            url,
            timeout_ms,
            actor,
        } => {
            let store = open(&db, &catalog)?;
            let actor = access::operator(actor);
            access::register_upstream(&store, &catalog, &service, &url, timeout_ms, &actor)?;
            println!("{service} answers at {url}");
        }
        Command::Audit { cmd } => match cmd {
            AuditCmd::Verify { db } => {
                let store = open(&db, &catalog)?;
                match store.verify_audit()? {
                    Ok(n) => println!("audit chain intact: {n} events"),
                    Err(b) => bail!("audit chain broken at event {}: {}", b.seq, b.reason),
                }
            }
            AuditCmd::List {
                db,
                entity,
                actor,
                person,
                limit,
            } => {
                let store = open(&db, &catalog)?;
                let events = store.audit_events(&nur_store::AuditFilter {
                    entity,
                    actor,
                    person,
                    limit,
                    ..Default::default()
                })?;
                println!("{}", serde_json::to_string_pretty(&events)?);
            }
        },
        Command::Demo {
            persons,
            data_dir,
            listen,
            seed,
        } => {
            let store = demo::prepare(&catalog, &data_dir, persons, seed)?;
            let upstream_at = SocketAddr::new(listen.ip(), listen.port().wrapping_add(1));
            demo::access(&store, &catalog, &data_dir, listen, upstream_at)?;
            demo::sources(&store, &catalog, &data_dir, listen)?;
            serve(
                store,
                catalog,
                listen,
                ApiOptions {
                    token_ttl: 300,
                    max_rows: 10_000,
                    outbox: Some(data_dir.join("outbox.jsonl")),
                    secure_cookies: false,
                    smtp_relay: None,
                    smtp_from: "nur@localhost".into(),
                    smtp_starttls: false,
                    smtp_ca_file: None,
                    sms_gateway: None,
                },
                Some(upstream_at),
            )?;
        }
    }
    Ok(())
}

fn load_catalog(path: Option<&std::path::Path>) -> Result<Catalog> {
    match path {
        None => Ok(Catalog::jordan()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read catalog {}", p.display()))?;
            Catalog::from_json(&text).with_context(|| format!("catalog {}", p.display()))
        }
    }
}

/// Opens an existing database and brings its schema up to date.
fn open(db: &str, catalog: &Catalog) -> Result<Store> {
    let store = Store::open(db, OpenMode::MustExist)?;
    store.migrate(catalog)?;
    Ok(store)
}

/// Serves the APIs; with `upstream`, also the simulated upstream operations there.
fn serve(
    store: Store,
    catalog: Arc<Catalog>,
    listen: SocketAddr,
    api: ApiOptions,
    upstream: Option<SocketAddr>,
) -> Result<()> {
    let smtp = api.smtp_relay.clone().map(|relay| nur_web::portal::Smtp {
        relay,
        from: api.smtp_from.clone(),
        tls: if api.smtp_starttls {
            nur_web::portal::SmtpTls::StartTls
        } else {
            nur_web::portal::SmtpTls::Plain
        },
        ca_file: api.smtp_ca_file.clone(),
    });
    if let Some(smtp) = &smtp {
        smtp.check()
            .map_err(anyhow::Error::msg)
            .context("--smtp-relay")?;
    }
    let store = Arc::new(store);
    // Store calls are synchronous: load the signing key before entering the runtime.
    let limits = nur_core::query::Limits {
        max_rows: api.max_rows,
    };
    let state = nur_web::AppState::new(store.clone(), catalog.clone(), api.token_ttl, limits)?
        .with_portal(nur_web::portal::PortalConfig {
            secure_cookies: api.secure_cookies,
            outbox: api.outbox.clone(),
            smtp,
            sms_gateway: api.sms_gateway.clone(),
            ..Default::default()
        });
    // The configured sources are followed beside the APIs and stop with them.
    let stop = nur_ingest::cdc::Control::default();
    let ingest = {
        let (store, catalog, stop) = (store.clone(), catalog.clone(), stop.clone());
        std::thread::spawn(move || nur_ingest::cdc::run_sources(store, catalog, None, stop))
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = rt.block_on(async move {
        if let Some(at) = upstream {
            let l = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at} for the simulated upstream"))?;
            println!(
                "simulated upstream operations on http://{}/",
                l.local_addr()?
            );
            let (store, catalog) = (store.clone(), catalog.clone());
            tokio::spawn(async move {
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                if let Err(e) = nur_web::serve_upstream(l, store, catalog, stop).await {
                    tracing::error!(%e, "simulated upstream stopped");
                }
            });
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        println!("NUR is serving on http://{addr}/ (health: http://{addr}/healthz)");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        nur_web::serve(listener, state, shutdown).await?;
        Ok::<(), anyhow::Error>(())
    });
    stop.stop();
    if let Ok(Err(e)) = ingest.join() {
        tracing::error!(error = %e, "sources stopped");
    }
    served
}
