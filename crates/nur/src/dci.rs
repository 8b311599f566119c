//! `nur dci`: the DCI senders — which API client speaks DCI under which `sender_id`, and
//! how its messages are signed (with its public key when one is on file) — and the partner
//! registries NUR asks as a DCI client.

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
    /// Configure (or replace) a partner registry NUR asks as a DCI client.
    PartnerPut {
        #[arg(long)]
        name: String,
        /// What it is to NUR: crvs, sr, dr (disability), …
        #[arg(long)]
        registry: String,
        /// Where its /registry/… endpoints are (https://partner.example/dci/crvs).
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        token_url: String,
        #[arg(long)]
        client_id: String,
        /// A file holding the client secret NUR was given there.
        #[arg(long)]
        client_secret_file: std::path::PathBuf,
        /// NUR's sender id with the partner.
        #[arg(long, default_value = "nur")]
        sender_id: String,
        #[arg(long, default_value = "jws")]
        scheme: String,
        /// A file holding the partner's public key as a JWK: its notifications are applied
        /// only when they verify with it.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
        /// The identifier type a national number is sent as.
        #[arg(long, default_value = "UIN")]
        id_type: String,
        #[arg(long, default_value = "ns:org:RegistryType:Civil")]
        reg_type: String,
        /// How long an answer is kept (0: never).
        #[arg(long, default_value_t = 3600)]
        ttl_secs: i64,
        #[arg(long, default_value_t = 5000)]
        timeout_ms: i64,
        /// Intake verification asks it about every member.
        #[arg(long)]
        verify: bool,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Subscribe NUR to a partner's events, applied by an HTTP change source.
    PartnerSubscribe {
        #[arg(long)]
        partner: String,
        /// The event (death, live_birth, marriage, divorce).
        #[arg(long)]
        event: String,
        /// The HTTP change source (of the table's custodian) that applies what is notified.
        #[arg(long)]
        source: String,
        /// Where the partner reaches NUR (its answers go to BASE/dci/partners/NAME/…).
        #[arg(long)]
        callback_base: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Remove a partner and what was kept from it.
    PartnerRemove {
        name: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List the partners as JSON (without their secrets).
    Partners,
    /// Ask a partner about a person by national number (an audited access).
    Ask {
        #[arg(long)]
        partner: String,
        #[arg(long)]
        national_number: String,
        #[arg(long)]
        actor: Option<String>,
    },
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
        DciCmd::PartnerPut {
            name,
            registry,
            base_url,
            token_url,
            client_id,
            client_secret_file,
            sender_id,
            scheme,
            key,
            id_type,
            reg_type,
            ttl_secs,
            timeout_ms,
            verify,
            actor,
        } => {
            let public_key = match key {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("reading the key {}", p.display()))?
                        .trim()
                        .to_owned(),
                ),
                None => None,
            };
            let client_secret = std::fs::read_to_string(&client_secret_file)
                .with_context(|| format!("reading {}", client_secret_file.display()))?
                .trim()
                .to_owned();
            let p = app.put_dci_partner(
                &operator(actor),
                nur_app::PartnerDef {
                    name,
                    registry,
                    base_url,
                    token_url,
                    client_id,
                    client_secret,
                    sender_id,
                    scheme,
                    public_key,
                    id_type,
                    reg_type,
                    ttl_secs,
                    timeout_ms,
                    verify,
                },
            )?;
            println!("{}", serde_json::to_string(&p)?);
        }
        DciCmd::PartnerSubscribe {
            partner,
            event,
            source,
            callback_base,
            actor,
        } => {
            app.use_partner_transport(std::sync::Arc::new(nur_dci::client::HttpPartners::new()));
            app.subscribe_to_partner(&operator(actor), &partner, &event, &source, &callback_base)?;
            println!("subscribed to {event} at {partner}; applied by {source}");
        }
        DciCmd::PartnerRemove { name, actor } => {
            app.remove_dci_partner(&operator(actor), &name)?;
            println!("removed {name}");
        }
        DciCmd::Partners => {
            println!(
                "{}",
                serde_json::to_string_pretty(&app.dci_partners(&operator(None))?)?
            );
        }
        DciCmd::Ask {
            partner,
            national_number,
            actor,
        } => {
            app.use_partner_transport(std::sync::Arc::new(nur_dci::client::HttpPartners::new()));
            let a = app.ask_partner(&operator(actor), &partner, &national_number)?;
            println!("{}", serde_json::to_string_pretty(&a)?);
        }
    }
    Ok(())
}
