//! Registries generated from the catalog's synth rules: each living person (or household
//! head) in a table's age range is picked with the table's share and gets a few rows whose
//! columns follow their column rules. Tables with a `month` column are periodic (one row per
//! month going back from the as-of date); their text and coded columns stay the same across a
//! person's rows, as an employer does across a year of salaries.

use crate::ledger::{Capture, Ledger};
use crate::names::Names;
use crate::population::Household;
use crate::rng::{cumulative, Rng};
use crate::{Out, SynthError};
use nur_core::catalog::{ColumnSynth, Per, TableSynth};
use nur_core::{Catalog, ColumnType, Date};
use std::path::Path;

enum Op {
    Person { personal_id: bool },
    CivilRecord,
    Serial(String),
    Int(i64, i64),
    Money(f64, f64),
    Date(i64, i64),
    Choice(Vec<String>, Vec<f64>),
    Governorate,
    Liwa,
    Kada,
    Text(Vec<String>),
    Bool(f64),
    FractionOf(usize, f64, f64),
    Month,
    YearRecent(i64),
    Null,
}

impl Op {
    /// Kept across a person's rows in periodic tables.
    fn sticky(&self) -> bool {
        matches!(self, Op::Text(_) | Op::Choice(..))
    }
}

struct Rule {
    out: usize,
    per: Per,
    share: f64,
    min_age: i64,
    max_age: i64,
    gender: Option<bool>,
    rows: (i64, i64),
    ops: Vec<Op>,
    periodic: bool,
    /// What the social-registry truth reads from this table's rows, if anything.
    capture: Option<Capture>,
}

pub struct Generic {
    rules: Vec<Rule>,
    as_of: Date,
    foreign_serial: u64,
    /// The last written household's captured rows (read-only copies of emitted cells).
    pub(crate) ledger: Ledger,
}

