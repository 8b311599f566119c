//! The latent welfare of a household: its proxies (dwelling, assets, utilities, members'
//! education, health and work) and its monthly consumption per person, the truth a proxy
//! means test is fitted to and measured against.
//!
//! Proxies are drawn around a hidden affluence `z` (location, formal jobs, cars, land and
//! businesses from the registries, plus chance), so they are correlated as in life: the
//! better-off have stone walls, air conditioning, computers and more schooling. Consumption is
//! then log-linear in the proxies plus noise, `ln c = a + Σ b·x + e`, as the PMT assumes; `a`
//! is set afterwards so the poverty share lands where it is asked ([`intercept`]).

use crate::ledger::Ledger;
use crate::population::{Household, Person};
use crate::rng::Rng;
use nur_core::Date;

macro_rules! choices {
    ($name:ident { $($v:ident => $s:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($v),* }
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),* }
            }
        }
    };
}

choices!(Education { None => "none", Basic => "basic", Secondary => "secondary", Diploma => "diploma", University => "university" });
choices!(Work { Formal => "formal", Informal => "informal", None => "none", Student => "student", Retired => "retired" });
choices!(Walls { Stone => "stone", Concrete => "concrete", Mud => "mud", Tin => "tin" });
choices!(Roof { Concrete => "concrete", Tin => "tin", Other => "other" });
choices!(Floor { Tiles => "tiles", Cement => "cement", Earth => "earth" });
choices!(Tenure { Owned => "owned", Rented => "rented", Free => "free" });
choices!(Water { Network => "network", Tanker => "tanker", Well => "well" });
choices!(Toilet { Sewer => "sewer", Septic => "septic", None => "none" });

impl Education {
    fn level(self) -> f64 {
        match self {
            Education::None => 0.0,
            Education::Basic => 1.0,
            Education::Secondary => 2.0,
            Education::Diploma => 3.0,
            Education::University => 4.0,
        }
    }
}

/// One living member's truth.
#[derive(Debug, Clone)]
pub struct Member {
    /// Index into `Household::members`.
    pub index: usize,
    pub age: i64,
    pub education: Education,
    pub work: Work,
    pub disabled: bool,
    pub chronic: bool,
    pub informal_jod: f64,
}

/// A household's proxies and its consumption before the intercept.
#[derive(Debug, Clone)]
pub struct Facts {
    pub urban: bool,
    /// Living members, the booklet's order.
    pub members: Vec<Member>,
    /// Index into `Household::members` of the living head: the booklet's head, or the first
    /// living member when the head has died (the widow).
    pub head: usize,
    pub walls: Walls,
    pub roof: Roof,
    pub floor: Floor,
    pub rooms: u32,
    pub tenure: Tenure,
    /// Monthly rent in JOD, 0 unless rented.
    pub rent_jod: f64,
    pub water: Water,
    pub toilet: Toilet,
    pub fridge: bool,
    pub washing_machine: bool,
    pub tv: bool,
    pub air_conditioner: bool,
    pub computer: bool,
    pub livestock: u32,
    pub electricity_kwh: u32,
    pub water_m3: u32,
    pub formal_jod: f64,
    pub informal_jod: f64,
    pub other_aid_jod: f64,
    /// ln(consumption per person) without the intercept, noise included.
    pub ln_rest: f64,
}

impl Facts {
    pub fn size(&self) -> usize {
        self.members.len()
    }
    pub fn member(&self, index: usize) -> Option<&Member> {
        self.members.iter().find(|m| m.index == index)
    }
}

/// Location parameters: the urban share, the shift of the hidden affluence, and the
/// direct regional effect on consumption (the γ_r of a PMT).
fn location(code: &str) -> (f64, f64, f64) {
    match code {
        "11" => (0.98, 0.15, 0.08),   // Amman
        "12" => (0.90, 0.0, 0.0),     // Irbid
        "13" => (0.96, -0.05, -0.02), // Zarqa
        "14" => (0.85, -0.05, -0.04), // Balqa
        "15" => (0.60, -0.30, -0.12), // Mafraq
        "16" => (0.70, -0.20, -0.08), // Karak
        "17" => (0.80, -0.15, -0.06), // Jerash
        "18" => (0.85, -0.05, -0.03), // Madaba
        "19" => (0.75, -0.20, -0.08), // Ajloun
        "20" => (0.92, 0.05, 0.0),    // Aqaba
        "21" => (0.65, -0.35, -0.14), // Ma'an
        "22" => (0.70, -0.35, -0.14), // Tafilah
        _ => (0.90, 0.0, 0.0),
    }
}

