//! `nur demo`: a synthetic population generated and loaded into the embedded store on first
//! run, reused on later runs; demo accounts; then the server.

use anyhow::{Context, Result};
use nur_app::{App, Caller, NewUser};
use nur_core::account::Role;
use nur_core::Catalog;
use nur_store::{OpenMode, PersonRecord, Store, Warehouse};
use std::path::Path;

const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// The demo's accounts: a super admin, a custodian's admin, a consumer's admin and user, an
/// auditor.
const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("superAdmin", "Super Admin", Role::SuperAdmin, None),
    ("CSPDAdmin", "CSPD Admin", Role::EntityAdmin, Some("CSPD")),
    ("NAFAdmin", "NAF Admin", Role::EntityAdmin, Some("NAF")),
    ("NAFUser", "NAF User", Role::EntityUser, Some("NAF")),
    ("auditor", "Auditor", Role::Auditor, None),
];

/// Where the demo's synthetic population is written.
pub fn synth_dir(dir: &Path, persons: u64, seed: u64) -> std::path::PathBuf {
    dir.join(format!("synth-{persons}-{seed}"))
}

pub fn prepare(catalog: &Catalog, dir: &Path, persons: u64, seed: u64) -> Result<Store> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db_path = dir.join("nur.db");
    let url = format!("sqlite:{}", db_path.display());
    let store = Store::open(&url, OpenMode::Create)?;
    store.migrate(catalog)?;
    let person_rows = store
        .stats(catalog)?
        .tables
        .iter()
        .find(|t| t.table == catalog.dimensions.person.table.as_str())
        .map(|t| t.rows)
        .unwrap_or(0);
    if person_rows == 0 {
        let synth_dir = synth_dir(dir, persons, seed);
        if !synth_dir.join("manifest.json").exists() {
            println!(
                "generating {persons} synthetic persons in {} …",
                synth_dir.display()
            );
            let mut bar = crate::progress::SynthBar::new(persons);
            nur_synth::generate_with_progress(
                catalog,
                &nur_synth::SynthOptions::new(persons, seed),
                &synth_dir,
                &mut bar,
            )?;
        }
        println!("loading {} into {url} …", synth_dir.display());
        let mut bar = crate::progress::Bar::new(true);
        let report = nur_ingest::load_dir(
            &store,
            catalog,
            &synth_dir,
            &nur_ingest::LoadOptions::default(),
            &mut bar,
        )?;
        crate::progress::print_report(&report);
    } else {
        println!("reusing {url} ({person_rows} persons)");
    }
    Ok(store)
}

/// Creates the demo accounts when needed and prints them.
pub fn print_accounts(app: &App, dir: &Path) -> Result<()> {
    let logins = accounts(app, dir)?;
    println!(
        "\ndemo accounts (also in {}):",
        dir.join(ACCOUNTS_FILE).display()
    );
    for line in logins.lines() {
        println!("  {line}");
    }
    println!(
        "\ntry: curl http://ADDR/api/v1/persons/<national number from nur lookup or the CSV files>"
    );
    Ok(())
}

/// Creates the demo accounts once (random passwords, kept in a file readable only by the
/// owner) and returns the login lines.
fn accounts(app: &App, dir: &Path) -> Result<String> {
    let file = dir.join(ACCOUNTS_FILE);
    let existing = app.store().accounts()?;
    if file.exists() && existing.len() >= DEMO_ACCOUNTS.len() {
        return Ok(std::fs::read_to_string(&file)?);
    }
    let mut lines = String::new();
    for (username, display, role, entity) in DEMO_ACCOUNTS {
        let password = app.create_user(
            &demo(),
            NewUser {
                username: (*username).into(),
                display_name: (*display).into(),
                role: *role,
                entity: entity.map(str::to_owned),
                contact: None,
                password: None,
                replace: true,
            },
        )?;
        lines.push_str(&format!(
            "{username:<11} password {password}  ({role}{})\n",
            entity.map(|e| format!(", {e}")).unwrap_or_default()
        ));
    }
    write_private(&file, &lines)?;
    Ok(lines)
}

pub(crate) fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// A readable summary of a person record (`nur lookup` without `--json`).
pub fn print_person(p: &PersonRecord) {
    println!("national number {}", p.national_number);
    if let Some(person) = &p.person {
        let name: Vec<&str> = ["First_Name", "Second_Name", "Third_Name", "Family_Name"]
            .iter()
            .filter_map(|k| person.get(*k).and_then(|v| v.as_str()))
            .collect();
        println!("  name: {}", name.join(" "));
        for (k, v) in person {
            if !k.starts_with('_') {
                println!("  {k}: {v}");
            }
        }
    }
    if let Some(h) = &p.household {
        println!(
            "household {} ({} members)",
            h.civil_record_id,
            h.members.len()
        );
    }
    for (table, rows) in &p.records {
        println!("{table}: {} row(s)", rows.len());
    }
}

/// The demo acts as the operator named "demo".
fn demo() -> Caller {
    Caller::operator("demo")
}

