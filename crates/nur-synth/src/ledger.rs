//! What the registries say about one household, captured read-only while its rows are written.
//!
//! The social-registry truth ([`crate::welfare`]) must agree with the registry rows the
//! household's members already got from [`crate::generic`]: a member with an active social
//! security record earns that salary, a car in DVLD is a car the household has. The capture
//! copies values out of the cells just emitted; it draws nothing, so the registry files are
//! the same with or without it.

use nur_core::Table;

/// The registry that holds a captured row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Ssc,
    CivilService,
    CivilPension,
    MilitaryPension,
    Company,
    SoleProprietorship,
}

impl Source {
    pub fn table(self) -> &'static str {
        match self {
            Source::Ssc => "SSC_Insured_Info",
            Source::CivilService => "CSB_Civil_Servants",
            Source::CivilPension => "CSB_Pension_Info",
            Source::MilitaryPension => "DCMR_Employer",
            Source::Company => "CCD_Companies",
            Source::SoleProprietorship => "MIT_Sole_Proprietorships",
        }
    }
}

/// One household's registry facts; `member` is an index into `Household::members`.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Active SSC insured salaries and on-duty civil servants' basic salaries.
    pub salaries: Vec<(usize, Source, f64)>,
    /// Civil-service pensions and military retirees' net salaries.
    pub pensions: Vec<(usize, Source, f64)>,
    /// Members whose SSC record says retired.
    pub ssc_retired: Vec<usize>,
    /// DVLD vehicles: registration number and model year.
    pub cars: Vec<(usize, String, i32)>,
    /// DLS parcels: ownership number and estimated value.
    pub land: Vec<(usize, String, f64)>,
    /// Active companies and sole proprietorships: number and capital.
    pub businesses: Vec<(usize, Source, String, f64)>,
    /// Members holding a valid disability card.
    pub disability_cards: Vec<usize>,
    /// NAF rows (monthly aid or cash transfer): the monthly amount and whether it is active.
    pub naf: Vec<(usize, f64, bool)>,
}

impl Ledger {
    pub fn clear(&mut self) {
        self.salaries.clear();
        self.pensions.clear();
        self.ssc_retired.clear();
        self.cars.clear();
        self.land.clear();
        self.businesses.clear();
        self.disability_cards.clear();
        self.naf.clear();
    }

    /// Salaries and pensions: the income the registries can verify.
    pub fn formal_income(&self) -> f64 {
        self.salaries.iter().map(|s| s.2).sum::<f64>()
            + self.pensions.iter().map(|p| p.2).sum::<f64>()
            + 0.0
    }

    pub fn is_formal_worker(&self, member: usize) -> bool {
        self.salaries.iter().any(|s| s.0 == member)
    }

    pub fn is_retired(&self, member: usize) -> bool {
        self.pensions.iter().any(|p| p.0 == member) || self.ssc_retired.contains(&member)
    }

    pub fn business_capital(&self) -> f64 {
        // `+ 0.0`: an empty sum is -0.0, which would be written with a sign.
        self.businesses.iter().map(|b| b.3).sum::<f64>() + 0.0
    }

    pub fn land_value(&self) -> f64 {
        self.land.iter().map(|l| l.2).sum::<f64>() + 0.0
    }

    pub fn newest_model_year(&self) -> Option<i32> {
        self.cars.iter().map(|c| c.2).max()
    }

    /// Monthly NAF aid still being paid.
    pub fn active_aid(&self) -> f64 {
        self.naf.iter().filter(|n| n.2).map(|n| n.1).sum::<f64>() + 0.0
    }
}

