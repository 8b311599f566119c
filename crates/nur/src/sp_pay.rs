//! `nur sp cycle|payments|accounts|appeals`: enrollment cycles prepared, approved by a
//! second person and closed; payment files exported and status reports imported;
//! beneficiaries' accounts; appeals filed, reviewed and decided. `--by USER` acts as that
//! portal account (the same rules as in the portal: the preparer cannot approve).

use crate::access::operator;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use nur_app::{AccountInput, App, Caller, CycleView, FileFormat, NewDocument};
use nur_store::AppealFilter;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PayCmd {
    /// Enrollment cycles: prepare, approve, close, list, show.
    Cycle {
        #[command(subcommand)]
        cmd: CycleCmd,
    },
    /// Payment files and the providers' status reports.
    Payments {
        #[command(subcommand)]
        cmd: PaymentsCmd,
    },
    /// Beneficiaries' accounts (financial addresses).
    Accounts {
        #[command(subcommand)]
        cmd: AccountsCmd,
    },
    /// Appeals against decisions.
    Appeals {
        #[command(subcommand)]
        cmd: AppealsCmd,
    },
}

#[derive(Subcommand)]
pub enum CycleCmd {
    /// Prepare a program's cycle for a month as a draft; prints its id on the last line.
    Create {
        #[arg(long)]
        program: String,
        /// YYYY-MM.
        #[arg(long)]
        period: String,
        #[arg(long)]
        by: String,
    },
    /// Approve a draft (a second person; the budget is checked).
    Approve {
        id: String,
        #[arg(long)]
        by: String,
    },
    /// Close a paid cycle.
    Close {
        id: String,
        #[arg(long)]
        by: String,
    },
    /// Pause, exit or resume one household of a draft.
    Member {
        id: String,
        household: String,
        #[arg(long)]
        state: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        by: String,
    },
    List {
        #[arg(long)]
        program: Option<String>,
    },
    /// A cycle's counts and totals; with --members, its households in that state.
    Show {
        id: String,
        #[arg(long)]
        members: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PaymentsCmd {
    /// Write an approved cycle's payment files, one per provider, into DIR.
    Export {
        #[arg(long)]
        cycle: String,
        /// pain001 or csv.
        #[arg(long, default_value = "pain001")]
        format: String,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        by: Option<String>,
    },
    /// Import a provider's status report (pain.002 XML or CSV): all of it or nothing.
    Import {
        file: PathBuf,
        /// pain002 or csv (from the file's extension when not given).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        by: Option<String>,
    },
    /// A program's rejected payments waiting for a fixed account.
    Rejected {
        #[arg(long)]
        program: String,
    },
}

#[derive(Subcommand)]
pub enum AccountsCmd {
    /// Set a person's account: --iban, or --wallet PROVIDER with --mobile.
    Set {
        national_number: String,
        #[arg(long)]
        iban: Option<String>,
        #[arg(long)]
        wallet: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
        #[arg(long)]
        by: Option<String>,
    },
    /// A person's accounts, the active one first, with the history.
    Show { national_number: String },
    /// Import a provider's file of accounts by national number (CSV).
    Import {
        file: PathBuf,
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AppealsCmd {
    /// File an appeal against a program's decision about a household.
    Submit {
        #[arg(long)]
        household: String,
        #[arg(long)]
        program: String,
        #[arg(long)]
        reason: String,
        /// A PDF, JPEG or PNG (repeatable, at most 3).
        #[arg(long = "document")]
        documents: Vec<PathBuf>,
        #[arg(long)]
        by: String,
    },
    /// Move an appeal to under_review, then upheld or overturned, with a note.
    Step {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        by: String,
    },
    List {
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        household: Option<String>,
    },
    Show {
        id: String,
    },
}

fn as_user(app: &App, by: Option<&str>) -> Result<Caller> {
    Ok(match by {
        Some(u) => app.caller_for_account(u)?,
        None => operator(None),
    })
}

fn fils(f: i64) -> String {
    format!("JOD {}.{:03}", f / 1000, (f % 1000).abs())
}

fn print_cycle(v: &CycleView) {
    let c = &v.cycle;
    println!(
        "cycle {} ({} v{}, {}) {}: {} households enrolled, {} persons, {}{}",
        c.id,
        c.program,
        c.program_version,
        c.period,
        c.state,
        c.households,
        c.persons,
        fils(c.total_fils),
        c.budget_fils
            .map(|b| format!(" of a budget of {}", fils(b)))
            .unwrap_or_default()
    );
    let states: Vec<String> = v
        .counts
        .by_state
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    println!("  households: {}", states.join(", "));
    println!(
        "  turnover: {} entered, {} left; {} accounts taken from intake; {} rejected payments carried ({})",
        v.counts.entered,
        v.counts.left,
        v.counts.accounts_from_intake,
        v.counts.carried,
        fils(v.counts.carried_fils)
    );
    if !v.payments.is_empty() {
        let p: Vec<String> = v
            .payments
            .iter()
            .map(|(s, (n, f))| format!("{s} {n} ({})", fils(*f)))
            .collect();
        println!("  payments: {}", p.join(", "));
    }
    println!(
        "  prepared by {}{}{}",
        c.prepared_by,
        c.approved_by
            .as_ref()
            .map(|a| format!(", approved by {a}"))
            .unwrap_or_default(),
        c.closed_by
            .as_ref()
            .map(|a| format!(", closed by {a}"))
            .unwrap_or_default()
    );
}

pub fn run(app: &App, cmd: PayCmd) -> Result<()> {
    match cmd {
        PayCmd::Cycle { cmd } => cycle(app, cmd),
        PayCmd::Payments { cmd } => payments(app, cmd),
        PayCmd::Accounts { cmd } => accounts(app, cmd),
        PayCmd::Appeals { cmd } => appeals(app, cmd),
    }
}

fn cycle(app: &App, cmd: CycleCmd) -> Result<()> {
    match cmd {
        CycleCmd::Create {
            program,
            period,
            by,
        } => {
            let started = std::time::Instant::now();
            let v = app.create_cycle(&app.caller_for_account(&by)?, &program, &period)?;
            print_cycle(&v);
            println!("  prepared in {:.2}s", started.elapsed().as_secs_f64());
            println!("{}", v.cycle.id);
        }
        CycleCmd::Approve { id, by } => {
            let started = std::time::Instant::now();
            let v = app.approve_cycle(&app.caller_for_account(&by)?, &id)?;
            print_cycle(&v);
            println!("  approved in {:.2}s", started.elapsed().as_secs_f64());
        }
        CycleCmd::Close { id, by } => {
            let v = app.close_cycle(&app.caller_for_account(&by)?, &id)?;
            print_cycle(&v);
        }
        CycleCmd::Member {
            id,
            household,
            state,
            note,
            by,
        } => {
            let m = app.set_membership(
                &app.caller_for_account(&by)?,
                &id,
                &household,
                &state,
                &note,
            )?;
            println!("{} {}: {}", m.household, m.state, m.reason);
        }
        CycleCmd::List { program } => {
            for c in app.cycles(&operator(None), program.as_deref())? {
                println!(
                    "{}\t{}\t{} households\t{}",
                    c.id,
                    c.state,
                    c.households,
                    fils(c.total_fils)
                );
            }
        }
        CycleCmd::Show { id, members } => {
            let caller = operator(None);
            print_cycle(&app.cycle(&caller, &id)?);
            if let Some(state) = members {
                for m in app.cycle_members(&caller, &id, Some(&state))? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        m.household,
                        m.payee.unwrap_or_default(),
                        fils(m.entitlement_fils),
                        m.reason
                    );
                }
            }
        }
    }
    Ok(())
}

fn payments(app: &App, cmd: PaymentsCmd) -> Result<()> {
    match cmd {
        PaymentsCmd::Export {
            cycle,
            format,
            provider,
            out,
            by,
        } => {
            let f = FileFormat::parse(&format)
                .with_context(|| format!("--format {format}: pain001 or csv"))?;
            let started = std::time::Instant::now();
            let files = app.export_payments(
                &as_user(app, by.as_deref())?,
                &cycle,
                f,
                provider.as_deref(),
            )?;
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            for file in &files {
                let path = out.join(&file.name);
                std::fs::write(&path, &file.content)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!(
                    "{}\t{} payments\t{}\tsha256 {}",
                    path.display(),
                    file.payments,
                    fils(file.total_fils),
                    file.sha256
                );
            }
            println!(
                "{} files in {:.2}s",
                files.len(),
                started.elapsed().as_secs_f64()
            );
        }
        PaymentsCmd::Import { file, format, by } => {
            let format = match format {
                Some(f) => f,
                None => match file.extension().and_then(|e| e.to_str()) {
                    Some("xml") => "pain002".into(),
                    Some("csv") => "csv".into(),
                    _ => bail!("--format pain002|csv (the file's extension does not say)"),
                },
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let started = std::time::Instant::now();
            let r = app.reconcile(&as_user(app, by.as_deref())?, &bytes, &format)?;
            println!(
                "report {} for cycle {}: {} statuses in {:.2}s — {} accepted, {} rejected, {} returned, {} unchanged, {} pending",
                r.message_id,
                r.cycle,
                r.statuses,
                started.elapsed().as_secs_f64(),
                r.accepted,
                r.rejected,
                r.returned,
                r.unchanged,
                r.pending
            );
            for (s, (n, f)) in &r.totals {
                println!("  {s}: {n} payments, {}", fils(*f));
            }
        }
        PaymentsCmd::Rejected { program } => {
            for r in app.rejections(&operator(None), &program)? {
                let p = &r.payment;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    p.end_to_end,
                    p.household,
                    p.status,
                    p.reason.clone().unwrap_or_default(),
                    fils(p.amount_fils),
                    if r.account_changed {
                        "account fixed: paid again next cycle"
                    } else {
                        "waiting for a new account"
                    }
                );
            }
        }
    }
    Ok(())
}

fn accounts(app: &App, cmd: AccountsCmd) -> Result<()> {
    match cmd {
        AccountsCmd::Set {
            national_number,
            iban,
            wallet,
            mobile,
            by,
        } => {
            let input = match (iban, wallet, mobile) {
                (Some(iban), None, None) => AccountInput::Bank { iban },
                (None, Some(provider), Some(mobile)) => AccountInput::Ewallet { mobile, provider },
                _ => bail!("give --iban, or --wallet PROVIDER with --mobile"),
            };
            let a = app.set_account(&as_user(app, by.as_deref())?, &national_number, &input)?;
            println!(
                "{} account {} at {} (since {}, {})",
                a.national_number,
                a.iban.or(a.mobile).unwrap_or_default(),
                a.provider,
                a.changed_at_ms,
                a.source
            );
        }
        AccountsCmd::Show { national_number } => {
            for a in app.accounts_of(&operator(None), &national_number)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    a.seq,
                    if a.active { "active" } else { "ended" },
                    a.kind,
                    a.provider,
                    a.iban.or(a.mobile).unwrap_or_default(),
                    a.source
                );
            }
        }
        AccountsCmd::Import { file, by } => {
            let mut f = std::io::BufReader::new(
                std::fs::File::open(&file)
                    .with_context(|| format!("cannot open {}", file.display()))?,
            );
            let started = std::time::Instant::now();
            let r = app.import_accounts(&as_user(app, by.as_deref())?, &mut f)?;
            println!(
                "{} lines in {:.1}s: {} accounts set, {} unchanged, {} without an account, {} refused",
                r.lines,
                started.elapsed().as_secs_f64(),
                r.set,
                r.unchanged,
                r.without_account,
                r.refused_count
            );
            for (line, why) in r.refused.iter().take(20) {
                println!("  line {line}: {why}");
            }
        }
    }
    Ok(())
}

