//! A configured source: its kind, its custodian entity and the kind-specific settings, kept
//! as JSON in `nur_source.config` (written by `nur source add` or from a file).

use super::mapping::{Mapper, TableMap};
use nur_core::Catalog;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Debezium events posted to `POST /api/v1/ingest/{source}/events`.
    Http,
    /// A JetStream durable consumer (Debezium Server's NATS JetStream sink).
    Nats,
    /// A PostgreSQL database: logical replication (`cdc`) or scheduled pulls.
    Postgres,
    /// A MariaDB/MySQL database: scheduled pulls.
    Mariadb,
    /// CSV / JSON-lines files dropped in a folder.
    Files,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
            format!("unknown source kind {s:?} (http, nats, postgres, mariadb, files)")
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Nats => "nats",
            Kind::Postgres => "postgres",
            Kind::Mariadb => "mariadb",
            Kind::Files => "files",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Follow the source's change stream (PostgreSQL logical replication).
    Cdc,
    /// Pull rows whose watermark moved past the last one seen.
    Pull,
    /// Read every row and apply only the differences, deletes included.
    Full,
}

/// Kind-specific settings; what a kind does not use must be absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Source table → catalog table maps; empty: the entity's tables by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableMap>,
    /// nats://, postgres:// or mysql:// URL of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// JetStream stream, its subjects and the durable consumer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable: Option<String>,
    /// PostgreSQL replication slot and publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    /// The folder watched by a files source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// Poll or pull interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_ms: Option<u64>,
    /// Events or rows per transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceDef {
    pub name: String,
    pub kind: Kind,
    pub entity: String,
    pub config: SourceConfig,
}

impl SourceDef {
    /// The definition as stored by [`nur_store::Store::add_source`].
    pub fn from_row(row: &nur_store::SourceRow) -> Result<SourceDef, String> {
        Ok(SourceDef {
            name: row.name.clone(),
            kind: Kind::parse(&row.kind)?,
            entity: row.entity.clone(),
            config: serde_json::from_str(&row.config)
                .map_err(|e| format!("source {}: stored configuration: {e}", row.name))?,
        })
    }

    /// Checks the definition and stores it with its audit event (built by the use case that
    /// authorised the change).
    pub fn add(
        mut self,
        store: &nur_store::Store,
        catalog: &Catalog,
        event: nur_core::audit::NewEvent,
    ) -> Result<SourceDef, String> {
        self.check(catalog)?;
        let config = serde_json::to_string(&self.config).expect("config serialises");
        store
            .add_source(&self.name, self.kind.as_str(), &self.entity, &config, event)
            .map_err(|e| e.to_string())?;
        Ok(self)
    }

    /// Checks the definition against the catalog and fills in defaults; returns the mapper.
    pub fn check(&mut self, catalog: &Catalog) -> Result<Mapper, String> {
        if self.name.is_empty()
            || self.name.len() > 40
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "source name {:?}: 1–40 letters, digits, '_' or '-'",
                self.name
            ));
        }
        if catalog.entity(&self.entity).is_none() {
            return Err(format!("unknown entity {}", self.entity));
        }
        let c = &mut self.config;
        let snake = self.name.replace('-', "_").to_lowercase();
        let need_url = |c: &SourceConfig, scheme: &[&str]| -> Result<(), String> {
            match &c.url {
                Some(u) if scheme.iter().any(|s| u.starts_with(s)) => Ok(()),
                Some(u) => Err(format!(
                    "{}: the URL must start with {}",
                    redact(u),
                    scheme.join(" or ")
                )),
                None => Err("--url is required for this kind".into()),
            }
        };
        match self.kind {
            Kind::Http => {
                if c.url.is_some() || c.mode.is_some() || c.dir.is_some() {
                    return Err(
                        "an http source takes no url, mode or dir: events are posted to it".into(),
                    );
                }
            }
            Kind::Nats => {
                need_url(c, &["nats://"])?;
                c.stream
                    .get_or_insert_with(|| format!("NUR_{}", snake.to_uppercase()));
                if c.subjects.is_empty() {
                    c.subjects.push(format!("{snake}.>"));
                }
                c.durable.get_or_insert_with(|| format!("nur_{snake}"));
            }
            Kind::Postgres => {
                need_url(c, &["postgres://", "postgresql://"])?;
                let mode = *c.mode.get_or_insert(Mode::Cdc);
                if mode == Mode::Cdc {
                    c.slot.get_or_insert_with(|| format!("nur_{snake}"));
                    c.publication.get_or_insert_with(|| format!("nur_{snake}"));
                }
            }
            Kind::Mariadb => {
                need_url(c, &["mysql://", "mariadb://"])?;
                match *c.mode.get_or_insert(Mode::Pull) {
                    Mode::Cdc => {
                        return Err("a MariaDB source is pulled (--mode pull or full); for its binlog, run Debezium into a nats source".into())
                    }
                    Mode::Pull | Mode::Full => {}
                }
            }
            Kind::Files => {
                if c.dir.is_none() {
                    return Err("--dir is required for a files source".into());
                }
            }
        }
        let mapper = Mapper::new(catalog, &self.entity, &self.config.tables)?;
        if self.config.mode == Some(Mode::Pull) {
            for (m, _) in mapper.maps() {
                if m.watermark.is_none() {
                    return Err(format!(
                        "{}: a pull needs a watermark column (updated-at or increasing id)",
                        m.source
                    ));
                }
            }
        }
        Ok(mapper)
    }
}

/// The URL with its password hidden, for listings and errors.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }
}
