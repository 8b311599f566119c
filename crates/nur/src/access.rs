//! `nur grant|revoke|grants|procedure|client|entity|upstream|audit`: scripting access
//! control. The command line acts as the platform operator (it holds the database
//! credentials), and every change is audited under the operator's name.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use nur_core::audit::NewEvent;
use nur_core::grant::{Actor, GrantChange, Grants, Target};
use nur_core::query::{self, QuerySpec, RevokePolicy};
use nur_core::{Catalog, Ident};
use nur_store::{ClientChange, GrantFilter, NewProcedure, Store, Upstream};
use std::path::PathBuf;

/// Who the command line acts as: `--actor`, else the login name.
pub fn operator(actor: Option<String>) -> Actor {
    let name = actor
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into());
    Actor::Operator { name }
}

fn event(actor: &Actor, action: &str, entity: Option<&str>, target: String) -> NewEvent {
    NewEvent {
        actor_kind: actor.kind().into(),
        actor: actor.name().into(),
        entity: entity.map(str::to_owned),
        action: action.into(),
        target,
        outcome: "ok".into(),
        ..Default::default()
    }
}

fn ident(what: &str, s: &str) -> Result<Ident> {
    Ident::parse(s).map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

/// What a grant or revoke names.
#[derive(clap::Args)]
pub struct GrantArgs {
    #[arg(long, env = "NUR_DB")]
    db: String,
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
    pub fn db(&self) -> &str {
        &self.db
    }

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

/// Checks and applies one grant or revoke, with its audit event; returns whether it changed
/// anything.
pub fn apply_grant(
    store: &Store,
    catalog: &Catalog,
    actor: &Actor,
    change: &GrantChange,
    grant: bool,
) -> Result<bool> {
    let custodian = change.check(catalog, actor)?;
    let (target, consumer) = (&change.target, &change.consumer);
    let verb = if grant { "grant" } else { "revoke" };
    let mut ev = event(
        actor,
        verb,
        Some(custodian.as_str()),
        format!("{target} to {consumer}"),
    );
    ev.columns = vec![target.to_string()];
    Ok(store.change_grant(grant, consumer.as_str(), custodian.as_str(), target, ev)?)
}

/// Grants or revokes; prints one line per change.
pub fn change_grants(store: &Store, catalog: &Catalog, a: GrantArgs, grant: bool) -> Result<()> {
    let actor = operator(a.actor.clone());
    let consumer = ident("consumer", &a.consumer)?;
    for target in a.targets(grant)? {
        let change = GrantChange {
            consumer: consumer.clone(),
            target: target.clone(),
        };
        let custodian = change.check(catalog, &actor)?;
        if custodian.as_str() != a.custodian {
            bail!("{target} belongs to {custodian}, not {}", a.custodian);
        }
        let changed = apply_grant(store, catalog, &actor, &change, grant)?;
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
    store: &Store,
    consumer: Option<String>,
    custodian: Option<String>,
    json: bool,
) -> Result<()> {
    let rows = store.grants(&GrantFilter {
        consumer,
        custodian,
    })?;
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
        #[arg(long, env = "NUR_DB")]
        db: String,
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
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        entity: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List procedures (of one entity).
    List {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        entity: Option<String>,
    },
    /// Show a procedure's versions.
    Show {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        entity: String,
        #[arg(long)]
        name: String,
    },
}

impl ProcedureCmd {
    pub fn db(&self) -> &str {
        match self {
            ProcedureCmd::Save { db, .. }
            | ProcedureCmd::Delete { db, .. }
            | ProcedureCmd::List { db, .. }
            | ProcedureCmd::Show { db, .. } => db,
        }
    }
}

/// Saves a spec (JSON text) as procedure `entity/name`, only if the entity may run it today;
/// every call checks again.
pub fn save_procedure(
    store: &Store,
    catalog: &Catalog,
    actor: &Actor,
    (entity, name): (&str, &str),
    description: String,
    spec: &str,
    on_revoke: RevokePolicy,
) -> Result<nur_store::ProcedureRow> {
    let entity = ident("entity", entity)?;
    let name = ident("procedure name", name)?;
    if catalog.entity(entity.as_str()).is_none() {
        bail!("unknown entity {entity}");
    }
    let parsed = QuerySpec::from_json(spec)?;
    let grants = Grants::new(entity.clone(), store.grants_of(entity.as_str())?);
    query::plan(
        catalog,
        &grants,
        &parsed,
        Default::default(),
        RevokePolicy::Refuse,
    )?;
    let target = format!("{entity}/{name}");
    Ok(store.save_procedure(
        &NewProcedure {
            entity: entity.to_string(),
            name: name.to_string(),
            description,
            spec: serde_json::to_string(&parsed)?,
            on_revoke,
            saved_by: actor.name().into(),
        },
        event(actor, "procedure.save", Some(entity.as_str()), target),
    )?)
}

pub fn procedure(store: &Store, catalog: &Catalog, cmd: ProcedureCmd) -> Result<()> {
    match cmd {
        ProcedureCmd::Save {
            entity,
            name,
            spec,
            description,
            on_revoke,
            actor,
            ..
        } => {
            let text = std::fs::read_to_string(&spec)
                .with_context(|| format!("cannot read {}", spec.display()))?;
            let policy = RevokePolicy::parse(&on_revoke)
                .context("--on-revoke takes refuse or drop_columns")?;
            let p = save_procedure(
                store,
                catalog,
                &operator(actor),
                (&entity, &name),
                description,
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
            ..
        } => {
            let actor = operator(actor);
            let ev = event(
                &actor,
                "procedure.delete",
                Some(&entity),
                format!("{entity}/{name}"),
            );
            if !store.delete_procedure(&entity, &name, ev)? {
                bail!("no procedure {entity}/{name}");
            }
            println!("deleted {entity}/{name}");
        }
        ProcedureCmd::List { entity, .. } => {
            for p in store.procedures(entity.as_deref())? {
                println!("{}/{} v{} — {}", p.entity, p.name, p.version, p.description);
            }
        }
        ProcedureCmd::Show { entity, name, .. } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&store.procedure_versions(&entity, &name)?)?
            );
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ClientCmd {
    /// Create an API client of an entity; prints its id and secret (shown only once) as JSON.
    Create {
        #[arg(long, env = "NUR_DB")]
        db: String,
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
        #[arg(long, env = "NUR_DB")]
        db: String,
        client_id: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Revoke a client for good.
    Revoke {
        #[arg(long, env = "NUR_DB")]
        db: String,
        client_id: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// List clients (of one entity).
    List {
        #[arg(long, env = "NUR_DB")]
        db: String,
        #[arg(long)]
        entity: Option<String>,
    },
}

impl ClientCmd {
    pub fn db(&self) -> &str {
        match self {
            ClientCmd::Create { db, .. }
            | ClientCmd::Rotate { db, .. }
            | ClientCmd::Revoke { db, .. }
            | ClientCmd::List { db, .. } => db,
        }
    }
}

/// Creates a client; returns (client id, secret).
pub fn create_client(
    store: &Store,
    catalog: &Catalog,
    entity: &str,
    name: &str,
    ips: Vec<String>,
    actor: &Actor,
) -> Result<(String, String)> {
    let entity = ident("entity", entity)?;
    if catalog.entity(entity.as_str()).is_none() {
        bail!("unknown entity {entity}");
    }
    let (row, secret) = nur_web::auth::new_client(&entity, name, ips)?;
    let id = row.client_id.clone();
    store.create_client(
        &row,
        event(actor, "client.create", Some(entity.as_str()), id.clone()),
    )?;
    Ok((id, secret))
}

pub fn client(store: &Store, catalog: &Catalog, cmd: ClientCmd) -> Result<()> {
    match cmd {
        ClientCmd::Create {
            entity,
            name,
            allow_ip,
            actor,
            ..
        } => {
            let (id, secret) =
                create_client(store, catalog, &entity, &name, allow_ip, &operator(actor))?;
            println!(
                "{}",
                serde_json::json!({"client_id": id, "client_secret": secret})
            );
        }
        ClientCmd::Rotate {
            client_id, actor, ..
        } => {
            let (secret, hash) = nur_web::auth::new_secret()?;
            let c = store
                .client(&client_id)?
                .with_context(|| format!("no client {client_id}"))?;
            let ev = event(
                &operator(actor),
                "client.rotate",
                Some(&c.entity),
                client_id.clone(),
            );
            store.change_client(&client_id, &ClientChange::Rotate { secret_hash: hash }, ev)?;
            println!(
                "{}",
                serde_json::json!({"client_id": client_id, "client_secret": secret})
            );
        }
        ClientCmd::Revoke {
            client_id, actor, ..
        } => {
            let c = store
                .client(&client_id)?
                .with_context(|| format!("no client {client_id}"))?;
            let ev = event(
                &operator(actor),
                "client.revoke",
                Some(&c.entity),
                client_id.clone(),
            );
            store.change_client(&client_id, &ClientChange::Revoke, ev)?;
            println!("revoked {client_id}");
        }
        ClientCmd::List { entity, .. } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&store.clients(entity.as_deref())?)?
            );
        }
    }
    Ok(())
}

/// `nur entity set`: per-entity settings.
pub fn entity_settings(
    store: &Store,
    catalog: &Catalog,
    entity: &str,
    purpose_required: Option<bool>,
    withheld: Option<bool>,
    actor: Option<String>,
) -> Result<()> {
    if catalog.entity(entity).is_none() {
        bail!("unknown entity {entity}");
    }
    let mut s = store.entity_settings(entity)?;
    if let Some(p) = purpose_required {
        s.purpose_required = p;
    }
    if let Some(w) = withheld {
        s.access_withheld = w;
    }
    let actor = operator(actor);
    store.set_entity_settings(
        entity,
        s,
        event(&actor, "entity.settings", Some(entity), format!("{s:?}")),
    )?;
    println!(
        "{entity}: purpose required {}, withheld from access reports {}",
        s.purpose_required, s.access_withheld
    );
    Ok(())
}

/// `nur upstream register`: where a service's live operations answer.
pub fn register_upstream(
    store: &Store,
    catalog: &Catalog,
    service: &str,
    url: &str,
    timeout_ms: i64,
    actor: &Actor,
) -> Result<()> {
    if !catalog
        .services
        .iter()
        .any(|s| s.service.as_str() == service)
    {
        bail!("the catalog has no service {service}");
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("upstream URL {url:?} must start with http:// or https://");
    }
    let u = Upstream {
        service: service.into(),
        base_url: url.into(),
        timeout_ms,
    };
    store.put_upstream(
        &u,
        event(
            actor,
            "upstream.register",
            None,
            format!("{service} at {url}"),
        ),
    )?;
    Ok(())
}
