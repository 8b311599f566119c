//! `nur source …` (configure change sources, read their freshness and dead letters) and
//! `nur ingest run` (follow them until stopped).

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use nur_app::App;
use nur_core::Catalog;
use nur_ingest::cdc::{self, Control, Kind, Mode, SourceConfig, SourceDef, TableMap};
use nur_store::now_ms;
use nur_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum SourceCmd {
    /// Configure a source (from flags, or from a JSON file with --from-file).
    Add(Box<AddArgs>),
    /// List sources with their configuration (passwords hidden).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a source (the rows it wrote stay, with their lineage).
    Remove { name: String },
    /// Freshness: last position, last event time, lag, counts.
    Status {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The newest dead letters of a source, with reason and payload.
    DeadLetters {
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// A JSON file holding {"name", "kind", "entity", and the settings below}.
    #[arg(long, conflicts_with_all = ["name", "kind", "entity"])]
    from_file: Option<PathBuf>,
    #[arg(long, required_unless_present = "from_file")]
    name: Option<String>,
    /// http, nats, postgres, mariadb or files.
    #[arg(long, required_unless_present = "from_file")]
    kind: Option<String>,
    /// The custodian entity whose tables the source feeds.
    #[arg(long, required_unless_present = "from_file")]
    entity: Option<String>,
    /// nats://…, postgres://… or mysql://… of the source.
    #[arg(long)]
    url: Option<String>,
    /// postgres: cdc (default), pull or full; mariadb: pull (default) or full.
    #[arg(long)]
    mode: Option<String>,
    /// Map a source table: SOURCE_TABLE=CATALOG_TABLE (repeat; default: the entity's
    /// tables by name).
    #[arg(long = "table")]
    tables: Vec<String>,
    /// Map a source column: SOURCE_TABLE.SOURCE_COLUMN=CATALOG_COLUMN (repeat).
    #[arg(long = "column")]
    columns: Vec<String>,
    /// Watermark of a pulled table: SOURCE_TABLE=COLUMN (repeat).
    #[arg(long = "watermark")]
    watermarks: Vec<String>,
    #[arg(long)]
    stream: Option<String>,
    #[arg(long = "subject")]
    subjects: Vec<String>,
    #[arg(long)]
    durable: Option<String>,
    #[arg(long)]
    slot: Option<String>,
    #[arg(long)]
    publication: Option<String>,
    #[arg(long)]
    dir: Option<String>,
    #[arg(long)]
    every_ms: Option<u64>,
    #[arg(long)]
    batch: Option<usize>,
}

fn pair<'a>(s: &'a str, what: &str) -> Result<(&'a str, &'a str)> {
    s.split_once('=')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| anyhow!("{what} {s:?}: expected A=B"))
}

impl AddArgs {
    pub fn definition(self) -> Result<SourceDef> {
        if let Some(path) = &self.from_file {
            let text =
                std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            let mut v: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            let mut take = |k: &str| -> Result<String> {
                match v.remove(k) {
                    Some(serde_json::Value::String(s)) => Ok(s),
                    _ => bail!("{}: \"{k}\" must be a string", path.display()),
                }
            };
            let (name, kind, entity) = (take("name")?, take("kind")?, take("entity")?);
            let config: SourceConfig = serde_json::from_value(serde_json::Value::Object(v))
                .map_err(|e| anyhow!("{}: {e}", path.display()))?;
            return Ok(SourceDef {
                name,
                kind: Kind::parse(&kind).map_err(|e| anyhow!(e))?,
                entity,
                config,
            });
        }
        let mut tables: Vec<TableMap> = Vec::new();
        for t in &self.tables {
            let (source, table) = pair(t, "--table")?;
            tables.push(TableMap {
                source: source.into(),
                table: table.into(),
                columns: Default::default(),
                watermark: None,
            });
        }
        let find = |tables: &mut Vec<TableMap>, source: &str, flag: &str| -> Result<usize> {
            tables
                .iter()
                .position(|m| m.source == source)
                .ok_or_else(|| anyhow!("{flag}: source table {source} has no --table map"))
        };
        for c in &self.columns {
            let (from, to) = pair(c, "--column")?;
            let (table, column) = from
                .split_once('.')
                .ok_or_else(|| anyhow!("--column {c:?}: expected TABLE.COLUMN=CATALOG_COLUMN"))?;
            let i = find(&mut tables, table, "--column")?;
            tables[i].columns.insert(column.into(), to.into());
        }
        for w in &self.watermarks {
            let (table, column) = pair(w, "--watermark")?;
            let i = find(&mut tables, table, "--watermark")?;
            tables[i].watermark = Some(column.into());
        }
        let mode = match self.mode.as_deref() {
            None => None,
            Some("cdc") => Some(Mode::Cdc),
            Some("pull") => Some(Mode::Pull),
            Some("full") => Some(Mode::Full),
            Some(m) => bail!("--mode {m}: expected cdc, pull or full"),
        };
        Ok(SourceDef {
            name: self.name.expect("required"),
            kind: Kind::parse(&self.kind.expect("required")).map_err(|e| anyhow!(e))?,
            entity: self.entity.expect("required"),
            config: SourceConfig {
                tables,
                url: self.url,
                mode,
                stream: self.stream,
                subjects: self.subjects,
                durable: self.durable,
                slot: self.slot,
                publication: self.publication,
                dir: self.dir,
                every_ms: self.every_ms,
                batch: self.batch,
            },
        })
    }
}