/// Draws the household's proxies and consumption. `ledger` holds what the registries wrote
/// for its members; every other draw comes from `rng`, the social registry's own stream.
pub fn draw(
    hh: &Household,
    governorate: &str,
    ledger: &Ledger,
    as_of: Date,
    rng: &mut Rng,
) -> Facts {
    let (urban_share, z_shift, region) = location(governorate);
    let urban = rng.chance(urban_share);
    let living: Vec<(usize, &Person)> = hh
        .members
        .iter()
        .enumerate()
        .filter(|(_, p)| p.alive())
        .collect();
    let n = living.len().max(1) as f64;
    let formal = ledger.formal_income();
    let z = z_shift
        + if urban { 0.1 } else { -0.35 }
        + 0.35 * f64::from(u8::from(!ledger.salaries.is_empty()))
        + 0.25 * f64::from(u8::from(!ledger.cars.is_empty()))
        + 0.15 * f64::from(u8::from(!ledger.land.is_empty()))
        + 0.2 * f64::from(u8::from(!ledger.businesses.is_empty()))
        - 0.08 * (n - 4.0).max(0.0)
        + 0.9 * rng.normal();

    let mut members = Vec::with_capacity(living.len());
    for &(index, p) in &living {
        let age = p.age(as_of);
        let formal_worker = ledger.is_formal_worker(index);
        let education = if age < 6 {
            Education::None
        } else if age < 16 {
            Education::Basic
        } else {
            let s = 0.7 * z + rng.normal() - 0.02 * (age - 40) as f64
                + if formal_worker { 0.6 } else { 0.0 };
            let e = if s < -1.8 {
                Education::None
            } else if s < -0.3 {
                Education::Basic
            } else if s < 0.5 {
                Education::Secondary
            } else if s < 0.9 {
                Education::Diploma
            } else {
                Education::University
            };
            // Nobody under 18 has finished secondary school, nor under 20 a diploma.
            match e {
                Education::University | Education::Diploma if age < 20 => Education::Secondary,
                Education::Secondary if age < 18 => Education::Basic,
                e => e,
            }
        };
        let disabled = ledger.disability_cards.contains(&index)
            || rng.chance(if age >= 65 { 0.03 } else { 0.006 });
        let chronic_p = match age {
            0..=17 => 0.02,
            18..=39 => 0.06,
            40..=59 => 0.2,
            _ => 0.45,
        } * (1.0 - 0.1 * z).clamp(0.6, 1.4);
        let chronic = rng.chance(chronic_p);
        let (work, informal_jod) = if formal_worker {
            (Work::Formal, 0.0)
        } else if ledger.is_retired(index) {
            (Work::Retired, 0.0)
        } else if (6..18).contains(&age) || ((18..25).contains(&age) && rng.chance(0.35 + 0.1 * z))
        {
            (Work::Student, 0.0)
        } else if (18..65).contains(&age)
            && !disabled
            && rng.chance(if p.male { 0.5 } else { 0.08 })
        {
            let jod = 170.0 * (0.35 * z + 0.45 * rng.normal()).exp();
            (Work::Informal, round3(jod.min(5000.0)))
        } else {
            (Work::None, 0.0)
        };
        members.push(Member {
            index,
            age,
            education,
            work,
            disabled,
            chronic,
            informal_jod,
        });
    }
    let head = if hh.head().alive() {
        0
    } else {
        living.first().map(|l| l.0).unwrap_or(0)
    };

    // The dwelling: ordered draws around affluence, worse in the countryside.
    let rural = if urban { 0.0 } else { 0.5 };
    let s = z - rural + rng.normal();
    let walls = if s > 0.8 {
        Walls::Stone
    } else if s > -2.2 {
        Walls::Concrete
    } else if s > -2.6 {
        Walls::Mud
    } else {
        Walls::Tin
    };
    let s = z - rural + rng.normal();
    let roof = if s > -1.9 {
        Roof::Concrete
    } else if s > -2.4 {
        Roof::Tin
    } else {
        Roof::Other
    };
    let s = z - rural + rng.normal();
    let floor = if s > -1.3 {
        Floor::Tiles
    } else if s > -2.6 {
        Floor::Cement
    } else {
        Floor::Earth
    };
    let max_rooms = (3 * living.len() as i64 + 5).min(30);
    let rooms =
        ((1.2 + 0.45 * n + 0.7 * z + 0.6 * rng.normal()).round() as i64).clamp(1, max_rooms) as u32;
    let t = rng.f64();
    let rented_p = if urban { 0.27 } else { 0.1 };
    let tenure = if t < rented_p {
        Tenure::Rented
    } else if t < rented_p + 0.05 {
        Tenure::Free
    } else {
        Tenure::Owned
    };
    let rent_jod = if tenure == Tenure::Rented {
        round3((160.0 * (0.3 * z + 0.25 * rng.normal()).exp()).clamp(20.0, 5000.0))
    } else {
        0.0
    };
    let s = rng.f64() + if urban { 0.0 } else { 0.25 } - 0.03 * z;
    let water = if s < 0.93 {
        Water::Network
    } else if s < 1.06 {
        Water::Tanker
    } else {
        Water::Well
    };
    let s = rng.f64() - 0.05 * z;
    let toilet = if urban && s < 0.72 || !urban && s < 0.12 {
        Toilet::Sewer
    } else if s < 0.985 + 0.01 * z {
        Toilet::Septic
    } else {
        Toilet::None
    };

    // Assets: the common ones nearly everywhere, the dearer ones with affluence.
    let has = |rng: &mut Rng, base: f64, slope: f64| rng.normal() * 1.0 + slope * z > -base;
    let fridge = has(rng, 1.9, 0.5);
    let washing_machine = has(rng, 1.5, 0.5);
    let tv = has(rng, 1.9, 0.3);
    let air_conditioner = has(rng, -0.6, 0.9);
    let computer = has(rng, -0.2, 0.8);
    let livestock = if rng.chance(if urban { 0.02 } else { 0.3 }) {
        1 + (rng.f64().powi(3) * if urban { 6.0 } else { 120.0 }) as u32
    } else {
        0
    };
    let electricity_kwh = ((120.0 + 55.0 * n) * (0.25 * z + 0.25 * rng.normal()).exp()
        + if air_conditioner { 120.0 } else { 0.0 })
    .round()
    .clamp(0.0, 20_000.0) as u32;
    let water_m3 = ((3.0 + 3.2 * n)
        * (0.15 * z + 0.25 * rng.normal()).exp()
        * if water == Water::Tanker { 0.6 } else { 1.0 })
    .round()
    .clamp(0.0, 1000.0) as u32;

    let informal: f64 = members.iter().map(|m| m.informal_jod).sum();
    let other_aid_jod = round3(ledger.active_aid());
    let mut facts = Facts {
        urban,
        members,
        head,
        walls,
        roof,
        floor,
        rooms,
        tenure,
        rent_jod,
        water,
        toilet,
        fridge,
        washing_machine,
        tv,
        air_conditioner,
        computer,
        livestock,
        electricity_kwh,
        water_m3,
        formal_jod: round3(formal),
        informal_jod: round3(informal),
        other_aid_jod,
        ln_rest: 0.0,
    };
    facts.ln_rest = region + log_consumption(hh, &facts, ledger, as_of) + 0.32 * rng.normal();
    facts
}

