//! Hints for the synthetic population generator, carried by the catalog so that a country's
//! own catalog gets a plausible synthetic population without code changes.

use serde::Deserialize;

/// How rows of a table are generated.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TableSynth {
    /// A dedicated generator for a civil-status table (consistency with households matters).
    Generator { generator: String },
    /// Each living person (or household head) in the age range is picked with probability
    /// `share` and gets between `rows[0]` and `rows[1]` rows.
    Generic {
        per: Per,
        share: f64,
        #[serde(default)]
        min_age: Option<u32>,
        #[serde(default)]
        max_age: Option<u32>,
        #[serde(default)]
        gender: Option<String>,
        #[serde(default = "one_row")]
        rows: [u32; 2],
    },
}

fn one_row() -> [u32; 2] {
    [1, 1]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Person,
    Household,
}

/// How one column of a generic table is filled.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnSynth {
    Person,
    CivilRecord,
    Serial {
        #[serde(default)]
        prefix: String,
    },
    Int {
        min: i64,
        max: i64,
    },
    Money {
        min: f64,
        max: f64,
    },
    Date {
        from: String,
        to: String,
    },
    Choice {
        values: Vec<String>,
        #[serde(default)]
        weights: Vec<f64>,
    },
    Governorate,
    Liwa,
    Kada,
    Text {
        words: Vec<String>,
    },
    Bool {
        p: f64,
    },
    FractionOf {
        column: String,
        min: f64,
        max: f64,
    },
    Month,
    YearRecent {
        back: i64,
    },
    Null,
}
