//! `nur sp pmt|score|truth|programs|target|decisions`: the proxy means test fitted and
//! published, every household scored, programs listed and saved, targeting run or
//! simulated, and one household's decisions explained.

use crate::access::operator;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use nur_app::{App, TargetOutcome, TargetPlan};
use nur_sp::pmt::{self, By, FitOptions, FitStats, Spec};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PmtCmd {
    /// Fit the proxy means test on a survey by ordinary least squares on log consumption
    /// per person (a fixed 20% hold-out), print its fit and errors beside a hand-weighted
    /// sum of the same terms, and write the model.
    Fit {
        #[arg(long)]
        survey: PathBuf,
        /// Variants per urban/rural or governorate.
        #[arg(long)]
        by: Option<String>,
        /// The share of households selected when errors are measured.
        #[arg(long, default_value_t = 0.15)]
        coverage: f64,
        /// The specification (variables, transforms, levels, hand weights); Jordan's by default.
        #[arg(long)]
        spec: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Publish a fitted model (audited); prints its version on the last line.
    Publish {
        file: PathBuf,
        #[arg(long)]
        actor: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ProgramsCmd {
    /// List the programs: code, published and newest version, owner, name.
    List,
    /// Print a program's definition (the newest published, or VERSION).
    Show {
        code: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Save a program's new version from a definition file (a draft unless --publish).
    Save {
        file: PathBuf,
        #[arg(long)]
        publish: bool,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Publish a draft version.
    Publish {
        code: String,
        version: i64,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Install the six pilots where they are missing.
    Install {
        #[arg(long)]
        actor: Option<String>,
    },
}

/// The targeting commands, beside the intake ones in `SpCmd`.
#[derive(Subcommand)]
pub enum TargetingCmd {
    /// The proxy means test.
    Pmt {
        #[command(subcommand)]
        cmd: PmtCmd,
    },
    /// Score every household with a published model (the newest unless --model); batched,
    /// resumed after a stop.
    Score {
        #[arg(long)]
        model: Option<i64>,
        #[arg(long, default_value_t = nur_app::SCORE_BATCH)]
        batch: u32,
        #[arg(long)]
        restart: bool,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Load the truth (household, consumption per person, poor) that targeting errors are
    /// measured against: a survey's, or the synthetic data's SP_Truth.csv.
    Truth {
        file: PathBuf,
        #[arg(long, default_value = "synthetic")]
        source: String,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Programs as configuration.
    Programs {
        #[command(subcommand)]
        cmd: ProgramsCmd,
    },
    /// Rank a program's eligible households and cut at its quota and budget; stores the
    /// run unless --simulate. `--program all` runs every published program in one pass.
    Target {
        #[arg(long, required = true)]
        program: Vec<String>,
        #[arg(long)]
        simulate: bool,
        #[arg(long)]
        quota: Option<i64>,
        /// Fils per cycle.
        #[arg(long)]
        budget: Option<i64>,
        /// Replace a rule (or `benefit`) for the simulation: RULE=CEL.
        #[arg(long = "set")]
        set: Vec<String>,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Explain every program's decision about a household.
    Decisions {
        household: String,
        #[arg(long)]
        actor: Option<String>,
    },
}

fn stats_line(label: &str, s: &FitStats) -> String {
    format!(
        "  {label:<22} R² {:.3} (train {:.3})  RMSE {:.3}  inclusion {:.1}%  exclusion {:.1}%",
        s.r2,
        s.r2_train,
        s.rmse,
        s.inclusion_error * 100.0,
        s.exclusion_error * 100.0
    )
}

/// `nur sp pmt fit`: reads and fits, no database needed.
pub fn fit(
    catalog: &nur_core::Catalog,
    survey: &PathBuf,
    by: Option<&str>,
    coverage: f64,
    spec: Option<&PathBuf>,
    out: &PathBuf,
) -> Result<()> {
    let facts = nur_sp::FactsDef::jordan(catalog);
    let spec = match spec {
        Some(p) => Spec::from_json(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )?,
        None => Spec::jordan(),
    };
    let by = match by {
        None => None,
        Some(b) => Some(
            By::parse(b).with_context(|| format!("--by {b}: use urban_rural or governorate"))?,
        ),
    };
    let text = std::fs::read_to_string(survey)
        .with_context(|| format!("cannot read {}", survey.display()))?;
    let started = std::time::Instant::now();
    let rows = pmt::read_survey(&text, &spec, &facts)?;
    let model = pmt::fit(
        &spec,
        &facts,
        &rows,
        &FitOptions {
            by,
            holdout_share: 0.2,
            coverage,
        },
    )?;
    std::fs::write(out, serde_json::to_string_pretty(&model)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "fitted {} on {} surveyed households in {:.2}s ({} variants); hold-out 20%, errors at {:.0}% coverage:",
        model.name,
        rows.len(),
        started.elapsed().as_secs_f64(),
        model.variants.len(),
        coverage * 100.0
    );
    for c in &model.comparison {
        let set = match c.set {
            pmt::Set::Answers => "applicants",
            pmt::Set::Registries => "registries only",
        };
        println!(
            " {set} (poor {:.1}% of the hold-out of {}):",
            c.fitted.poor_share * 100.0,
            c.fitted.holdout
        );
        println!("{}", stats_line("fitted (OLS)", &c.fitted));
        println!("{}", stats_line("hand-weighted sum", &c.hand));
    }
    for v in &model.variants {
        println!(
            "  variant {:<16} {} terms, R² {:.3}, n {}",
            v.key(),
            v.coefficients.len(),
            v.fit.r2,
            v.fit.train
        );
    }
    println!("{}", out.display());
    Ok(())
}

fn print_outcome(o: &TargetOutcome, elapsed: f64) {
    let s = &o.summary;
    let what = match (&o.run, &o.from_run) {
        (Some(r), _) => format!("run {r}"),
        (None, Some(r)) => format!("simulation (re-cut of {r})"),
        (None, None) => "simulation".into(),
    };
    println!(
        "{} v{} (model v{}), {what} in {elapsed:.2}s: {} of {} eligible selected ({} persons), {:.3} JOD per cycle; stopped by {}",
        o.program,
        o.program_version,
        o.model_version,
        s.selected,
        s.eligible,
        s.individuals,
        s.cost_fils as f64 / 1000.0,
        s.stopped_by
    );
    println!(
        "  cut: quota {:?}, budget {:?} fils; {} households scored",
        o.cut.quota, o.cut.budget_fils, o.population.households
    );
    if let Some(e) = &s.errors {
        println!(
            "  against the truth ({} households, {} poor): inclusion error {:.1}%, exclusion error {:.1}%",
            e.truth_known,
            e.poor,
            e.inclusion * 100.0,
            e.exclusion * 100.0
        );
    }
    let deciles: Vec<String> = s.by_decile.iter().map(|c| c.selected.to_string()).collect();
    println!("  selected by decile: {}", deciles.join(" "));
    let sex: Vec<String> = s
        .by_head_sex
        .iter()
        .map(|(k, c)| format!("{k} {}/{}", c.selected, c.households))
        .collect();
    println!("  by the head's sex: {}", sex.join(", "));
    let gov: Vec<String> = s
        .by_governorate
        .iter()
        .map(|(g, c)| format!("{g}:{}", c.selected))
        .collect();
    println!("  by governorate: {}", gov.join(" "));
    if o.errors > 0 {
        println!("  {} households could not be decided:", o.errors);
        for (h, e) in o.error_samples.iter().take(5) {
            println!("    {h}: {e}");
        }
    }
}

pub fn run(app: &App, cmd: TargetingCmd) -> Result<()> {
    let tty = std::io::stderr().is_terminal();
    match cmd {
        TargetingCmd::Pmt {
            cmd:
                PmtCmd::Fit {
                    survey,
                    by,
                    coverage,
                    spec,
                    out,
                },
        } => fit(
            app.catalog(),
            &survey,
            by.as_deref(),
            coverage,
            spec.as_ref(),
            &out,
        )?,
        TargetingCmd::Pmt {
            cmd: PmtCmd::Publish { file, actor },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let model = pmt::Model::from_json(&text)?;
            let v = app.publish_model(&operator(actor), &model)?;
            println!("published {} as version", model.name);
            println!("{v}");
        }
        TargetingCmd::Score {
            model,
            batch,
            restart,
            actor,
        } => {
            let started = std::time::Instant::now();
            let r = app.score_all(&operator(actor), model, batch, restart, &mut |d, t| {
                if tty {
                    eprint!("\r{d} / {t} households");
                }
            })?;
            if tty {
                eprintln!();
            }
            if let Some(from) = &r.resumed_from {
                println!("resumed after household {from}");
            }
            println!(
                "scored {} of {} households with model v{} in {:.1}s; {} could not be scored",
                r.scored,
                r.households,
                r.model_version,
                started.elapsed().as_secs_f64(),
                r.failed
            );
            for (h, e) in r.errors.iter().take(10) {
                println!("  {h}: {e}");
            }
        }
        TargetingCmd::Truth {
            file,
            source,
            actor,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let n = app.import_truth(&operator(actor), &text, &source)?;
            println!("{n} households' truth loaded from {}", file.display());
        }
        TargetingCmd::Programs { cmd } => programs(app, cmd)?,
        TargetingCmd::Target {
            program,
            simulate,
            quota,
            budget,
            set,
            actor,
        } => {
            let caller = operator(actor);
            let codes = if program.iter().any(|p| p == "all") {
                app.install_pilots(&caller)?;
                app.programs(&caller)?
                    .into_iter()
                    .filter(|p| p.published.is_some())
                    .map(|p| p.code)
                    .collect()
            } else {
                program
            };
            let mut pairs = Vec::new();
            for s in set {
                let Some((k, v)) = s.split_once('=') else {
                    bail!("--set {s}: write RULE=CEL");
                };
                pairs.push((k.trim().to_owned(), v.trim().to_owned()));
            }
            let plan = TargetPlan {
                simulate,
                quota,
                budget_fils: budget,
                governorate_quotas: Default::default(),
                set: pairs,
            };
            let started = std::time::Instant::now();
            let outcomes = app.target(&caller, &codes, &plan)?;
            let elapsed = started.elapsed().as_secs_f64();
            for o in &outcomes {
                print_outcome(o, elapsed);
            }
        }
        TargetingCmd::Decisions { household, actor } => {
            let d = app.decisions(&operator(actor), &household)?;
            println!("{}", serde_json::to_string_pretty(&d)?);
        }
    }
    Ok(())
}

fn programs(app: &App, cmd: ProgramsCmd) -> Result<()> {
    match cmd {
        ProgramsCmd::List => {
            let caller = operator(None);
            app.install_pilots(&caller)?;
            for p in app.programs(&caller)? {
                let published = p.published.map_or("-".to_owned(), |v| format!("v{v}"));
                println!(
                    "{:<12} {:<4} latest v{:<3} {:<6} {}",
                    p.code, published, p.latest, p.owner, p.name_en
                );
            }
        }
        ProgramsCmd::Show { code, version } => {
            let (row, _) = app.program(&operator(None), &code, version)?;
            println!("{}", row.definition);
        }
        ProgramsCmd::Save {
            file,
            publish,
            actor,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (code, v) = app.save_program(&operator(actor), &text, publish)?;
            println!(
                "saved {code} v{v}{}",
                if publish {
                    ", published"
                } else {
                    " as a draft"
                }
            );
        }
        ProgramsCmd::Publish {
            code,
            version,
            actor,
        } => {
            app.publish_program(&operator(actor), &code, version)?;
            println!("published {code} v{version}");
        }
        ProgramsCmd::Install { actor } => {
            let n = app.install_pilots(&operator(actor))?;
            println!("{n} pilots installed");
        }
    }
    Ok(())
}
