//! Security: the seed's four privilege matrices — GSB Operations Privileges, GSB Operations
//! Output Privileges, Tables Privileges and Table Columns Privileges. Rows are the custodian's
//! operations, output properties, tables or columns; columns are the consumer entities; each
//! cell a checkbox. Filters (consumer entity, table or service operation), a show-entities
//! selector and paging; one Update saves the cells that changed. An Entity Admin sees and
//! edits only its own entity's rows; the Super Admin every custodian's.
//!
//! A grant that needs another to mean anything brings it along: a column its table and the
//! table's key (rows cannot be told apart without it), an output property its operation. Each
//! is its own audited change through the grant use case (`App::set_grants`), as at the
//! command line.

use super::i18n::Lang;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::html;
use nur_core::grant::{GrantChange, Target};
use nur_core::{Catalog, Ident};
use nur_store::GrantFilter;
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};

const PAGE: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    Operations,
    Outputs,
    Tables,
    Columns,
}

impl Matrix {
    pub const ALL: [Matrix; 4] = [
        Matrix::Operations,
        Matrix::Outputs,
        Matrix::Tables,
        Matrix::Columns,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Matrix::Operations => "operations",
            Matrix::Outputs => "outputs",
            Matrix::Tables => "tables",
            Matrix::Columns => "columns",
        }
    }
    fn parse(s: &str) -> Option<Matrix> {
        Matrix::ALL.into_iter().find(|m| m.slug() == s)
    }
    fn title(self) -> &'static str {
        match self {
            Matrix::Operations => "operations-title",
            Matrix::Outputs => "outputs-title",
            Matrix::Tables => "tables-title",
            Matrix::Columns => "columns-title",
        }
    }
    fn headers(self) -> &'static [&'static str] {
        match self {
            Matrix::Operations => &["col-custodian", "col-service", "col-operation"],
            Matrix::Outputs => &[
                "col-custodian",
                "col-service",
                "col-operation",
                "col-property",
            ],
            Matrix::Tables => &["col-custodian", "col-table", "col-registry"],
            Matrix::Columns => &["col-table", "col-column"],
        }
    }
}

/// One row of a matrix: what a cell grants, its custodian, what the row shows, and the group
/// the object filter selects by (a table, or `service.operation`).
struct Row {
    target: Target,
    custodian: String,
    cells: Vec<String>,
    label: String,
    group: String,
}

fn rows(c: &Catalog, m: Matrix, lang: Lang) -> Vec<Row> {
    let pick = |en: &str, ar: &str| {
        if lang == Lang::Ar {
            ar.to_owned()
        } else {
            en.to_owned()
        }
    };
    match m {
        Matrix::Operations => c
            .services
            .iter()
            .map(|s| Row {
                target: Target::Operation {
                    service: s.service.clone(),
                    operation: s.operation.clone(),
                },
                custodian: s.custodian.to_string(),
                cells: vec![
                    s.custodian.to_string(),
                    s.service.to_string(),
                    s.operation.to_string(),
                ],
                label: pick(&s.label_en, &s.label_ar),
                group: format!("{}.{}", s.service, s.operation),
            })
            .collect(),
        Matrix::Outputs => c
            .services
            .iter()
            .flat_map(|s| {
                s.properties.iter().map(move |p| Row {
                    target: Target::Property {
                        service: s.service.clone(),
                        operation: s.operation.clone(),
                        property: p.name.clone(),
                    },
                    custodian: s.custodian.to_string(),
                    cells: vec![
                        s.custodian.to_string(),
                        s.service.to_string(),
                        s.operation.to_string(),
                        p.name.to_string(),
                    ],
                    label: pick(&p.label_en, &p.label_ar),
                    group: format!("{}.{}", s.service, s.operation),
                })
            })
            .collect(),
        Matrix::Tables => c
            .tables
            .iter()
            .map(|t| Row {
                target: Target::Table {
                    table: t.name.clone(),
                },
                custodian: t.custodian().to_string(),
                cells: vec![
                    t.custodian().to_string(),
                    t.name.to_string(),
                    t.registry.clone(),
                ],
                label: pick(&t.label_en, &t.label_ar),
                group: t.name.to_string(),
            })
            .collect(),
        Matrix::Columns => c
            .tables
            .iter()
            .flat_map(|t| {
                t.columns.iter().map(move |col| Row {
                    target: Target::Column {
                        table: t.name.clone(),
                        column: col.name.clone(),
                    },
                    custodian: t.custodian().to_string(),
                    cells: vec![t.name.to_string(), col.name.to_string()],
                    label: pick(&col.label_en, &col.label_ar),
                    group: t.name.to_string(),
                })
            })
            .collect(),
    }
}

