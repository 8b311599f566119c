//! Security: the Table Columns Privileges matrix, as in the seed — rows are (table, column)
//! of the custodian's tables, columns are the consumer entities, each cell a checkbox. Filters
//! (table, consumer entity), a show-entities selector and paging; one Update saves the cells
//! that changed. An Entity Admin edits only its own entity's rows; the Super Admin any.
//!
//! Granting a column of a table the consumer does not hold yet also grants the table and its
//! key columns (rows cannot be told apart without the key); each grant is its own audited
//! change through `GrantChange::check`, as at the command line.

use super::i18n::Lang;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::html;
use nur_core::account::Role;
use nur_core::grant::{GrantChange, Target};
use nur_core::{Catalog, Ident, Table};
use nur_store::GrantFilter;
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};

const PAGE: usize = 40;

#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    consumer: Option<String>,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    done: Option<String>,
}

/// The custodian entities whose rows the visitor may edit.
fn custodians(v: &Visit, catalog: &Catalog) -> Vec<String> {
    let a = v.account();
    match (a.role, &a.entity) {
        (Role::SuperAdmin, _) => catalog
            .entities
            .iter()
            .map(|e| e.code.to_string())
            .collect(),
        (_, Some(e)) => vec![e.clone()],
        _ => Vec::new(),
    }
}

fn tables<'c>(catalog: &'c Catalog, custodians: &[String], only: Option<&str>) -> Vec<&'c Table> {
    catalog
        .tables
        .iter()
        .filter(|t| custodians.iter().any(|c| c == t.custodian().as_str()))
        .filter(|t| only.is_none_or(|o| o.is_empty() || t.name.as_str() == o))
        .collect()
}

fn consumers(catalog: &Catalog, only: Option<&str>) -> Vec<String> {
    catalog
        .entities
        .iter()
        .map(|e| e.code.to_string())
        .filter(|e| only.is_none_or(|o| o.is_empty() || o == e))
        .collect()
}

fn label(lang: Lang, t: &Table, col: &str) -> String {
    let c = t.column(col).expect("catalog column");
    match lang {
        Lang::Ar => c.label_ar.clone(),
        Lang::En => c.label_en.clone(),
    }
}

