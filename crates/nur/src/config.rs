//! The one typed configuration of a NUR process, built in layers — defaults, then the file
//! (`nur.toml`: `--config` or `NUR_CONFIG`), then the `NUR_*` environment, then the command's
//! flags — and validated before anything starts, with errors that name the key and where
//! its value came from. Secrets are redacted wherever the configuration is shown or logged.
//! Every key is listed in [`KEYS`] (and in docs/configuration.md).

use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A value never shown: `Debug` and `nur config show` print it redacted.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

/// A database URL; a password in it is a secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DbUrl(String);

impl DbUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The URL with any password replaced.
    pub fn redacted(&self) -> String {
        nur_ingest::cdc::source::redact(&self.0)
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for DbUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite:PATH` or `postgres://HOST/DB`.
    pub db: Option<DbUrl>,
    /// A country catalog file; Jordan's built-in catalog when absent.
    pub catalog: Option<PathBuf>,
    /// Where `nur demo` keeps its database, accounts and outbox.
    pub data_dir: PathBuf,
    /// The deployment's time zone: every time shown to a person is in it.
    pub time_zone: String,
    pub server: Server,
    pub portal: Portal,
    pub delivery: Delivery,
    pub security: Security,
    pub audit: Audit,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Audit {
    /// The file holding the audit chain's key (default: beside a SQLite database; required
    /// with PostgreSQL).
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// Password and client-secret checks at once (argon2id takes ~19 MiB each).
    pub password_checks: u32,
    /// Sign-in requests (password, code, resend, reset) per address per minute.
    pub signin_per_minute: u32,
    /// Token requests per address per minute.
    pub token_per_minute: u32,
}

impl Default for Security {
    fn default() -> Security {
        let g = nur_app::GuardLimits::default();
        Security {
            password_checks: g.password_checks as u32,
            signin_per_minute: g.signin_per_minute,
            token_per_minute: g.token_per_minute,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub listen: SocketAddr,
    pub token_ttl_secs: u64,
    pub max_rows: u32,
    /// Mark portal cookies Secure (NUR is served behind TLS).
    pub secure_cookies: bool,
    /// When set, `/metrics` and `/api/v1/sources` answer only with this bearer token.
    pub metrics_token: Option<Secret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Portal {
    pub idle_timeout_mins: i64,
    pub session_hours: i64,
    pub code_ttl_mins: i64,
    pub code_attempts: i64,
    pub resend_after_secs: i64,
    pub max_resends: i64,
    pub max_failed_logins: i64,
    pub lock_mins: i64,
    /// The service desk's contact details, shown on Contact Us.
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// Development: one-time codes appended to this file.
    pub outbox: Option<PathBuf>,
    /// Production: the SMTP relay (host:port) …
    pub smtp_relay: Option<String>,
    /// … and the sender address.
    pub smtp_from: String,
    /// Require STARTTLS with the relay.
    pub smtp_starttls: bool,
    /// Trust only the CA certificates of this PEM file for the relay.
    pub smtp_ca_file: Option<PathBuf>,
    /// Or an HTTP SMS gateway (POST {"to", "text"}).
    pub sms_gateway: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            db: None,
            catalog: None,
            data_dir: "nur-data".into(),
            time_zone: "Asia/Amman".into(),
            server: Server::default(),
            portal: Portal::default(),
            delivery: Delivery::default(),
            security: Security::default(),
            audit: Audit::default(),
        }
    }
}

impl Default for Server {
    fn default() -> Server {
        Server {
            listen: "127.0.0.1:8080".parse().expect("valid"),
            token_ttl_secs: 300,
            max_rows: 10_000,
            secure_cookies: false,
            metrics_token: None,
        }
    }
}

impl Default for Portal {
    fn default() -> Portal {
        Portal {
            idle_timeout_mins: 15,
            session_hours: 8,
            code_ttl_mins: 5,
            code_attempts: 5,
            resend_after_secs: 30,
            max_resends: 3,
            max_failed_logins: 5,
            lock_mins: 15,
            contact: None,
        }
    }
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            outbox: None,
            smtp_relay: None,
            smtp_from: "nur@localhost".into(),
            smtp_starttls: false,
            smtp_ca_file: None,
            sms_gateway: None,
        }
    }
}

/// What a key holds, and so how a text value (environment, flag) is read and checked.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    Path,
    Bool,
    Int { min: i64, max: i64 },
    Addr,
    HostPort,
    HttpUrl,
    DbUrl,
    Secret,
}