/// How to read one captured table's row: the column positions that matter.
pub(crate) enum Capture {
    /// A salary or pension, counted only when `status` (if any) holds `active`.
    Income {
        source: Source,
        status: Option<(usize, &'static str)>,
        amount: usize,
        pension: bool,
    },
    Car {
        number: usize,
        year: usize,
    },
    Land {
        number: usize,
        value: usize,
    },
    Business {
        source: Source,
        status: usize,
        number: usize,
        capital: usize,
    },
    Disability {
        status: usize,
    },
    Aid {
        status: usize,
        amount: usize,
    },
}

impl Capture {
    /// The capture for a table, or `None` when the truth needs nothing from it (or the
    /// catalog lacks a column it needs).
    pub(crate) fn for_table(t: &Table) -> Option<Capture> {
        let c = |name: &str| t.column_index(name);
        Some(match t.name.as_str() {
            "SSC_Insured_Info" => Capture::Income {
                source: Source::Ssc,
                status: Some((c("Insured_Status")?, "1")),
                amount: c("Current_Salary")?,
                pension: false,
            },
            "CSB_Civil_Servants" => Capture::Income {
                source: Source::CivilService,
                status: Some((c("Employment_Status")?, "1")),
                amount: c("Basic_Salary")?,
                pension: false,
            },
            "CSB_Pension_Info" => Capture::Income {
                source: Source::CivilPension,
                status: None,
                amount: c("Pension_Amount")?,
                pension: true,
            },
            "DCMR_Employer" => Capture::Income {
                source: Source::MilitaryPension,
                status: None,
                amount: c("Net_Salary")?,
                pension: true,
            },
            "DVLD_Car_Info" => Capture::Car {
                number: c("Registration_Number")?,
                year: c("Model_Year")?,
            },
            "DLS_Land_Ownership" => Capture::Land {
                number: c("Ownership_Number")?,
                value: c("Estimated_Value")?,
            },
            "CCD_Companies" => Capture::Business {
                source: Source::Company,
                status: c("Company_Status")?,
                number: c("Company_Number")?,
                capital: c("Capital")?,
            },
            "MIT_Sole_Proprietorships" => Capture::Business {
                source: Source::SoleProprietorship,
                status: c("Status")?,
                number: c("Registration_Number")?,
                capital: c("Capital")?,
            },
            "HCD_Disability_Cards" => Capture::Disability {
                status: c("Card_Status")?,
            },
            "NAF_Monthly_Aid" => Capture::Aid {
                status: c("Aid_Status")?,
                amount: c("Monthly_Amount")?,
            },
            "NAF_Cash_Transfer" => Capture::Aid {
                status: c("Status")?,
                amount: c("Monthly_Amount")?,
            },
            _ => return None,
        })
    }

    /// Records the row just written for `member`.
    pub(crate) fn record(&self, cells: &[String], member: usize, ledger: &mut Ledger) {
        let num = |i: usize| cells[i].parse::<f64>().unwrap_or(0.0);
        match *self {
            Capture::Income {
                source,
                status,
                amount,
                pension,
            } => match status {
                Some((s, active)) if cells[s] != active => {
                    // SSC's "retired" status: no salary, but the member is retired.
                    if source == Source::Ssc && cells[s] == "3" {
                        ledger.ssc_retired.push(member);
                    }
                }
                _ if pension => ledger.pensions.push((member, source, num(amount))),
                _ => ledger.salaries.push((member, source, num(amount))),
            },
            Capture::Car { number, year } => ledger.cars.push((
                member,
                cells[number].clone(),
                cells[year].parse().unwrap_or(0),
            )),
            Capture::Land { number, value } => {
                ledger
                    .land
                    .push((member, cells[number].clone(), num(value)))
            }
            Capture::Business {
                source,
                status,
                number,
                capital,
            } => {
                if cells[status] == "1" {
                    ledger
                        .businesses
                        .push((member, source, cells[number].clone(), num(capital)));
                }
            }
            Capture::Disability { status } => {
                if cells[status] == "1" && !ledger.disability_cards.contains(&member) {
                    ledger.disability_cards.push(member);
                }
            }
            Capture::Aid { status, amount } => {
                ledger.naf.push((member, num(amount), cells[status] == "1"))
            }
        }
    }
}
