//! `nur`: the National Unified Registry command line. The commands are defined in `cli`, the
//! configuration in `config`; this file wires each command to the library crates — the use
//! cases of `nur_app` above all — and holds no rules of its own.

mod access;
mod audit_key;
mod bench;
mod bench_ingest;
mod cli;
mod config;
mod dci;
mod demo;
mod demo_dci;
mod demo_pay;
mod demo_sp;
mod progress;
mod sources;
mod sp;
mod sp_pay;
mod sp_target;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cli::{AuditCmd, Cli, Command, ConfigCmd, IngestCmd};
use config::Config;
use nur_app::App;
use nur_core::{Catalog, NationalNumber};
use nur_store::{OpenMode, Store, Warehouse};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NUR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let cfg = configuration(&cli)?;
    tracing::debug!(config = ?cfg, "configuration");
    let catalog = Arc::new(load_catalog(cfg.catalog.as_deref())?);
    match cli.command {
        Command::Config {
            cmd: ConfigCmd::Show,
        } => print!("{}", cfg.show()),
        Command::Keys { cmd } => {
            let app = app(&cfg, &catalog)?;
            access::keys(&app, cmd)?;
        }
        Command::Sp {
            cmd: sp::SpCmd::Needs,
        } => sp::needs(&catalog),
        Command::Sp { cmd } => {
            let app = app(&cfg, &catalog)?;
            sp::run(&app, cmd)?;
        }
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
        Command::Init {} => {
            let db = cfg.db()?;
            let store = Store::open(db, OpenMode::Create)?;
            store.migrate(&catalog)?;
            keyed(&store, &audit_key::path(&cfg)?)?;
            // The first key that signs access tokens is made with the database.
            let app = App::new(Arc::new(store), catalog.clone(), options(&cfg))?;
            println!(
                "initialised {} (schema version {}, {} warehouse tables)",
                cfg.db.as_ref().map(|d| d.redacted()).unwrap_or_default(),
                app.store().schema_version()?,
                catalog.tables.len()
            );
        }
        Command::Load {
            dir,
            source,
            allow_orphans,
            json,
            chunk_rows,
        } => {
            let store = open(&cfg, &catalog)?;
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
        Command::Stats { json } => {
            let store = open(&cfg, &catalog)?;
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
        Command::Quarantine { limit, json } => {
            let store = open(&cfg, &catalog)?;
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
            national_number,
            purpose,
            json,
        } => {
            let nn = NationalNumber::parse(&catalog.identity, &national_number)?;
            let caller = nur_app::Caller {
                purpose,
                ..access::operator(None)
            };
            match app(&cfg, &catalog)?.lookup_person(&caller, &nn)? {
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
        Command::BenchIngest { source, events } => {
            let store = open(&cfg, &catalog)?;
            bench_ingest::throughput(store, catalog, &source, events)?;
        }
        Command::BenchLag { source, seconds } => {
            let store = open(&cfg, &catalog)?;
            bench_ingest::lag(store, catalog, &source, seconds)?;
        }
        Command::BenchLookup { samples, seed } => {
            let store = open(&cfg, &catalog)?;
            bench::lookup(&store, &catalog, samples, seed)?;
        }
        Command::Serve { .. } => {
            let store = open(&cfg, &catalog)?;
            serve(&cfg, store, catalog, None)?;
        }
        Command::Source { cmd } => sources::command(&app(&cfg, &catalog)?, cmd)?,
        Command::Ingest {
            cmd: IngestCmd::Run { source },
        } => {
            let store = Arc::new(open(&cfg, &catalog)?);
            let app = Arc::new(App::new(store.clone(), catalog.clone(), options(&cfg))?);
            sources::run(app, store, catalog, source)?;
        }
        Command::Grant(a) => access::change_grants(&app(&cfg, &catalog)?, a, true)?,
        Command::Revoke(a) => access::change_grants(&app(&cfg, &catalog)?, a, false)?,
        Command::Grants {
            consumer,
            custodian,
            json,
        } => access::list_grants(&app(&cfg, &catalog)?, consumer, custodian, json)?,
        Command::Procedure { cmd } => access::procedure(&app(&cfg, &catalog)?, cmd)?,
        Command::Client { cmd } => access::client(&app(&cfg, &catalog)?, cmd)?,
        Command::Dci { cmd } => dci::run(&app(&cfg, &catalog)?, cmd)?,
        Command::Account { cmd } => access::account(&app(&cfg, &catalog)?, cmd)?,
        Command::Entity {
            entity,
            purpose_required,
            withhold_from_access_report,
            actor,
        } => access::entity_settings(
            &app(&cfg, &catalog)?,
            &entity,
            nur_app::SettingsChange {
                purpose_required,
                access_withheld: withhold_from_access_report,
            },
            actor,
        )?,
        Command::Upstream {
            service,
            url,
            timeout_ms,
            actor,
        } => {
            app(&cfg, &catalog)?.register_upstream(
                &access::operator(actor),
                &service,
                &url,
                timeout_ms,
            )?;
            println!("{service} answers at {url}");
        }
        Command::Audit { cmd } => match cmd {
            AuditCmd::Verify { anchors } => {
                let app = app(&cfg, &catalog)?;
                let mut all = Vec::new();
                for f in &anchors {
                    let text = std::fs::read_to_string(f)
                        .with_context(|| format!("cannot read anchors {}", f.display()))?;
                    for (i, line) in text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                    {
                        all.push(serde_json::from_str::<nur_app::Anchor>(line).with_context(
                            || format!("{}:{}: not an anchor", f.display(), i + 1),
                        )?);
                    }
                }
                match app.verify_audit(&access::operator(None), &all)? {
                    Ok(h) => println!(
                        "audit chain intact: {} events; head {} {}{}",
                        h.seq,
                        h.seq,
                        h.hash,
                        if all.is_empty() {
                            String::new()
                        } else {
                            format!("; {} anchors held", all.len())
                        }
                    ),
                    Err(b) => bail!("audit chain broken at event {}: {}", b.seq, b.reason),
                }
            }
            AuditCmd::Anchor { out } => {
                let app = app(&cfg, &catalog)?;
                let a = app.audit_anchor(&access::operator(None))?;
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&out)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                writeln!(f, "{}", serde_json::to_string(&a)?)?;
                println!("anchored event {} {} in {}", a.seq, a.hash, out.display());
            }
            AuditCmd::List {
                entity,
                actor,
                person,
                limit,
            } => {
                let app = app(&cfg, &catalog)?;
                let events = app.audit_events(
                    &access::operator(None),
                    &nur_store::AuditFilter {
                        entity,
                        actor,
                        person,
                        limit,
                        ..Default::default()
                    },
                )?;
                println!("{}", serde_json::to_string_pretty(&events)?);
            }
        },
        Command::Demo { persons, seed, .. } => {
            let data_dir = cfg.data_dir.clone();
            let listen = cfg.server.listen;
            let store = demo::prepare(&catalog, &data_dir, persons, seed)?;
            keyed(
                &store,
                &cfg.audit
                    .key_file
                    .clone()
                    .unwrap_or_else(|| data_dir.join("nur.db.audit-key")),
            )?;
            let store = Arc::new(store);
            let app = App::new(store.clone(), catalog.clone(), options(&cfg))?;
            demo::print_accounts(&app, &data_dir)?;
            // The simulated upstream answers every property to anyone who reaches it (it
            // stands for the custodians' own systems): loopback only, whatever --listen says.
            let upstream_at = SocketAddr::new(
                std::net::Ipv4Addr::LOCALHOST.into(),
                listen.port().wrapping_add(1),
            );
            demo::access(&app, &data_dir, listen, upstream_at)?;
            demo::sources(&app, &data_dir, listen)?;
            demo_sp::social_registry(
                &app,
                &demo::synth_dir(&data_dir, persons, seed),
                &data_dir,
                listen,
            )?;
            demo_dci::dci(&app, &store, &data_dir, listen)?;
            drop(app);
            let mut cfg = cfg;
            if cfg.delivery.outbox.is_none() {
                cfg.delivery.outbox = Some(data_dir.join("outbox.jsonl"));
            }
            let store = Arc::try_unwrap(store)
                .map_err(|_| anyhow::anyhow!("the demo store is still shared"))?;
            serve(&cfg, store, catalog, Some(upstream_at))?;
        }
    }
    Ok(())
}

/// The configuration of this run: defaults, the file, the `NUR_*` environment, the flags.
fn configuration(cli: &Cli) -> Result<Config> {
    let env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("NUR_"))
        .collect();
    let file = cli
        .config
        .clone()
        .or_else(|| env.get("NUR_CONFIG").map(Into::into));
    let mut flags: Vec<(&'static str, &'static str, String)> = Vec::new();
    let mut flag = |key: &'static str, name: &'static str, v: Option<String>| {
        if let Some(v) = v {
            flags.push((key, name, v));
        }
    };
    flag("db", "db", cli.db.clone());
    flag(
        "catalog",
        "catalog",
        cli.catalog.as_ref().map(|p| p.display().to_string()),
    );
    match &cli.command {
        Command::Serve { listen, api: a } => {
            flag("server.listen", "listen", listen.map(|l| l.to_string()));
            flag(
                "server.token_ttl_secs",
                "token-ttl",
                a.token_ttl.map(|v| v.to_string()),
            );
            flag(
                "server.max_rows",
                "max-rows",
                a.max_rows.map(|v| v.to_string()),
            );
            flag(
                "delivery.outbox",
                "outbox",
                a.outbox.as_ref().map(|p| p.display().to_string()),
            );
            flag(
                "server.secure_cookies",
                "secure-cookies",
                a.secure_cookies.then(|| "true".into()),
            );
            flag("delivery.smtp_relay", "smtp-relay", a.smtp_relay.clone());
            flag("delivery.smtp_from", "smtp-from", a.smtp_from.clone());
            flag(
                "delivery.smtp_starttls",
                "smtp-starttls",
                a.smtp_starttls.then(|| "true".into()),
            );
            flag(
                "delivery.smtp_ca_file",
                "smtp-ca-file",
                a.smtp_ca_file.as_ref().map(|p| p.display().to_string()),
            );
            flag("delivery.sms_gateway", "sms-gateway", a.sms_gateway.clone());
        }
        Command::Demo {
            data_dir, listen, ..
        } => {
            flag("server.listen", "listen", listen.map(|l| l.to_string()));
            flag(
                "data_dir",
                "data-dir",
                data_dir.as_ref().map(|p| p.display().to_string()),
            );
        }
        _ => {}
    }
    Ok(config::load(config::Layers {
        file: file.as_deref(),
        env: &env,
        flags,
    })?)
}

/// The use cases' options from the configuration.
fn options(cfg: &Config) -> nur_app::Options {
    nur_app::Options {
        limits: nur_core::query::Limits {
            max_rows: cfg.server.max_rows,
        },
        token_ttl_secs: cfg.server.token_ttl_secs,
        signin: cfg.signin_policy(),
        delivery: None,
        guards: cfg.guard_limits(),
        social_registry: None,
    }
}

/// The use cases over the configured database.
fn app(cfg: &Config, catalog: &Arc<Catalog>) -> Result<App> {
    let store = open(cfg, catalog)?;
    Ok(App::new(Arc::new(store), catalog.clone(), options(cfg))?)
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

/// Opens the configured database (which must exist) and brings its schema up to date.
fn open(cfg: &Config, catalog: &Catalog) -> Result<Store> {
    let store = Store::open(cfg.db()?, OpenMode::MustExist)?;
    store.migrate(catalog)?;
    keyed(&store, &audit_key::path(cfg)?)?;
    Ok(store)
}

/// Sets the audit chain's key on `store` (made when there is none yet).
fn keyed(store: &Store, key_file: &std::path::Path) -> Result<()> {
    let key = audit_key::load_or_create(key_file, store)?;
    store
        .adopt_audit_key(key)
        .with_context(|| format!("audit key file {}", key_file.display()))?;
    Ok(())
}

/// Serves the APIs; with `upstream`, also the simulated upstream operations there.
fn serve(
    cfg: &Config,
    store: Store,
    catalog: Arc<Catalog>,
    upstream: Option<SocketAddr>,
) -> Result<()> {
    let d = &cfg.delivery;
    let smtp = d.smtp_relay.clone().map(|relay| nur_web::portal::Smtp {
        relay,
        from: d.smtp_from.clone(),
        tls: if d.smtp_starttls {
            nur_web::portal::SmtpTls::StartTls
        } else {
            nur_web::portal::SmtpTls::Plain
        },
        ca_file: d.smtp_ca_file.clone(),
    });
    if let Some(smtp) = &smtp {
        smtp.check()
            .map_err(anyhow::Error::msg)
            .context("configuration: delivery.smtp_relay")?;
    }
    store.serve_requests();
    let store = Arc::new(store);
    let listen = cfg.server.listen;
    // Store calls are synchronous: load the signing keys before entering the runtime.
    let state = nur_web::app_state(
        store.clone(),
        catalog.clone(),
        options(cfg),
        nur_web::portal::PortalConfig {
            secure_cookies: cfg.server.secure_cookies,
            outbox: d.outbox.clone(),
            smtp,
            sms_gateway: d.sms_gateway.clone(),
            contact: cfg.portal.contact.clone(),
            ..Default::default()
        }
        .with_time_zone(&cfg.time_zone)
        .context("configuration: time_zone")?,
    )?
    .with_metrics_token(cfg.server.metrics_token.as_ref().map(|t| t.expose()));
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
