//! The country catalog: entities, registries, warehouse tables and their typed columns, the
//! live service operations, geography and identity rules. It is a versioned JSON file shipped
//! in the repository (`catalogs/jordan.json` is the default); another country ships its own.
//!
//! [`Catalog::from_json`] checks every cross-reference once, so the rest of NUR can index into
//! a catalog without re-checking names.

mod synth;

pub use synth::{ColumnSynth, Per, TableSynth};

use crate::identity::IdentityRules;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// The catalog format this build reads.
pub const CATALOG_VERSION: u32 = 1;

static JORDAN: &str = include_str!("../catalogs/jordan.json");

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "catalog version {found} is not supported (this build reads version {CATALOG_VERSION})"
    )]
    Version { found: u32 },
    #[error("catalog: {0}")]
    Invalid(String),
}

/// A SQL-safe identifier: `[A-Za-z][A-Za-z0-9_]{0,62}`. Table and column names are always
/// of this shape, so they can be quoted into SQL without surprises.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ident(String);

impl Ident {
    pub fn parse(s: &str) -> Result<Ident, String> {
        let mut chars = s.chars();
        let ok = s.len() <= 63
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(Ident(s.to_owned()))
        } else {
            Err(format!(
                "{s:?} is not a valid name (a letter, then up to 62 letters, digits or '_')"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ident {
    type Error = String;
    fn try_from(s: String) -> Result<Ident, String> {
        Ident::parse(&s)
    }
}

impl From<Ident> for String {
    fn from(i: Ident) -> String {
        i.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Country {
    pub code: String,
    pub state_en: String,
    pub state_ar: String,
    pub platform_en: String,
    pub platform_ar: String,
    #[serde(default)]
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entity {
    pub code: Ident,
    pub name_en: String,
    pub name_ar: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Registry {
    pub code: String,
    pub category: String,
    pub custodian: Ident,
    pub name_en: String,
    pub name_ar: String,
}

/// The type of a warehouse column; drives validation, storage type and API schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    NationalNumber,
    PersonalId,
    CivilRecordId,
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::NationalNumber => "national_number",
            ColumnType::PersonalId => "personal_id",
            ColumnType::CivilRecordId => "civil_record_id",
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Date => "date",
            ColumnType::Boolean => "boolean",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CodeValue {
    pub code: String,
    pub label_en: String,
    pub label_ar: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub name: Ident,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub label_en: String,
    pub label_ar: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub max_length: Option<usize>,
    /// For coded columns: the allowed codes and their labels.
    #[serde(default)]
    pub values: Vec<CodeValue>,
    #[serde(default)]
    pub synth: Option<ColumnSynth>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    pub name: Ident,
    pub registry: String,
    pub label_en: String,
    pub label_ar: String,
    /// The column naming the person the row is about; every warehouse table is distributed by it.
    pub person_column: Ident,
    /// The columns that identify one source record.
    pub key: Vec<Ident>,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub synth: Option<TableSynth>,
    /// Filled in by [`Catalog::from_json`]: the custodian entity (the registry's owner).
    #[serde(skip)]
    pub custodian: Option<Ident>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name.as_str() == name)
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.as_str() == name)
    }
    pub fn person_index(&self) -> usize {
        self.column_index(self.person_column.as_str())
            .expect("checked when the catalog was loaded")
    }
    pub fn key_indexes(&self) -> Vec<usize> {
        self.key
            .iter()
            .map(|k| self.column_index(k.as_str()).expect("checked at load"))
            .collect()
    }
    pub fn custodian(&self) -> &Ident {
        self.custodian.as_ref().expect("filled in at load")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Kada {
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Liwa {
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
    pub kadas: Vec<Kada>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Governorate {
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
    /// Share of the population living there (sums to 1 over the country).
    pub share: f64,
    pub liwas: Vec<Liwa>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Geography {
    pub governorates: Vec<Governorate>,
}

/// Which table and columns make up the person and household dimensions.
#[derive(Debug, Clone, Deserialize)]
pub struct PersonDimension {
    pub table: Ident,
    pub national_number: Ident,
    pub civil_record_id: Ident,
    pub gender: Ident,
    pub birth_date: Ident,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HouseholdDimension {
    pub table: Ident,
    pub civil_record_id: Ident,
    pub head: Ident,
    pub governorate: Ident,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Dimensions {
    pub person: PersonDimension,
    pub household: HouseholdDimension,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceInput {
    pub name: Ident,
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceProperty {
    pub name: Ident,
    pub label_en: String,
    pub label_ar: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub column: Ident,
}

/// A live operation of a custodian's service, reached through the service-bus gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub custodian: Ident,
    pub service: Ident,
    pub operation: Ident,
    pub label_en: String,
    pub label_ar: String,
    pub input: Vec<ServiceInput>,
    pub source_table: Ident,
    pub properties: Vec<ServiceProperty>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    pub version: u32,
    pub country: Country,
    pub identity: IdentityRules,
    pub geography: Geography,
    pub entities: Vec<Entity>,
    pub categories: Vec<Category>,
    pub registries: Vec<Registry>,
    pub tables: Vec<Table>,
    pub dimensions: Dimensions,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(skip)]
    table_index: HashMap<String, usize>,
}

impl Catalog {
    /// Jordan's catalog, shipped in the binary.
    pub fn jordan() -> Catalog {
        Catalog::from_json(JORDAN).expect("the shipped Jordan catalog is valid (tested)")
    }

    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let probe: serde_json::Value = serde_json::from_str(text)?;
        let found = probe.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        if found != CATALOG_VERSION {
            return Err(CatalogError::Version { found });
        }
        let mut c: Catalog = serde_json::from_value(probe)?;
        c.check().map_err(CatalogError::Invalid)?;
        Ok(c)
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.table_index.get(name).map(|&i| &self.tables[i])
    }

    pub fn entity(&self, code: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.code.as_str() == code)
    }

    pub fn registry(&self, code: &str) -> Option<&Registry> {
        self.registries.iter().find(|r| r.code == code)
    }

    pub fn person_table(&self) -> &Table {
        self.table(self.dimensions.person.table.as_str())
            .expect("checked at load")
    }

    pub fn household_table(&self) -> &Table {
        self.table(self.dimensions.household.table.as_str())
            .expect("checked at load")
    }

    fn check(&mut self) -> Result<(), String> {
        let entities: HashSet<&str> = self.entities.iter().map(|e| e.code.as_str()).collect();
        if entities.len() != self.entities.len() {
            return Err("entity codes are not unique".into());
        }
        let categories: HashSet<&str> = self.categories.iter().map(|c| c.code.as_str()).collect();
        let mut registries = HashMap::new();
        for r in &self.registries {
            if !categories.contains(r.category.as_str()) {
                return Err(format!(
                    "registry {}: unknown category {}",
                    r.code, r.category
                ));
            }
            if !entities.contains(r.custodian.as_str()) {
                return Err(format!(
                    "registry {}: unknown custodian {}",
                    r.code, r.custodian
                ));
            }
            if registries
                .insert(r.code.clone(), r.custodian.clone())
                .is_some()
            {
                return Err(format!("registry {} is listed twice", r.code));
            }
        }
        let mut index = HashMap::new();
        for (i, t) in self.tables.iter_mut().enumerate() {
            let Some(custodian) = registries.get(&t.registry) else {
                return Err(format!("table {}: unknown registry {}", t.name, t.registry));
            };
            t.custodian = Some(custodian.clone());
            if index.insert(t.name.as_str().to_owned(), i).is_some() {
                return Err(format!("table {} is listed twice", t.name));
            }
            check_table(t)?;
        }
        self.table_index = index;
        let d = &self.dimensions;
        self.check_column(&d.person.table, &d.person.national_number)?;
        self.check_column(&d.person.table, &d.person.civil_record_id)?;
        self.check_column(&d.person.table, &d.person.gender)?;
        self.check_column(&d.person.table, &d.person.birth_date)?;
        self.check_column(&d.household.table, &d.household.civil_record_id)?;
        self.check_column(&d.household.table, &d.household.head)?;
        self.check_column(&d.household.table, &d.household.governorate)?;
        for s in &self.services {
            if !entities.contains(s.custodian.as_str()) {
                return Err(format!(
                    "service {}.{}: unknown custodian {}",
                    s.service, s.operation, s.custodian
                ));
            }
            for p in &s.properties {
                self.check_column(&s.source_table, &p.column)
                    .map_err(|e| format!("service {}.{}: {e}", s.service, s.operation))?;
            }
        }
        for g in &self.geography.governorates {
            for l in &g.liwas {
                if !l.code.starts_with(&g.code) {
                    return Err(format!(
                        "liwa {} is not inside governorate {}",
                        l.code, g.code
                    ));
                }
                for k in &l.kadas {
                    if !k.code.starts_with(&l.code) {
                        return Err(format!("kada {} is not inside liwa {}", k.code, l.code));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_column(&self, table: &Ident, column: &Ident) -> Result<(), String> {
        let t = self
            .table(table.as_str())
            .ok_or_else(|| format!("unknown table {table}"))?;
        t.column(column.as_str())
            .map(|_| ())
            .ok_or_else(|| format!("table {table} has no column {column}"))
    }
}

fn check_table(t: &Table) -> Result<(), String> {
    let mut names = HashSet::new();
    for c in &t.columns {
        if !names.insert(c.name.as_str()) {
            return Err(format!(
                "table {}: column {} is listed twice",
                t.name, c.name
            ));
        }
        if c.name.as_str().starts_with("nur_") {
            return Err(format!(
                "table {}: column {} uses the reserved prefix nur_",
                t.name, c.name
            ));
        }
    }
    let person = t.column(t.person_column.as_str()).ok_or_else(|| {
        format!(
            "table {}: person column {} is not a column",
            t.name, t.person_column
        )
    })?;
    if !matches!(
        person.ty,
        ColumnType::NationalNumber | ColumnType::PersonalId
    ) {
        return Err(format!(
            "table {}: person column {} must be a national_number or personal_id",
            t.name, t.person_column
        ));
    }
    if t.key.is_empty() {
        return Err(format!("table {}: key is empty", t.name));
    }
    for k in &t.key {
        if t.column(k.as_str()).is_none() {
            return Err(format!("table {}: key column {k} is not a column", t.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jordan_catalog_loads_and_names_the_seed_tables() {
        let c = Catalog::jordan();
        for t in [
            "CSPD_Birth_Info",
            "CSPD_Death_Info",
            "CSPD_Divorce_Info",
            "CSPD_Marriage_Info",
            "CSPD_Personal_Address",
            "CSPD_Personal_Info",
            "CSPD_Social_Status",
            "CSPD_Personal_Title",
            "DVLD_Car_Info",
            "DVLD_License_Info",
            "ISTD_Income_Info",
            "SSC_Salaries",
            "SSC_Insured_Info",
            "SSC_Insured_Transaction",
            "ACC_Funds",
            "CSB_Applicant",
            "CSB_Pension_Info",
            "CSB_Qualifications",
            "DCMR_Employer",
            "BRD_Abroad_Persons",
        ] {
            assert!(c.table(t).is_some(), "missing table {t}");
        }
        let address = c.table("CSPD_Personal_Address").unwrap();
        for col in [
            "National_Number",
            "Country_Code",
            "Governorate_Code",
            "Liwa_Code",
            "Kada_Code",
            "City_Code",
        ] {
            assert!(address.column(col).is_some(), "missing column {col}");
        }
        let car = c.table("DVLD_Car_Info").unwrap();
        for col in [
            "Registration_Number",
            "Vehicle_Type",
            "Vehicle_Class",
            "Vehicle_Cargo_Description",
            "Vehicle_Registration_Type",
            "Registration_Center",
            "Model_Year",
        ] {
            assert!(car.column(col).is_some(), "missing column {col}");
        }
        let seed_entities = "CSPD DVLD ISTD SSC NAF DCMR MIT CCD GAM MOE MOHE DLS HIA MOLA MOL MODEE DEF HUDC ACC OFDC MOJ CSB SJD VTC LTRC HCD ZF MOSD JRMS GTD JC BRD";
        for e in seed_entities.split(' ') {
            let entity = c.entity(e).unwrap_or_else(|| panic!("missing entity {e}"));
            assert!(!entity.name_ar.is_empty() && !entity.name_en.is_empty());
        }
        assert_eq!(c.geography.governorates.len(), 12);
    }

    #[test]
    fn every_table_has_a_synth_rule() {
        let c = Catalog::jordan();
        for t in &c.tables {
            let Some(rule) = &t.synth else {
                panic!("table {} has no synth rule", t.name)
            };
            if let TableSynth::Generic { .. } = rule {
                for col in &t.columns {
                    assert!(col.synth.is_some(), "{}.{} has no synth", t.name, col.name);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_catalogs() {
        let good: serde_json::Value = serde_json::from_str(JORDAN).unwrap();
        let check = |edit: &dyn Fn(&mut serde_json::Value), want: &str| {
            let mut v = good.clone();
            edit(&mut v);
            let err = Catalog::from_json(&v.to_string()).unwrap_err().to_string();
            assert!(err.contains(want), "{err} does not contain {want}");
        };
        check(&|v| v["version"] = 2.into(), "version 2 is not supported");
        check(
            &|v| v["tables"][0]["name"] = "1bad name".into(),
            "is not a valid name",
        );
        check(
            &|v| v["tables"][0]["registry"] = "nowhere".into(),
            "unknown registry nowhere",
        );
        check(
            &|v| v["tables"][0]["person_column"] = "Nope".into(),
            "person column Nope",
        );
        check(
            &|v| v["registries"][0]["custodian"] = "XYZ".into(),
            "unknown custodian XYZ",
        );
        check(
            &|v| {
                let t = v["tables"][1].clone();
                v["tables"].as_array_mut().unwrap().push(t);
            },
            "listed twice",
        );
        assert!(Catalog::from_json("{not json").is_err());
    }
}