/// The demo's access set-up, idempotent: NAF (the National Aid Fund) is granted what a
/// social-assistance agency needs, owns a client and a procedure, and every catalog service
/// answers at the simulated upstream.
pub fn access(
    app: &App,
    dir: &Path,
    api_at: std::net::SocketAddr,
    upstream_at: std::net::SocketAddr,
) -> Result<()> {
    use nur_core::grant::{GrantChange, Target};
    use nur_core::Ident;
    let catalog = app.catalog();
    let actor = demo();
    let naf = Ident::parse("NAF").map_err(anyhow::Error::msg)?;
    let mut targets = Vec::new();
    for (table, columns) in [
        (
            "CSPD_Personal_Info",
            &[
                "National_Number",
                "First_Name",
                "Second_Name",
                "Third_Name",
                "Family_Name",
                "Gender",
                "Birth_Date",
                "Civil_Record_Id",
            ][..],
        ),
        (
            "DVLD_Car_Info",
            &["National_Number", "Vehicle_Type", "Model_Year"][..],
        ),
        (
            "SSC_Salaries",
            &["National_Number", "Salary_Amount", "Employer_Name"][..],
        ),
    ] {
        let t = catalog.table(table).context("demo table")?;
        targets.push(Target::Table {
            table: t.name.clone(),
        });
        for c in columns.iter().filter_map(|c| t.column(c)) {
            targets.push(Target::Column {
                table: t.name.clone(),
                column: c.name.clone(),
            });
        }
    }
    for s in catalog
        .services
        .iter()
        .filter(|s| s.service.as_str() == "CSPD")
    {
        targets.push(Target::Operation {
            service: s.service.clone(),
            operation: s.operation.clone(),
        });
        // Mother's name stays with CSPD, so the gateway's property filter shows.
        for p in s
            .properties
            .iter()
            .filter(|p| p.name.as_str() != "Mother_Name")
        {
            targets.push(Target::Property {
                service: s.service.clone(),
                operation: s.operation.clone(),
                property: p.name.clone(),
            });
        }
    }
    for target in targets {
        let change = GrantChange {
            consumer: naf.clone(),
            target,
        };
        app.change_grant(&actor, &change, true)?;
    }
    let mut services: Vec<&str> = catalog
        .services
        .iter()
        .map(|s| s.service.as_str())
        .collect();
    services.dedup();
    for s in services {
        app.register_upstream(&actor, s, &format!("http://{upstream_at}"), 5000)?;
    }
    if app.procedure(&actor, "NAF", "person_vehicles")?.is_none() {
        let spec = serde_json::json!({
            "version": 1,
            "tables": [
                {"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name", "Family_Name"]},
                {"table": "DVLD_Car_Info", "columns": ["Vehicle_Type", "Model_Year"], "join": "left"}
            ],
            "conditions": {"column": "CSPD_Personal_Info.National_Number", "op": "=", "param": "national_number"},
            "parameters": [{"name": "national_number", "type": "national_number"}],
            "limit": 100
        });
        crate::access::save_procedure(
            app,
            &actor,
            ("NAF", "person_vehicles"),
            "A person and the vehicles registered to them",
            &spec.to_string(),
            nur_core::query::RevokePolicy::Refuse,
        )?;
    }
    let client_file = dir.join("demo-client.json");
    if !client_file.exists() {
        let c = app.create_client(&actor, "NAF", "demo case system", vec![])?;
        write_private(
            &client_file,
            &serde_json::json!({"client_id": c.client.client_id, "client_secret": c.secret})
                .to_string(),
        )?;
    }
    let creds: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&client_file)?)?;
    let (id, secret) = (
        creds["client_id"].as_str().unwrap_or(""),
        creds["client_secret"].as_str().unwrap_or(""),
    );
    println!("\nNAF API client (also in {}):", client_file.display());
    println!("  TOKEN=$(curl -s http://{api_at}/oauth2/client/token -d grant_type=client_credentials -d client_id={id} -d client_secret={secret} | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'X-NUR-Purpose: case 42' http://{api_at}/api/v1/procedures/NAF/person_vehicles?national_number=NN");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" -X POST -H 'Content-Type: application/json' -d '{{\"National_Number\":\"NN\"}}' http://{api_at}/api/v1/operations/CSPD/CSPD/gePersonal");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" http://{api_at}/api/openapi.json");
    Ok(())
}

/// Two change sources for DVLD: events over HTTP (with a DVLD client to post them) and a
/// watched folder. `nur serve` follows the folder; the events arrive by themselves.
pub fn sources(app: &App, dir: &Path, api_at: std::net::SocketAddr) -> Result<()> {
    use nur_ingest::cdc::{Kind, SourceConfig, SourceDef};
    let drop_dir = dir.join("drop");
    std::fs::create_dir_all(&drop_dir)?;
    let existing: Vec<String> = app.source_status()?.into_iter().map(|s| s.name).collect();
    for (name, kind, config) in [
        ("dvld-events", Kind::Http, SourceConfig::default()),
        (
            "dvld-drop",
            Kind::Files,
            SourceConfig {
                dir: Some(drop_dir.display().to_string()),
                ..SourceConfig::default()
            },
        ),
    ] {
        if !existing.iter().any(|e| e == name) {
            app.add_source(
                &demo(),
                SourceDef {
                    name: name.into(),
                    kind,
                    entity: "DVLD".into(),
                    config,
                },
            )?;
        }
    }
    let client_file = dir.join("demo-dvld-client.json");
    if !client_file.exists() {
        let c = app.create_client(&demo(), "DVLD", "demo change feed", vec![])?;
        write_private(
            &client_file,
            &serde_json::json!({"client_id": c.client.client_id, "client_secret": c.secret})
                .to_string(),
        )?;
    }
    println!(
        "\nChange sources of DVLD (nur source status --db sqlite:{}):",
        dir.join("nur.db").display()
    );
    println!("  dvld-events: POST Debezium events to http://{api_at}/api/v1/ingest/dvld-events/events with a token of the DVLD client in {}", client_file.display());
    println!(
        "  dvld-drop:   drop DVLD_Car_Info.csv into {} (write it aside, then rename it in)",
        drop_dir.display()
    );
    println!("  freshness:   http://{api_at}/api/v1/sources   metrics: http://{api_at}/metrics");
    println!(
        "\nPortal: http://{api_at}/login (عربي / En) — sign in with a demo account above; in development the verification codes are written to {} (tail -n1 it)",
        dir.join("outbox.jsonl").display()
    );
    Ok(())
}
