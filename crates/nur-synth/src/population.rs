//! Households and their members: the consistent core every registry row hangs on.
//!
//! A household is a family booklet (civil record) in one governorate/liwa/kada. Most are a
//! married couple with children; some are a widow whose deceased husband still heads the
//! booklet, a divorced mother (her ex-husband lives in another household), or one person.
//! Children aged 30 and over have left to head households of their own, which keeps the mean
//! household size near Jordan's 4.8 and the age pyramid young.

use crate::names::Names;
use crate::rng::{cumulative, Rng};
use nur_core::catalog::Geography;
use nur_core::Date;
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Head,
    Wife,
    Son,
    Daughter,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marital {
    Single,
    Married,
    Divorced,
    Widowed,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub nn: String,
    pub male: bool,
    pub birth: Date,
    pub first: u32,
    pub father_first: u32,
    pub grandfather_first: u32,
    pub family: u32,
    pub mother_first: u32,
    pub relation: Relation,
    pub marital: Marital,
    pub death: Option<Date>,
    pub christian: bool,
    /// Parents' national numbers when they are known persons.
    pub father_nn: Option<String>,
    pub mother_nn: Option<String>,
}

impl Person {
    pub fn age(&self, on: Date) -> i64 {
        let mut a = i64::from(on.year() - self.birth.year());
        if (on.month(), on.day()) < (self.birth.month(), self.birth.day()) {
            a -= 1;
        }
        a
    }
    pub fn alive(&self) -> bool {
        self.death.is_none()
    }
}

/// A marriage between two persons of the population, with how it ended.
#[derive(Debug, Clone)]
pub struct Marriage {
    pub husband: String,
    pub wife: String,
    pub date: Date,
    pub ended: Option<(MarriageEnd, Date)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarriageEnd {
    Divorce,
    Death,
}

pub struct Household {
    pub civil_record_id: String,
    pub gov: usize,
    pub liwa: usize,
    pub kada: usize,
    pub issue_date: Date,
    pub members: Vec<Person>,
    pub marriages: Vec<Marriage>,
}

impl Household {
    pub fn head(&self) -> &Person {
        &self.members[0]
    }
}

/// A man whose earlier marriage ended in divorce, waiting to be paired with a divorced mother
/// generated later (so both ends of a divorce are real persons).
struct ExHusband {
    nn: String,
    first: u32,
    family: u32,
    father_first: u32,
    birth: Date,
}

pub struct Generator<'a> {
    pub rng: Rng,
    pub names: &'a Names,
    pub geo: &'a Geography,
    pub as_of: Date,
    gov_cum: Vec<f64>,
    serials: HashMap<(i32, bool), u32>,
    next_household: u64,
    ex_husbands: VecDeque<ExHusband>,
}

