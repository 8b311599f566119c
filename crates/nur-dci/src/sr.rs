//! The Social Registry over NUR-SP: households as DCI `Group`s (their facts, the current
//! poverty score and its model) with their members as `Member`s (the civil records the
//! caller is granted, a valid disability card, who heads the family booklet).
//!
//! A search's condition is split in two: the group's attributes (`poverty_score`,
//! `group_size`, `location`/`governorate`, `disability`, `disabled_members`, every fact by
//! its name, `HOUSEHOLD_ID`) are tested on the groups, a batch at a time; the members'
//! (`age`, `sex`, `UIN`, `birth_date`, `marital_status`, … — the CRVS attributes) become a
//! query of the civil tables under the caller's grants, like a CRVS search. A group matches
//! when it passes its part and, if members' attributes are asked, one of its members passes
//! theirs. The two parts join by `and`; an `or` across them is refused.
//!
//! Events: `REGISTER` when a household submits an application (intake), and
//! `NewHouseHoldMember` when ingestion records a person in a registered household who is not
//! on its application.

use crate::criteria::{Cmp, Cond, Criteria, Query};
use crate::crvs::{crvs_person, CrvsDef};
use crate::envelope::Refusal;
use nur_app::{App, Args, Caller, FoundPerson, PersonSearch, SrGroup};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

pub const REG_TYPE: &str = "ns:org:RegistryType:Social";
pub const GROUP_RECORD: &str = "spdci-extensions-social:Group";
pub const MEMBER_RECORD: &str = "spdci-extensions-social:Member";

/// The events a subscription may ask for: (name as DCI spells it, what it listens on).
pub fn events(crvs: &CrvsDef) -> [(&'static str, String); 2] {
    [
        ("REGISTER", nur_store::REGISTER_EVENTS.to_owned()),
        ("NewHouseHoldMember", crvs.person_table().to_owned()),
    ]
}

/// The most groups a search tests members of, or reads whole for a `Member` answer.
pub const MAX_GROUPS: usize = 10_000;
/// Groups read per batch of a scan.
const SCAN_BATCH: u32 = 2_000;
/// Households per query of their members.
const MEMBER_BATCH: usize = 500;

/// The input whose valid card makes a member `is_disabled`.
const DISABILITY_INPUT: &str = "disability_card";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Group,
    Member,
}

fn invalid(m: impl Into<String>) -> Refusal {
    Refusal::new("rjct.search_criteria.invalid", m)
}

fn too_many(what: &str) -> Refusal {
    Refusal::new(
        "rjct.search.too_many_records_found",
        format!("more than {MAX_GROUPS} {what} match; narrow the search"),
    )
}

/// What a search answers with: `response_entity`, or a `reg_record_type` naming `Member`.
pub fn entity(c: &Criteria) -> Result<Entity, Refusal> {
    match c.response_entity.as_deref() {
        // The samples also say `Household`.
        Some(e) if e.eq_ignore_ascii_case("group") || e.eq_ignore_ascii_case("household") => {
            Ok(Entity::Group)
        }
        Some(e) if e.eq_ignore_ascii_case("member") => Ok(Entity::Member),
        Some(e) => Err(invalid(format!(
            "response_entity is Group or Member, not {e:?}"
        ))),
        None if c
            .reg_record_type
            .as_deref()
            .is_some_and(|t| t.ends_with("Member")) =>
        {
            Ok(Entity::Member)
        }
        None => Ok(Entity::Group),
    }
}

/// The answer to one search: its records and how many matched.
pub struct Found {
    pub records: Vec<Json>,
    pub total: usize,
    pub record_type: &'static str,
}

/// The Social Registry of one request: the app, the civil mapping members are read with,
/// the caller and where the reads are audited from.
pub struct Sr<'a> {
    pub app: &'a App,
    pub crvs: &'a CrvsDef,
    pub caller: &'a Caller,
    pub origin: &'a str,
}

/// A member found: their national number and household.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    household: String,
    national_number: String,
}