pub async fn columns(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Filter>,
) -> Result<Html<String>, ApiError> {
    let st = s.clone();
    let mine = custodians(&v, &s.catalog);
    let granted: HashSet<(String, String)> = blocking(move || {
        let rows = st
            .store
            .grants(&GrantFilter::default())
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .filter_map(|g| match g.target {
                Target::Column { table, column } => Some((format!("{table}.{column}"), g.consumer)),
                _ => None,
            })
            .collect())
    })
    .await?;
    let lang = v.lang;
    let title = lang.t("columns-title");
    let ts = tables(&s.catalog, &mine, f.table.as_deref());
    let cons = consumers(&s.catalog, f.consumer.as_deref());
    let rows: Vec<(&Table, &str)> = ts
        .iter()
        .flat_map(|t| t.columns.iter().map(move |c| (*t, c.name.as_str())))
        .collect();
    let pages = rows.len().div_ceil(PAGE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let shown = &rows[(page - 1) * PAGE..(page * PAGE).min(rows.len())];
    let query = |p: usize| {
        format!(
            "/security/columns?table={}&consumer={}&page={p}",
            f.table.clone().unwrap_or_default(),
            f.consumer.clone().unwrap_or_default()
        )
    };
    let all_tables = tables(&s.catalog, &mine, None);
    let body = html! {
        @if let Some(d) = &f.done {
            p.flash.ok role="status" { (lang.tf("columns-updated", &[("count", &lang.number(d.parse().unwrap_or(0)))])) }
        }
        form.filters method="get" action="/security/columns" {
            label for="f-table" { (lang.t("filter-table")) }
            select #f-table name="table" {
                option value="" { (lang.t("filter-all")) }
                @for t in &all_tables {
                    option value=(t.name) selected[f.table.as_deref() == Some(t.name.as_str())] { (t.name) }
                }
            }
            label for="f-consumer" { (lang.t("filter-entity")) }
            select #f-consumer name="consumer" {
                option value="" { (lang.t("filter-all")) }
                @for e in &s.catalog.entities {
                    option value=(e.code) selected[f.consumer.as_deref() == Some(e.code.as_str())] { (e.code) " — " (if lang == Lang::Ar { &e.name_ar } else { &e.name_en }) }
                }
            }
            button type="submit" { (lang.t("filter-apply")) }
        }
        form method="post" action="/security/columns" {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="back" value=(query(page));
            div.matrix {
                table {
                    caption { (lang.tf("columns-caption", &[("rows", &lang.number(rows.len() as i64)), ("page", &lang.number(page as i64)), ("pages", &lang.number(pages as i64))])) }
                    thead {
                        tr {
                            th scope="col" { (lang.t("col-table")) }
                            th scope="col" { (lang.t("col-column")) }
                            @for c in &cons { th scope="col" { (c) } }
                        }
                    }
                    tbody {
                        @for (t, col) in shown {
                            tr {
                                th scope="row" { (t.name) }
                                td { bdi { (col) } br; small { (label(lang, t, col)) } }
                                @for c in &cons {
                                    @let key = format!("{}.{col}|{c}", t.name);
                                    @let own = t.custodian().as_str() == c;
                                    td {
                                        input type="hidden" name="cell" value=(key);
                                        input type="checkbox" name="g" value=(key) id=(format!("g-{}-{col}-{c}", t.name))
                                            checked[own || granted.contains(&(format!("{}.{col}", t.name), c.clone()))]
                                            disabled[own]
                                            aria-label=(format!("{} {}.{col} → {c}", lang.t("grant"), t.name));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label=(lang.t("paging")) {
                @if page > 1 { a href=(query(page - 1)) rel="prev" { (lang.t("page-prev")) } }
                span { (lang.number(page as i64)) " / " (lang.number(pages as i64)) }
                @if page < pages { a href=(query(page + 1)) rel="next" { (lang.t("page-next")) } }
            }
            button #update type="submit" { (lang.t("update")) }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            "/security/columns",
            &[(lang.t("menu-security"), None), (title.clone(), None)],
            body,
        )
        .into_string(),
    ))
}

/// Saves the cells that changed on the submitted page.
pub async fn columns_update(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let catalog = &s.catalog;
        let actor = super::actor(v.account());
        let mine = custodians(&v, catalog);
        let wanted: HashSet<&str> = v.fields("g").collect();
        let held: HashSet<(String, String)> = s
            .store
            .grants(&GrantFilter::default())
            .map_err(ApiError::from)?
            .into_iter()
            .map(|g| (g.target.to_string(), g.consumer))
            .collect();
        let mut changes = 0i64;
        let mut tables_done: BTreeSet<(String, String)> = BTreeSet::new();
        for cell in v.fields("cell") {
            let Some((tc, consumer)) = cell.split_once('|') else {
                continue;
            };
            let Some((table, column)) = tc.split_once('.') else {
                continue;
            };
            let Some(t) = catalog.table(table) else {
                continue;
            };
            if !mine.iter().any(|m| m == t.custodian().as_str())
                || t.custodian().as_str() == consumer
            {
                continue;
            }
            let target = Target::Column {
                table: t.name.clone(),
                column: ident(column)?,
            };
            let want = wanted.contains(cell);
            let has = held.contains(&(target.to_string(), consumer.to_owned()));
            if want == has {
                continue;
            }
            let consumer_id = ident(consumer)?;
            if want && tables_done.insert((table.to_owned(), consumer.to_owned())) {
                // The table and its key come with the first column granted.
                let mut extra = vec![Target::Table {
                    table: t.name.clone(),
                }];
                extra.extend(t.key.iter().map(|k| Target::Column {
                    table: t.name.clone(),
                    column: k.clone(),
                }));
                for x in extra {
                    if !held.contains(&(x.to_string(), consumer.to_owned())) && x != target {
                        changes += apply(&s, &actor, &consumer_id, x, true, &v)?;
                    }
                }
            }
            changes += apply(&s, &actor, &consumer_id, target, want, &v)?;
        }
        let back = v
            .field("back")
            .filter(|b| b.starts_with("/security/columns"))
            .unwrap_or("/security/columns");
        let sep = if back.contains('?') { '&' } else { '?' };
        Ok(Redirect::to(&format!("{back}{sep}done={changes}")).into_response())
    })
    .await
}

fn ident(s: &str) -> Result<Ident, ApiError> {
    Ident::parse(s).map_err(|e| ApiError::invalid("invalid_name", e))
}

fn apply(
    s: &AppState,
    actor: &nur_core::grant::Actor,
    consumer: &Ident,
    target: Target,
    grant: bool,
    v: &Visit,
) -> Result<i64, ApiError> {
    let change = GrantChange {
        consumer: consumer.clone(),
        target: target.clone(),
    };
    let custodian = change
        .check(&s.catalog, actor)
        .map_err(|e| ApiError::forbidden("not_custodian_admin", e.to_string()))?;
    let mut ev = v.caller().event(
        if grant { "grant" } else { "revoke" },
        format!("{target} to {consumer}"),
    );
    ev.entity = Some(custodian.to_string());
    ev.columns = vec![target.to_string()];
    let changed = s
        .store
        .change_grant(grant, consumer.as_str(), custodian.as_str(), &target, ev)
        .map_err(ApiError::from)?;
    Ok(i64::from(changed))
}
