//! Person lookup by national number (the person, household and every registry record the
//! entity may see, through the same grant filter and audit as the API), the audit log viewer
//! (filters by entity, actor, action, person, time) and the citizen access report.

use super::actions;
use super::i18n::{self, Lang};
use super::{kept, labels, layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use jiff::civil;
use jiff::tz::TimeZone;
use maud::{html, Markup};
use nur_core::account::Role;
use nur_core::Value;
use nur_store::AuditFilter;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

#[derive(Deserialize, Default)]
pub struct Nn {
    #[serde(default)]
    nn: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
}

/// When a row was loaded, and from which source, as its lineage says.
fn as_of(lang: Lang, s: &AppState, m: &Map<String, Json>) -> Option<String> {
    let l = m.get("_lineage")?;
    let at = l.get("loaded_at_ms")?.as_i64()?;
    let source = l.get("source").and_then(Json::as_str).unwrap_or("");
    Some(lang.tf(
        "record-as-of",
        &[
            ("at", &lang.datetime(at, &s.portal.time_zone)),
            ("source", source),
        ],
    ))
}

/// One record as a two-column table (field, value) in the catalog's order, codes with their
/// labels, the record's "as of" as its caption.
fn record(lang: Lang, s: &AppState, table: &str, m: &Map<String, Json>) -> Markup {
    let Some(t) = s.catalog.table(table) else {
        return html! {};
    };
    html! {
        table.record {
            @if let Some(at) = as_of(lang, s, m) { caption { (at) } }
            tbody {
                @for c in t.columns.iter().filter(|c| m.contains_key(c.name.as_str())) {
                    tr {
                        th scope="row" { (labels::column_label(lang, c)) }
                        td { (labels::cell(lang, &s.catalog, Some(c), &m[c.name.as_str()])) }
                    }
                }
            }
        }
    }
}

/// Rows of one table as a table with a header row (catalog order, labels).
fn rows_table(lang: Lang, s: &AppState, table: &str, rows: &[Map<String, Json>]) -> Markup {
    let Some(t) = s.catalog.table(table) else {
        return html! {};
    };
    let cols: Vec<&nur_core::Column> = t
        .columns
        .iter()
        .filter(|c| rows.iter().any(|r| r.contains_key(c.name.as_str())))
        .collect();
    html! {
        div.grid tabindex="0" role="region" aria-label=(labels::table_label(lang, t)) {
            table {
                thead { tr { @for c in &cols { th scope="col" { (labels::column_label(lang, c)) } } } }
                tbody { @for r in rows { tr { @for c in &cols {
                    td { @if let Some(v) = r.get(c.name.as_str()) { (labels::cell(lang, &s.catalog, Some(c), v)) } }
                } } } }
            }
        }
    }
}

/// A registry (none when the catalog names none) with its tables' rows.
type RegistryRows<'a> = (
    Option<&'a nur_core::Registry>,
    Vec<(&'a nur_core::Table, &'a [Map<String, Json>])>,
);

/// The records of a lookup grouped by registry, registries and tables in the catalog's order.
fn by_registry<'a>(
    s: &'a AppState,
    records: &'a std::collections::BTreeMap<String, Vec<Map<String, Json>>>,
) -> Vec<RegistryRows<'a>> {
    let mut out: Vec<RegistryRows<'a>> = Vec::new();
    // The household's booklet is shown with the household.
    let booklet = s.catalog.household_table().name.as_str();
    for t in s
        .catalog
        .tables
        .iter()
        .filter(|t| t.name.as_str() != booklet)
    {
        let Some(rows) = records.get(t.name.as_str()) else {
            continue;
        };
        let registry = s.catalog.registry(&t.registry);
        match out
            .iter_mut()
            .find(|(r, _)| r.map(|r| &r.code) == registry.map(|r| &r.code))
        {
            Some((_, tables)) => tables.push((t, rows)),
            None => out.push((registry, vec![(t, rows)])),
        }
    }
    out
}

