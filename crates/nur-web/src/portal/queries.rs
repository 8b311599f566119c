//! Entity Queries (the query builder): the entity's granted tables; a table's granted columns
//! with Check / UnCheck All; conditions ("Add New Parameter"); Rows Limit; Generate SQL Query;
//! Run (a results grid with paging); Save Query / Update Query as a procedure; the list of
//! saved procedures with their API URL and an example call.
//!
//! The form becomes a query spec, and the spec goes through the same use case as `POST
//! /api/v1/queries/run` (`App::run_query`: plan, grant check, run, audit). A condition with a
//! value is a fixed test; one left empty becomes a parameter of the saved procedure's API.

use super::i18n::Lang;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{Args, Output, SaveProcedure};
use nur_core::query::{QuerySpec, RevokePolicy};
use nur_core::Table;
use serde::Deserialize;
use serde_json::{json, Value as Json};

const GRID_PAGE: usize = 25;
const OPS: &[&str] = &[
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "starts_with",
    "like",
    "is_null",
    "is_not_null",
];

/// The builder's state, as the form carries it.
#[derive(Debug, Clone, Default)]
struct Builder {
    table: String,
    columns: Vec<String>,
    conditions: Vec<(String, String, String)>,
    limit: u32,
    name: String,
    description: String,
    page: usize,
}

