//! Delivering one-time codes. Production deployments plug in their SMS gateway or SMTP
//! relay behind [`Delivery`]; development writes an outbox file under the data directory.

use std::io::Write;
use std::path::PathBuf;

pub trait Delivery: Send + Sync {
    /// Sends `text` to the account's contact (phone or e-mail).
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String>;
}

/// Appends one JSON line per message to a file (mode 0600).
pub struct Outbox(pub PathBuf);

impl Delivery for Outbox {
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String> {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&self.0)
            .map_err(|e| format!("outbox {}: {e}", self.0.display()))?;
        let line = serde_json::json!({
            "at_ms": super::session::now_ms(), "to": username, "contact": contact, "text": text,
        });
        writeln!(f, "{line}").map_err(|e| format!("outbox {}: {e}", self.0.display()))
    }
}
