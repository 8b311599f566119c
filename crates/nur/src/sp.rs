//! `nur sp …`: the social registry's bulk work at the command line, as the operator —
//! importing applications (the same checks and verification as a submission), the national
//! facts run, and one pass of the re-verification worker.

use crate::access::operator;
use anyhow::{Context, Result};
use clap::Subcommand;
use nur_app::App;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SpCmd {
    /// Intake applications.
    Applications {
        #[command(subcommand)]
        cmd: ApplicationsCmd,
    },
    /// Compute every household's facts (applicants from answers and registries, the others
    /// from the registries alone); batched, and resumed after a stop.
    Facts {
        /// Households per batch.
        #[arg(long, default_value_t = nur_app::FACTS_BATCH)]
        batch: u32,
        /// Start from the first household even if an earlier run stopped half way.
        #[arg(long)]
        restart: bool,
        #[arg(long)]
        actor: Option<String>,
    },
    /// The columns the social registry reads, by custodian and table: what its entity must
    /// be granted (one line per table: CUSTODIAN TABLE COLUMN,COLUMN,…).
    Needs,
    /// Re-verify the households that registry changes marked (one pass; `nur serve` and
    /// `nur ingest run` do it continuously).
    Reverify {
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long)]
        actor: Option<String>,
    },
    #[command(flatten)]
    Targeting(crate::sp_target::TargetingCmd),
    #[command(flatten)]
    Pay(crate::sp_pay::PayCmd),
}

#[derive(Subcommand)]
pub enum ApplicationsCmd {
    /// Import applications from a JSON-lines file (one application per line, with a `ref`
    /// that makes a re-import change nothing).
    Import {
        file: PathBuf,
        #[arg(long)]
        actor: Option<String>,
        /// List at most this many rejected lines (all are counted).
        #[arg(long, default_value_t = 50)]
        show: usize,
    },
}

/// `nur sp needs`: what the custodians grant the programs' entity (no database needed).
pub fn needs(catalog: &nur_core::Catalog) {
    let sp = nur_app::SocialRegistry::jordan(catalog);
    let mut by_table: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (t, c) in sp.needed_columns(catalog) {
        by_table
            .entry(t.to_string())
            .or_default()
            .push(c.to_string());
    }
    for (t, cols) in by_table {
        let custodian = catalog
            .table(&t)
            .map(|t| t.custodian().to_string())
            .unwrap_or_default();
        println!("{custodian} {t} {}", cols.join(","));
    }
}

pub fn run(app: &App, cmd: SpCmd) -> Result<()> {
    match cmd {
        SpCmd::Applications {
            cmd: ApplicationsCmd::Import { file, actor, show },
        } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let mut input = std::io::BufReader::new(f);
            let started = std::time::Instant::now();
            let tty = std::io::stderr().is_terminal();
            let r = app.import_applications(&operator(actor), &mut input, &mut |r| {
                if tty {
                    eprint!("\r{} lines, {} imported", r.lines, r.imported);
                }
            })?;
            if tty {
                eprintln!();
            }
            println!(
                "{} lines in {:.1}s: {} imported ({} with discrepancies, {} discrepancies in all), {} already imported, {} rejected",
                r.lines,
                started.elapsed().as_secs_f64(),
                r.imported,
                r.with_discrepancies,
                r.discrepancies,
                r.unchanged,
                r.rejected.len()
            );
            for x in r.rejected.iter().take(show) {
                println!(
                    "  line {} {}: {}",
                    x.line,
                    x.reference.as_deref().unwrap_or("(no ref)"),
                    x.reasons.join("; ")
                );
            }
            if r.rejected.len() > show {
                println!("  … and {} more", r.rejected.len() - show);
            }
        }
        SpCmd::Facts {
            batch,
            restart,
            actor,
        } => {
            let started = std::time::Instant::now();
            let tty = std::io::stderr().is_terminal();
            let r =
                app.compute_all_facts(&operator(actor), batch, restart, &mut |done, total| {
                    if tty {
                        eprint!("\r{done} / {total} households");
                    }
                })?;
            if tty {
                eprintln!();
            }
            if let Some(from) = &r.resumed_from {
                println!("resumed after household {from}");
            }
            println!(
                "facts for {} households ({} applicants) in {:.1}s; {} could not be computed",
                r.households,
                r.applicants,
                started.elapsed().as_secs_f64(),
                r.errors.len()
            );
            for (h, e) in r.errors.iter().take(10) {
                println!("  {h}: {e}");
            }
        }
        SpCmd::Needs => needs(app.catalog()),
        SpCmd::Reverify { limit, actor } => {
            let n = app.reverify_pending(&operator(actor), limit)?;
            println!("{n} households re-verified");
        }
        SpCmd::Targeting(cmd) => crate::sp_target::run(app, cmd)?,
        SpCmd::Pay(cmd) => crate::sp_pay::run(app, cmd)?,
    }
    Ok(())
}
