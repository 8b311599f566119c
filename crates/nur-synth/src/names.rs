//! Arabic names with their passport transliterations, weighted by how common they are.

use crate::rng::{cumulative, Rng};
use serde::Deserialize;

static NAMES: &str = include_str!("../data/names.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Name {
    pub ar: String,
    pub en: String,
    #[serde(default = "one")]
    pub w: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
struct Words {
    company_suffix: Vec<Name>,
    company_stem: Vec<Name>,
}

#[derive(Debug, Deserialize)]
struct File {
    male: Vec<Name>,
    female: Vec<Name>,
    family: Vec<Name>,
    words: Words,
}

pub struct Names {
    pub male: Vec<Name>,
    pub female: Vec<Name>,
    pub family: Vec<Name>,
    pub company_suffix: Vec<Name>,
    pub company_stem: Vec<Name>,
    male_cum: Vec<f64>,
    female_cum: Vec<f64>,
    family_cum: Vec<f64>,
}

impl Names {
    pub fn load() -> Names {
        let f: File =
            serde_json::from_str(NAMES).expect("the shipped names file is valid (tested)");
        Names {
            male_cum: cumulative(f.male.iter().map(|n| n.w)),
            female_cum: cumulative(f.female.iter().map(|n| n.w)),
            family_cum: cumulative(f.family.iter().map(|n| n.w)),
            male: f.male,
            female: f.female,
            family: f.family,
            company_suffix: f.words.company_suffix,
            company_stem: f.words.company_stem,
        }
    }

    pub fn male(&self, rng: &mut Rng) -> u32 {
        rng.weighted(&self.male_cum) as u32
    }
    pub fn female(&self, rng: &mut Rng) -> u32 {
        rng.weighted(&self.female_cum) as u32
    }
    pub fn family(&self, rng: &mut Rng) -> u32 {
        rng.weighted(&self.family_cum) as u32
    }
    pub fn first(&self, male: bool, i: u32) -> &Name {
        if male {
            &self.male[i as usize]
        } else {
            &self.female[i as usize]
        }
    }

    /// "شركة النور للتجارة العامة" / "AL-NOOR GENERAL TRADING CO."
    pub fn company(&self, rng: &mut Rng, arabic: bool) -> String {
        let stem = rng.pick(&self.company_stem);
        let suffix = rng.pick(&self.company_suffix);
        if arabic {
            format!("شركة {} {}", stem.ar, suffix.ar)
        } else {
            format!("{} {} CO.", stem.en, suffix.en)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_load() {
        let n = Names::load();
        assert!(n.male.len() >= 200 && n.female.len() >= 200 && n.family.len() >= 400);
        assert!(n
            .family
            .iter()
            .all(|f| !f.ar.is_empty() && !f.en.is_empty()));
    }
}