impl Builder {
    fn from_visit(v: &Visit) -> Builder {
        let cols: Vec<&str> = v.fields("cond_col").collect();
        let ops: Vec<&str> = v.fields("cond_op").collect();
        let vals: Vec<&str> = v.fields("cond_val").collect();
        Builder {
            table: v.field("table").unwrap_or("").to_owned(),
            columns: v.fields("col").map(str::to_owned).collect(),
            conditions: cols
                .iter()
                .zip(ops.iter())
                .zip(vals.iter())
                .filter(|((c, _), _)| !c.is_empty())
                .map(|((c, o), v)| (c.to_string(), o.to_string(), v.trim().to_string()))
                .collect(),
            limit: v
                .field("limit")
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(100),
            name: v.field("name").unwrap_or("").trim().to_owned(),
            description: v.field("description").unwrap_or("").trim().to_owned(),
            page: v.field("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    }

    /// The query spec; empty-valued conditions become parameters.
    fn spec(&self, table: &Table) -> Result<QuerySpec, ApiError> {
        let mut tests = Vec::new();
        let mut params = Vec::new();
        for (i, (c, op, val)) in self.conditions.iter().enumerate() {
            let col = table.column(c).ok_or_else(|| {
                ApiError::invalid("unknown_column", format!("no column {c} in {}", table.name))
            })?;
            let qualified = format!("{}.{c}", table.name);
            if matches!(op.as_str(), "is_null" | "is_not_null") {
                tests.push(json!({"column": qualified, "op": op}));
            } else if val.is_empty() {
                let name = format!(
                    "{}{}",
                    c.to_lowercase(),
                    if i > 0 {
                        format!("_{i}")
                    } else {
                        String::new()
                    }
                );
                tests.push(json!({"column": qualified, "op": op, "param": name}));
                params.push(json!({"name": name, "type": col.ty.name()}));
            } else {
                tests.push(json!({"column": qualified, "op": op, "value": val}));
            }
        }
        let mut spec = json!({
            "version": 1,
            "tables": [{"table": self.table, "columns": self.columns}],
            "limit": self.limit,
        });
        if !tests.is_empty() {
            spec["conditions"] = json!({"and": tests});
        }
        if !params.is_empty() {
            spec["parameters"] = json!(params);
        }
        serde_json::from_value(spec).map_err(|e| ApiError::invalid("invalid_query", e.to_string()))
    }

    fn from_spec(spec: &QuerySpec, name: &str, description: &str) -> Builder {
        let v = serde_json::to_value(spec).unwrap_or(Json::Null);
        let t = &v["tables"][0];
        let conditions = v["conditions"]["and"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        let col = c["column"]
                            .as_str()
                            .unwrap_or("")
                            .rsplit('.')
                            .next()
                            .unwrap_or("")
                            .to_owned();
                        let val = match &c["value"] {
                            Json::Null => String::new(),
                            Json::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (col, c["op"].as_str().unwrap_or("=").to_owned(), val)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Builder {
            table: t["table"].as_str().unwrap_or("").to_owned(),
            columns: t["columns"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            conditions,
            limit: v["limit"].as_u64().unwrap_or(100) as u32,
            name: name.to_owned(),
            description: description.to_owned(),
            page: 1,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    procedure: Option<String>,
}

/// Tables the entity may query: its own and those granted to it.
fn granted_tables<'c>(s: &'c AppState, v: &Visit) -> Result<Vec<&'c Table>, ApiError> {
    let queryable = s.app.queryable_tables(&v.caller())?;
    Ok(s.catalog
        .tables
        .iter()
        .filter(|t| queryable.iter().any(|q| q.table == t.name))
        .collect())
}

fn granted_columns(s: &AppState, v: &Visit, t: &Table) -> Result<Vec<String>, ApiError> {
    Ok(s.app
        .queryable_tables(&v.caller())?
        .into_iter()
        .find(|q| q.table == t.name)
        .map(|q| q.columns.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default())
}

/// What happened on submit, shown under the form.
enum Outcome {
    None,
    Sql(String),
    Rows(Box<Output>),
    Saved(String, i64),
    Error(String),
}

pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(p): Query<Params>,
) -> Result<Html<String>, ApiError> {
    let st = s.clone();
    let vv = v.clone();
    blocking(move || {
        let mut b = Builder {
            limit: 100,
            page: 1,
            ..Builder::default()
        };
        if let Some(name) = &p.procedure {
            let entity = vv.account().entity.clone().unwrap_or_default();
            if let Some(row) = st.app.procedure(&vv.caller(), &entity, name)? {
                let spec = QuerySpec::from_json(&row.spec).map_err(ApiError::from)?;
                b = Builder::from_spec(&spec, &row.name, &row.description);
            }
        } else if let Some(t) = &p.table {
            b.table = t.clone();
        }
        if b.columns.is_empty() && !b.table.is_empty() {
            if let Some(t) = st.catalog.table(&b.table) {
                b.columns = granted_columns(&st, &vv, t)?;
            }
        }
        render(&st, &vv, &b, Outcome::None)
    })
    .await
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let mut b = Builder::from_visit(&v);
        let mut action = v.field("action").unwrap_or("").to_owned();
        // Grid paging buttons run the query again at another page: "run:N".
        if let Some(n) = action.strip_prefix("run:").and_then(|n| n.parse().ok()) {
            b.page = n;
            action = "run".into();
        }
        let table = s.catalog.table(&b.table);
        let outcome = match (action.as_str(), table) {
            (_, None) => Outcome::Error(v.lang.t("query-choose-table")),
            ("check_all", Some(t)) => {
                b.columns = granted_columns(&s, &v, t)?;
                Outcome::None
            }
            ("uncheck_all", Some(_)) => {
                b.columns.clear();
                Outcome::None
            }
            ("add_condition", Some(t)) => {
                let first = granted_columns(&s, &v, t)?
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                b.conditions.push((first, "=".into(), String::new()));
                Outcome::None
            }
            ("sql", Some(t)) => match b
                .spec(t)
                .and_then(|spec| Ok(s.app.query_sql(&v.caller(), &spec)?))
            {
                Ok(q) => Outcome::Sql(q.sql),
                Err(e) => Outcome::Error(e.message().to_owned()),
            },
            ("run", Some(t)) => match b.spec(t) {
                Err(e) => Outcome::Error(e.message().to_owned()),
                Ok(spec) if !spec.parameters.is_empty() => {
                    Outcome::Error(v.lang.t("query-run-needs-values"))
                }
                Ok(spec) => match s.app.run_query(
                    &v.caller(),
                    &spec,
                    Args::Text(Vec::new()),
                    "portal query builder",
                ) {
                    Ok(out) => Outcome::Rows(Box::new(out)),
                    Err(e) => Outcome::Error(e.message),
                },
            },
            ("save", Some(t)) => match save(&s, &v, &b, t) {
                Ok(version) => Outcome::Saved(b.name.clone(), version),
                Err(e) => Outcome::Error(e.message().to_owned()),
            },
            _ => Outcome::None,
        };
        Ok(render(&s, &v, &b, outcome)?.into_response())
    })
    .await
}

fn save(s: &AppState, v: &Visit, b: &Builder, t: &Table) -> Result<i64, ApiError> {
    let spec = serde_json::to_string(&b.spec(t)?).map_err(|e| ApiError::internal(e.to_string()))?;
    let entity = v.account().entity.clone().unwrap_or_default();
    let row = s.app.save_procedure(
        &v.caller(),
        SaveProcedure {
            entity: &entity,
            name: &b.name,
            description: &b.description,
            spec: &spec,
            on_revoke: RevokePolicy::Refuse,
        },
    )?;
    Ok(row.version)
}

fn render(
    s: &AppState,
    v: &Visit,
    b: &Builder,
    outcome: Outcome,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let tables = granted_tables(s, v)?;
    let table = s.catalog.table(&b.table);
    let columns = match table {
        Some(t) => granted_columns(s, v, t)?,
        None => Vec::new(),
    };
    let entity = v.account().entity.clone().unwrap_or_default();
    let procedures = s.app.procedures_of(&v.caller())?;
    let title = lang.t("queries-title");
    let body = html! {
        div.builder {
            nav.tables aria-label=(lang.t("query-tables")) {
                h2 { (lang.t("query-tables")) }
                ul {
                    @for t in &tables {
                        li { a href={"/queries?table=" (t.name)} aria-current=[(t.name.as_str() == b.table).then_some("true")] { bdi { (t.name) } } }
                    }
                }
            }
            div.work {
            @if let Some(t) = table {
                form #builder method="post" action="/queries" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    input type="hidden" name="table" value=(t.name);
                    fieldset {
                        legend { (lang.tf("query-columns-of", &[("table", t.name.as_str())])) }
                        div.checkall {
                            button type="submit" name="action" value="check_all" data-check="col" { (lang.t("check-all")) }
                            button type="submit" name="action" value="uncheck_all" data-uncheck="col" { (lang.t("uncheck-all")) }
                        }
                        ul.columns {
                            @for c in &columns {
                                li {
                                    input type="checkbox" name="col" value=(c) id=(format!("col-{c}")) checked[b.columns.contains(c)];
                                    label for=(format!("col-{c}")) { bdi { (c) } " " small { (column_label(lang, t, c)) } }
                                }
                            }
                        }
                    }
                    fieldset {
                        legend { (lang.t("query-conditions")) }
                        @for (i, (c, op, val)) in b.conditions.iter().enumerate() {
                            div.condition {
                                label for=(format!("cc-{i}")) { (lang.t("condition-column")) }
                                select id=(format!("cc-{i}")) name="cond_col" {
                                    @for col in &columns { option value=(col) selected[col == c] { (col) } }
                                }
                                label for=(format!("co-{i}")) { (lang.t("condition-op")) }
                                select id=(format!("co-{i}")) name="cond_op" {
                                    @for o in OPS { option value=(o) selected[*o == op] { (o) } }
                                }
                                label for=(format!("cv-{i}")) { (lang.t("condition-value")) }
                                input id=(format!("cv-{i}")) name="cond_val" type="text" value=(val) placeholder=(lang.t("condition-value-hint"));
                            }
                        }
                        button type="submit" name="action" value="add_condition" { (lang.t("add-parameter")) }
                    }
                    label for="limit" { (lang.t("rows-limit")) }
                    input #limit name="limit" type="number" min="1" max=(s.app.limits().max_rows) value=(b.limit);
                    div.actions {
                        button #generate type="submit" name="action" value="sql" { (lang.t("generate-sql")) }
                        button #run type="submit" name="action" value="run" { (lang.t("run")) }
                    }
                    fieldset {
                        legend { (lang.t("save-query")) }
                        label for="name" { (lang.t("procedure-name")) }
                        input #name name="name" type="text" value=(b.name) pattern="[A-Za-z][A-Za-z0-9_]{0,62}";
                        label for="description" { (lang.t("procedure-description")) }
                        input #description name="description" type="text" value=(b.description);
                        button #save type="submit" name="action" value="save" {
                            (lang.t(if procedures.iter().any(|p| p.name == b.name) { "update-query" } else { "save-query" }))
                        }
                    }
                    input type="hidden" name="page" value="1";
                }
                (outcome_view(lang, s, &entity, b, &outcome))
            } @else {
                p { (lang.t("query-choose-table")) }
                (outcome_view(lang, s, &entity, b, &outcome))
            }
            }
        }
        section.procedures {
            h2 { (lang.t("saved-procedures")) }
            @if procedures.is_empty() { p { (lang.t("no-procedures")) } }
            ul {
                @for p in &procedures {
                    @let url = format!("/api/v1/procedures/{}/{}", p.entity, p.name);
                    li {
                        a href={"/queries?procedure=" (p.name)} { bdi { (p.name) } } " v" (lang.number(p.version)) " — " (p.description)
                        br;
                        code.api { (url) }
                        pre.example { code { (example(&url)) } }
                        button.copy type="button" data-copy=(example(&url)) hidden { (lang.t("copy")) }
                    }
                }
            }
        }
    };
    let mut crumbs = vec![(title.clone(), Some("/queries".to_owned()))];
    if !b.table.is_empty() {
        crumbs.push((b.table.clone(), None));
    }
    Ok(Html(
        layout::page(s, v, &title, "/queries", &crumbs, body).into_string(),
    ))
}

fn example(url: &str) -> String {
    format!("curl -H \"Authorization: Bearer $TOKEN\" -H 'X-NUR-Purpose: …' -H 'Content-Type: application/json' -d '{{}}' https://NUR_HOST{url}")
}

fn column_label(lang: Lang, t: &Table, c: &str) -> String {
    t.column(c)
        .map(|c| {
            if lang == Lang::Ar {
                c.label_ar.clone()
            } else {
                c.label_en.clone()
            }
        })
        .unwrap_or_default()
}

fn outcome_view(lang: Lang, _s: &AppState, entity: &str, b: &Builder, o: &Outcome) -> Markup {
    html! {
        @match o {
            Outcome::None => {},
            Outcome::Error(e) => p.flash.error role="alert" { (e) },
            Outcome::Sql(sql) => section #sql { h2 { (lang.t("generated-sql")) } pre { code { (sql) } } },
            Outcome::Saved(name, version) => p.flash.ok role="status" #saved {
                (lang.ta("procedure-saved", &[("name", name.into()), ("version", (*version).into())]))
                " " code { "/api/v1/procedures/" (entity) "/" (name) }
            },
            Outcome::Rows(out) => (grid(lang, b.page, out, Some("builder"))),
        }
    }
}

/// A results grid; with `form`, paging buttons that run that form again at another page.
pub(super) fn grid(lang: Lang, page: usize, out: &Output, form: Option<&str>) -> Markup {
    let rows = &out.rows;
    let pages = if form.is_some() {
        rows.len().div_ceil(GRID_PAGE).max(1)
    } else {
        1
    };
    let page = page.clamp(1, pages);
    let per_page = if form.is_some() {
        GRID_PAGE
    } else {
        rows.len().max(1)
    };
    let shown = &rows[(page - 1) * per_page..(page * per_page).min(rows.len())];
    let form = form.unwrap_or("");
    html! {
        section #results {
            h2 { (lang.ta("results-count", &[("count", rows.len().into())])) }
            div.grid {
                table {
                    thead { tr { @for c in &out.plan.output { th scope="col" { bdi { (c.name) } } } } }
                    tbody {
                        @for r in shown {
                            tr { @for v in r { td { bdi { (v.to_string()) } } } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label=(lang.t("paging")) {
                    @if page > 1 { button type="submit" form=(form) name="action" value={"run:" (page - 1)} { (lang.t("page-prev")) } }
                    span { (lang.number(page as i64)) " / " (lang.number(pages as i64)) }
                    @if page < pages { button type="submit" form=(form) name="action" value={"run:" (page + 1)} { (lang.t("page-next")) } }
                }
            }
        }
    }
}