pub fn command(app: &App, cmd: SourceCmd) -> Result<()> {
    let caller = crate::access::operator(None);
    match cmd {
        SourceCmd::Add(a) => {
            let def = app.add_source(&caller, a.definition()?)?;
            println!(
                "source {} ({}) added for {}",
                def.name,
                def.kind.as_str(),
                def.entity
            );
            if def.kind == Kind::Http {
                println!(
                    "post events to /api/v1/ingest/{}/events as a client of {}",
                    def.name, def.entity
                );
            }
        }
        SourceCmd::List { json } => {
            let defs = app.source_defs(&caller)?;
            if json {
                let list: Vec<_> = defs
                    .iter()
                    .map(|d| {
                        serde_json::json!({"name": d.name, "kind": d.kind, "entity": d.entity, "config": d.config})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for d in defs {
                    println!(
                        "{:<20} {:<9} {:<8} {}",
                        d.name,
                        d.kind.as_str(),
                        d.entity,
                        serde_json::to_string(&d.config)?
                    );
                }
            }
        }
        SourceCmd::Remove { name } => {
            if let Some(w) = app.remove_source(&caller, &name)? {
                eprintln!("warning: {w}");
            }
            println!("source {name} removed");
        }
        SourceCmd::Status { name, json } => {
            let rows: Vec<_> = app
                .source_status()?
                .into_iter()
                .filter(|r| name.as_ref().is_none_or(|n| *n == r.name))
                .collect();
            if let Some(n) = &name {
                if rows.is_empty() {
                    bail!("no source {n}");
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            let now = now_ms();
            for r in rows {
                let ago = |t: Option<i64>| {
                    t.map_or("never".into(), |t| {
                        format!("{:.1} s ago", (now - t) as f64 / 1000.0)
                    })
                };
                println!("{} ({}, {})", r.name, r.kind, r.entity);
                println!("  last event    {}", ago(r.last_event_ms));
                println!("  last applied  {}", ago(r.last_applied_ms));
                println!(
                    "  lag           {}",
                    r.lag_ms.map_or("-".into(), |l| format!("{l} ms"))
                );
                println!(
                    "  events {}  applied {}  duplicates {}  dead letters {}",
                    r.events_total, r.applied_total, r.duplicates_total, r.errors_total
                );
                for (stream, p) in &r.cursors {
                    let s = if stream.is_empty() {
                        "position"
                    } else {
                        stream
                    };
                    println!("  {s:<13} {p}");
                }
                if let Some(e) = &r.last_error {
                    println!("  last error    {e}");
                }
            }
        }
        SourceCmd::DeadLetters { name, limit } => {
            for d in app.dead_letters(&caller, &name, limit)? {
                println!(
                    "#{} at {} position {}: {}\n  {}",
                    d.seq,
                    d.at_ms,
                    d.position.as_deref().unwrap_or("-"),
                    d.reason,
                    d.payload
                );
            }
        }
    }
    Ok(())
}

/// Follows the configured sources until SIGINT or SIGTERM.
/// Follows the sources until stopped; beside them, the social registry's re-verification
/// worker handles the households their changes mark.
pub fn run(
    app: Arc<nur_app::App>,
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    only: Option<String>,
) -> Result<()> {
    let stop = Control::default();
    on_signal(stop.clone())?;
    println!(
        "following sources{} (Ctrl-C stops)",
        only.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
    );
    let worker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            app.reverify_worker(&|| stop.stopped(), std::time::Duration::from_millis(250))
        })
    };
    let out = cdc::run_sources(store, catalog, only, stop.clone()).map_err(|e| anyhow!(e));
    stop.stop();
    let _ = worker.join();
    out
}

/// Sets `stop` on SIGINT or SIGTERM.
pub fn on_signal(stop: Control) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        stop.stop();
    });
    Ok(())
}
