//! `nur grant|revoke|grants|procedure|client|entity|upstream|keys`: scripting access control.
//! The command line acts as the platform operator (it holds the database credentials); each
//! command is one `nur_app` use case, audited under the operator's name.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use nur_app::{App, Caller, SaveProcedure, SettingsChange, UserChange};
use nur_core::grant::{GrantChange, Target};
use nur_core::query::RevokePolicy;
use nur_core::Ident;
use nur_store::GrantFilter;
use std::path::PathBuf;

/// Who the command line acts as: `--actor`, else the login name.
pub fn operator(actor: Option<String>) -> Caller {
    let name = actor
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into());
    Caller::operator(name)
}

fn ident(what: &str, s: &str) -> Result<Ident> {
    Ident::parse(s).map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

/// What a grant or revoke names.
#[derive(clap::Args)]
pub struct GrantArgs {
    /// The custodian entity (owner of the table or operation).
    #[arg(long)]
    custodian: String,
    /// The consuming entity.
    #[arg(long)]
    consumer: String,
    /// A table; with --columns, the table and those columns.
    #[arg(long, conflicts_with = "operation")]
    table: Option<String>,
    /// Comma-separated columns of --table.
    #[arg(long, requires = "table", value_delimiter = ',')]
    columns: Vec<String>,
    /// A service operation as SERVICE.OPERATION; with --properties, those output properties.
    #[arg(long)]
    operation: Option<String>,
    /// Comma-separated output properties of --operation.
    #[arg(long, requires = "operation", value_delimiter = ',')]
    properties: Vec<String>,
    /// Name recorded as the actor (default: the login name).
    #[arg(long)]
    actor: Option<String>,
}

impl GrantArgs {
    /// The targets named: the table (or operation) itself, then each column (or property).
    /// Revoking with --columns revokes only the columns.
    fn targets(&self, grant: bool) -> Result<Vec<Target>> {
        let mut out = Vec::new();
        if let Some(t) = &self.table {
            let table = ident("table", t)?;
            if grant || self.columns.is_empty() {
                out.push(Target::Table {
                    table: table.clone(),
                });
            }
            for c in &self.columns {
                out.push(Target::Column {
                    table: table.clone(),
                    column: ident("column", c.trim())?,
                });
            }
        } else if let Some(op) = &self.operation {
            let (s, o) = op
                .split_once('.')
                .context("--operation takes SERVICE.OPERATION")?;
            let (service, operation) = (ident("service", s)?, ident("operation", o)?);
            if grant || self.properties.is_empty() {
                out.push(Target::Operation {
                    service: service.clone(),
                    operation: operation.clone(),
                });
            }
            for p in &self.properties {
                out.push(Target::Property {
                    service: service.clone(),
                    operation: operation.clone(),
                    property: ident("property", p.trim())?,
                });
            }
        } else {
            bail!("name a --table or an --operation");
        }
        Ok(out)
    }
}

/// Grants or revokes; prints one line per change.
pub fn change_grants(app: &App, a: GrantArgs, grant: bool) -> Result<()> {
    let caller = operator(a.actor.clone());
    let consumer = ident("consumer", &a.consumer)?;
    for target in a.targets(grant)? {
        // The custodian named must be the target's: a slip of the operator's is caught here.
        let custodian = target
            .custodian(app.catalog())
            .map_err(|e| anyhow::anyhow!(e))?;
        if custodian.as_str() != a.custodian {
            bail!("{target} belongs to {custodian}, not {}", a.custodian);
        }
        let change = GrantChange {
            consumer: consumer.clone(),
            target: target.clone(),
        };
        let changed = app.change_grant(&caller, &change, grant)?;
        let what = match (grant, changed) {
            (true, true) => "granted",
            (false, true) => "revoked",
            (true, false) => "already granted",
            (false, false) => "was not granted",
        };
        println!("{what}: {target} → {consumer}");
    }
    Ok(())
}

pub fn list_grants(
    app: &App,
    consumer: Option<String>,
    custodian: Option<String>,
    json: bool,
) -> Result<()> {
    let rows = app.grants(
        &operator(None),
        &GrantFilter {
            consumer,
            custodian,
        },
    )?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for g in rows {
            println!("{:<6} → {:<6} {}", g.custodian, g.consumer, g.target);
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ProcedureCmd {
    /// Save a query spec as a named procedure (a new version when it exists); it is then
    /// callable at /api/v1/procedures/ENTITY/NAME.
    Save {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        name: String,
        /// The query spec (JSON file; see docs/query-spec.md).
        #[arg(long)]
        spec: PathBuf,
        #[arg(long, default_value = "")]
        description: String,
        /// After a revocation: refuse calls (default) or drop_columns.
        #[arg(long, default_value = "refuse")]
        on_revoke: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Delete a procedure (its versions are kept).
    Delete {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List procedures (of one entity).
    List {
        #[arg(long)]
        entity: Option<String>,
    },
    /// Show a procedure's versions.
    Show {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        name: String,
    },
}

/// Saves the spec in `text` as `entity/name` (checked like every door's save).
pub fn save_procedure(
    app: &App,
    caller: &Caller,
    (entity, name): (&str, &str),
    description: &str,
    text: &str,
    on_revoke: RevokePolicy,
) -> Result<nur_store::ProcedureRow> {
    Ok(app.save_procedure(
        caller,
        SaveProcedure {
            entity,
            name,
            description,
            spec: text,
            on_revoke,
        },
    )?)
}

pub fn procedure(app: &App, cmd: ProcedureCmd) -> Result<()> {
    match cmd {
        ProcedureCmd::Save {
            entity,
            name,
            spec,
            description,
            on_revoke,
            actor,
        } => {
            let text = std::fs::read_to_string(&spec)
                .with_context(|| format!("cannot read {}", spec.display()))?;
            let policy = RevokePolicy::parse(&on_revoke)
                .context("--on-revoke takes refuse or drop_columns")?;
            let p = save_procedure(
                app,
                &operator(actor),
                (&entity, &name),
                &description,
                &text,
                policy,
            )?;
            println!(
                "saved {}/{} version {} → POST /api/v1/procedures/{}/{}",
                p.entity, p.name, p.version, p.entity, p.name
            );
        }
        ProcedureCmd::Delete {
            entity,
            name,
            actor,
        } => {
            app.delete_procedure(&operator(actor), &entity, &name)?;
            println!("deleted {entity}/{name}");
        }
        ProcedureCmd::List { entity } => {
            for p in app.procedures(&operator(None), entity.as_deref())? {
                println!("{}/{} v{} — {}", p.entity, p.name, p.version, p.description);
            }
        }
        ProcedureCmd::Show { entity, name } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&app.procedure_versions(
                    &operator(None),
                    &entity,
                    &name
                )?)?
            );
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ClientCmd {
    /// Create an API client of an entity; prints its id and secret (shown only once) as JSON.
    Create {
        #[arg(long)]
        entity: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Comma-separated addresses or CIDR networks the client may connect from.
        #[arg(long, value_delimiter = ',')]
        allow_ip: Vec<String>,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Issue a new secret (older tokens stop working at once).
    Rotate {
        client_id: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Revoke a client for good.
    Revoke {
        client_id: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List clients (of one entity).
    List {
        #[arg(long)]
        entity: Option<String>,
    },
}

pub fn client(app: &App, cmd: ClientCmd) -> Result<()> {
    match cmd {
        ClientCmd::Create {
            entity,
            name,
            allow_ip,
            actor,
        } => {
            let c = app.create_client(&operator(actor), &entity, &name, allow_ip)?;
            println!(
                "{}",
                serde_json::json!({"client_id": c.client.client_id, "client_secret": c.secret})
            );
        }
        ClientCmd::Rotate { client_id, actor } => {
            let c = app.rotate_client(&operator(actor), &client_id)?;
            println!(
                "{}",
                serde_json::json!({"client_id": client_id, "client_secret": c.secret})
            );
        }
        ClientCmd::Revoke { client_id, actor } => {
            app.revoke_client(&operator(actor), &client_id)?;
            println!("revoked {client_id}");
        }
        ClientCmd::List { entity } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&app.clients(&operator(None), entity.as_deref())?)?
            );
        }
    }
    Ok(())
}

/// `nur entity E`: per-entity settings.
pub fn entity_settings(
    app: &App,
    entity: &str,
    change: SettingsChange,
    actor: Option<String>,
) -> Result<()> {
    let s = app.set_entity_settings(&operator(actor), entity, change)?;
    println!(
        "{entity}: purpose required {}, withheld from access reports {}",
        s.purpose_required, s.access_withheld
    );
    Ok(())
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Create a portal account; prints its first password (shown once).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// super_admin, entity_admin or entity_user.
        #[arg(long)]
        role: String,
        /// The entity of an Entity Admin or User.
        #[arg(long)]
        entity: Option<String>,
        /// Where one-time codes go (an e-mail address or a mobile number).
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Disable an account (its sessions end).
    Disable {
        username: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Enable a disabled account.
    Enable {
        username: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Remove an account's authenticator app (the next sign-in uses a delivered code).
    ResetFactor {
        username: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List accounts.
    List,
}

pub fn account(app: &App, cmd: AccountCmd) -> Result<()> {
    let (username, change, actor) = match cmd {
        AccountCmd::Create {
            username,
            display_name,
            role,
            entity,
            contact,
            actor,
        } => {
            let role = nur_core::account::Role::parse(&role)
                .context("--role takes super_admin, entity_admin or entity_user")?;
            let password = app.create_user(
                &operator(actor),
                nur_app::NewUser {
                    username: username.clone(),
                    display_name,
                    role,
                    entity,
                    contact,
                    password: None,
                    replace: false,
                },
            )?;
            println!(
                "{}",
                serde_json::json!({"username": username, "first_password": password})
            );
            return Ok(());
        }
        AccountCmd::List => {
            for a in app.users(&operator(None))? {
                println!(
                    "{:<20} {:<13} {:<6} {}",
                    a.username,
                    a.role.as_str(),
                    a.entity.as_deref().unwrap_or("-"),
                    if a.disabled { "disabled" } else { "active" }
                );
            }
            return Ok(());
        }
        AccountCmd::Disable { username, actor } => (username, UserChange::Disable, actor),
        AccountCmd::Enable { username, actor } => (username, UserChange::Enable, actor),
        AccountCmd::ResetFactor { username, actor } => (username, UserChange::ResetFactor, actor),
    };
    app.change_user(&operator(actor), &username, change)?;
    let done = match change {
        UserChange::Disable => "disabled",
        UserChange::Enable => "enabled",
        UserChange::ResetFactor => "second factor reset",
    };
    println!("{username}: {done}");
    Ok(())
}

/// `nur keys rotate|list`.
#[derive(Subcommand)]
pub enum KeysCmd {
    /// Add a new signing key; the old one verifies its tokens until they expire.
    Rotate {
        #[arg(long)]
        actor: Option<String>,
    },
    /// The published verification keys (JWKS), as JSON.
    List,
}

pub fn keys(app: &App, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Rotate { actor } => {
            let kid = app.rotate_signing_key(&operator(actor))?;
            println!(
                "new signing key {kid}; the previous key verifies its tokens for {} s more",
                app.token_ttl_secs()
            );
        }
        KeysCmd::List => {
            println!("{}", serde_json::to_string_pretty(&app.jwks()?)?);
        }
    }
    Ok(())
}
