//! The command line's definitions (clap): the commands, their arguments and their help. The
//! wiring of each command is in `main.rs`; the use cases it calls are `nur_app`'s.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "nur",
    version,
    about = "NUR — the National Unified Registry platform"
)]
pub struct Cli {
    /// The configuration file (nur.toml); also NUR_CONFIG. Flags override the environment,
    /// which overrides the file (docs/configuration.md).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://HOST/DB (also NUR_DB).
    #[arg(long, global = true)]
    pub db: Option<String>,
    /// A country catalog file (JSON); Jordan's built-in catalog when absent (also NUR_CATALOG).
    #[arg(long, global = true)]
    pub catalog: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    Init {},
    /// Load the CSV / JSON-lines files of a directory into the warehouse.
    ///
    /// Each file maps to the catalog table it is named after. Invalid rows go to the
    /// quarantine with file, line and reason. Loading the same file twice changes nothing; a
    /// killed load resumes where it stopped. Exits non-zero only when nothing could be loaded.
    Load {
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
        #[arg(long)]
        json: bool,
    },
    /// List quarantined rows (file, line, reason).
    Quarantine {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One person with their household and every registry record (audited as the operator's
    /// access: it appears in the person's access report).
    Lookup {
        national_number: String,
        /// Why the record is read (kept in the audit event).
        #[arg(long)]
        purpose: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP APIs and the portal.
    Serve {
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
        api: ApiOptions,
    },
    /// Grant a consumer entity a table (and columns) or an operation (and output properties).
    Grant(crate::access::GrantArgs),
    /// Revoke a grant; with --columns or --properties, only those.
    Revoke(crate::access::GrantArgs),
    /// List grants.
    Grants {
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
        cmd: crate::access::ProcedureCmd,
    },
    /// Create, rotate, revoke and list API clients of an entity.
    Client {
        #[command(subcommand)]
        cmd: crate::access::ClientCmd,
    },
    /// DCI senders: which API client speaks DCI under which sender id and signature scheme.
    Dci {
        #[command(subcommand)]
        cmd: crate::dci::DciCmd,
    },
    /// Create, disable, enable and list portal accounts (the first Super Admin of a new
    /// deployment is made here).
    Account {
        #[command(subcommand)]
        cmd: crate::access::AccountCmd,
    },
    /// Change an entity's settings.
    Entity {
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
        cmd: crate::sources::SourceCmd,
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
        #[arg(long)]
        source: String,
        #[arg(long)]
        events: u64,
    },
    /// Follow a source in process for SECONDS; print source-commit-to-NUR-commit lag.
    #[command(hide = true)]
    BenchLag {
        #[arg(long)]
        source: String,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Generate, load and serve a demo population in the embedded store (reused when present).
    Demo {
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Show the effective configuration (secrets redacted).
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Manage the keys that sign access tokens.
    Keys {
        #[command(subcommand)]
        cmd: crate::access::KeysCmd,
    },
    /// The social registry: import applications, compute household facts, re-verify.
    Sp {
        #[command(subcommand)]
        cmd: crate::sp::SpCmd,
    },
}

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Print the configuration as the layers made it, secrets redacted.
    Show,
}

#[derive(Subcommand)]
pub enum IngestCmd {
    /// Run the configured sources (or one) until stopped; exactly-once whatever the stop.
    Run {
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain under the deployment's key and hold it against anchors exported
    /// earlier; report the first broken link (exit status 1), or the count and the head.
    Verify {
        /// An anchor file written by `nur audit anchor` (repeatable; every line is checked).
        #[arg(long = "anchors")]
        anchors: Vec<PathBuf>,
    },
    /// Append the chain's head (position, hash, time) to FILE as one JSON line: keep the file
    /// on another system, and give it to `nur audit verify --anchors`.
    Anchor {
        #[arg(long)]
        out: PathBuf,
    },
    /// List events, newest first.
    List {
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
#[derive(clap::Args, Clone, Default)]
pub struct ApiOptions {
    /// Lifetime of access tokens, in seconds.
    #[arg(long)]
    pub token_ttl: Option<u64>,
    /// The most rows one query or procedure call returns.
    #[arg(long)]
    pub max_rows: Option<u32>,
    /// Development delivery of portal one-time codes: append them to this file.
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// Mark portal cookies Secure (NUR is served behind TLS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Send one-time codes by e-mail through this SMTP relay (host:port) …
    #[arg(long)]
    pub smtp_relay: Option<String>,
    /// … from this address.
    #[arg(long)]
    pub smtp_from: Option<String>,
    /// Require STARTTLS with the relay (its certificate checked for the relay's host name);
    /// without it, plain SMTP.
    #[arg(long, requires = "smtp_relay")]
    pub smtp_starttls: bool,
    /// Trust only the CA certificates of this PEM file for the relay (an internal CA);
    /// without it, the system's store.
    #[arg(long, requires = "smtp_starttls")]
    pub smtp_ca_file: Option<PathBuf>,
    /// Or by SMS through this gateway (http://host:port/path, POST {"to", "text"}).
    #[arg(long)]
    pub sms_gateway: Option<String>,
}
