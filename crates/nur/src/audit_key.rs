//! The audit chain's key: a secret kept outside the database, so that whoever can write to
//! the database cannot rewrite the chain unnoticed. A file (mode 0600) beside a SQLite
//! database, or where `audit.key_file` says (required with PostgreSQL, whose servers share
//! one key file); made on first use, recording the first event it keys (the events before
//! it stay plain SHA-256 and verify as such). The database keeps the key's fingerprint, so a
//! lost or swapped key file is a clear error at start, never a new chain keyed afresh.

use anyhow::{bail, Context, Result};
use nur_core::audit::ChainKey;
use nur_store::Store;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    /// 32 random bytes, hex.
    key: String,
    since_seq: i64,
}

/// Where the key lives for this configuration.
pub fn path(cfg: &crate::config::Config) -> Result<PathBuf> {
    if let Some(p) = &cfg.audit.key_file {
        return Ok(p.clone());
    }
    match nur_store::DbUrl::parse(cfg.db()?)? {
        nur_store::DbUrl::Sqlite(db) => {
            let mut name = db.file_name().unwrap_or_default().to_os_string();
            name.push(".audit-key");
            Ok(db.with_file_name(name))
        }
        nur_store::DbUrl::Postgres(_) => bail!(
            "configuration: audit.key_file (or NUR_AUDIT_KEY_FILE) is required with PostgreSQL: \
             a file, outside the database, holding the audit chain's key; every server of the \
             deployment uses the same one (it is made on first use)"
        ),
    }
}

/// Reads the key at `path`, making it (for the chain's next event on) when there is none.
pub fn load_or_create(path: &Path, store: &Store) -> Result<ChainKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let f: KeyFile = serde_json::from_str(&text)
                .with_context(|| format!("audit key file {} is not valid", path.display()))?;
            let key = data_encoding::HEXLOWER_PERMISSIVE
                .decode(f.key.trim().as_bytes())
                .ok()
                .with_context(|| {
                    format!("audit key file {}: the key is not hex", path.display())
                })?;
            if key.len() < 16 {
                bail!("audit key file {}: the key is too short", path.display());
            }
            Ok(ChainKey {
                key,
                since_seq: f.since_seq,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(known) = store.audit_key_fingerprint()? {
                bail!(
                    "audit key file {} is missing, but this database's audit chain is kept \
                     with a key (fingerprint {known}): restore the deployment's key file \
                     (a new key would hide whatever was done to the chain meanwhile)",
                    path.display()
                );
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let since_seq = store.audit_head()?.seq + 1;
            let f = KeyFile {
                version: 1,
                key: nur_core::audit::hex(&key),
                since_seq,
            };
            write_new(path, &serde_json::to_string(&f)?)?;
            tracing::info!(path = %path.display(), since_seq, "made the audit chain's key");
            // Another process may have made it first: the file on disk is the key.
            load_or_create(path, store)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read audit key file {}", path.display())),
    }
}

/// Creates `path` (readable by its owner only); an existing file is left as it is.
fn write_new(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => Ok(f.write_all(text.as_bytes())?),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            Err(e).with_context(|| format!("cannot create audit key file {}", path.display()))
        }
    }
}