impl Generic {
    pub(crate) fn new(_catalog: &Catalog, outs: &[Out<'_>], as_of: Date) -> Generic {
        let mut rules = Vec::new();
        for (i, o) in outs.iter().enumerate() {
            let Some(TableSynth::Generic {
                per,
                share,
                min_age,
                max_age,
                gender,
                rows,
            }) = &o.table.synth
            else {
                continue;
            };
            let t = o.table;
            let ops: Vec<Op> = t
                .columns
                .iter()
                .map(|c| match c.synth.as_ref().unwrap_or(&ColumnSynth::Null) {
                    ColumnSynth::Person => Op::Person {
                        personal_id: c.ty == ColumnType::PersonalId,
                    },
                    ColumnSynth::CivilRecord => Op::CivilRecord,
                    ColumnSynth::Serial { prefix } => Op::Serial(prefix.clone()),
                    ColumnSynth::Int { min, max } => Op::Int(*min, *max),
                    ColumnSynth::Money { min, max } => Op::Money(*min, *max),
                    ColumnSynth::Date { from, to } => {
                        let d = |s: &str| {
                            Date::parse(s)
                                .map(|d| d.to_days())
                                .unwrap_or(as_of.to_days())
                        };
                        Op::Date(d(from), d(to))
                    }
                    ColumnSynth::Choice { values, weights } => {
                        let w = if weights.len() == values.len() {
                            weights.clone()
                        } else {
                            vec![1.0; values.len()]
                        };
                        Op::Choice(values.clone(), cumulative(w))
                    }
                    ColumnSynth::Governorate => Op::Governorate,
                    ColumnSynth::Liwa => Op::Liwa,
                    ColumnSynth::Kada => Op::Kada,
                    ColumnSynth::Text { words } => Op::Text(words.clone()),
                    ColumnSynth::Bool { p } => Op::Bool(*p),
                    ColumnSynth::FractionOf { column, min, max } => {
                        Op::FractionOf(t.column_index(column).unwrap_or(0), *min, *max)
                    }
                    ColumnSynth::Month => Op::Month,
                    ColumnSynth::YearRecent { back } => Op::YearRecent(*back),
                    ColumnSynth::Null => Op::Null,
                })
                .collect();
            let periodic = ops.iter().any(|o| matches!(o, Op::Month));
            rules.push(Rule {
                out: i,
                per: *per,
                share: *share,
                min_age: min_age.map(i64::from).unwrap_or(0),
                max_age: max_age.map(i64::from).unwrap_or(200),
                gender: gender.as_deref().map(|g| g == "male"),
                rows: (i64::from(rows[0]), i64::from(rows[1].max(rows[0]))),
                ops,
                periodic,
                capture: Capture::for_table(t),
            });
        }
        Generic {
            rules,
            as_of,
            foreign_serial: 0,
            ledger: Ledger::default(),
        }
    }

    pub(crate) fn write(
        &mut self,
        outs: &mut [Out<'_>],
        rng: &mut Rng,
        _names: &Names,
        catalog: &Catalog,
        hh: &Household,
        dir: &Path,
    ) -> Result<(), SynthError> {
        let g = &catalog.geography.governorates[hh.gov];
        let liwa = &g.liwas[hh.liwa];
        let kada = liwa
            .kadas
            .get(hh.kada)
            .map(|k| k.code.as_str())
            .unwrap_or("");
        let as_of = self.as_of;
        // The household's representative for per-household registries: its first living adult.
        let rep = hh
            .members
            .iter()
            .enumerate()
            .find(|(_, p)| p.alive() && p.age(as_of) >= 18);
        self.ledger.clear();
        for rule in &self.rules {
            let subjects: Vec<(usize, &crate::population::Person)> = match rule.per {
                Per::Person => hh
                    .members
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.alive())
                    .collect(),
                Per::Household => rep.into_iter().collect(),
            };
            for (member, p) in subjects {
                let age = p.age(as_of);
                if age < rule.min_age || age > rule.max_age {
                    continue;
                }
                if rule.gender.is_some_and(|male| male != p.male) {
                    continue;
                }
                if !rng.chance(rule.share) {
                    continue;
                }
                let rows = rng.range(rule.rows.0, rule.rows.1);
                let out = &mut outs[rule.out];
                out.clear();
                let mut money = vec![0f64; rule.ops.len()];
                for r in 0..rows {
                    for pass in 0..2 {
                        for (ci, op) in rule.ops.iter().enumerate() {
                            // Fractions are computed after the columns they refer to.
                            if (pass == 1) != matches!(op, Op::FractionOf(..)) {
                                continue;
                            }
                            if rule.periodic && r > 0 && op.sticky() {
                                continue;
                            }
                            let cell = &mut out.cells[ci];
                            cell.clear();
                            use std::fmt::Write;
                            let _ = match op {
                                Op::Person { personal_id: false } => write!(cell, "{}", p.nn),
                                Op::Person { personal_id: true } => {
                                    self.foreign_serial += 1;
                                    write!(cell, "F{:08}", self.foreign_serial)
                                }
                                Op::CivilRecord => write!(cell, "{}", hh.civil_record_id),
                                Op::Serial(prefix) => {
                                    out.serial += 1;
                                    write!(cell, "{prefix}{:08}", out.serial)
                                }
                                Op::Int(a, b) => write!(cell, "{}", rng.range(*a, *b)),
                                Op::Money(a, b) => {
                                    let x = a + rng.f64() * (b - a);
                                    money[ci] = x;
                                    write!(cell, "{x:.3}")
                                }
                                Op::Date(a, b) => {
                                    write!(cell, "{}", Date::from_days(rng.range(*a, *b)))
                                }
                                Op::Choice(values, cum) => {
                                    write!(cell, "{}", values[rng.weighted(cum)])
                                }
                                Op::Governorate => write!(cell, "{}", g.code),
                                Op::Liwa => write!(cell, "{}", liwa.code),
                                Op::Kada => write!(cell, "{kada}"),
                                Op::Text(words) => write!(cell, "{}", rng.pick(words)),
                                Op::Bool(pr) => {
                                    write!(cell, "{}", if rng.chance(*pr) { 1 } else { 0 })
                                }
                                Op::FractionOf(base, a, b) => {
                                    let x = money[*base] * (a + rng.f64() * (b - a));
                                    write!(cell, "{x:.3}")
                                }
                                Op::Month => {
                                    let m = i64::from(as_of.month()) - 1 - r;
                                    write!(cell, "{}", m.rem_euclid(12) + 1)
                                }
                                Op::YearRecent(back) => {
                                    let y = if rule.periodic {
                                        i64::from(as_of.year())
                                            + (i64::from(as_of.month()) - 1 - r).div_euclid(12)
                                    } else if rows > 1 {
                                        i64::from(as_of.year()) - r % (back + 1)
                                    } else {
                                        i64::from(as_of.year()) - rng.range(0, *back)
                                    };
                                    write!(cell, "{y}")
                                }
                                Op::Null => Ok(()),
                            };
                        }
                    }
                    let path = dir.join(format!("{}.csv", out.table.name));
                    out.emit(&path)?;
                    if let Some(c) = &rule.capture {
                        c.record(&out.cells, member, &mut self.ledger);
                    }
                }
            }
        }
        Ok(())
    }
}