/// Every key: its dotted name, its kind, and what it is for.
pub const KEYS: &[(&str, Kind, &str)] = &[
    (
        "audit.key_file",
        Kind::Path,
        "the file holding the audit chain's key (beside a SQLite database by default)",
    ),
    (
        "security.password_checks",
        Kind::Int { min: 1, max: 64 },
        "password and client-secret checks at once",
    ),
    (
        "security.signin_per_minute",
        Kind::Int {
            min: 1,
            max: 10_000,
        },
        "sign-in requests per address per minute",
    ),
    (
        "security.token_per_minute",
        Kind::Int {
            min: 1,
            max: 100_000,
        },
        "token requests per address per minute",
    ),
    (
        "db",
        Kind::DbUrl,
        "database URL: sqlite:PATH or postgres://HOST/DB",
    ),
    (
        "catalog",
        Kind::Path,
        "country catalog file (default: Jordan's, built in)",
    ),
    ("data_dir", Kind::Path, "data directory of `nur demo`"),
    (
        "time_zone",
        Kind::Text,
        "IANA time zone of the people using the portal",
    ),
    (
        "server.listen",
        Kind::Addr,
        "address the HTTP APIs and the portal listen on",
    ),
    (
        "server.token_ttl_secs",
        Kind::Int {
            min: 30,
            max: 86_400,
        },
        "lifetime of access tokens",
    ),
    (
        "server.max_rows",
        Kind::Int {
            min: 1,
            max: 1_000_000,
        },
        "most rows one query returns",
    ),
    (
        "server.secure_cookies",
        Kind::Bool,
        "portal cookies marked Secure (behind TLS)",
    ),
    (
        "server.metrics_token",
        Kind::Secret,
        "bearer token required by /metrics and /api/v1/sources",
    ),
    (
        "portal.idle_timeout_mins",
        Kind::Int { min: 1, max: 1_440 },
        "a session ends after this long idle",
    ),
    (
        "portal.session_hours",
        Kind::Int { min: 1, max: 72 },
        "a session ends this long after sign-in",
    ),
    (
        "portal.code_ttl_mins",
        Kind::Int { min: 1, max: 60 },
        "lifetime of a one-time code",
    ),
    (
        "portal.code_attempts",
        Kind::Int { min: 1, max: 20 },
        "wrong codes allowed per code",
    ),
    (
        "portal.resend_after_secs",
        Kind::Int { min: 1, max: 3_600 },
        "spacing of code resends",
    ),
    (
        "portal.max_resends",
        Kind::Int { min: 0, max: 20 },
        "resends per sign-in",
    ),
    (
        "portal.max_failed_logins",
        Kind::Int { min: 1, max: 100 },
        "failures before the account locks",
    ),
    (
        "portal.lock_mins",
        Kind::Int {
            min: 1,
            max: 10_080,
        },
        "how long a locked account stays locked",
    ),
    (
        "portal.contact",
        Kind::Text,
        "the service desk's contact details shown on Contact Us (phone, e-mail, hours)",
    ),
    (
        "delivery.outbox",
        Kind::Path,
        "development: file the one-time codes are appended to",
    ),
    (
        "delivery.smtp_relay",
        Kind::HostPort,
        "SMTP relay (host:port) for one-time codes",
    ),
    (
        "delivery.smtp_from",
        Kind::Text,
        "sender address of code e-mails",
    ),
    (
        "delivery.smtp_starttls",
        Kind::Bool,
        "require STARTTLS with the relay",
    ),
    (
        "delivery.smtp_ca_file",
        Kind::Path,
        "PEM file of the CAs trusted for the relay (else the system's store)",
    ),
    (
        "delivery.sms_gateway",
        Kind::HttpUrl,
        "HTTP SMS gateway for one-time codes",
    ),
];

/// The environment variable of a key: `server.max_rows` → `NUR_SERVER_MAX_ROWS`.
pub fn env_name(key: &str) -> String {
    format!("NUR_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
pub enum Origin {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("the default"),
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Env(v) => write!(f, "environment variable {v}"),
            Origin::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {key} (from {origin}): {problem}")]
pub struct ConfigError {
    pub key: String,
    pub origin: String,
    pub problem: String,
}

fn err(key: &str, origin: &Origin, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        origin: origin.to_string(),
        problem: problem.into(),
    }
}

fn kind_of(key: &str) -> Option<Kind> {
    KEYS.iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, kind, _)| *kind)
}