fn appeals(app: &App, cmd: AppealsCmd) -> Result<()> {
    match cmd {
        AppealsCmd::Submit {
            household,
            program,
            reason,
            documents,
            by,
        } => {
            let mut docs = Vec::new();
            for d in documents {
                let content =
                    std::fs::read(&d).with_context(|| format!("cannot read {}", d.display()))?;
                let content_type = match d.extension().and_then(|e| e.to_str()) {
                    Some("pdf") => "application/pdf",
                    Some("jpg" | "jpeg") => "image/jpeg",
                    Some("png") => "image/png",
                    _ => bail!("{}: a document is a .pdf, .jpg or .png", d.display()),
                };
                docs.push(NewDocument {
                    name: d
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    content_type: content_type.into(),
                    content,
                });
            }
            let v = app.submit_appeal(
                &app.caller_for_account(&by)?,
                &household,
                &program,
                &reason,
                docs,
            )?;
            println!(
                "appeal against {} ({}), due {}",
                v.appeal.decision, v.appeal.program, v.appeal.due_at_ms
            );
            println!("{}", v.appeal.id);
        }
        AppealsCmd::Step { id, to, note, by } => {
            let v = app.appeal_step(&app.caller_for_account(&by)?, &id, &to, &note)?;
            println!("{} {}", v.appeal.id, v.appeal.state);
        }
        AppealsCmd::List {
            overdue,
            state,
            household,
        } => {
            let filter = match (overdue, &state, &household) {
                (true, _, _) => AppealFilter::OverdueAt(nur_store::now_ms()),
                (_, Some(s), _) => AppealFilter::State(s),
                (_, _, Some(h)) => AppealFilter::Household(h),
                _ => AppealFilter::All,
            };
            for a in app.appeals(&operator(None), filter)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tdue {}",
                    a.id, a.household, a.program, a.decision, a.state, a.due_at_ms
                );
            }
        }
        AppealsCmd::Show { id } => {
            let v = app.appeal(&operator(None), &id)?;
            println!(
                "{} {} {}: against {}; {} ({}){}",
                v.appeal.id,
                v.appeal.household,
                v.appeal.program,
                v.appeal.decision,
                v.appeal.state,
                v.appeal.submitter_kind,
                if v.overdue { " OVERDUE" } else { "" }
            );
            for s in v.steps {
                println!("  {} {} by {}: {}", s.at_ms, s.state, s.officer, s.note);
            }
            for d in v.documents {
                println!(
                    "  document {} {} ({} bytes, sha256 {})",
                    d.seq, d.name, d.bytes, d.sha256
                );
            }
        }
    }
    Ok(())
}