pub async fn persons(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(q): Query<Nn>,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let nn = q.nn.clone().unwrap_or_default().trim().to_owned();
    let st = s.clone();
    let of_entity = v.account().entity.is_some();
    let (vv, purpose) = (v.clone(), q.purpose.clone());
    // Whether a purpose is required (for the form) and the lookup: one trip off the runtime,
    // one read of the entity's settings.
    type Found = Option<Result<Option<nur_store::PersonRecord>, String>>;
    let (required, found): (bool, Found) = blocking(move || {
        let required = vv.purpose_required(&st);
        if nn.is_empty() {
            return Ok((required, None));
        }
        if !of_entity {
            return Ok((required, Some(Err(lang.t("no-entity-data")))));
        }
        let caller = match vv.data_caller(required, purpose.as_deref()) {
            Ok(c) => c,
            Err(why) => return Ok((required, Some(Err(why)))),
        };
        let parsed = match st.app.national_number(&nn) {
            Ok(p) => p,
            Err(e) => return Ok((required, Some(Err(super::reasons::refusal(&st, lang, &e))))),
        };
        Ok((required, Some(Ok(st.app.lookup_person(&caller, &parsed)?))))
    })
    .await?;
    let title = lang.t("persons-title");
    let person_table = s.catalog.person_table().name.to_string();
    let household_table = s.catalog.household_table().name.to_string();
    let body = html! {
        // An account of no entity (the Super Admin) reads no registry data: the page says so
        // instead of offering a search that can only refuse.
        @if !of_entity {
            p.flash role="status" { (lang.t("no-entity-data")) }
        } @else {
            form.filters method="get" action="/persons" role="search" {
                label for="nn" { (lang.t("label-national-number")) }
                input #nn name="nn" type="text" inputmode="numeric" value=(q.nn.clone().unwrap_or_default()) required;
                (super::purpose_field(&v, "purpose", q.purpose.as_deref().unwrap_or(""), required))
                button type="submit" { (lang.t("search")) }
            }
        }
        @match &found {
            None => {},
            Some(Err(e)) => p.flash.error role="alert" { (e) },
            Some(Ok(None)) => p.flash.error role="alert" { (lang.t("person-not-found")) },
            Some(Ok(Some(rec))) => {
                section #person {
                    h2 { (lang.t("person-heading")) " " bdi { (rec.national_number) } }
                    @if let Some(p) = &rec.person { (record(lang, &s, &person_table, p)) }
                    @if let Some(h) = &rec.household {
                        h2 { (lang.t("household-heading")) " " bdi { (h.civil_record_id) } }
                        @if let Some(b) = &h.booklet { (record(lang, &s, &household_table, b)) }
                        @if !h.members.is_empty() {
                            h3 { (lang.ta("household-members", &[("count", h.members.len().into())])) }
                            (rows_table(lang, &s, &person_table, &h.members))
                        }
                    }
                    @for (registry, tables) in by_registry(&s, &rec.records) {
                        section.registry {
                            h2 {
                                (registry.map(|r| labels::registry_label(lang, r)).unwrap_or_default())
                                @if let Some(r) = registry { " " small { (lang.tf("registry-custodian", &[("entity", r.custodian.as_str())])) } }
                            }
                            @for (t, rows) in tables {
                                h3 { (labels::table_label(lang, t)) " " small { bdi { (t.name) } } }
                                @for r in rows { (record(lang, &s, t.name.as_str(), r)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(
        layout::page(&s, &v, &title, "/persons", &[(title.clone(), None)], body).into_string(),
    ))
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    /// `csv` or `xlsx`: the events of this filter as a file (up to [`EXPORT_MAX`]).
    #[serde(default)]
    format: Option<String>,
}

/// The most events one audit export holds.
const EXPORT_MAX: u32 = 10_000;

fn day(s: &Option<String>) -> Option<civil::Date> {
    let d = nur_core::Date::parse(s.as_deref().filter(|d| !d.is_empty())?).ok()?;
    Some(d.into())
}

/// Where `day` begins in `zone`, in UTC milliseconds. The filter's days are the days people
/// see in the list, which shows times in the portal's zone. A day is not always 24 hours long
/// there, so the end of a day is where the next one begins.
fn day_start_ms(day: civil::Date, zone: &TimeZone) -> Option<i64> {
    let start = zone
        .to_ambiguous_timestamp(day.to_datetime(civil::Time::midnight()))
        .compatible()
        .ok()?;
    Some(start.as_millisecond())
}

fn some(s: &Option<String>) -> Option<String> {
    s.clone()
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
}

/// The audit log. An Entity Admin sees its own entity's events; the Super Admin every one.
pub async fn audit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let zone = &s.portal.time_zone;
    let a = v.account().clone();
    let export = q.format.clone().filter(|f| f == "csv" || f == "xlsx");
    let entity = match a.role {
        Role::SuperAdmin => some(&q.entity),
        _ => a.entity.clone(),
    };
    let filter = AuditFilter {
        entity: entity.clone(),
        actor: some(&q.actor),
        action: some(&q.action),
        person: some(&q.person),
        from_ms: day(&q.from).and_then(|d| day_start_ms(d, zone)),
        to_ms: day(&q.to)
            .and_then(|d| d.tomorrow().ok())
            .and_then(|d| day_start_ms(d, zone)),
        before_seq: q.before,
        limit: if export.is_some() { EXPORT_MAX } else { 50 },
    };
    if let Some(format) = export {
        return export_audit(&s, &v, filter, &format).await;
    }
    let (st, caller) = (s.clone(), v.caller());
    let (events, report) = blocking(move || {
        let events = st.app.audit_events(&caller, &filter)?;
        // With a person filter, the citizen access report (what the person would be told).
        let report = match filter.person.as_deref().map(|p| st.app.national_number(p)) {
            Some(Ok(nn)) => Some(st.app.access_report(&caller, &nn, 100, 0)?.entries),
            _ => None,
        };
        Ok((events, report))
    })
    .await?;
    let title = lang.t("audit-title");
    let next = events.last().map(|e| e.seq);
    let field = |name: &str, key: &str, val: &Option<String>, ty: &str| {
        html! {
            label for=(format!("a-{name}")) { (lang.t(key)) }
            input id=(format!("a-{name}")) name=(name) type=(ty) value=(val.clone().unwrap_or_default());
        }
    };
    let body = html! {
        form.filters method="get" action="/audit" {
            @if a.role == Role::SuperAdmin { (field("entity", "label-entity", &q.entity, "text")) }
            (field("actor", "audit-actor", &q.actor, "text"))
            label for="a-action" { (lang.t("audit-action")) }
            select #a-action name="action" {
                option value="" { (lang.t("audit-any-action")) }
                @for a in actions::ACTIONS {
                    option value=(a) selected[q.action.as_deref() == Some(*a)] { (actions::words(lang, a)) }
                }
            }
            (field("person", "label-national-number", &q.person, "text"))
            (field("from", "audit-from", &q.from, "date"))
            (field("to", "audit-to", &q.to, "date"))
            button type="submit" { (lang.t("filter-apply")) }
        }
        @if let Some(r) = &report {
            section #access-report {
                h2 { (lang.t("access-report")) }
                @if r.is_empty() { p { (lang.t("access-report-empty")) } }
                ul { @for e in r {
                    li { (lang.datetime(e.at_ms, zone)) " — " bdi { (e.entity.as_deref().unwrap_or("—")) } " — " (actions::action(lang, &e.action)) @if let Some(p) = &e.purpose { " — " (super::citizen::purpose(lang, p)) } }
                } }
            }
        }
        div.grid tabindex="0" role="region" aria-label=(lang.t("audit-title")) {
            table #audit {
                caption { (lang.t("audit-caption")) }
                thead { tr {
                    th scope="col" { (lang.t("audit-seq")) }
                    th scope="col" { (lang.tb("audit-time", &[("zone", &i18n::zone_name(zone))])) }
                    @for h in ["audit-actor", "label-entity", "audit-action", "audit-target", "audit-purpose", "audit-persons", "audit-outcome"] {
                        th scope="col" { (lang.t(h)) }
                    }
                } }
                tbody {
                    @for e in &events {
                        tr {
                            td { (lang.number(e.seq)) }
                            td { (lang.datetime(e.at_ms, zone)) }
                            td { bdi { (e.actor) } @if let Some(o) = &e.on_behalf_of { " (" bdi { (o) } ")" } }
                            td { bdi { (e.entity.as_deref().unwrap_or("—")) } }
                            td { (actions::action(lang, &e.action)) }
                            td { bdi { (e.target) } }
                            td { @if let Some(p) = &e.purpose { (super::citizen::purpose(lang, p)) } }
                            td { (lang.number(e.persons_count)) }
                            td { (actions::outcome(lang, &e.outcome)) }
                        }
                    }
                }
            }
        }
        @if let (Some(n), true) = (next, events.len() == 50) {
            p { a href={"/audit?before=" (n) "&" (filter_query(&q))} { (lang.t("page-next")) } }
        }
        p.exports {
            a href={"/audit?format=csv&" (filter_query(&q))} download { (lang.t("export-csv")) }
            " · "
            a href={"/audit?format=xlsx&" (filter_query(&q))} download { (lang.t("export-xlsx")) }
        }
    };
    Ok(
        Html(layout::page(&s, &v, &title, "/audit", &[(title.clone(), None)], body).into_string())
            .into_response(),
    )
}

/// The filter of the audit page as a query string (paging and exports keep it).
fn filter_query(q: &AuditQuery) -> String {
    let enc = |v: &Option<String>| {
        percent_encoding::utf8_percent_encode(
            v.as_deref().unwrap_or(""),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string()
    };
    format!(
        "actor={}&action={}&person={}&entity={}&from={}&to={}",
        enc(&q.actor),
        enc(&q.action),
        enc(&q.person),
        enc(&q.entity),
        enc(&q.from),
        enc(&q.to)
    )
}

/// The events of `filter` as a CSV or XLSX file; the export is an audit event of its own.
async fn export_audit(
    s: &AppState,
    v: &Visit,
    filter: AuditFilter,
    format: &str,
) -> Result<Response, ApiError> {
    let (st, caller, f) = (s.clone(), v.caller(), format.to_owned());
    let zone = s.portal.time_zone.clone();
    let lang = v.lang;
    let body = blocking(move || {
        let events = st.app.audit_events(&caller, &filter)?;
        let what = format!(
            "audit log (entity={}, actor={}, action={}, person={})",
            filter.entity.as_deref().unwrap_or("*"),
            filter.actor.as_deref().unwrap_or("*"),
            filter.action.as_deref().unwrap_or("*"),
            filter.person.as_deref().unwrap_or("*"),
        );
        let text = |x: &str| Value::Text(x.to_owned());
        let rows: Vec<Vec<Value>> = events
            .iter()
            .map(|e| {
                vec![
                    Value::Int(e.seq),
                    text(&lang.datetime(e.at_ms, &zone)),
                    text(&e.actor_kind),
                    text(&e.actor),
                    text(e.on_behalf_of.as_deref().unwrap_or("")),
                    text(e.entity.as_deref().unwrap_or("")),
                    text(e.purpose.as_deref().unwrap_or("")),
                    text(&e.action),
                    text(&e.target),
                    text(&e.columns.join(" ")),
                    Value::Int(e.persons_count),
                    text(&e.outcome),
                    text(&e.hash),
                ]
            })
            .collect();
        let headers = [
            "seq",
            "time",
            "actor_kind",
            "actor",
            "on_behalf_of",
            "entity",
            "purpose",
            "action",
            "target",
            "columns",
            "persons_count",
            "outcome",
            "hash",
        ];
        let file = if f == "csv" {
            kept::csv_file(&headers, &rows)?
        } else {
            kept::xlsx_file(&headers, &rows)?
        };
        st.app.record_audit_export(&caller, &what, &f, rows.len())?;
        Ok(file)
    })
    .await?;
    Ok(kept::download(format, "audit-log", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_days_are_days_in_the_portal_zone() {
        let amman = super::i18n::time_zone("Asia/Amman").unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let d = day(&Some("2026-11-23".into())).unwrap();
        assert_eq!(day_start_ms(d, &amman), Some(at("2026-11-22T21:00:00Z")));
        assert_eq!(
            day_start_ms(d, &TimeZone::UTC),
            Some(at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(day(&Some(String::new())), None);
        assert_eq!(day(&Some("23/11/2026".into())), None);
    }
}