impl Sr<'_> {
    /// Answers one search item's criteria.
    pub fn search(&self, c: &Criteria) -> Result<Found, Refusal> {
        let entity = entity(c)?;
        let app_err = |e: nur_app::AppError| Refusal::new("err.request.forbidden", e.message);
        // The groups, and (when members' attributes were asked) the members that matched.
        let (groups, hits): (Vec<SrGroup>, Option<Vec<Hit>>) = match &c.query {
            Query::Id { id_type, value } if is_group_id(id_type) => (
                self.app
                    .sr_groups_of(self.caller, &[value.as_str()])
                    .map_err(app_err)?,
                None,
            ),
            Query::Id { .. } => {
                let hits = self.find(c.query.clone(), MAX_GROUPS as u32)?;
                let groups = self.groups_of(&hits)?;
                (groups, Some(hits))
            }
            Query::Where(cond) => {
                let cond = cond.clone().renamed(&dci_name);
                let (group_part, member_part) = self.split(&cond)?;
                match (group_part, member_part) {
                    (None, Some(m)) => {
                        let hits = self.find(Query::Where(m), MAX_GROUPS as u32)?;
                        (self.groups_of(&hits)?, Some(hits))
                    }
                    (g, m) => {
                        let groups = self.scan(g.as_ref())?;
                        match m {
                            None => (groups, None),
                            Some(m) => {
                                let hits = self.members_matching(&groups, Some(&m))?;
                                let with: BTreeSet<&str> =
                                    hits.iter().map(|h| h.household.as_str()).collect();
                                let groups = groups
                                    .into_iter()
                                    .filter(|g| with.contains(g.household.as_str()))
                                    .collect();
                                (groups, Some(hits))
                            }
                        }
                    }
                }
            }
        };
        match entity {
            Entity::Group => self.group_page(groups, c),
            Entity::Member => {
                let hits = match hits {
                    Some(h) => h,
                    None => self.members_matching(&groups, None)?,
                };
                self.member_page(&groups, hits, c)
            }
        }
    }

    /// Splits a condition into its group part and its members' part (see the module).
    fn split(&self, cond: &Cond) -> Result<(Option<Cond>, Option<Cond>), Refusal> {
        split(cond, &self.fact_names())
    }

    fn fact_names(&self) -> BTreeSet<String> {
        self.app
            .social_registry()
            .facts
            .facts
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    /// Every group passing `cond`, a batch at a time.
    fn scan(&self, cond: Option<&Cond>) -> Result<Vec<SrGroup>, Refusal> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let batch = self
                .app
                .sr_groups_after(self.caller, &after, SCAN_BATCH)
                .map_err(|e| Refusal::new("err.request.forbidden", e.message))?;
            let Some(last) = batch.last() else { break };
            after = last.household.clone();
            let n = batch.len();
            out.extend(
                batch
                    .into_iter()
                    .filter(|g| cond.is_none_or(|c| c.holds(&group_flat(g)))),
            );
            if out.len() > MAX_GROUPS {
                return Err(too_many("groups"));
            }
            if n < SCAN_BATCH as usize {
                break;
            }
        }
        Ok(out)
    }

    fn groups_of(&self, hits: &[Hit]) -> Result<Vec<SrGroup>, Refusal> {
        let households: BTreeSet<&str> = hits.iter().map(|h| h.household.as_str()).collect();
        let list: Vec<&str> = households.into_iter().collect();
        self.app
            .sr_groups_of(self.caller, &list)
            .map_err(|e| Refusal::new("err.request.forbidden", e.message))
    }

    /// The members of `groups` passing `cond` (all of them without one).
    fn members_matching(
        &self,
        groups: &[SrGroup],
        cond: Option<&Cond>,
    ) -> Result<Vec<Hit>, Refusal> {
        if groups.len() > MAX_GROUPS {
            return Err(too_many("groups"));
        }
        let mut hits = Vec::new();
        for chunk in groups.chunks(MEMBER_BATCH) {
            let in_groups = Cond::Test {
                attribute: "household_id".into(),
                cmp: Cmp::In,
                value: chunk
                    .iter()
                    .map(|g| Json::from(g.household.clone()))
                    .collect(),
            };
            let q = match cond {
                Some(c) => Cond::And(vec![in_groups, c.clone()]),
                None => in_groups,
            };
            hits.extend(self.find(Query::Where(q), MAX_GROUPS as u32)?);
        }
        Ok(hits)
    }

    /// The persons a civil query finds, with their household (read under the caller's
    /// grants: a person whose civil record id is not granted has none, and is left out).
    fn find(&self, query: Query, limit: u32) -> Result<Vec<Hit>, Refusal> {
        let persons = self.read(query, limit as usize, &[self.crvs.person_table()])?;
        Ok(persons
            .iter()
            .filter_map(|p| {
                let household = self
                    .crvs
                    .flat(self.app.catalog(), p)
                    .get("household_id")?
                    .as_str()?
                    .to_owned();
                Some(Hit {
                    household,
                    national_number: p.national_number.clone(),
                })
            })
            .collect())
    }

    /// Reads the persons a civil query finds, from `tables` (one audited search).
    fn read(
        &self,
        query: Query,
        limit: usize,
        tables: &[&str],
    ) -> Result<Vec<FoundPerson>, Refusal> {
        let c = Criteria::first(query, limit);
        let spec = self.crvs.spec(self.app.catalog(), &c, limit as u32)?;
        let page = self
            .app
            .search_persons(
                self.caller,
                PersonSearch {
                    spec,
                    args: Args::default(),
                    offset: 0,
                    page_size: limit,
                    tables,
                    origin: self.origin,
                },
            )
            .map_err(|e| invalid(e.message))?;
        if page.truncated {
            return Err(too_many("members"));
        }
        Ok(page.persons)
    }

    /// The tables a member's record is read from: the civil ones, the family booklet (who
    /// heads it) and the disability cards.
    fn member_tables(&self) -> Vec<&str> {
        let catalog = self.app.catalog();
        let mut t = self.crvs.table_refs();
        t.push(catalog.household_table().name.as_str());
        if let Some(i) = self.app.social_registry().facts.input(DISABILITY_INPUT) {
            t.push(i.table.as_str());
        }
        t.sort();
        t.dedup();
        t
    }

    /// The members of these households, as records, by household.
    fn member_records(
        &self,
        households: &[&str],
        only: Option<&BTreeSet<&str>>,
    ) -> Result<BTreeMap<String, Vec<Json>>, Refusal> {
        let tables = self.member_tables();
        let mut out: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        for chunk in households.chunks(MEMBER_BATCH) {
            let mut q = Cond::Test {
                attribute: "household_id".into(),
                cmp: Cmp::In,
                value: chunk.iter().map(|h| Json::from(*h)).collect(),
            };
            if let Some(only) = only {
                q = Cond::And(vec![
                    q,
                    Cond::Test {
                        attribute: "UIN".into(),
                        cmp: Cmp::In,
                        value: only.iter().map(|n| Json::from(*n)).collect(),
                    },
                ]);
            }
            for p in self.read(Query::Where(q), MAX_GROUPS, &tables)? {
                let flat = self.crvs.flat(self.app.catalog(), &p);
                let Some(hh) = flat.get("household_id").and_then(Json::as_str) else {
                    continue;
                };
                let hh = hh.to_owned();
                out.entry(hh).or_default().push(self.member(&p, flat));
            }
        }
        Ok(out)
    }

    /// One member as a DCI `Member`.
    fn member(&self, p: &FoundPerson, flat: Map<String, Json>) -> Json {
        let catalog = self.app.catalog();
        let booklet = catalog.household_table();
        let head_col = catalog.dimensions.household.head.as_str();
        let head = p.records.get(booklet.name.as_str()).is_some_and(|rows| {
            rows.iter()
                .any(|r| r.get(head_col).and_then(Json::as_str) == Some(&p.national_number))
        });
        let facts = &self.app.social_registry().facts;
        let disabled = facts.input(DISABILITY_INPUT).is_some_and(|i| {
            p.records
                .get(&i.table)
                .is_some_and(|rows| rows.iter().any(|r| facts.counts(i, r)))
        });
        let mut m = json!({
            "@type": "Member",
            "member_identifier": [{"identifier_type": "UIN", "identifier_value": p.national_number}],
            "demographic_info": crvs_person(&flat, &self.crvs.country_code),
        });
        if head {
            m["relationship_head"] = "self".into();
        }
        // A valid card the caller may see; absent is "none visible", not "none".
        if disabled {
            m["is_disabled"] = true.into();
        }
        if let Some(s) = flat.get("marital_status") {
            m["marital_status"] = s.clone();
        }
        if let Some(h) = flat.get("household_id") {
            m["additional_attributes"] = json!([{"name": "household_id", "value": h}]);
        }
        m
    }

    fn group_page(&self, groups: Vec<SrGroup>, c: &Criteria) -> Result<Found, Refusal> {
        let total = groups.len();
        let sort: Vec<(String, bool)> = c.sort.iter().map(|(a, d)| (dci_name(a), *d)).collect();
        let flats: Vec<Map<String, Json>> = groups.iter().map(group_flat).collect();
        let mut order: Vec<usize> = (0..groups.len()).collect();
        sort_by(&mut order, &flats, &sort, "HOUSEHOLD_ID");
        let page = page_of(order, c);
        let ids: Vec<&str> = page.iter().map(|&i| groups[i].household.as_str()).collect();
        let mut members = self.member_records(&ids, None)?;
        let records = page
            .iter()
            .map(|&i| {
                let list = members.remove(&groups[i].household).unwrap_or_default();
                self.group(&groups[i], list)
            })
            .collect();
        Ok(Found {
            records,
            total,
            record_type: GROUP_RECORD,
        })
    }

    fn member_page(
        &self,
        groups: &[SrGroup],
        hits: Vec<Hit>,
        c: &Criteria,
    ) -> Result<Found, Refusal> {
        let registered: BTreeSet<&str> = groups.iter().map(|g| g.household.as_str()).collect();
        let mut hits: Vec<Hit> = hits
            .into_iter()
            .filter(|h| registered.contains(h.household.as_str()))
            .collect();
        hits.sort();
        hits.dedup();
        if hits.len() > MAX_GROUPS * 20 {
            return Err(too_many("members"));
        }
        let total = hits.len();
        let by: Vec<Map<String, Json>> = hits
            .iter()
            .map(|h| {
                let mut m = Map::new();
                m.insert("UIN".into(), h.national_number.clone().into());
                m.insert("HOUSEHOLD_ID".into(), h.household.clone().into());
                m
            })
            .collect();
        let mut order: Vec<usize> = (0..hits.len()).collect();
        sort_by(&mut order, &by, &c.sort, "UIN");
        let page: Vec<&Hit> = page_of(order, c).into_iter().map(|i| &hits[i]).collect();
        let households: BTreeSet<&str> = page.iter().map(|h| h.household.as_str()).collect();
        let only: BTreeSet<&str> = page.iter().map(|h| h.national_number.as_str()).collect();
        let list: Vec<&str> = households.into_iter().collect();
        let mut by_nn: BTreeMap<String, Json> = BTreeMap::new();
        for m in self
            .member_records(&list, Some(&only))?
            .into_values()
            .flatten()
        {
            if let Some(nn) = m
                .pointer("/member_identifier/0/identifier_value")
                .and_then(Json::as_str)
                .map(str::to_owned)
            {
                by_nn.insert(nn, m);
            }
        }
        let records = page
            .iter()
            .filter_map(|h| by_nn.remove(&h.national_number))
            .collect();
        Ok(Found {
            records,
            total,
            record_type: MEMBER_RECORD,
        })
    }

    /// One group as a DCI `Group`, with its members.
    pub fn group(&self, g: &SrGroup, members: Vec<Json>) -> Json {
        let mut r = json!({
            "@type": "Group",
            "group_identifier": [{"identifier_type": "HOUSEHOLD_ID", "identifier_value": g.household}],
            "group_type": "household",
        });
        if let Some(s) = g.score {
            r["poverty_score"] = s.into();
        }
        if let Some(t) = &g.score_type {
            r["poverty_score_type"] = t.clone().into();
        }
        if let Some(n) = g.facts.get("members") {
            r["group_size"] = n.clone();
        }
        if let Some(code) = g.facts.get("governorate").and_then(Json::as_str) {
            let mut a = json!({"@type": "Address", "region_code": code, "country_code": self.crvs.country_code});
            if let Some(gov) = self
                .app
                .catalog()
                .geography
                .governorates
                .iter()
                .find(|x| x.code == code)
            {
                a["region_name"] = gov.name_en.clone().into();
                a["region_name_ar"] = gov.name_ar.clone().into();
            }
            r["address"] = json!([a]);
        }
        if let Some(head) = members
            .iter()
            .find(|m| m.get("relationship_head").and_then(Json::as_str) == Some("self"))
        {
            r["group_head_info"] = head.clone();
        }
        if let Some(t) = g.registered_at_ms.and_then(ts) {
            r["registration_date"] = t.into();
        }
        if let Some(t) = ts(g.updated_at_ms) {
            r["last_updated"] = t.into();
        }
        r["member_list"] = members.into();
        let extra: Vec<Json> = ADDITIONAL
            .iter()
            .filter_map(|k| {
                g.facts
                    .get(*k)
                    .filter(|v| !v.is_null())
                    .map(|v| json!({"name": k, "value": v}))
            })
            .collect();
        if !extra.is_empty() {
            r["additional_attributes"] = extra.into();
        }
        r
    }

    /// The notification record of an SR event, when it is to be sent: `REGISTER` names a
    /// household, `NewHouseHoldMember` a person (sent only when their household is
    /// registered and its application does not list them). The filter is tested on the
    /// group's attributes and, for a member, theirs.
    pub fn event_record(
        &self,
        event: &str,
        household: Option<&str>,
        person: Option<&str>,
        filter: Option<&Cond>,
    ) -> Option<(&'static str, Json)> {
        if event.eq_ignore_ascii_case("register") {
            let hh = household?;
            let g = self.app.sr_groups_of(self.caller, &[hh]).ok()?.pop()?;
            if filter.is_some_and(|f| !f.holds(&group_flat(&g))) {
                return None;
            }
            let members = self
                .member_records(&[hh], None)
                .ok()?
                .remove(hh)
                .unwrap_or_default();
            return Some((GROUP_RECORD, self.group(&g, members)));
        }
        let nn = person?;
        let hit = self
            .find(
                Query::Id {
                    id_type: "UIN".into(),
                    value: nn.into(),
                },
                MAX_GROUPS as u32,
            )
            .ok()?
            .pop()?;
        let g = self
            .app
            .sr_groups_of(self.caller, &[hit.household.as_str()])
            .ok()?
            .pop()?;
        let listed = self.app.sr_listed_members(self.caller, &g).ok()?;
        if listed.iter().any(|m| m == nn) {
            return None;
        }
        let only = BTreeSet::from([nn]);
        let member = self
            .member_records(&[g.household.as_str()], Some(&only))
            .ok()?
            .remove(&g.household)?
            .pop()?;
        if let Some(f) = filter {
            let mut flat = group_flat(&g);
            let p = member
                .get("demographic_info")
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            flat.extend(p);
            flat.insert("UIN".into(), nn.into());
            if !f.holds(&flat) {
                return None;
            }
        }
        Some((MEMBER_RECORD, member))
    }
}