/// A cell's value: the target in a parseable form and the consumer.
fn encode(t: &Target, consumer: &str) -> String {
    let path = match t {
        Target::Table { table } => format!("t:{table}"),
        Target::Column { table, column } => format!("c:{table}.{column}"),
        Target::Operation { service, operation } => format!("o:{service}.{operation}"),
        Target::Property {
            service,
            operation,
            property,
        } => format!("p:{service}.{operation}.{property}"),
    };
    format!("{path}|{consumer}")
}

fn decode(s: &str) -> Option<(Target, &str)> {
    let (path, consumer) = s.split_once('|')?;
    let (kind, rest) = path.split_once(':')?;
    let ids: Vec<Ident> = rest
        .split('.')
        .map(Ident::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let t = match (kind, ids.as_slice()) {
        ("t", [t]) => Target::Table { table: t.clone() },
        ("c", [t, c]) => Target::Column {
            table: t.clone(),
            column: c.clone(),
        },
        ("o", [s, o]) => Target::Operation {
            service: s.clone(),
            operation: o.clone(),
        },
        ("p", [s, o, p]) => Target::Property {
            service: s.clone(),
            operation: o.clone(),
            property: p.clone(),
        },
        _ => return None,
    };
    Some((t, consumer))
}

/// The grants the visitor's rows show, as cell values: an Entity Admin's entity's only.
fn held(s: &AppState, v: &Visit) -> Result<HashSet<String>, ApiError> {
    Ok(s.app
        .grants(&v.caller(), &GrantFilter::default())?
        .into_iter()
        .map(|g| encode(&g.target, &g.consumer))
        .collect())
}

/// The custodian entities whose rows the visitor may edit.
fn custodians(s: &AppState, v: &Visit) -> Vec<String> {
    s.app
        .administered_custodians(&v.caller())
        .into_iter()
        .map(|e| e.to_string())
        .collect()
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    consumer: Option<String>,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    done: Option<String>,
    /// Rows whose names or labels contain this (any case).
    #[serde(default)]
    q: Option<String>,
    /// The cells the last update changed: `+cell` granted, `-cell` revoked, comma separated.
    #[serde(default)]
    changed: Option<String>,
}

/// The four matrices, as links; and each of the visitor's own tables, straight to its
/// columns (granting a consumer two columns: this page, the table, two ticks, Update).
pub async fn index(State(s): State<AppState>, Extension(v): Extension<Visit>) -> Html<String> {
    let lang = v.lang;
    let title = lang.t("menu-security");
    let mine = custodians(&s, &v);
    let tables: Vec<&nur_core::Table> = s
        .catalog
        .tables
        .iter()
        .filter(|t| mine.iter().any(|c| c == t.custodian().as_str()))
        .collect();
    let body = html! {
        ul.cards {
            @for m in Matrix::ALL {
                li { a href={"/security/" (m.slug())} { (lang.t(m.title())) } }
            }
        }
        @if !tables.is_empty() {
            h2 { (lang.t("security-own-tables")) }
            ul.tables-list {
                @for t in &tables {
                    li { a href={"/security/columns?group=" (t.name)} { bdi { (t.name) } } " " small { (super::labels::table_label(lang, t)) } }
                }
            }
        }
    };
    Html(layout::page(&s, &v, &title, "/security", &[(title.clone(), None)], body).into_string())
}

pub async fn matrix(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(kind): Path<String>,
    Query(f): Query<Filter>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let Some(m) = Matrix::parse(&kind) else {
        return Ok(super::page_error(
            v.lang,
            axum::http::StatusCode::NOT_FOUND,
            "error-not-found",
        ));
    };
    let (st, vv) = (s.clone(), v.clone());
    let held = blocking(move || held(&st, &vv)).await?;
    let lang = v.lang;
    let mine = custodians(&s, &v);
    let all: Vec<Row> = rows(&s.catalog, m, lang)
        .into_iter()
        .filter(|r| mine.contains(&r.custodian))
        .collect();
    let groups: BTreeSet<String> = all.iter().map(|r| r.group.clone()).collect();
    let group = f.group.clone().filter(|g| !g.is_empty());
    let needle = f.q.as_deref().map(str::trim).unwrap_or("").to_lowercase();
    let shown_rows: Vec<&Row> = all
        .iter()
        .filter(|r| group.as_ref().is_none_or(|g| *g == r.group))
        .filter(|r| {
            needle.is_empty()
                || r.label.to_lowercase().contains(&needle)
                || r.cells.iter().any(|c| c.to_lowercase().contains(&needle))
        })
        .collect();
    // The show-entities selector: repeated `show=` parameters; all entities by default.
    let show: Vec<String> = raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|p| p.strip_prefix("show="))
        .map(str::to_owned)
        .collect();
    let consumers: Vec<String> = s
        .catalog
        .entities
        .iter()
        .map(|e| e.code.to_string())
        .filter(|e| f.consumer.as_deref().is_none_or(|c| c.is_empty() || c == e))
        .filter(|e| show.is_empty() || show.contains(e))
        .collect();
    let pages = shown_rows.len().div_ceil(PAGE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let slice = &shown_rows[(page - 1) * PAGE..(page * PAGE).min(shown_rows.len())];
    let base = format!("/security/{}", m.slug());
    let link = |p: usize| {
        let mut q = format!(
            "{base}?group={}&consumer={}&q={}&page={p}",
            group.clone().unwrap_or_default(),
            f.consumer.clone().unwrap_or_default(),
            percent_encoding::utf8_percent_encode(
                f.q.as_deref().unwrap_or(""),
                percent_encoding::NON_ALPHANUMERIC
            )
        );
        for e in &show {
            q.push_str(&format!("&show={e}"));
        }
        q
    };
    let title = lang.t(m.title());
    let body = html! {
        @if let Some(d) = &f.done {
            div.flash.ok role="status" {
                p { (lang.ta("columns-updated", &[("count", d.parse::<i64>().unwrap_or(0).into())])) }
                @let changed = changed_cells(f.changed.as_deref().unwrap_or(""));
                @if !changed.is_empty() {
                    ul.changed { @for (granted, target, consumer) in &changed {
                        li { (lang.tf(if *granted { "grant-cell-added" } else { "grant-cell-removed" }, &[("target", &target.to_string()), ("entity", consumer)])) }
                    } }
                }
            }
        }
        nav.tabs aria-label=(lang.t("menu-security")) {
            @for other in Matrix::ALL {
                a href={"/security/" (other.slug())} aria-current=[(other == m).then_some("page")] { (lang.t(other.title())) }
            }
        }
        form.filters method="get" action=(base) {
            label for="f-group" { (lang.t(if matches!(m, Matrix::Tables | Matrix::Columns) { "filter-table" } else { "filter-operation" })) }
            select #f-group name="group" {
                option value="" { (lang.t("filter-all")) }
                @for g in &groups { option value=(g) selected[group.as_deref() == Some(g.as_str())] { (group_label(&s.catalog, lang, g)) } }
            }
            label for="f-consumer" { (lang.t("filter-entity")) }
            select #f-consumer name="consumer" {
                option value="" { (lang.t("filter-all")) }
                @for e in &s.catalog.entities {
                    option value=(e.code) selected[f.consumer.as_deref() == Some(e.code.as_str())] { (e.code) " — " (if lang == Lang::Ar { &e.name_ar } else { &e.name_en }) }
                }
            }
            // Which consumer entities get a column: ticks, not a multiple select.
            fieldset.show {
                legend { (lang.t("filter-show")) }
                @for e in &s.catalog.entities {
                    label { input type="checkbox" name="show" value=(e.code) checked[show.contains(&e.code.to_string())]; " " (e.code) }
                }
            }
            label for="f-q" { (lang.t("filter-search")) }
            input #f-q name="q" type="search" value=(f.q.clone().unwrap_or_default());
            button type="submit" { (lang.t("filter-apply")) }
        }
        form method="post" action=(base) {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="back" value=(link(page));
            div.actions { button #update-top type="submit" { (lang.t("update")) } }
            div.matrix tabindex="0" role="region" aria-label=(title) {
                table {
                    caption { (lang.ta(&format!("{}-caption", m.slug()), &[("rows", shown_rows.len().into()), ("page", page.into()), ("pages", pages.into())])) }
                    thead {
                        tr {
                            @for h in m.headers() { th scope="col" { (lang.t(h)) } }
                            @for c in &consumers {
                                th scope="col" {
                                    label { input type="checkbox" data-column=(c) hidden aria-label=(lang.tf("check-column", &[("entity", c.as_str())])); " " bdi { (c) } }
                                }
                            }
                        }
                    }
                    tbody {
                        @for r in slice {
                            tr {
                                @for (i, cell) in r.cells.iter().enumerate() {
                                    @if i == r.cells.len() - 1 {
                                        th scope="row" { bdi { (cell) } br; small { (r.label) } }
                                    } @else {
                                        td { bdi { (cell) } }
                                    }
                                }
                                @for c in &consumers {
                                    @let key = encode(&r.target, c);
                                    @let own = r.custodian == *c;
                                    td {
                                        input type="hidden" name="cell" value=(key);
                                        input type="checkbox" name="g" value=(key) data-column=(c) id=(cell_id(&r.target, c))
                                            checked[own || held.contains(&key)] disabled[own]
                                            aria-label=(cell_label(&s.catalog, lang, m, r, c));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Paging saves this page's ticks first, so no change is lost on the way.
            nav.pager aria-label=(lang.t("paging")) {
                @if page > 1 { button type="submit" name="go" value=(link(page - 1)) { (lang.t("page-prev-saving")) } }
                span { (lang.number(page as i64)) " / " (lang.number(pages as i64)) }
                @if page < pages { button type="submit" name="go" value=(link(page + 1)) { (lang.t("page-next-saving")) } }
            }
            button #update type="submit" { (lang.t("update")) }
        }
    };
    let crumbs = [
        (lang.t("menu-security"), Some("/security".to_owned())),
        (title.clone(), None),
    ];
    Ok(Html(layout::page(&s, &v, &title, &base, &crumbs, body).into_string()).into_response())
}

/// The cells named by an update's confirmation: (granted, target, consumer).
fn changed_cells(list: &str) -> Vec<(bool, Target, String)> {
    list.split(',')
        .filter_map(|x| {
            let (granted, cell) = match x.as_bytes().first()? {
                b'+' => (true, &x[1..]),
                b'-' => (false, &x[1..]),
                _ => return None,
            };
            let (t, consumer) = decode(cell)?;
            Some((granted, t, consumer.to_owned()))
        })
        .collect()
}

/// A stable element id for a cell (used by tests and the browser flow).
fn cell_id(t: &Target, consumer: &str) -> String {
    let path = match t {
        Target::Table { table } => table.to_string(),
        Target::Column { table, column } => format!("{table}-{column}"),
        Target::Operation { service, operation } => format!("{service}-{operation}"),
        Target::Property {
            service,
            operation,
            property,
        } => format!("{service}-{operation}-{property}"),
    };
    format!("g-{path}-{consumer}")
}

/// Saves the cells that changed on the submitted page.
pub async fn update(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    let Some(m) = Matrix::parse(&kind) else {
        return Ok(super::page_error(
            v.lang,
            axum::http::StatusCode::NOT_FOUND,
            "error-not-found",
        ));
    };
    blocking(move || {
        let catalog = &s.catalog;
        let mine = custodians(&s, &v);
        let wanted: HashSet<&str> = v.fields("g").collect();
        let mut cells = Vec::new();
        for cell in v.fields("cell") {
            let Some((target, consumer)) = decode(cell) else {
                continue;
            };
            let Ok(custodian) = target.custodian(catalog) else {
                continue;
            };
            if !mine.iter().any(|c| c == custodian.as_str()) || custodian.as_str() == consumer {
                continue;
            }
            let consumer =
                Ident::parse(consumer).map_err(|e| ApiError::invalid("invalid_name", e))?;
            cells.push((GrantChange { consumer, target }, wanted.contains(cell)));
        }
        // The cells this page changes, named in the confirmation (at most 20).
        let before = held(&s, &v)?;
        let named: Vec<String> = cells
            .iter()
            .filter(|(c, want)| *want != before.contains(&encode(&c.target, c.consumer.as_str())))
            .take(20)
            .map(|(c, want)| {
                format!(
                    "{}{}",
                    if *want { '+' } else { '-' },
                    encode(&c.target, c.consumer.as_str())
                )
            })
            .collect();
        let changes = s.app.set_grants(&v.caller(), &cells)?;
        let base = format!("/security/{}", m.slug());
        // A paging button names the page to go to; Update stays on this one.
        let back = v
            .field("go")
            .or(v.field("back"))
            .filter(|b| b.starts_with(&base))
            .unwrap_or(&base)
            .to_owned();
        let sep = if back.contains('?') { '&' } else { '?' };
        let named = named.join(",");
        let changed =
            percent_encoding::utf8_percent_encode(&named, percent_encoding::NON_ALPHANUMERIC);
        Ok(Redirect::to(&format!("{back}{sep}done={changes}&changed={changed}")).into_response())
    })
    .await
}

/// A matrix's row group (a table, or a service's operation `Service.operation`) by its label
/// in the page's language.
fn group_label(c: &nur_core::Catalog, lang: Lang, group: &str) -> String {
    if let Some(t) = c.table(group) {
        return super::labels::table_label(lang, t).to_owned();
    }
    c.services
        .iter()
        .find(|s| format!("{}.{}", s.service, s.operation) == group)
        .map(|s| {
            if lang == Lang::Ar {
                &s.label_ar
            } else {
                &s.label_en
            }
            .clone()
        })
        .unwrap_or_else(|| group.to_owned())
}

/// What a cell's tick grants, for a screen reader: the row in the page's language (a column
/// or a property with its table or operation) and the entity.
fn cell_label(c: &nur_core::Catalog, lang: Lang, m: Matrix, r: &Row, entity: &str) -> String {
    match m {
        Matrix::Columns | Matrix::Outputs => {
            format!(
                "{} ({}) — {entity}",
                r.label,
                group_label(c, lang, &r.group)
            )
        }
        Matrix::Tables | Matrix::Operations => format!("{} — {entity}", r.label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_and_bring_their_prerequisites() {
        let c = Catalog::jordan();
        for m in Matrix::ALL {
            let rs = rows(&c, m, Lang::En);
            assert!(!rs.is_empty(), "{m:?}");
            for r in rs.iter().take(50) {
                let key = encode(&r.target, "NAF");
                let (t, consumer) = decode(&key).unwrap();
                assert_eq!((t, consumer), (r.target.clone(), "NAF"));
                assert!(r.target.custodian(&c).is_ok());
            }
        }
        assert!(
            decode("x:CSPD|NAF").is_none()
                && decode("c:bad name|NAF").is_none()
                && decode("t:T").is_none()
        );
        let col = Target::Column {
            table: Ident::parse("CSPD_Death_Info").unwrap(),
            column: Ident::parse("Death_Place").unwrap(),
        };
        let pre: Vec<String> = nur_app::prerequisites(&c, &col)
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            pre,
            [
                "table CSPD_Death_Info",
                "column CSPD_Death_Info.Certificate_Number"
            ]
        );
    }
}
