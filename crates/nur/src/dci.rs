//! `nur dci`: the DCI senders — which API client speaks DCI under which `sender_id`, and
//! how its messages are signed (with its public key when one is on file).

use crate::access::operator;
use anyhow::{Context, Result};
use clap::Subcommand;
use nur_app::App;

#[derive(Subcommand)]
pub enum DciCmd {
    /// Register (or replace) an API client as a DCI sender.
    SenderRegister {
        /// The API client (of the consumer entity whose grants the sender's searches get).
        #[arg(long)]
        client: String,
        /// The `header.sender_id` its messages carry.
        #[arg(long)]
        sender_id: String,
        /// How its messages are signed: none, cavage-ed25519 or jws.
        #[arg(long, default_value = "none")]
        scheme: String,
        /// A file holding the partner's public key as a JWK (Ed25519), to verify its messages.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List the DCI senders as JSON.
    Senders,
}

pub fn run(app: &App, cmd: DciCmd) -> Result<()> {
    match cmd {
        DciCmd::SenderRegister {
            client,
            sender_id,
            scheme,
            key,
            actor,
        } => {
            let key = match key {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("reading the key {}", p.display()))?,
                ),
                None => None,
            };
            let s = app.register_dci_sender(
                &operator(actor),
                &client,
                &sender_id,
                &scheme,
                key.as_deref().map(str::trim),
            )?;
            println!(
                "{}",
                serde_json::json!({"sender_id": s.sender_id, "client_id": s.client_id, "scheme": s.scheme,
                                   "public_key": s.public_key.is_some()})
            );
        }
        DciCmd::Senders => {
            println!("{}", serde_json::to_string_pretty(&app.dci_senders()?)?);
        }
    }
    Ok(())
}