impl<'a> Generator<'a> {
    pub fn new(seed: u64, names: &'a Names, geo: &'a Geography, as_of: Date) -> Generator<'a> {
        Generator {
            rng: Rng::new(seed),
            names,
            geo,
            as_of,
            gov_cum: cumulative(geo.governorates.iter().map(|g| g.share)),
            serials: HashMap::new(),
            next_household: 0,
            ex_husbands: VecDeque::new(),
        }
    }

    /// A national number for a birth year and gender: the century digit, two year digits,
    /// the gender digit and a serial. Serials run per (year, gender), scrambled by a
    /// bijection of 0..10⁶ so consecutive births do not get consecutive numbers.
    pub fn national_number(&mut self, year: i32, male: bool) -> String {
        let counter = self.serials.entry((year, male)).or_insert(0);
        let n = *counter;
        *counter += 1;
        assert!(
            n < 1_000_000,
            "more than a million births of one gender in {year}"
        );
        let serial = (u64::from(n) * 7919 + 12_345) % 1_000_000;
        let century = if year >= 2000 { '2' } else { '9' };
        format!(
            "{century}{:02}{}{serial:06}",
            year.rem_euclid(100),
            if male { 1 } else { 2 }
        )
    }

    fn date_between(&mut self, from: Date, to: Date) -> Date {
        let (a, b) = (from.to_days(), to.to_days());
        Date::from_days(self.rng.range(a.min(b), b.max(a)))
    }

    fn birth_for_age(&mut self, age: i64) -> Date {
        let end = self.as_of.to_days() - age * 365;
        Date::from_days(self.rng.range(end - 364, end))
    }

    /// Head's age: young families are the most common (Jordan's median age is about 24).
    fn head_age(&mut self) -> i64 {
        24 + (self.rng.f64().powf(1.3) * 56.0) as i64
    }

    fn person(&mut self, male: bool, birth: Date, family: u32, relation: Relation) -> Person {
        let first = if male {
            self.names.male(&mut self.rng)
        } else {
            self.names.female(&mut self.rng)
        };
        Person {
            nn: self.national_number(birth.year(), male),
            male,
            birth,
            first,
            father_first: self.names.male(&mut self.rng),
            grandfather_first: self.names.male(&mut self.rng),
            family,
            mother_first: self.names.female(&mut self.rng),
            relation,
            marital: Marital::Single,
            death: None,
            christian: false,
            father_nn: None,
            mother_nn: None,
        }
    }

    fn children(
        &mut self,
        hh: &mut Household,
        father: (&str, u32, u32, u32),
        mother: &Person,
        married: Date,
    ) {
        let (father_nn, father_first, father_father, family) = father;
        let fertile_end =
            Date::from_days((mother.birth.to_days() + 45 * 365).min(self.as_of.to_days()));
        let span_years = (fertile_end.to_days() - married.to_days()) / 365;
        if span_years <= 0 {
            return;
        }
        let want = self.rng.poisson(5.4).min((span_years as u32) * 3 / 4 + 1);
        let mut day = married.to_days() + self.rng.range(300, 900);
        for _ in 0..want {
            if day > fertile_end.to_days() {
                break;
            }
            let birth = Date::from_days(day);
            day += self.rng.range(330, 1100);
            // Grown children (30+) have left to head households of their own.
            if (self.as_of.to_days() - birth.to_days()) / 365 >= 30 {
                continue;
            }
            let male = self.rng.chance(0.51);
            let mut c = self.person(
                male,
                birth,
                family,
                if male {
                    Relation::Son
                } else {
                    Relation::Daughter
                },
            );
            c.father_first = father_first;
            c.grandfather_first = father_father;
            c.mother_first = mother.first;
            c.christian = mother.christian;
            c.father_nn = Some(father_nn.to_owned());
            c.mother_nn = Some(mother.nn.clone());
            hh.members.push(c);
        }
    }

    pub fn household(&mut self) -> Household {
        let gov = self.rng.weighted(&self.gov_cum);
        let g = &self.geo.governorates[gov];
        let liwa = (self.rng.next_u64() % g.liwas.len() as u64) as usize;
        let kada = (self.rng.next_u64() % g.liwas[liwa].kadas.len().max(1) as u64) as usize;
        let id = self.next_household;
        self.next_household += 1;
        let family = self.names.family(&mut self.rng);
        let christian = self.rng.chance(0.03);
        let mut hh = Household {
            civil_record_id: format!("{}", 1_000_000 + id),
            gov,
            liwa,
            kada,
            issue_date: self.as_of,
            members: Vec::new(),
            marriages: Vec::new(),
        };
        let kind = self.rng.f64();
        if kind < 0.04 {
            self.single_household(&mut hh, family);
        } else if kind < 0.09 && !self.ex_husbands.is_empty() {
            self.divorced_mother_household(&mut hh);
        } else {
            let widowed = kind > 0.94;
            self.couple_household(&mut hh, family, widowed);
        }
        for p in &mut hh.members {
            p.christian = christian;
        }
        let issue_from = hh.head().birth.to_days() + 18 * 365;
        hh.issue_date = self.date_between(
            Date::from_days(issue_from.min(self.as_of.to_days())),
            self.as_of,
        );
        hh
    }

    fn single_household(&mut self, hh: &mut Household, family: u32) {
        let age = 20 + (self.rng.f64() * 65.0) as i64;
        let male = self.rng.chance(0.55);
        let birth = self.birth_for_age(age);
        let mut p = self.person(male, birth, family, Relation::Head);
        p.marital = if age > 60 && !male {
            Marital::Widowed
        } else {
            Marital::Single
        };
        hh.members.push(p);
    }

    fn couple_household(&mut self, hh: &mut Household, family: u32, widowed: bool) {
        let age = self.head_age();
        let birth = self.birth_for_age(age);
        let mut husband = self.person(true, birth, family, Relation::Head);
        let wife_age = (age - self.rng.range(0, 8)).max(18);
        let wife_birth = self.birth_for_age(wife_age);
        let wife_family = self.names.family(&mut self.rng);
        let mut wife = self.person(false, wife_birth, wife_family, Relation::Wife);
        let earliest = Date::from_days(wife_birth.to_days() + 18 * 365);
        let latest =
            Date::from_days((wife_birth.to_days() + 30 * 365).min(self.as_of.to_days() - 30));
        let married = self.date_between(earliest, latest);
        husband.marital = Marital::Married;
        wife.marital = if widowed {
            Marital::Widowed
        } else {
            Marital::Married
        };
        let mut end = None;
        if widowed {
            let died = self.date_between(married, self.as_of);
            husband.death = Some(died);
            end = Some((MarriageEnd::Death, died));
        }
        hh.marriages.push(Marriage {
            husband: husband.nn.clone(),
            wife: wife.nn.clone(),
            date: married,
            ended: end,
        });
        // Some husbands were divorced before: they wait for a divorced mother elsewhere.
        if !widowed && age > 30 && self.rng.chance(0.07) {
            self.ex_husbands.push_back(ExHusband {
                nn: husband.nn.clone(),
                first: husband.first,
                family,
                father_first: husband.father_first,
                birth,
            });
        }
        let father = (
            husband.nn.clone(),
            husband.first,
            husband.father_first,
            family,
        );
        hh.members.push(husband);
        hh.members.push(wife.clone());
        self.children(
            hh,
            (&father.0, father.1, father.2, father.3),
            &wife,
            married,
        );
        // An elderly widowed mother of the husband sometimes lives with the family.
        if age < 55 && self.rng.chance(0.06) {
            let gap = self.rng.range(20, 32);
            let gm_birth = self.birth_for_age(age + gap);
            let gm_family = self.names.family(&mut self.rng);
            let mut gm = self.person(false, gm_birth, gm_family, Relation::Other);
            gm.marital = Marital::Widowed;
            hh.members.push(gm);
        }
    }

    fn divorced_mother_household(&mut self, hh: &mut Household) {
        let ex = self.ex_husbands.pop_front().expect("checked non-empty");
        let age =
            ((self.as_of.to_days() - ex.birth.to_days()) / 365 - self.rng.range(0, 8)).max(22);
        let birth = self.birth_for_age(age);
        let family = self.names.family(&mut self.rng);
        let mut mother = self.person(false, birth, family, Relation::Head);
        mother.marital = Marital::Divorced;
        let earliest = Date::from_days(birth.to_days() + 18 * 365);
        let latest = Date::from_days((birth.to_days() + 28 * 365).min(self.as_of.to_days() - 400));
        let married = self.date_between(earliest, latest);
        let divorced = self.date_between(
            Date::from_days(married.to_days() + 365),
            Date::from_days(self.as_of.to_days() - 30),
        );
        hh.marriages.push(Marriage {
            husband: ex.nn.clone(),
            wife: mother.nn.clone(),
            date: married,
            ended: Some((MarriageEnd::Divorce, divorced)),
        });
        hh.members.push(mother.clone());
        let before = hh.members.len();
        self.children(
            hh,
            (&ex.nn, ex.first, ex.father_first, ex.family),
            &mother,
            married,
        );
        // Children born after the divorce would not be the ex-husband's.
        hh.members
            .retain(|p| p.relation == Relation::Head || p.birth <= divorced);
        let _ = before;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nur_core::{Catalog, IdentityRules, NationalNumber};

    #[test]
    fn households_are_consistent() {
        let cat = Catalog::jordan();
        let names = Names::load();
        let as_of = Date::new(2026, 10, 31).unwrap();
        let mut g = Generator::new(42, &names, &cat.geography, as_of);
        let rules = IdentityRules::jordan();
        let (mut persons, mut households) = (0usize, 0usize);
        let mut seen = std::collections::HashSet::new();
        while persons < 20_000 {
            let hh = g.household();
            households += 1;
            assert_eq!(hh.members[0].relation, Relation::Head);
            for p in &hh.members {
                let nn = NationalNumber::parse(&rules, &p.nn).unwrap();
                assert_eq!(nn.birth_year(), p.birth.year());
                assert_eq!(nn.gender() == nur_core::Gender::Male, p.male);
                assert!(seen.insert(p.nn.clone()), "duplicate {}", p.nn);
                if let Some(f) = &p.mother_nn {
                    let mother = hh.members.iter().find(|m| &m.nn == f).unwrap();
                    assert!(mother.birth < p.birth);
                }
            }
            persons += hh.members.len();
        }
        let mean = persons as f64 / households as f64;
        assert!((4.3..5.3).contains(&mean), "mean household size {mean}");
    }
}