/// Σ b·x: consumption per person from the proxies (what a PMT would estimate), without the
/// intercept and the noise.
fn log_consumption(hh: &Household, f: &Facts, ledger: &Ledger, as_of: Date) -> f64 {
    let n = f.size().max(1) as f64;
    let kids = f.members.iter().filter(|m| m.age < 15).count() as f64;
    let elderly = f.members.iter().filter(|m| m.age >= 65).count() as f64;
    let dependency = (kids + elderly) / (n - kids - elderly).max(1.0);
    let head = &hh.members[f.head];
    let head_edu = f.member(f.head).map(|m| m.education.level()).unwrap_or(0.0);
    let cars = ledger.cars.len() as f64;
    let new_car = ledger
        .newest_model_year()
        .is_some_and(|y| as_of.year() - y < 5);
    let b = |x: bool, coef: f64| if x { coef } else { 0.0 };
    let mut x = 0.0;
    x += b(!f.urban, -0.10);
    x += -0.30 * n.ln() - 0.12 * dependency;
    x += b(!head.male, -0.05) + 0.06 * head_edu;
    x += 0.18 * (1.0 + f.formal_jod / n / 40.0).ln();
    x += 0.10 * (1.0 + f.informal_jod / n / 40.0).ln();
    x += 0.05 * (1.0 + f.other_aid_jod / n / 20.0).ln();
    x += 0.10 * cars.min(3.0) + b(new_car, 0.08);
    x += 0.03 * (1.0 + ledger.land_value() / 5000.0).ln();
    x += 0.04 * (1.0 + ledger.business_capital() / 1000.0).ln();
    x += match f.walls {
        Walls::Stone => 0.06,
        Walls::Concrete => 0.0,
        Walls::Mud => -0.12,
        Walls::Tin => -0.22,
    };
    x += match f.roof {
        Roof::Concrete => 0.0,
        Roof::Tin => -0.08,
        Roof::Other => -0.05,
    };
    x += match f.floor {
        Floor::Tiles => 0.0,
        Floor::Cement => -0.06,
        Floor::Earth => -0.15,
    };
    x += 0.12 * (f64::from(f.rooms) / n).ln();
    x += match f.tenure {
        Tenure::Owned => 0.0,
        Tenure::Rented => -0.03,
        Tenure::Free => -0.05,
    };
    x += b(f.water != Water::Network, -0.04);
    x += match f.toilet {
        Toilet::Sewer => 0.0,
        Toilet::Septic => -0.02,
        Toilet::None => -0.12,
    };
    x += b(f.fridge, 0.06) + b(f.washing_machine, 0.05) + b(f.tv, 0.02);
    x += b(f.air_conditioner, 0.10) + b(f.computer, 0.10);
    x += 0.03 * f64::from(f.livestock).ln_1p();
    x += 0.10 * (f64::from(f.electricity_kwh.max(1)) / n / 60.0).ln();
    let disabled = f.members.iter().filter(|m| m.disabled).count() as f64;
    let chronic = f.members.iter().filter(|m| m.chronic).count() as f64;
    x - 0.04 * disabled - 0.02 * chronic
}

