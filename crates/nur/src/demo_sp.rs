//! The demo's social registry: NAF granted exactly the columns intake verification and the
//! household facts read (as the custodians would grant them), the synthetic applications
//! imported and verified, every household's facts computed, and what to look at printed.

use anyhow::Result;
use nur_app::{App, Caller};
use nur_core::grant::{GrantChange, Target};
use std::path::Path;

fn demo() -> Caller {
    Caller::operator("demo")
}

/// Idempotent: the grants are set once, the applications imported once (a re-import
/// changes nothing), the facts computed when no household has any yet.
pub fn social_registry(
    app: &App,
    synth_dir: &Path,
    data_dir: &Path,
    api_at: std::net::SocketAddr,
) -> Result<()> {
    let catalog = app.catalog();
    let sp = app.social_registry();
    let mut wanted = Vec::new();
    for (table, column) in sp.needed_columns(catalog) {
        let custodian_is_naf = catalog
            .table(table.as_str())
            .is_some_and(|t| t.custodian() == &sp.entity);
        if custodian_is_naf {
            continue;
        }
        wanted.push((
            GrantChange {
                consumer: sp.entity.clone(),
                target: Target::Column { table, column },
            },
            true,
        ));
    }
    app.set_grants(&demo(), &wanted)?;
    let file = synth_dir.join("SP_Applications.jsonl");
    let known = app.store().sp_counts()?.0;
    if known.is_empty() && file.exists() {
        println!(
            "\nimporting the synthetic applications of {} …",
            file.display()
        );
        let mut input = std::io::BufReader::new(std::fs::File::open(&file)?);
        let r = app.import_applications(&demo(), &mut input, &mut |_| {})?;
        println!(
            "  {} imported ({} with discrepancies), {} rejected",
            r.imported,
            r.with_discrepancies,
            r.rejected.len()
        );
        for x in r.rejected.iter().take(5) {
            println!(
                "  rejected line {} {}: {}",
                x.line,
                x.reference.as_deref().unwrap_or(""),
                x.reasons.first().map(String::as_str).unwrap_or("")
            );
        }
        let f = app.compute_all_facts(&demo(), nur_app::FACTS_BATCH, true, &mut |_, _| {})?;
        println!(
            "  facts computed for {} households ({} applicants)",
            f.households, f.applicants
        );
    }
    let (by_status, by_kind) = app.store().sp_counts()?;
    println!("\nSocial registry (NAF):");
    let counts = |c: &[(String, i64)]| {
        c.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("  applications: {}", counts(&by_status));
    println!("  discrepancies: {}", counts(&by_kind));
    if let Some(example) = app
        .store()
        .sp_applications(Some("submitted"), 200)?
        .into_iter()
        .find(|a| {
            app.store()
                .sp_verification(&a.id)
                .ok()
                .flatten()
                .is_some_and(|v| !v.discrepancies.is_empty())
        })
    {
        println!(
            "  an application with discrepancies: {} (household {})",
            example.id, example.household
        );
        println!("    curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Accept-Language: en' http://{api_at}/api/v1/sp/applications/{}", example.id);
        println!(
            "    curl -s -H \"Authorization: Bearer $TOKEN\" http://{api_at}/api/v1/sp/households/{}",
            example.household
        );
    }
    println!("  caseworkers: the NAFUser account above; the form: http://{api_at}/api/v1/sp/form");
    targeting(app, synth_dir, api_at)?;
    crate::demo_pay::payments(app, synth_dir, data_dir, api_at)?;
    if let Some((nn, card)) = citizen_example(app, synth_dir)? {
        std::fs::write(data_dir.join(CITIZEN_FILE), format!("{nn} {card}\n"))?;
        println!(
            "  a citizen: http://{api_at}/citizen — national number {nn}, ID card number {card}; \
             the code goes to the mobile the civil registry holds (in development: {})",
            data_dir.join("outbox.jsonl").display()
        );
    }
    Ok(())
}

/// The proxy means test fitted on the synthetic survey and published, every household
/// scored, the truth loaded (so errors are measured), and a run of each pilot published;
/// once (a demo that restarts finds the model and the runs).
fn targeting(app: &App, synth_dir: &Path, api_at: std::net::SocketAddr) -> Result<()> {
    let caller = demo();
    let survey = synth_dir.join("SP_Survey.csv");
    if app.model(None)?.is_none() && survey.exists() {
        let facts = &app.social_registry().facts;
        let spec = nur_sp::pmt::Spec::jordan();
        let rows = nur_sp::pmt::read_survey(&std::fs::read_to_string(&survey)?, &spec, facts)?;
        let opts = nur_sp::pmt::FitOptions {
            by: None,
            holdout_share: 0.2,
            coverage: 0.15,
        };
        let model = nur_sp::pmt::fit(&spec, facts, &rows, &opts)?;
        let v = app.publish_model(&caller, &model)?;
        let applicants = &model.comparison[0];
        println!(
            "\nproxy means test v{v} fitted on {} surveyed households: hold-out R² {:.3}; at 15% coverage \
             exclusion error {:.1}% (a hand-weighted sum of the same facts: {:.1}%)",
            rows.len(),
            applicants.fitted.r2,
            applicants.fitted.exclusion_error * 100.0,
            applicants.hand.exclusion_error * 100.0
        );
        let truth = synth_dir.join("SP_Truth.csv");
        if truth.exists() {
            app.import_truth(&caller, &std::fs::read_to_string(&truth)?, "synthetic")?;
        }
        let s = app.score_all(&caller, Some(v), nur_app::SCORE_BATCH, true, &mut |_, _| {})?;
        println!(
            "  {} households scored ({} could not be)",
            s.scored, s.failed
        );
        app.install_pilots(&caller)?;
        let codes: Vec<String> = app.programs(&caller)?.into_iter().map(|p| p.code).collect();
        for o in app.target(&caller, &codes, &nur_app::TargetPlan::default())? {
            let errors = o
                .summary
                .errors
                .as_ref()
                .map(|e| {
                    format!(
                        "; inclusion error {:.0}%, exclusion error {:.0}%",
                        e.inclusion * 100.0,
                        e.exclusion * 100.0
                    )
                })
                .unwrap_or_default();
            println!(
                "  {:<11} {} of {} eligible households selected{errors}",
                o.program, o.summary.selected, o.summary.eligible
            );
        }
    }
    println!("  programs and targeting: http://{api_at}/sp/programs");
    Ok(())
}

/// Where the demo names its citizen (national number, ID card number), for scripts.
const CITIZEN_FILE: &str = "demo-citizen.txt";

/// A person of the synthetic data who can sign in as a citizen (living, a valid ID card, a
/// mobile on file) and whose household has not applied yet, from the first cards of the file.
fn citizen_example(app: &App, synth_dir: &Path) -> Result<Option<(String, String)>> {
    use std::io::BufRead;
    let door = &app.social_registry().citizen;
    let Ok(f) = std::fs::File::open(synth_dir.join(format!("{}.csv", door.card_table))) else {
        return Ok(None);
    };
    let mut lines = std::io::BufReader::new(f).lines();
    let header = lines.next().transpose()?.unwrap_or_default();
    let at = |name: &str| header.split(',').position(|h| h == name);
    let (Some(nn_at), Some(card_at)) = (at("National_Number"), at(&door.card_column)) else {
        return Ok(None);
    };
    for line in lines.take(5_000) {
        let line = line?;
        let cells: Vec<&str> = line.split(',').collect();
        let (Some(nn), Some(card)) = (cells.get(nn_at), cells.get(card_at)) else {
            continue;
        };
        let Some(household) = app.citizen_may_sign_in(nn, card)? else {
            continue;
        };
        if app.store().sp_applications_of(&household)?.is_empty() {
            return Ok(Some(((*nn).to_owned(), (*card).to_owned())));
        }
    }
    Ok(None)
}