/// Reads a text value (environment, flag) as `kind`, checking it.
fn typed(key: &str, kind: Kind, raw: &str, origin: &Origin) -> Result<toml::Value, ConfigError> {
    let raw = raw.trim();
    Ok(match kind {
        Kind::Text | Kind::Path | Kind::Secret => toml::Value::String(raw.to_owned()),
        Kind::Bool => match raw {
            "true" | "1" | "yes" => toml::Value::Boolean(true),
            "false" | "0" | "no" => toml::Value::Boolean(false),
            _ => return Err(err(key, origin, format!("{raw:?} is not true or false"))),
        },
        Kind::Int { .. } => toml::Value::Integer(
            raw.parse()
                .map_err(|_| err(key, origin, format!("{raw:?} is not a whole number")))?,
        ),
        Kind::Addr | Kind::HostPort | Kind::HttpUrl | Kind::DbUrl => {
            toml::Value::String(raw.to_owned())
        }
    })
}

/// Checks a value of `kind` (from any layer).
fn check(key: &str, kind: Kind, v: &toml::Value, origin: &Origin) -> Result<(), ConfigError> {
    let text = || v.as_str().ok_or_else(|| err(key, origin, "must be text"));
    match kind {
        Kind::Text | Kind::Secret => {
            if text()?.is_empty() {
                return Err(err(key, origin, "must not be empty"));
            }
        }
        Kind::Path => {
            text()?;
        }
        Kind::Bool => {
            v.as_bool()
                .ok_or_else(|| err(key, origin, "must be true or false"))?;
        }
        Kind::Int { min, max } => {
            let n = v
                .as_integer()
                .ok_or_else(|| err(key, origin, "must be a whole number"))?;
            if n < min || n > max {
                return Err(err(
                    key,
                    origin,
                    format!("{n} is not between {min} and {max}"),
                ));
            }
        }
        Kind::Addr => {
            text()?.parse::<SocketAddr>().map_err(|_| {
                err(
                    key,
                    origin,
                    format!(
                        "{:?} is not an address like 127.0.0.1:8080",
                        text().unwrap_or_default()
                    ),
                )
            })?;
        }
        Kind::HostPort => {
            let t = text()?;
            let ok = t
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
            if !ok {
                return Err(err(key, origin, format!("{t:?} is not host:port")));
            }
        }
        Kind::HttpUrl => {
            let t = text()?;
            if !(t.starts_with("http://") || t.starts_with("https://")) {
                return Err(err(
                    key,
                    origin,
                    format!("{t:?} is not an http:// or https:// URL"),
                ));
            }
        }
        Kind::DbUrl => {
            let t = text()?;
            nur_store::DbUrl::parse(t).map_err(|e| err(key, origin, e.to_string()))?;
        }
    }
    Ok(())
}

/// Sets `key` in a nested table.
fn set(table: &mut toml::Table, key: &str, v: toml::Value) {
    let mut t = table;
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("a key has a name");
    for p in parts {
        t = t
            .entry(p)
            .or_insert_with(|| toml::Value::Table(Default::default()))
            .as_table_mut()
            .expect("sections are tables");
    }
    t.insert(last.to_owned(), v);
}

/// Every (dotted key, value) of a file's table.
fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) if kind_of(&key).is_none() => flatten(&key, inner, out),
            _ => out.push((key, v.clone())),
        }
    }
}

/// The layers above the defaults.
pub struct Layers<'a> {
    /// The file, when one is named (`--config`, else `NUR_CONFIG`).
    pub file: Option<&'a Path>,
    /// The environment (`NUR_*` variables).
    pub env: &'a BTreeMap<String, String>,
    /// The command's flags: (key, flag name, value).
    pub flags: Vec<(&'static str, &'static str, String)>,
}

/// Builds and validates the configuration.
pub fn load(layers: Layers<'_>) -> Result<Config, ConfigError> {
    let mut table =
        toml::Table::try_from(Config::default()).expect("the defaults serialise to a table");
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    if let Some(path) = layers.file {
        let origin = Origin::File(path.to_owned());
        let text = std::fs::read_to_string(path)
            .map_err(|e| err("--config", &origin, format!("cannot read: {e}")))?;
        let file: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err("--config", &origin, e.to_string()))?;
        let mut values = Vec::new();
        flatten("", &file, &mut values);
        for (key, v) in values {
            let kind = kind_of(&key).ok_or_else(|| err(&key, &origin, "unknown key"))?;
            // A port or a count written as a number where text is expected is still read.
            let v = match (kind, &v) {
                (
                    Kind::Text | Kind::Path | Kind::Secret | Kind::HostPort,
                    toml::Value::Integer(n),
                ) => toml::Value::String(n.to_string()),
                _ => v,
            };
            check(&key, kind, &v, &origin)?;
            set(&mut table, &key, v);
            origins.insert(key, origin.clone());
        }
    }
    for (key, kind, _) in KEYS {
        let name = env_name(key);
        if let Some(raw) = layers.env.get(&name) {
            let origin = Origin::Env(name.clone());
            let v = typed(key, *kind, raw, &origin)?;
            check(key, *kind, &v, &origin)?;
            set(&mut table, key, v);
            origins.insert((*key).to_owned(), origin);
        }
    }
    for (key, flag, raw) in layers.flags {
        let kind = kind_of(key).expect("flags name known keys");
        let origin = Origin::Flag(format!("--{flag}"));
        let v = typed(key, kind, &raw, &origin)?;
        check(key, kind, &v, &origin)?;
        set(&mut table, key, v);
        origins.insert(key.to_owned(), origin);
    }
    let config: Config = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| err("(configuration)", &Origin::Default, e.to_string()))?;
    config.validate(&origins)?;
    Ok(config)
}

