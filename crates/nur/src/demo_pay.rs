//! The demo's payments: the synthetic account directory imported as a provider's file, one
//! UCT cycle prepared by NAFUser and approved by NAFAdmin (a second person), its payment
//! files written, a status report from the first bank reconciled (a few payments rejected
//! with a reason), and appeals at each stage; once (a restarted demo finds the cycle).

use anyhow::Result;
use nur_app::{App, FileFormat};
use nur_sp::payment::{Outcome, Status, StatusReport};
use std::path::Path;

const PROGRAM: &str = "UCT";
const PREPARER: &str = "NAFUser";
const APPROVER: &str = "NAFAdmin";

pub fn payments(
    app: &App,
    synth_dir: &Path,
    data_dir: &Path,
    api_at: std::net::SocketAddr,
) -> Result<()> {
    let operator = nur_app::Caller::operator("demo");
    let existing = app.cycles(&operator, Some(PROGRAM))?;
    let id = match existing.first() {
        Some(c) => c.id.clone(),
        None => match first_cycle(app, synth_dir, data_dir)? {
            Some(id) => id,
            None => return Ok(()),
        },
    };
    println!(
        "  payment cycle {id}: http://{api_at}/sp/cycles/{id} (files in {})",
        data_dir.join("payments").display()
    );
    println!(
        "    curl -s -H \"Authorization: Bearer $TOKEN\" http://{api_at}/api/v1/sp/cycles/{id}"
    );
    println!("  appeals: http://{api_at}/sp/appeals");
    Ok(())
}

fn first_cycle(app: &App, synth_dir: &Path, data_dir: &Path) -> Result<Option<String>> {
    let operator = nur_app::Caller::operator("demo");
    if app.store().sp_runs(Some(PROGRAM), 1)?.is_empty() {
        return Ok(None);
    }
    let accounts = synth_dir.join("SP_Accounts.csv");
    if accounts.exists() {
        let mut f = std::io::BufReader::new(std::fs::File::open(&accounts)?);
        let r = app.import_accounts(&operator, &mut f)?;
        println!(
            "\naccounts by national number (a provider's file): {} set, {} households without one, {} refused",
            r.set, r.without_account, r.refused_count
        );
    }
    let period = today_period();
    let preparer = app.caller_for_account(PREPARER)?;
    let approver = app.caller_for_account(APPROVER)?;
    let draft = app.create_cycle(&preparer, PROGRAM, &period)?;
    let id = draft.cycle.id.clone();
    let states: Vec<String> = draft
        .counts
        .by_state
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    println!(
        "payment cycle {id} prepared by {PREPARER}: {}",
        states.join(", ")
    );
    // A preparer who is also an administrator still cannot approve their own cycle.
    let second = app.create_cycle(&approver, "ENERGY", &period);
    if let Ok(energy) = &second {
        if let Err(e) = app.approve_cycle(&approver, &energy.cycle.id) {
            println!("  approval by its preparer refused: {}", e.message);
        }
    }
    let v = app.approve_cycle(&approver, &id)?;
    println!(
        "  approved by {APPROVER}: {} households, {} persons, JOD {:.3}",
        v.cycle.households,
        v.cycle.persons,
        v.cycle.total_fils as f64 / 1000.0
    );
    let dir = data_dir.join("payments");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    for format in [FileFormat::Pain001, FileFormat::Csv] {
        for f in app.export_payments(&operator, &id, format, None)? {
            std::fs::write(dir.join(&f.name), &f.content)?;
            files.push(f);
        }
    }
    println!(
        "  {} payment files written (pain.001.001.09 and CSV per provider)",
        files.len()
    );
    // The first bank answers: all accepted but two, one closed account, one wrong number.
    if let Some(first) = files
        .iter()
        .filter(|f| f.name.ends_with(".xml"))
        .max_by_key(|f| f.payments)
    {
        let payments = app.payments(&operator, &id, Some(&first.provider), None)?;
        let statuses: Vec<Status> = payments
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (outcome, reason) = match i {
                    0 => (Outcome::Rejected, Some("AC04: closed account".to_owned())),
                    1 => (
                        Outcome::Rejected,
                        Some("AC01: wrong account number".to_owned()),
                    ),
                    _ => (Outcome::Accepted, None),
                };
                Status {
                    end_to_end_id: p.end_to_end.clone(),
                    outcome,
                    reason,
                    amount_fils: Some(p.amount_fils),
                }
            })
            .collect();
        let report = StatusReport {
            message_id: format!("{}-STS", first.name.trim_end_matches(".xml")),
            original_message_id: Some(first.name.trim_end_matches(".xml").to_owned()),
            number_of_transactions: Some(statuses.len() as u64),
            control_sum_fils: Some(statuses.iter().filter_map(|s| s.amount_fils).sum()),
            statuses,
            ..Default::default()
        };
        let xml = nur_sp::payment::pain002(
            &report,
            report.original_message_id.as_deref().unwrap_or_default(),
            "2026-12-02T12:00:00",
        );
        std::fs::write(dir.join(format!("{}.xml", report.message_id)), &xml)?;
        let r = app.reconcile(&operator, xml.as_bytes(), "pain002")?;
        println!(
            "  status report of {}: {} accepted, {} rejected (see http://…/sp/rejections?program={PROGRAM})",
            first.provider, r.accepted, r.rejected
        );
    }
    appeals(app, &id)?;
    Ok(Some(id))
}

/// Two appeals from caseworkers: one waiting for review, one overturned (it takes effect
/// in the next cycle).
fn appeals(app: &App, cycle: &str) -> Result<()> {
    let preparer = app.caller_for_account(PREPARER)?;
    let approver = app.caller_for_account(APPROVER)?;
    let v = app.cycle(&preparer, cycle)?;
    let run = app.store().sp_run_entries(&v.cycle.run, 1, 100_000)?;
    // Households the run left out: waitlisted, or not eligible (applicants first).
    let ranked: std::collections::HashSet<&str> =
        run.iter().map(|e| e.household.as_str()).collect();
    let others = app.store().sp_target_inputs("", 2_000)?;
    let mut out: Vec<&nur_store::TargetInput> = others
        .iter()
        .filter(|i| !ranked.contains(i.household.as_str()))
        .collect();
    out.sort_by_key(|i| !i.applied);
    let waitlisted: Vec<&str> = run
        .iter()
        .filter(|e| !e.selected)
        .map(|e| e.household.as_str())
        .chain(out.iter().map(|i| i.household.as_str()))
        .take(2)
        .collect();
    for (i, h) in waitlisted.iter().enumerate() {
        let a = app.submit_appeal(
            &preparer,
            h,
            PROGRAM,
            "The household's only earner lost his job last month; the registries still show the salary.",
            Vec::new(),
        )?;
        app.appeal_step(
            &approver,
            &a.appeal.id,
            "under_review",
            "Asked the Social Security Corporation to confirm the end of employment.",
        )?;
        if i == 1 {
            app.appeal_step(
                &approver,
                &a.appeal.id,
                "overturned",
                "SSC confirms the employment ended; enrol from the next cycle.",
            )?;
        }
    }
    println!(
        "  {} appeals filed (one under review, one overturned)",
        waitlisted.len()
    );
    Ok(())
}

/// This month, `YYYY-MM`.
fn today_period() -> String {
    let d = nur_core::Date::from_days(nur_store::now_ms().div_euclid(86_400_000));
    format!("{:04}-{:02}", d.year(), d.month())
}
