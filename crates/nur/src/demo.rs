//! `nur demo`: a synthetic population generated and loaded into the embedded store on first
//! run, reused on later runs; demo accounts; then the server.

use anyhow::{Context, Result};
use nur_core::account::{hash_password, NewAccount, Role};
use nur_core::Catalog;
use nur_store::{OpenMode, PersonRecord, Store, Warehouse};
use std::path::Path;

const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// The demo's accounts: a super admin, a custodian's admin, a consumer's admin and user.
const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("superAdmin", "Super Admin", Role::SuperAdmin, None),
    ("CSPDAdmin", "CSPD Admin", Role::EntityAdmin, Some("CSPD")),
    ("NAFAdmin", "NAF Admin", Role::EntityAdmin, Some("NAF")),
    ("NAFUser", "NAF User", Role::EntityUser, Some("NAF")),
];

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
        let synth_dir = dir.join(format!("synth-{persons}-{seed}"));
        if !synth_dir.join("manifest.json").exists() {
            println!(
                "generating {persons} synthetic persons in {} …",
                synth_dir.display()
            );
            nur_synth::generate(
                catalog,
                &nur_synth::SynthOptions::new(persons, seed),
                &synth_dir,
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
    let logins = accounts(&store, dir)?;
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
    Ok(store)
}

/// Creates the demo accounts once (random passwords, kept in a file readable only by the
/// owner) and returns the login lines.
fn accounts(store: &Store, dir: &Path) -> Result<String> {
    let file = dir.join(ACCOUNTS_FILE);
    let existing = store.accounts()?;
    if file.exists() && existing.len() >= DEMO_ACCOUNTS.len() {
        return Ok(std::fs::read_to_string(&file)?);
    }
    let mut lines = String::new();
    for (username, display, role, entity) in DEMO_ACCOUNTS {
        let password = random_password()?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        store.put_account(&NewAccount {
            username: (*username).into(),
            display_name: (*display).into(),
            role: *role,
            entity: entity.map(str::to_owned),
            password_hash: hash_password(&password, &salt)?,
        })?;
        lines.push_str(&format!(
            "{username:<11} password {password}  ({role}{})\n",
            entity.map(|e| format!(", {e}")).unwrap_or_default()
        ));
    }
    write_private(&file, &lines)?;
    Ok(lines)
}

fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[*b as usize % ALPHABET.len()]))
        .collect())
}

fn write_private(path: &Path, text: &str) -> Result<()> {
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