/// Splits a condition into its group part and its members' part (see the module); `facts`
/// are the household facts' names (group attributes too).
fn split(cond: &Cond, facts: &BTreeSet<String>) -> Result<(Option<Cond>, Option<Cond>), Refusal> {
    let is_group = |a: &str| is_group_attribute(a, facts);
    let attrs = cond.attributes();
    if attrs.iter().all(|a| is_group(a)) {
        return Ok((Some(cond.clone()), None));
    }
    if attrs.iter().all(|a| !is_group(a)) {
        return Ok((None, Some(cond.clone())));
    }
    let Cond::And(parts) = cond else {
        return Err(invalid(
            "a condition joining group and member attributes by 'or' is not supported; join them by 'and'",
        ));
    };
    let (mut g, mut m) = (Vec::new(), Vec::new());
    for p in parts {
        match split(p, facts)? {
            (Some(x), None) => g.push(x),
            (None, Some(x)) => m.push(x),
            (Some(x), Some(y)) => {
                g.push(x);
                m.push(y);
            }
            (None, None) => {}
        }
    }
    let one = |mut v: Vec<Cond>| match v.len() {
        0 => None,
        1 => v.pop(),
        _ => Some(Cond::And(v)),
    };
    Ok((one(g), one(m)))
}

/// Facts shown with every group besides its score and size.
const ADDITIONAL: [&str; 7] = [
    "disabled",
    "children_under_5",
    "children_under_15",
    "elderly",
    "head_female",
    "head_age",
    "urban",
];

