//! Civil-status tables written from the household model: personal records, addresses,
//! family booklets, births, deaths, marriages, divorces, social status and titles. Coded
//! columns are filled by finding the catalog code whose English label names the meaning, so a
//! country's catalog may number its codes as it likes.

use crate::population::{Household, Marital, MarriageEnd, Person, Relation};
use crate::rng::Rng;
use crate::{generator_name, Out, SynthError};
use nur_core::{Catalog, Date, Table};
use std::collections::HashMap;
use std::path::Path;

pub struct Civil {
    index: HashMap<String, usize>,
    /// The last written household's mobile numbers as written (`07XXXXXXXX`), by member
    /// index: a read-only copy for the social registry's contact and wallet answers.
    pub(crate) mobiles: Vec<(usize, String)>,
}

/// The code of `column` whose English label contains `label` (case-insensitive), or the
/// label itself when the column is not coded.
fn code(t: &Table, column: &str, label: &str) -> String {
    let Some(c) = t.column(column) else {
        return String::new();
    };
    if c.values.is_empty() {
        return label.to_owned();
    }
    let l = label.to_ascii_lowercase();
    c.values
        .iter()
        .find(|v| v.label_en.to_ascii_lowercase().contains(&l))
        .unwrap_or(&c.values[0])
        .code
        .clone()
}

const DEATH_CAUSES: &[&str] = &[
    "أمراض القلب",
    "السكتة الدماغية",
    "السرطان",
    "السكري",
    "حادث سير",
    "أمراض الجهاز التنفسي",
    "الشيخوخة",
];
const STREETS: &[&str] = &[
    "شارع الملكة رانيا",
    "شارع الجامعة",
    "شارع الملك عبدالله الثاني",
    "شارع المدينة المنورة",
    "شارع الحرية",
    "شارع الاستقلال",
    "شارع الأمير حسن",
    "شارع الشهيد",
    "شارع البتراء",
    "شارع الهاشمي",
];

impl Civil {
    pub(crate) fn new(_catalog: &Catalog, outs: &[Out<'_>]) -> Result<Civil, SynthError> {
        let mut index = HashMap::new();
        for (i, o) in outs.iter().enumerate() {
            if let Some(g) = generator_name(o.table) {
                index.insert(g.to_owned(), i);
            }
        }
        for g in [
            "personal_info",
            "personal_address",
            "family_booklet",
            "birth",
            "death",
            "marriage",
            "divorce",
            "social_status",
            "personal_title",
        ] {
            if !index.contains_key(g) {
                return Err(SynthError::Invalid(format!(
                    "the catalog has no table with synth generator {g}"
                )));
            }
        }
        Ok(Civil {
            index,
            mobiles: Vec::new(),
        })
    }

    fn out<'a, 'c>(&self, outs: &'a mut [Out<'c>], g: &str) -> &'a mut Out<'c> {
        &mut outs[self.index[g]]
    }

