//! Intake applications (`SP_Applications.jsonl`): what households declare on the unified
//! intake form (`crates/nur-sp/config/jordan-intake.json`), one JSON object per line.
//!
//! Most declare the truth. Some under-declare what the registries know (fewer cars or
//! parcels, no business, less formal income): verification must find exactly those, so each
//! one is listed in the manifest with the registry value it contradicts. A few lines are
//! malformed in ways intake must refuse, also listed with their line.

use crate::accounts::{international, Account};
use crate::ledger::{Ledger, Source};
use crate::population::{Household, Relation};
use crate::rng::Rng;
use crate::welfare::{round3, Facts, Tenure, Work};
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;

#[derive(Serialize)]
struct Application<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    household: &'a str,
    channel: &'static str,
    form: &'static str,
    form_version: u32,
    answers: Answers<'a>,
}

#[derive(Serialize)]
struct Answers<'a> {
    household: HouseholdSection<'a>,
    dwelling: Dwelling,
    assets: Assets,
    income: Income,
    utilities: Utilities,
    contact: Contact,
    payment: Payment<'a>,
}

#[derive(Serialize)]
struct HouseholdSection<'a> {
    civil_record_id: &'a str,
    governorate: &'a str,
    area: &'static str,
    members: Vec<MemberAnswer>,
}

#[derive(Serialize)]
struct MemberAnswer {
    national_number: String,
    relation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    gender: &'static str,
    education: &'static str,
    work: &'static str,
    disability: bool,
    chronic_illness: bool,
}

#[derive(Serialize)]
struct Dwelling {
    #[serde(skip_serializing_if = "Option::is_none")]
    walls: Option<&'static str>,
    roof: &'static str,
    floor: &'static str,
    rooms: i64,
    tenure: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rent_jod: Option<f64>,
    water: &'static str,
    toilet: &'static str,
}

#[derive(Serialize)]
struct Assets {
    fridge: bool,
    washing_machine: bool,
    tv: bool,
    air_conditioner: bool,
    computer: bool,
    livestock: u32,
    cars: u32,
    land_parcels: u32,
    business: bool,
}

#[derive(Serialize)]
struct Income {
    formal_jod: f64,
    informal_jod: f64,
    other_aid_jod: f64,
}

#[derive(Serialize)]
struct Utilities {
    electricity_kwh: u32,
    water_m3: u32,
}

#[derive(Serialize)]
struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<String>,
}

#[derive(Serialize)]
struct Payment<'a> {
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    iban: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wallet_provider: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wallet_mobile: Option<String>,
}

/// A line intake must refuse, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Malformed {
    #[serde(rename = "ref")]
    pub reference: String,
    pub line: u64,
    pub kind: String,
}

/// An answer that contradicts the registries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Misdeclaration {
    #[serde(rename = "ref")]
    pub reference: String,
    pub household: String,
    pub kind: String,
    pub table: String,
    pub national_number: String,
    pub declared: Value,
    pub registry: Value,
}

/// The kinds of malformed lines, taken in turn (a kind the household cannot show, such as a
/// deceased member in a household without one, falls to the next).
const MALFORMED: &[&str] = &[
    "not_json",
    "truncated_json",
    "missing_field",
    "invalid_national_number",
    "out_of_range",
    "unknown_member",
    "deceased_member",
    "contradictory_answers",
];

/// One malformed line in each block of this many applications, at a random place in it.
const MALFORMED_EVERY: u64 = 200;

/// Share of applicants with something to hide who under-declare it.
const MISDECLARE: f64 = 0.115;

pub struct Applications {
    count: u64,
    /// The position (1-based) of the malformed line in the current block.
    malformed_at: u64,
    malformed_kind: usize,
    unknown_serial: u64,
    pub malformed: Vec<Malformed>,
    pub misdeclarations: Vec<Misdeclaration>,
    line: Vec<u8>,
}