/// The indexes of the page asked for, of records already in order.
fn page_of(order: Vec<usize>, c: &Criteria) -> Vec<usize> {
    order
        .into_iter()
        .skip((c.page_number - 1) * c.page_size)
        .take(c.page_size)
        .collect()
}

fn ts(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The name NUR knows an attribute by: the last part of a path
/// (`demographic_info.person.sex`), and the samples' other words for the same thing.
pub fn dci_name(a: &str) -> String {
    let last = a.rsplit('.').next().unwrap_or(a);
    match last {
        "household_size" | "members" => "group_size",
        "gender" => "sex",
        "dob" => "birth_date",
        other => other,
    }
    .to_owned()
}

fn is_group_id(id_type: &str) -> bool {
    matches!(id_type, "HOUSEHOLD_ID" | "GROUP_ID" | "CIVIL_RECORD_ID")
}

/// Whether an attribute is the group's (else a member's).
fn is_group_attribute(a: &str, facts: &BTreeSet<String>) -> bool {
    matches!(
        a,
        "poverty_score"
            | "group_size"
            | "location"
            | "governorate"
            | "disability"
            | "disabled_members"
            | "registration_date"
            | "last_updated"
            | "HOUSEHOLD_ID"
            | "household_id"
            | "group_id"
    ) || facts.contains(a)
}

/// A group's attributes, flat: every fact by its name, and the DCI names.
pub fn group_flat(g: &SrGroup) -> Map<String, Json> {
    let mut f = g.facts.clone();
    for k in ["HOUSEHOLD_ID", "household_id", "group_id"] {
        f.insert(k.into(), g.household.clone().into());
    }
    if let Some(s) = g.score {
        f.insert("poverty_score".into(), s.into());
    }
    if let Some(n) = g.facts.get("members") {
        f.insert("group_size".into(), n.clone());
    }
    if let Some(l) = g.facts.get("governorate") {
        f.insert("location".into(), l.clone());
    }
    if let Some(d) = g.facts.get("disabled").and_then(Json::as_i64) {
        f.insert("disabled_members".into(), d.into());
        f.insert("disability".into(), (d > 0).into());
    }
    if let Some(t) = g.registered_at_ms.and_then(ts) {
        f.insert("registration_date".into(), t.into());
    }
    if let Some(t) = ts(g.updated_at_ms) {
        f.insert("last_updated".into(), t.into());
    }
    f
}

/// Orders `order` (indexes into `flats`) by the sort asked, then by `tie`. A record without
/// a sort attribute goes last; numbers compare as numbers, the rest as text.
fn sort_by(order: &mut [usize], flats: &[Map<String, Json>], sort: &[(String, bool)], tie: &str) {
    use std::cmp::Ordering;
    let cmp_values = |a: Option<&Json>, b: Option<&Json>| -> Ordering {
        match (a.filter(|v| !v.is_null()), b.filter(|v| !v.is_null())) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p.total_cmp(&q),
                _ => text(x).cmp(&text(y)),
            },
        }
    };
    order.sort_by(|&i, &j| {
        for (attr, desc) in sort {
            let o = cmp_values(flats[i].get(attr), flats[j].get(attr));
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        cmp_values(flats[i].get(tie), flats[j].get(tie))
    });
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(hh: &str, score: f64, members: i64, gov: &str, disabled: i64) -> SrGroup {
        let mut facts = Map::new();
        facts.insert("members".into(), members.into());
        facts.insert("governorate".into(), gov.into());
        facts.insert("disabled".into(), disabled.into());
        SrGroup {
            household: hh.into(),
            application: None,
            facts,
            score: Some(score),
            score_type: None,
            registered_at_ms: None,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn group_attributes_use_dci_names() {
        let f = group_flat(&group("H1", 4.5, 6, "11", 1));
        assert_eq!(f["poverty_score"], json!(4.5));
        assert_eq!(f["group_size"], json!(6));
        assert_eq!(f["location"], json!("11"));
        assert_eq!(f["disability"], json!(true));
        let c = crate::criteria::query(
            "expression",
            &json!({"collection": "Group", "query": {"$and": [{"poverty_score": {"$lt": 5}}, {"group_size": {"$gte": 6}}]}}),
        )
        .unwrap();
        let Query::Where(c) = c else { panic!() };
        assert!(c.holds(&f));
        assert!(!c.holds(&group_flat(&group("H2", 5.5, 6, "11", 0))));
    }

    #[test]
    fn sorting_puts_missing_last_and_numbers_in_order() {
        let flats: Vec<Map<String, Json>> = [
            group("H1", 10.0, 2, "11", 0),
            group("H2", 9.0, 3, "11", 0),
            group("H3", 100.0, 1, "11", 0),
        ]
        .iter()
        .map(group_flat)
        .collect();
        let mut order = vec![0, 1, 2];
        sort_by(
            &mut order,
            &flats,
            &[("poverty_score".into(), false)],
            "HOUSEHOLD_ID",
        );
        assert_eq!(order, vec![1, 0, 2]);
        sort_by(
            &mut order,
            &flats,
            &[("group_size".into(), true)],
            "HOUSEHOLD_ID",
        );
        assert_eq!(order, vec![1, 0, 2]);
        sort_by(
            &mut order,
            &flats,
            &[("nothing".into(), false)],
            "HOUSEHOLD_ID",
        );
        assert_eq!(order, vec![0, 1, 2]);
    }
}