impl Config {
    /// Checks that need several keys, or knowledge beyond one value.
    fn validate(&self, origins: &BTreeMap<String, Origin>) -> Result<(), ConfigError> {
        let origin = |k: &str| origins.get(k).cloned().unwrap_or(Origin::Default);
        if nur_web::portal::PortalConfig::default()
            .with_time_zone(&self.time_zone)
            .is_err()
        {
            return Err(err(
                "time_zone",
                &origin("time_zone"),
                format!("{:?} is not a known IANA time zone", self.time_zone),
            ));
        }
        if let Some(p) = &self.delivery.outbox {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            if dir.is_some_and(|d| !d.is_dir()) {
                return Err(err(
                    "delivery.outbox",
                    &origin("delivery.outbox"),
                    format!("the directory of {} does not exist", p.display()),
                ));
            }
        }
        Ok(())
    }

    /// The database URL, or a clear error naming where to give one.
    pub fn db(&self) -> anyhow::Result<&str> {
        self.db.as_ref().map(|d| d.expose()).ok_or_else(|| {
            anyhow::anyhow!("no database: give --db URL, NUR_DB, or `db` in the configuration file")
        })
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn show(&self) -> String {
        toml::to_string(self).expect("the configuration serialises")
    }

    /// The bounds on password checks and request rates.
    pub fn guard_limits(&self) -> nur_app::GuardLimits {
        nur_app::GuardLimits {
            password_checks: self.security.password_checks as usize,
            signin_per_minute: self.security.signin_per_minute,
            token_per_minute: self.security.token_per_minute,
            pair_failures: self.portal.max_failed_logins as u32,
            failure_window: std::time::Duration::from_millis(self.portal.lock_mins as u64 * 60_000),
            ..Default::default()
        }
    }

    /// The sign-in rules of the portal.
    pub fn signin_policy(&self) -> nur_app::SignInPolicy {
        let p = &self.portal;
        nur_app::SignInPolicy {
            idle_ms: p.idle_timeout_mins * 60_000,
            absolute_ms: p.session_hours * 3_600_000,
            code_ttl_ms: p.code_ttl_mins * 60_000,
            code_attempts: p.code_attempts,
            resend_after_ms: p.resend_after_secs * 1000,
            max_resends: p.max_resends,
            max_failed_logins: p.max_failed_logins,
            lock_ms: p.lock_mins * 60_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_a_key_and_every_key_a_field() {
        let mut full = Config {
            db: Some(DbUrl("sqlite:x".into())),
            catalog: Some("c.json".into()),
            ..Default::default()
        };
        full.server.metrics_token = Some(Secret("t".into()));
        full.delivery.outbox = Some("o".into());
        full.delivery.smtp_relay = Some("h:25".into());
        full.delivery.smtp_ca_file = Some("ca.pem".into());
        full.audit.key_file = Some("audit.key".into());
        full.delivery.sms_gateway = Some("http://g".into());
        full.portal.contact = Some("+962 6 000 0000".into());
        let mut values = Vec::new();
        flatten("", &toml::Table::try_from(&full).unwrap(), &mut values);
        let fields: Vec<String> = values.into_iter().map(|(k, _)| k).collect();
        let keys: Vec<String> = KEYS.iter().map(|(k, _, _)| (*k).to_owned()).collect();
        let (mut a, mut b) = (fields.clone(), keys.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn every_key_is_documented() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
        )
        .unwrap();
        for (key, _, _) in KEYS {
            for name in [format!("`{key}`"), format!("`{}`", env_name(key))] {
                assert!(
                    doc.contains(&name),
                    "docs/configuration.md does not describe {name}"
                );
            }
        }
    }

    #[test]
    fn environment_names() {
        assert_eq!(env_name("server.max_rows"), "NUR_SERVER_MAX_ROWS");
        assert_eq!(env_name("db"), "NUR_DB");
    }
}
