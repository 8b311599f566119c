//! Tests of the social-registry files, read back from disk the way their users will read
//! them, against the registry CSVs written beside them.

use crate::{generate, Manifest, SynthOptions};
use nur_core::Catalog;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// `+9627[789]` and seven digits.
fn mobile_ok(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 13
        && s.starts_with("+9627")
        && matches!(b[5], b'7' | b'8' | b'9')
        && b[6..].iter().all(u8::is_ascii_digit)
}

/// A CSV file as rows of named fields (the files written here quote nothing these tests read).
struct Csv {
    header: HashMap<String, usize>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .enumerate()
            .map(|(i, h)| (h.to_owned(), i))
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        Csv { header, rows }
    }
    fn col(&self, name: &str) -> usize {
        self.header[name]
    }
}

/// The population as the registry files tell it: persons by national number, the living
/// members of each household, who has died.
struct Population {
    /// national number → (civil record id, birth date, gender code)
    persons: HashMap<String, (String, String, String)>,
    dead: HashSet<String>,
    male_code: String,
}

impl Population {
    fn read(dir: &Path, cat: &Catalog) -> Population {
        let p = Csv::read(&dir.join("CSPD_Personal_Info.csv"));
        let (nn, crid, birth, gender) = (
            p.col("National_Number"),
            p.col("Civil_Record_Id"),
            p.col("Birth_Date"),
            p.col("Gender"),
        );
        let rules = nur_core::IdentityRules::jordan();
        let persons = p
            .rows
            .iter()
            // The appended bad rows are not persons.
            .filter(|r| r.len() == p.header.len())
            .filter(|r| nur_core::NationalNumber::parse(&rules, &r[nn]).is_ok())
            .filter(|r| !r[nn].starts_with("901"))
            .map(|r| {
                (
                    r[nn].clone(),
                    (r[crid].clone(), r[birth].clone(), r[gender].clone()),
                )
            })
            .collect();
        let d = Csv::read(&dir.join("CSPD_Death_Info.csv"));
        let dn = d.col("National_Number");
        let dead = d.rows.iter().map(|r| r[dn].clone()).collect();
        let t = cat.table("CSPD_Personal_Info").unwrap();
        let male_code = t
            .column("Gender")
            .unwrap()
            .values
            .iter()
            .find(|v| v.label_en.eq_ignore_ascii_case("male"))
            .unwrap()
            .code
            .clone();
        Population {
            persons,
            dead,
            male_code,
        }
    }

    fn living(&self) -> HashMap<&str, Vec<&str>> {
        let mut by_household: HashMap<&str, Vec<&str>> = HashMap::new();
        for (nn, (crid, _, _)) in &self.persons {
            if !self.dead.contains(nn) {
                by_household.entry(crid).or_default().push(nn);
            }
        }
        by_household
    }
}

/// Registry rows by national number, from the written CSVs (good rows only: the bad rows'
/// national numbers are nobody's).
fn rows_by_person(dir: &Path, table: &str) -> (Csv, HashMap<String, Vec<usize>>) {
    let csv = Csv::read(&dir.join(format!("{table}.csv")));
    let nn = csv.col("National_Number");
    let mut by = HashMap::<String, Vec<usize>>::new();
    // The appended `duplicate` bad rows repeat the first good row: count it once.
    let mut seen = HashSet::new();
    for (i, r) in csv.rows.iter().enumerate() {
        if r.len() == csv.header.len() && seen.insert(r) {
            by.entry(r[nn].clone()).or_default().push(i);
        }
    }
    (csv, by)
}

fn governorate_codes(cat: &Catalog) -> Vec<String> {
    cat.geography
        .governorates
        .iter()
        .map(|g| g.code.clone())
        .collect()
}

fn sp_files() -> [&'static str; 4] {
    [
        "SP_Survey.csv",
        "SP_Applications.jsonl",
        "SP_Accounts.csv",
        "SP_Truth.csv",
    ]
}