    pub(crate) fn write(
        &mut self,
        outs: &mut [Out<'_>],
        rng: &mut Rng,
        catalog: &Catalog,
        hh: &Household,
        as_of: Date,
        dir: &Path,
    ) -> Result<(), SynthError> {
        let path = |o: &Out<'_>| dir.join(format!("{}.csv", o.table.name));
        let g = &catalog.geography.governorates[hh.gov];
        let liwa = &g.liwas[hh.liwa];
        let kada = liwa.kadas.get(hh.kada);

        // Personal records (the living and the dead).
        self.mobiles.clear();
        for (member, p) in hh.members.iter().enumerate() {
            let o = self.out(outs, "personal_info");
            let t = o.table;
            o.clear();
            let n = &crate_names(p);
            o.set("National_Number", &p.nn);
            o.set("First_Name", &n.first_ar);
            o.set("Second_Name", &n.father_ar);
            o.set("Third_Name", &n.grandfather_ar);
            o.set("Family_Name", &n.family_ar);
            o.set("First_Name_En", &n.first_en);
            o.set("Second_Name_En", &n.father_en);
            o.set("Third_Name_En", &n.grandfather_en);
            o.set("Family_Name_En", &n.family_en);
            o.set("Mother_Name", &n.mother_ar);
            o.set(
                "Gender",
                &code(t, "Gender", if p.male { "male" } else { "female" }),
            );
            o.set("Birth_Date", &p.birth.to_string());
            o.set("Birth_Liwa_Code", &liwa.code);
            o.set("Nationality", "JOR");
            o.set(
                "Religion",
                &code(
                    t,
                    "Religion",
                    if p.christian { "christian" } else { "muslim" },
                ),
            );
            o.set("Civil_Record_Id", &hh.civil_record_id);
            o.set(
                "Relation_To_Head",
                &code(t, "Relation_To_Head", relation_label(p.relation)),
            );
            o.set(
                "Marital_Status",
                &code(t, "Marital_Status", marital_label(p.marital)),
            );
            let pth = path(o);
            o.emit(&pth)?;

            let o = self.out(outs, "birth");
            let t = o.table;
            o.clear();
            o.serial += 1;
            o.set("Certificate_Number", &format!("B{:09}", o.serial));
            o.set("National_Number", &p.nn);
            o.set("Birth_Date", &p.birth.to_string());
            o.set("Birth_Place", &liwa.name_ar);
            o.set("Birth_Liwa_Code", &liwa.code);
            o.set(
                "Gender",
                &code(t, "Gender", if p.male { "male" } else { "female" }),
            );
            o.set(
                "Father_National_Number",
                p.father_nn.as_deref().unwrap_or(""),
            );
            o.set(
                "Mother_National_Number",
                p.mother_nn.as_deref().unwrap_or(""),
            );
            let reg = Date::from_days(p.birth.to_days() + rng.range(1, 30));
            o.set("Registration_Date", &reg.min(as_of).to_string());
            let pth = path(o);
            o.emit(&pth)?;

            if let Some(died) = p.death {
                let o = self.out(outs, "death");
                o.clear();
                o.serial += 1;
                o.set("Certificate_Number", &format!("D{:09}", o.serial));
                o.set("National_Number", &p.nn);
                o.set("Death_Date", &died.to_string());
                o.set("Death_Place", &liwa.name_ar);
                o.set("Death_Cause", rng.pick::<&str>(DEATH_CAUSES));
                o.set("Age_At_Death", &p.age(died).to_string());
                let reg = Date::from_days(died.to_days() + rng.range(0, 10));
                o.set("Registration_Date", &reg.min(as_of).to_string());
                let pth = path(o);
                o.emit(&pth)?;
                continue;
            }

            let o = self.out(outs, "personal_address");
            o.clear();
            o.set("National_Number", &p.nn);
            o.set("Country_Code", "JOR");
            o.set("Governorate_Code", &g.code);
            o.set("Liwa_Code", &liwa.code);
            if let Some(k) = kada {
                o.set("Kada_Code", &k.code);
                o.set("City_Code", &format!("{}{:02}", k.code, 1 + hh.gov % 7));
            }
            o.set("Street_Name", rng.pick::<&str>(STREETS));
            o.set("Building_Number", &rng.range(1, 250).to_string());
            if p.age(as_of) >= 18 {
                let prefix = *rng.pick(&["077", "078", "079"]);
                let mobile = format!("{prefix}{:07}", rng.range(0, 9_999_999));
                o.set("Mobile_Number", &mobile);
                self.mobiles.push((member, mobile));
            }
            o.set("Last_Update_Date", &hh.issue_date.to_string());
            let pth = path(o);
            o.emit(&pth)?;

            let age = p.age(as_of);
            if age >= 18 {
                let o = self.out(outs, "social_status");
                let t = o.table;
                o.clear();
                o.set("National_Number", &p.nn);
                o.set(
                    "Marital_Status",
                    &code(t, "Marital_Status", marital_label(p.marital)),
                );
                let since = hh
                    .marriages
                    .iter()
                    .find(|m| m.husband == p.nn || m.wife == p.nn)
                    .map(|m| m.ended.map(|e| e.1).unwrap_or(m.date))
                    .unwrap_or(Date::from_days(p.birth.to_days() + 18 * 365));
                o.set("Status_Date", &since.to_string());
                let married = matches!(p.marital, Marital::Married);
                o.set("Spouses_Count", if married { "1" } else { "0" });
                let children = if matches!(p.relation, Relation::Head | Relation::Wife) {
                    hh.members
                        .iter()
                        .filter(|c| {
                            c.mother_nn.as_deref() == Some(&p.nn)
                                || c.father_nn.as_deref() == Some(&p.nn)
                        })
                        .count()
                } else {
                    0
                };
                o.set("Children_Count", &children.to_string());
                o.set(
                    "Is_Family_Head",
                    if p.relation == Relation::Head {
                        "1"
                    } else {
                        "0"
                    },
                );
                o.set("Civil_Record_Id", &hh.civil_record_id);
                let pth = path(o);
                o.emit(&pth)?;
            }
            if age >= 25 && rng.chance(0.03) {
                let o = self.out(outs, "personal_title");
                let t = o.table;
                o.clear();
                let col = t.column("Title_Code");
                let (code_s, label) = match col.filter(|c| !c.values.is_empty()) {
                    Some(c) => {
                        let v = rng.pick(&c.values);
                        (v.code.clone(), v.label_ar.clone())
                    }
                    None => ("1".into(), "دكتور".into()),
                };
                o.set("National_Number", &p.nn);
                o.set("Title_Code", &code_s);
                o.set("Title_Name", &label);
                let granted = Date::from_days(p.birth.to_days() + rng.range(23 * 365, age * 365));
                o.set("Grant_Date", &granted.min(as_of).to_string());
                o.set("Granting_Authority", "دائرة الأحوال المدنية والجوازات");
                o.set("Is_Current", "1");
                let pth = path(o);
                o.emit(&pth)?;
            }
        }

        // The family booklet.
        let o = self.out(outs, "family_booklet");
        let t = o.table;
        o.clear();
        o.set("Civil_Record_Id", &hh.civil_record_id);
        o.set("Head_National_Number", &hh.head().nn);
        o.set("Governorate_Code", &g.code);
        o.set("Liwa_Code", &liwa.code);
        o.set("Issue_Date", &hh.issue_date.to_string());
        o.set("Issue_Place", &liwa.name_ar);
        o.set("Members_Count", &hh.members.len().to_string());
        o.set("Booklet_Status", &code(t, "Booklet_Status", "valid"));
        let pth = path(o);
        o.emit(&pth)?;

        // Marriages and the divorces that ended some of them.
        for m in &hh.marriages {
            let o = self.out(outs, "marriage");
            let t = o.table;
            o.clear();
            o.serial += 1;
            let cert = format!("M{:09}", o.serial);
            o.set("Certificate_Number", &cert);
            o.set("Husband_National_Number", &m.husband);
            o.set("Wife_National_Number", &m.wife);
            o.set("Marriage_Date", &m.date.to_string());
            o.set("Court_Name", &format!("محكمة {} الشرعية", liwa.name_ar));
            o.set("Governorate_Code", &g.code);
            o.set(
                "Registration_Date",
                &Date::from_days(m.date.to_days() + rng.range(0, 14))
                    .min(as_of)
                    .to_string(),
            );
            let status = match m.ended {
                None => "ongoing",
                Some((MarriageEnd::Divorce, _)) => "divorce",
                Some((MarriageEnd::Death, _)) => "death",
            };
            o.set("Marriage_Status", &code(t, "Marriage_Status", status));
            let pth = path(o);
            o.emit(&pth)?;
            if let Some((MarriageEnd::Divorce, when)) = m.ended {
                let o = self.out(outs, "divorce");
                let t = o.table;
                o.clear();
                o.serial += 1;
                o.set("Certificate_Number", &format!("V{:09}", o.serial));
                o.set("Husband_National_Number", &m.husband);
                o.set("Wife_National_Number", &m.wife);
                o.set("Divorce_Date", &when.to_string());
                let types = t
                    .column("Divorce_Type")
                    .map(|c| c.values.len())
                    .unwrap_or(0);
                if types > 0 {
                    let v = &t.column("Divorce_Type").expect("checked").values
                        [rng.range(0, types as i64 - 1) as usize];
                    o.set("Divorce_Type", &v.code);
                }
                o.set("Court_Name", &format!("محكمة {} الشرعية", liwa.name_ar));
                o.set("Marriage_Certificate_Number", &cert);
                o.set(
                    "Registration_Date",
                    &Date::from_days(when.to_days() + rng.range(0, 14))
                        .min(as_of)
                        .to_string(),
                );
                let pth = path(o);
                o.emit(&pth)?;
            }
        }
        Ok(())
    }
}

/// The four-part name of a person in both scripts.
struct FullName {
    first_ar: String,
    father_ar: String,
    grandfather_ar: String,
    family_ar: String,
    mother_ar: String,
    first_en: String,
    father_en: String,
    grandfather_en: String,
    family_en: String,
}

thread_local! {
    static NAMES: crate::names::Names = crate::names::Names::load();
}

fn crate_names(p: &Person) -> FullName {
    NAMES.with(|n| {
        let first = n.first(p.male, p.first);
        let father = &n.male[p.father_first as usize];
        let grandfather = &n.male[p.grandfather_first as usize];
        let family = &n.family[p.family as usize];
        let mother = &n.female[p.mother_first as usize];
        FullName {
            first_ar: first.ar.clone(),
            father_ar: father.ar.clone(),
            grandfather_ar: grandfather.ar.clone(),
            family_ar: family.ar.clone(),
            mother_ar: mother.ar.clone(),
            first_en: first.en.clone(),
            father_en: father.en.clone(),
            grandfather_en: grandfather.en.clone(),
            family_en: family.en.clone(),
        }
    })
}

fn relation_label(r: Relation) -> &'static str {
    match r {
        Relation::Head => "head",
        Relation::Wife => "wife",
        Relation::Son => "son",
        Relation::Daughter => "daughter",
        Relation::Other => "other",
    }
}

fn marital_label(m: Marital) -> &'static str {
    match m {
        Marital::Single => "single",
        Marital::Married => "married",
        Marital::Divorced => "divorced",
        Marital::Widowed => "widowed",
    }
}