/// Rounds to fils (3 decimals), the precision every amount is written with.
pub fn round3(x: f64) -> f64 {
    // `+ 0.0` turns the -0.0 of an empty sum into 0.0, which is written without a sign.
    (x * 1000.0).round() / 1000.0 + 0.0
}

/// The intercept that puts `share` of the persons under `line`: households are sorted by
/// `ln_rest`, persons counted up to the share, and ln(line) placed midway between the last
/// household under it and the first above, so no household sits on the line.
pub fn intercept(mut sorted: Vec<(f64, u32)>, share: f64, line: f64) -> f64 {
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|r| f64::from(r.1)).sum();
    let target = share * total;
    let mut acc = 0.0;
    let mut cut = 0;
    // The cut whose cumulative person count is nearest the target.
    for (i, r) in sorted.iter().enumerate() {
        let next = acc + f64::from(r.1);
        if (next - target).abs() > (acc - target).abs() {
            break;
        }
        acc = next;
        cut = i + 1;
    }
    let q = match (cut.checked_sub(1).map(|i| sorted[i].0), sorted.get(cut)) {
        (Some(lo), Some(hi)) => (lo + hi.0) / 2.0,
        (Some(lo), None) => lo + 1.0,
        (None, Some(hi)) => hi.0 - 1.0,
        (None, None) => 0.0,
    };
    line.ln() - q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intercept_splits_persons_at_the_share() {
        // Ten households of two persons at ln_rest 0..9: 30% of persons is three households.
        let records: Vec<(f64, u32)> = (0..10).rev().map(|i| (f64::from(i), 2)).collect();
        let a = intercept(records.clone(), 0.3, 68.0);
        let poor = records.iter().filter(|r| (r.0 + a).exp() < 68.0).count();
        assert_eq!(poor, 3);
        assert!(((2.5 + a).exp() - 68.0).abs() < 1e-9);
    }
}