#[test]
fn sp_files_are_deterministic_and_another_seed_changes_them() {
    let cat = Catalog::jordan();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ma = generate(&cat, &SynthOptions::new(2000, 9), a.path()).unwrap();
    let mb = generate(&cat, &SynthOptions::new(2000, 9), b.path()).unwrap();
    assert_eq!(ma.sp, mb.sp);
    for f in sp_files().into_iter().chain(["manifest.json"]) {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    generate(&cat, &SynthOptions::new(2000, 10), b.path()).unwrap();
    for f in sp_files() {
        assert_ne!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} is the same for another seed"
        );
    }
}

/// FNV-1a over every registry file, in catalog order.
fn registry_digest(cat: &Catalog, dir: &Path) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in &cat.tables {
        for b in std::fs::read(dir.join(format!("{}.csv", t.name))).unwrap() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[test]
fn registry_files_are_those_written_before_the_social_registry() {
    // The digest of the registry CSVs for 2,000 persons and seed 9 as the generator wrote
    // them before it knew the social registry: capturing what it writes changes nothing.
    let cat = Catalog::jordan();
    let dir = tempfile::tempdir().unwrap();
    generate(&cat, &SynthOptions::new(2000, 9), dir.path()).unwrap();
    assert_eq!(registry_digest(&cat, dir.path()), REGISTRY_DIGEST_2000_9);
}

const REGISTRY_DIGEST_2000_9: u64 = 0x70fe_cf57_add4_fe03;

#[test]
fn survey_columns_and_size() {
    let cat = Catalog::jordan();
    let dir = tempfile::tempdir().unwrap();
    let m = generate(&cat, &SynthOptions::new(2000, 3), dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("SP_Survey.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header,
        "survey_id,governorate,urban,members,children_under_5,children_under_15,elderly,\
         disabled,chronic_ill,dependency_ratio,head_female,head_age,head_education,\
         formal_workers,formal_income_pc_jod,informal_income_pc_jod,cars,newest_car_age,\
         business_capital_jod,land_parcels,land_value_jod,rooms_per_person,\
         electricity_kwh_pc,water_m3_pc,walls,roof,floor,tenure,water_source,toilet,fridge,\
         washing_machine,tv,air_conditioner,computer,livestock,naf_aid,consumption_pc_jod"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 2000, "{} survey households", rows.len());
    assert_eq!(rows.len() as u64, m.sp.survey_households);
    let codes = governorate_codes(&cat);
    let cols: Vec<&str> = header.split(',').collect();
    let at = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    for r in &rows {
        assert_eq!(r.len(), cols.len(), "{r:?}");
        assert!(codes.iter().any(|c| c == r[at("governorate")]));
        for (i, v) in r.iter().enumerate().skip(1) {
            if let Ok(x) = v.parse::<f64>() {
                let decimals = v.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
                assert!(decimals <= 3 && x >= 0.0, "{} = {v}", cols[i]);
            }
        }
        let members: f64 = r[at("members")].parse().unwrap();
        let kids: f64 = r[at("children_under_15")].parse().unwrap();
        let old: f64 = r[at("elderly")].parse().unwrap();
        let ratio: f64 = r[at("dependency_ratio")].parse().unwrap();
        assert!((ratio - (kids + old) / (members - kids - old).max(1.0)).abs() < 0.001);
        assert!(r[at("children_under_5")].parse::<f64>().unwrap() <= kids);
        assert!(["true", "false"].contains(&r[at("head_female")]));
        let cars: u32 = r[at("cars")].parse().unwrap();
        let newest: u32 = r[at("newest_car_age")].parse().unwrap();
        assert_eq!(cars == 0, newest == 99, "{r:?}");
        assert!(r[at("consumption_pc_jod")].parse::<f64>().unwrap() > 0.0);
    }
    // The survey's measured consumption is poor at about the population's rate.
    let (mut persons, mut poor) = (0.0, 0.0);
    for r in &rows {
        let n: f64 = r[at("members")].parse().unwrap();
        persons += n;
        if r[at("consumption_pc_jod")].parse::<f64>().unwrap() < 68.0 {
            poor += n;
        }
    }
    assert!(
        (0.10..0.22).contains(&(poor / persons)),
        "{}",
        poor / persons
    );
}

/// The big one: 50,000 persons, read back as their users will read them.
#[test]
fn truth_applications_and_accounts_at_50_000_persons() {
    let cat = Catalog::jordan();
    let dir = tempfile::tempdir().unwrap();
    let m = generate(&cat, &SynthOptions::new(50_000, 21), dir.path()).unwrap();
    let truth = check_truth(&cat, dir.path(), &m);
    let pop = Population::read(dir.path(), &cat);
    let accounts = check_accounts(dir.path(), &m, &pop);
    check_applications(&cat, dir.path(), &m, &pop, &truth, &accounts);
}

/// household → poor
fn check_truth(cat: &Catalog, dir: &Path, m: &Manifest) -> HashMap<String, bool> {
    let t = Csv::read(&dir.join("SP_Truth.csv"));
    assert_eq!(t.rows.len() as u64, m.households);
    assert_eq!(m.sp.households, m.households);
    let (crid, gov, urban, members, c, poor) = (
        t.col("civil_record_id"),
        t.col("governorate"),
        t.col("urban"),
        t.col("members"),
        t.col("consumption_pc_jod"),
        t.col("poor"),
    );
    let mut by_gov: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut by_area: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut by_size: HashMap<bool, (f64, f64)> = HashMap::new();
    let (mut persons, mut poor_persons, mut poor_households) = (0.0, 0.0, 0u64);
    let mut out = HashMap::new();
    for r in &t.rows {
        let n: f64 = r[members].parse().unwrap();
        let is_poor = r[poor] == "true";
        assert_eq!(is_poor, r[c].parse::<f64>().unwrap() < 68.0, "{r:?}");
        let w = if is_poor { n } else { 0.0 };
        persons += n;
        poor_persons += w;
        poor_households += u64::from(is_poor);
        for (map, key) in [
            (&mut by_gov, r[gov].as_str()),
            (&mut by_area, r[urban].as_str()),
        ] {
            let e = map.entry(key).or_default();
            e.0 += n;
            e.1 += w;
        }
        let e = by_size.entry(n >= 6.0).or_default();
        e.0 += n;
        e.1 += w;
        out.insert(r[crid].clone(), is_poor);
    }
    let share = poor_persons / persons;
    assert!((share - 0.157).abs() <= 0.005, "poor share {share}");
    assert!((m.sp.poor_share_individuals - share).abs() < 1e-12);
    assert_eq!(m.sp.poor_households, poor_households);
    let rate = |e: &(f64, f64)| e.1 / e.0;
    let amman = rate(&by_gov["11"]);
    let poorer = ["15", "16", "21", "22"]
        .iter()
        .map(|g| by_gov[g])
        .fold((0.0, 0.0), |a, e| (a.0 + e.0, a.1 + e.1));
    assert!(amman < 0.135, "Amman {amman}");
    assert!(
        rate(&poorer) > amman + 0.08,
        "Mafraq, Karak, Ma'an, Tafilah {poorer:?}"
    );
    for g in ["15", "21", "22"] {
        assert!(
            rate(&by_gov[g]) > amman,
            "{g}: {} vs Amman {amman}",
            rate(&by_gov[g])
        );
    }
    assert!(
        rate(&by_area["false"]) > rate(&by_area["true"]) + 0.05,
        "{by_area:?}"
    );
    assert!(
        rate(&by_size[&true]) > rate(&by_size[&false]),
        "{by_size:?}"
    );
    let urban_share = by_area["true"].0 / persons;
    assert!((0.85..0.95).contains(&urban_share), "urban {urban_share}");
    let _ = cat;
    out
}

/// household → (head national number, mobile, method, iban, wallet provider)
fn check_accounts(dir: &Path, m: &Manifest, pop: &Population) -> HashMap<String, [String; 5]> {
    let a = Csv::read(&dir.join("SP_Accounts.csv"));
    assert_eq!(
        a.header.len(),
        6,
        "civil_record_id, head_national_number, mobile, method, iban, wallet_provider"
    );
    assert_eq!(a.rows.len() as u64, m.households);
    let living = pop.living();
    let (crid, head, mobile, method, iban, wallet) = (
        a.col("civil_record_id"),
        a.col("head_national_number"),
        a.col("mobile"),
        a.col("method"),
        a.col("iban"),
        a.col("wallet_provider"),
    );
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut ibans = HashSet::new();
    let mut no_mobile = 0;
    let mut out = HashMap::new();
    for r in &a.rows {
        assert!(
            living[r[crid].as_str()].contains(&r[head].as_str()),
            "{r:?}"
        );
        // A household whose only grown-up is under 18 by the calendar has no mobile (and so
        // no wallet); any other has its head's.
        if r[mobile].is_empty() {
            no_mobile += 1;
            assert_ne!(r[method], "ewallet");
        } else {
            assert!(mobile_ok(&r[mobile]), "{r:?}");
        }
        *counts.entry(r[method].as_str()).or_default() += 1;
        match r[method].as_str() {
            "bank" => {
                assert!(nur_sp::iban::check(&r[iban]).is_ok(), "{r:?}");
                assert!(ibans.insert(r[iban].clone()), "IBAN shared: {r:?}");
                assert!(r[wallet].is_empty());
            }
            "ewallet" => {
                assert!(r[iban].is_empty());
                assert!(crate::accounts::WALLETS.contains(&r[wallet].as_str()));
            }
            "" => assert!(r[iban].is_empty() && r[wallet].is_empty()),
            other => panic!("method {other}"),
        }
        out.insert(
            r[crid].clone(),
            [
                r[head].clone(),
                r[mobile].clone(),
                r[method].clone(),
                r[iban].clone(),
                r[wallet].clone(),
            ],
        );
    }
    let n = a.rows.len() as f64;
    assert!(
        (no_mobile as f64) < 0.002 * n,
        "{no_mobile} without a mobile"
    );
    let bank = counts["bank"] as f64 / n;
    let wallet_share = counts["ewallet"] as f64 / n;
    assert!((0.66..0.74).contains(&bank), "{counts:?}");
    assert!(wallet_share > 0.15 && counts[""] > 0, "{counts:?}");
    out
}

fn check_applications(
    cat: &Catalog,
    dir: &Path,
    m: &Manifest,
    pop: &Population,
    truth: &HashMap<String, bool>,
    accounts: &HashMap<String, [String; 5]>,
) {
    // The form as nur-sp checks it: what the registry would accept or refuse.
    let form = nur_sp::Form::jordan(&cat.geography);
    let living = pop.living();
    let text = std::fs::read_to_string(dir.join("SP_Applications.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, m.sp.applications);

    // About a quarter of the households apply, the poor far more often.
    let share = lines.len() as f64 / m.households as f64;
    assert!((0.21..0.29).contains(&share), "applications {share}");
    let listed: HashMap<u64, &str> =
        m.sp.malformed
            .iter()
            .map(|x| (x.line, x.kind.as_str()))
            .collect();
    let mis: HashMap<&str, &crate::Misdeclaration> =
        m.sp.misdeclarations
            .iter()
            .map(|x| (x.reference.as_str(), x))
            .collect();
    assert!(!listed.is_empty());
    let malformed_share = listed.len() as f64 / lines.len() as f64;
    assert!(
        (0.003..0.008).contains(&malformed_share),
        "{malformed_share}"
    );
    let kinds: HashSet<&str> = listed.values().copied().collect();
    assert_eq!(kinds.len(), 8, "malformed kinds {kinds:?}");

    let cars = rows_by_person(dir, "DVLD_Car_Info");
    let land = rows_by_person(dir, "DLS_Land_Ownership");
    let companies = rows_by_person(dir, "CCD_Companies");
    let sole = rows_by_person(dir, "MIT_Sole_Proprietorships");
    let ssc = rows_by_person(dir, "SSC_Insured_Info");
    let csb = rows_by_person(dir, "CSB_Civil_Servants");
    let pension = rows_by_person(dir, "CSB_Pension_Info");
    let dcmr = rows_by_person(dir, "DCMR_Employer");
    let cards = rows_by_person(dir, "HCD_Disability_Cards");
    let count =
        |t: &(Csv, HashMap<String, Vec<usize>>), nns: &[&str], status: Option<(&str, &str)>| {
            nns.iter()
                .flat_map(|nn| t.1.get(*nn).into_iter().flatten())
                .filter(|&&i| status.is_none_or(|(c, v)| t.0.rows[i][t.0.col(c)] == v))
                .count()
        };
    let sum = |t: &(Csv, HashMap<String, Vec<usize>>),
               nns: &[&str],
               col: &str,
               status: Option<(&str, &str)>| {
        nns.iter()
            .flat_map(|nn| t.1.get(*nn).into_iter().flatten())
            .filter(|&&i| status.is_none_or(|(c, v)| t.0.rows[i][t.0.col(c)] == v))
            .map(|&i| t.0.rows[i][t.0.col(col)].parse::<f64>().unwrap())
            .sum::<f64>()
    };

    let (mut applied_poor, mut misdeclared, mut honest_checked) = (0usize, 0usize, 0usize);
    let mut cardholders = 0;
    let mut seen_households = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        let no = i as u64 + 1;
        let parsed: Option<Value> = serde_json::from_str(line).ok();
        let Some(app) = parsed else {
            assert!(
                listed.contains_key(&no),
                "line {no} is not JSON and not listed"
            );
            continue;
        };
        let household = app["household"].as_str().unwrap_or_default().to_owned();
        assert!(
            seen_households.insert(household.clone()),
            "{household} applied twice"
        );
        let answers = &app["answers"];
        let mut errors: Vec<String> = form
            .check(
                &nur_core::IdentityRules::jordan(),
                answers,
                nur_core::Date::new(2026, 10, 31).expect("a date"),
                nur_sp::Stage::Submit,
            )
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message.en))
            .collect();
        // Who the members are: living persons of this household, as the registry says.
        let declared: Vec<&Value> = answers["household"]["members"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let members_here: HashSet<&str> = living
            .get(household.as_str())
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        for d in &declared {
            let nn = d["national_number"].as_str().unwrap_or_default();
            match pop.persons.get(nn) {
                None => errors.push(format!("{nn} is nobody")),
                Some(_) if pop.dead.contains(nn) => errors.push(format!("{nn} has died")),
                Some((crid, birth, gender)) => {
                    if crid != &household {
                        errors.push(format!("{nn} is of household {crid}"));
                    }
                    if d["birth_date"].as_str() != Some(birth.as_str()) {
                        errors.push(format!("{nn} born {birth}"));
                    }
                    let male = gender == &pop.male_code;
                    if d["gender"] != if male { "male" } else { "female" } {
                        errors.push(format!("{nn} gender"));
                    }
                }
            }
        }
        match listed.get(&no) {
            Some(kind) => {
                assert!(!errors.is_empty(), "line {no} listed as {kind} but passes");
                assert!(!mis.contains_key(app["ref"].as_str().unwrap()));
                continue;
            }
            None => assert!(errors.is_empty(), "line {no}: {errors:?}\n{line}"),
        }
        assert_eq!(app["form"], "jordan-intake");
        assert_eq!(app["form_version"], 1);
        assert!(["citizen", "caseworker"].contains(&app["channel"].as_str().unwrap()));
        assert_eq!(answers["household"]["civil_record_id"], household.as_str());
        assert_eq!(
            declared.len(),
            members_here.len(),
            "every living member, and only them: {line}"
        );
        applied_poor += usize::from(truth[&household]);

        // The payment account is the directory's.
        let acc = &accounts[&household];
        let pay = &answers["payment"];
        assert_eq!(answers["contact"]["mobile"], acc[1].as_str());
        match acc[2].as_str() {
            "bank" => assert_eq!(pay["iban"], acc[3].as_str()),
            "ewallet" => {
                assert_eq!(pay["wallet_provider"], acc[4].as_str());
                assert_eq!(pay["wallet_mobile"], acc[1].as_str());
            }
            _ => assert_eq!(pay["method"], "ewallet"),
        }

        // A member holding a valid disability card is disabled.
        let mut with_card = 0;
        for d in &declared {
            let nn = d["national_number"].as_str().unwrap();
            if count(&cards, &[nn], Some(("Card_Status", "1"))) > 0 {
                assert_eq!(d["disability"], true, "{nn}: {line}");
                with_card += 1;
            }
        }
        cardholders += with_card;

        // What the registries hold for these members.
        let nns: Vec<&str> = members_here.iter().copied().collect();
        let reg_cars = count(&cars, &nns, None);
        let reg_land = count(&land, &nns, None);
        let reg_business = count(&companies, &nns, Some(("Company_Status", "1")))
            + count(&sole, &nns, Some(("Status", "1")));
        let reg_formal = sum(&ssc, &nns, "Current_Salary", Some(("Insured_Status", "1")))
            + sum(&csb, &nns, "Basic_Salary", Some(("Employment_Status", "1")))
            + sum(&pension, &nns, "Pension_Amount", None)
            + sum(&dcmr, &nns, "Net_Salary", None);
        let a_cars = answers["assets"]["cars"].as_u64().unwrap() as usize;
        let a_land = answers["assets"]["land_parcels"].as_u64().unwrap() as usize;
        let a_business = answers["assets"]["business"].as_bool().unwrap();
        let a_formal = answers["income"]["formal_jod"].as_f64().unwrap();
        let reference = app["ref"].as_str().unwrap();
        let Some(x) = mis.get(reference) else {
            // The honest tell the registries' truth.
            assert_eq!(a_cars, reg_cars, "{line}");
            assert_eq!(a_land, reg_land, "{line}");
            assert_eq!(a_business, reg_business > 0, "{line}");
            assert!(
                (a_formal - reg_formal).abs() < 0.01,
                "{a_formal} vs {reg_formal}: {line}"
            );
            honest_checked += 1;
            continue;
        };
        misdeclared += 1;
        assert_eq!(x.household, household);
        assert!(nns.contains(&x.national_number.as_str()), "{x:?}");
        let holds = |t: &(Csv, HashMap<String, Vec<usize>>)| {
            !t.1.get(&x.national_number).is_none_or(|v| v.is_empty())
        };
        match x.kind.as_str() {
            "cars" => {
                assert_eq!(x.table, "DVLD_Car_Info");
                assert!(holds(&cars));
                assert!(a_cars < reg_cars, "{x:?}");
                assert_eq!(x.declared, a_cars);
                assert_eq!(x.registry, reg_cars);
            }
            "land_parcels" => {
                assert_eq!(x.table, "DLS_Land_Ownership");
                assert!(holds(&land));
                assert!(a_land < reg_land, "{x:?}");
                assert_eq!(
                    (x.declared.clone(), x.registry.clone()),
                    (a_land.into(), reg_land.into())
                );
            }
            "business" => {
                assert!(!a_business && reg_business > 0, "{x:?}");
                let t = match x.table.as_str() {
                    "CCD_Companies" => &companies,
                    "MIT_Sole_Proprietorships" => &sole,
                    other => panic!("business in {other}"),
                };
                assert!(holds(t));
            }
            "formal_income" => {
                assert!(
                    a_formal <= reg_formal / 2.0 + 0.001,
                    "{a_formal} vs {reg_formal}"
                );
                assert!((x.registry.as_f64().unwrap() - reg_formal).abs() < 0.01);
                assert_eq!(x.declared.as_f64(), Some(a_formal));
                let t = match x.table.as_str() {
                    "SSC_Insured_Info" => &ssc,
                    "CSB_Civil_Servants" => &csb,
                    "CSB_Pension_Info" => &pension,
                    "DCMR_Employer" => &dcmr,
                    other => panic!("formal income from {other}"),
                };
                assert!(holds(t));
            }
            other => panic!("misdeclaration kind {other}"),
        }
    }
    let well_formed = lines.len() - listed.len();
    assert_eq!(
        misdeclared,
        m.sp.misdeclarations.len(),
        "every one listed is found"
    );
    let mis_share = misdeclared as f64 / well_formed as f64;
    assert!(
        (0.05..=0.10).contains(&mis_share),
        "misdeclared {mis_share}"
    );
    assert!(honest_checked > 1000);
    assert!(
        cardholders > 50,
        "{cardholders} card holders among applicants"
    );
    let poor_households = truth.values().filter(|p| **p).count() as f64;
    let poor_among_applicants = applied_poor as f64 / well_formed as f64;
    let poor_among_households = poor_households / truth.len() as f64;
    assert!(
        poor_among_applicants > 1.8 * poor_among_households,
        "{poor_among_applicants} vs {poor_among_households}"
    );
    let poor_apply = applied_poor as f64 / poor_households;
    assert!(
        (0.45..0.7).contains(&poor_apply),
        "the poor apply at {poor_apply}"
    );
}