/// What `write` needs about a household beyond its facts.
pub struct Context<'a> {
    pub hh: &'a Household,
    pub facts: &'a Facts,
    pub ledger: &'a Ledger,
    pub governorate: &'a str,
    pub mobile: Option<&'a str>,
    pub account: &'a Account,
    pub as_of: nur_core::Date,
}

impl Applications {
    pub fn new() -> Applications {
        Applications {
            count: 0,
            malformed_at: 0,
            malformed_kind: 0,
            unknown_serial: 0,
            malformed: Vec::new(),
            misdeclarations: Vec::new(),
            line: Vec::with_capacity(4096),
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Writes the application of one household (which has decided to apply) as one line.
    pub fn write(
        &mut self,
        out: &mut impl Write,
        rng: &mut Rng,
        cx: &Context<'_>,
    ) -> std::io::Result<()> {
        self.count += 1;
        let n = self.count;
        if (n - 1).is_multiple_of(MALFORMED_EVERY) {
            self.malformed_at = n + rng.range(0, MALFORMED_EVERY as i64 - 1) as u64;
        }
        let reference = format!("SYN-{n:07}");
        let hh = cx.hh;
        let f = cx.facts;
        let mobile = cx.mobile.map(international);
        let head_alive = hh.head().alive();
        let members: Vec<MemberAnswer> = f
            .members
            .iter()
            .map(|m| {
                let p = &hh.members[m.index];
                // A widow answers as the head: the form wants exactly one living head.
                let relation = if m.index == f.head {
                    "head"
                } else {
                    match p.relation {
                        Relation::Head => "head",
                        Relation::Wife => "spouse",
                        Relation::Son => "son",
                        Relation::Daughter => "daughter",
                        Relation::Other => "parent",
                    }
                };
                MemberAnswer {
                    national_number: p.nn.clone(),
                    relation,
                    birth_date: Some(p.birth.to_string()),
                    gender: if p.male { "male" } else { "female" },
                    education: m.education.as_str(),
                    work: m.work.as_str(),
                    disability: m.disabled,
                    chronic_illness: m.chronic,
                }
            })
            .collect();
        let (iban, wallet_provider, wallet_mobile) = match cx.account {
            Account::Bank { iban } => (Some(iban.as_str()), None, None),
            Account::Wallet { provider } => (None, Some(*provider), mobile.clone()),
            Account::None => (None, None, None),
        };
        // Without an account on file the applicant gives a wallet on the contact mobile.
        let (method, wallet_provider, wallet_mobile) = match cx.account {
            Account::None => ("ewallet", Some("zain_cash"), mobile.clone()),
            a => (a.method(), wallet_provider, wallet_mobile),
        };
        let mut app = Application {
            reference: &reference,
            household: &hh.civil_record_id,
            channel: if rng.chance(0.7) {
                "citizen"
            } else {
                "caseworker"
            },
            form: "jordan-intake",
            form_version: 1,
            answers: Answers {
                household: HouseholdSection {
                    civil_record_id: &hh.civil_record_id,
                    governorate: cx.governorate,
                    area: if f.urban { "urban" } else { "rural" },
                    members,
                },
                dwelling: Dwelling {
                    walls: Some(f.walls.as_str()),
                    roof: f.roof.as_str(),
                    floor: f.floor.as_str(),
                    rooms: i64::from(f.rooms),
                    tenure: f.tenure.as_str(),
                    rent_jod: (f.tenure == Tenure::Rented).then_some(f.rent_jod),
                    water: f.water.as_str(),
                    toilet: f.toilet.as_str(),
                },
                assets: Assets {
                    fridge: f.fridge,
                    washing_machine: f.washing_machine,
                    tv: f.tv,
                    air_conditioner: f.air_conditioner,
                    computer: f.computer,
                    livestock: f.livestock,
                    cars: cx.ledger.cars.len() as u32,
                    land_parcels: cx.ledger.land.len() as u32,
                    business: !cx.ledger.businesses.is_empty(),
                },
                income: Income {
                    formal_jod: f.formal_jod,
                    informal_jod: f.informal_jod,
                    other_aid_jod: f.other_aid_jod,
                },
                utilities: Utilities {
                    electricity_kwh: f.electricity_kwh,
                    water_m3: f.water_m3,
                },
                contact: Contact { mobile },
                payment: Payment {
                    method,
                    iban,
                    wallet_provider,
                    wallet_mobile,
                },
            },
        };

        self.line.clear();
        // A deceased member can only be listed by a household that has one: when that kind
        // is due, the malformed line moves to the next such household of the block.
        let block_end = (n - 1) / MALFORMED_EVERY * MALFORMED_EVERY + MALFORMED_EVERY;
        if n == self.malformed_at
            && MALFORMED[self.malformed_kind % MALFORMED.len()] == "deceased_member"
            && hh.members.iter().all(|p| p.alive())
            && n < block_end
        {
            self.malformed_at += 1;
        }
        if n == self.malformed_at {
            let kind = self.tamper(&mut app, rng, cx, head_alive);
            if kind == "not_json" {
                write!(
                    self.line,
                    "{reference};{};{};members={}",
                    hh.civil_record_id,
                    app.channel,
                    f.size()
                )?;
            } else {
                serde_json::to_writer(&mut self.line, &app).map_err(std::io::Error::other)?;
                if kind == "truncated_json" {
                    let keep = self.line.len() / 2 + rng.range(0, 20) as usize;
                    self.line.truncate(keep);
                }
            }
            self.malformed.push(Malformed {
                reference: reference.clone(),
                line: n,
                kind: kind.to_owned(),
            });
        } else {
            if rng.chance(MISDECLARE) {
                self.misdeclare(&mut app, rng, cx, &reference);
            }
            serde_json::to_writer(&mut *out, &app).map_err(std::io::Error::other)?;
        }
        self.line.push(b'\n');
        out.write_all(&self.line)
    }

    /// Makes one thing wrong with the application; returns the kind.
    fn tamper(
        &mut self,
        app: &mut Application<'_>,
        rng: &mut Rng,
        cx: &Context<'_>,
        head_alive: bool,
    ) -> &'static str {
        loop {
            let kind = MALFORMED[self.malformed_kind % MALFORMED.len()];
            self.malformed_kind += 1;
            let a = &mut app.answers;
            match kind {
                "not_json" | "truncated_json" => {}
                "missing_field" => match rng.range(0, 2) {
                    0 => a.household.members[0].birth_date = None,
                    1 => a.dwelling.walls = None,
                    _ => a.contact.mobile = None,
                },
                "invalid_national_number" => {
                    let m = rng.range(0, a.household.members.len() as i64 - 1) as usize;
                    // The fourth digit is the gender digit; 5 is neither male nor female.
                    a.household.members[m]
                        .national_number
                        .replace_range(3..4, "5");
                }
                "out_of_range" => {
                    if rng.chance(0.5) {
                        a.dwelling.rooms = 0;
                    } else {
                        a.income.informal_jod = -round3(50.0 + 100.0 * rng.f64());
                    }
                }
                "unknown_member" => {
                    // A child born three years ago with a serial the population never
                    // reaches: well-formed, but nobody's.
                    self.unknown_serial += 1;
                    let year = cx.as_of.year() - 3;
                    let male = rng.chance(0.5);
                    let counter = 999_999 - self.unknown_serial % 900;
                    let serial = (counter * 7919 + 12_345) % 1_000_000;
                    let birth = nur_core::Date::new(
                        year,
                        1 + rng.range(0, 11) as u8,
                        1 + rng.range(0, 27) as u8,
                    )
                    .expect("valid day");
                    a.household.members.push(MemberAnswer {
                        national_number: format!(
                            "{}{:02}{}{serial:06}",
                            if year >= 2000 { '2' } else { '9' },
                            year.rem_euclid(100),
                            if male { 1 } else { 2 }
                        ),
                        relation: if male { "son" } else { "daughter" },
                        birth_date: Some(birth.to_string()),
                        gender: if male { "male" } else { "female" },
                        education: "none",
                        work: "none",
                        disability: false,
                        chronic_illness: false,
                    });
                }
                "deceased_member" => {
                    let Some(dead) = cx.hh.members.iter().find(|p| !p.alive()) else {
                        continue;
                    };
                    // The late husband listed as the booklet still lists him; the widow as
                    // his spouse, so the household still has one head.
                    if !head_alive {
                        for m in &mut a.household.members {
                            if m.relation == "head" {
                                m.relation = "spouse";
                            }
                        }
                    }
                    a.household.members.insert(
                        0,
                        MemberAnswer {
                            national_number: dead.nn.clone(),
                            relation: "head",
                            birth_date: Some(dead.birth.to_string()),
                            gender: if dead.male { "male" } else { "female" },
                            education: "basic",
                            work: "none",
                            disability: false,
                            chronic_illness: false,
                        },
                    );
                }
                _ => {
                    // Owned, yet paying rent.
                    a.dwelling.tenure = "owned";
                    a.dwelling.rent_jod = Some(round3(80.0 + 200.0 * rng.f64()));
                }
            }
            return kind;
        }
    }

    /// Under-declares one thing the registries know about the household, if it has any.
    fn misdeclare(
        &mut self,
        app: &mut Application<'_>,
        rng: &mut Rng,
        cx: &Context<'_>,
        reference: &str,
    ) {
        let l = cx.ledger;
        let mut kinds: Vec<&str> = Vec::new();
        if !l.cars.is_empty() {
            kinds.push("cars");
        }
        if !l.land.is_empty() {
            kinds.push("land_parcels");
        }
        if !l.businesses.is_empty() {
            kinds.push("business");
        }
        if !l.salaries.is_empty() || !l.pensions.is_empty() {
            kinds.push("formal_income");
        }
        if kinds.is_empty() {
            return;
        }
        let kind = *rng.pick(&kinds);
        let hh = cx.hh;
        let a = &mut app.answers;
        let (table, nn, declared, registry) = match kind {
            "cars" => {
                let have = l.cars.len() as u32;
                let declared = if have > 1 && rng.chance(0.5) {
                    have - 1
                } else {
                    0
                };
                a.assets.cars = declared;
                (
                    "DVLD_Car_Info",
                    &hh.members[l.cars[0].0].nn,
                    json!(declared),
                    json!(have),
                )
            }
            "land_parcels" => {
                let have = l.land.len() as u32;
                let declared = if have > 1 && rng.chance(0.5) {
                    have - 1
                } else {
                    0
                };
                a.assets.land_parcels = declared;
                (
                    "DLS_Land_Ownership",
                    &hh.members[l.land[0].0].nn,
                    json!(declared),
                    json!(have),
                )
            }
            "business" => {
                a.assets.business = false;
                let b = &l.businesses[0];
                (b.1.table(), &hh.members[b.0].nn, json!(false), json!(true))
            }
            _ => {
                let total = cx.facts.formal_jod;
                // The largest earner's registry names the contradiction.
                let (member, source) = l
                    .salaries
                    .iter()
                    .chain(&l.pensions)
                    .max_by(|x, y| x.2.total_cmp(&y.2))
                    .map(|s| (s.0, s.1))
                    .unwrap_or((0, Source::Ssc));
                let declared = if rng.chance(0.5) {
                    // Nothing at all, and nobody said to work formally (the form would
                    // refuse a formal worker with no formal income).
                    for m in &mut a.household.members {
                        if m.work == Work::Formal.as_str() {
                            m.work = Work::Informal.as_str();
                        }
                    }
                    0.0
                } else {
                    round3(total / 2.0)
                };
                a.income.formal_jod = declared;
                (
                    source.table(),
                    &hh.members[member].nn,
                    json!(declared),
                    json!(total),
                )
            }
        };
        self.misdeclarations.push(Misdeclaration {
            reference: reference.to_owned(),
            household: hh.civil_record_id.clone(),
            kind: kind.to_owned(),
            table: table.to_owned(),
            national_number: nn.clone(),
            declared,
            registry,
        });
    }
}
