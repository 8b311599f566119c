//! Entity Queries (the query builder), after the seed's screen: the entity's granted tables;
//! several in one query, joined on the national number (LEFT OUTER JOIN from the first by
//! default, inner selectable); each table's granted columns with Check / UnCheck All
//! (unticked at first); conditions on any selected column ("Add New Parameter"), a value or a
//! parameter of the saved API; sample values to try a query with parameters; order and Rows
//! Limit; the SQL in the catalog's names, Select and Where clauses apart; a Messages panel; a
//! results grid paged over one kept run; Save Query / Update Query (asking before a new
//! version) and the procedure's version history.
//!
//! The form becomes a query spec ([`Builder`]), and the spec goes through the same use case
//! as `POST /api/v1/queries/run` (`App::run_query`: plan, grant check, run, audit). A saved
//! procedure opens as exactly its spec.

use super::builder::{op_key, Builder, CondRow, OPS};
use super::i18n::Lang;
use super::reasons::refusal;
use super::{kept, layout, versions, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{Args, Output, QuerySql, SaveProcedure};
use nur_core::query::{Direction, JoinKind, Op, QuerySpec, RevokePolicy};
use nur_store::ProcedureRow;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    procedure: Option<String>,
}

/// A message of the Messages panel.
enum Note {
    Ok(String),
    Error(String),
}

/// What happened on submit, shown under the form.
#[derive(Default)]
struct Outcome {
    notes: Vec<Note>,
    sql: Option<QuerySql>,
    rows: Option<(String, Arc<Output>, usize)>,
    /// Saving would make a new version of this procedure: ask first.
    confirm: Option<ProcedureRow>,
    saved: Option<i64>,
}

impl Outcome {
    fn error(message: impl Into<String>) -> Outcome {
        Outcome {
            notes: vec![Note::Error(message.into())],
            ..Outcome::default()
        }
    }
}

fn entity_of(v: &Visit) -> String {
    v.account().entity.clone().unwrap_or_default()
}

pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(p): Query<Params>,
) -> Result<Html<String>, ApiError> {
    blocking(move || {
        let mut b = Builder::default();
        let mut outcome = Outcome::default();
        if let Some(name) = &p.procedure {
            match s.app.procedure(&v.caller(), &entity_of(&v), name)? {
                Some(row) => {
                    let spec = QuerySpec::from_json(&row.spec).map_err(ApiError::from)?;
                    b = Builder::from_spec(
                        &spec,
                        &row.name,
                        &row.description,
                        row.on_revoke,
                        row.version,
                    );
                }
                None => outcome = Outcome::error(v.lang.tf("procedure-missing", &[("name", name)])),
            }
        } else if let Some(t) = &p.table {
            b.add_table(t);
        }
        render(&s, &v, &b, outcome)
    })
    .await
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let mut b = Builder::from_form(&v.form);
        // The page offers only these; anything else is a forged form, refused by name.
        if let Some(bad) = v
            .fields("cond_op")
            .find(|o| super::builder::op_of(o).is_none())
        {
            let why = v.lang.tf("query-unknown-op", &[("op", bad)]);
            return Ok(render(&s, &v, &b, Outcome::error(why))?.into_response());
        }
        let action = v.field("action").unwrap_or("").to_owned();
        let (verb, arg) = action.split_once(':').unwrap_or((action.as_str(), ""));
        let outcome = match verb {
            "add_table" => {
                b.add_table(arg);
                Outcome::default()
            }
            "remove_table" => {
                b.remove_table(arg);
                Outcome::default()
            }
            "check_all" => {
                let prefix = format!("{arg}.");
                b.columns.retain(|c| !c.starts_with(&prefix));
                b.columns.extend(
                    granted_columns(&s, &v, arg)?
                        .into_iter()
                        .map(|c| format!("{arg}.{c}")),
                );
                Outcome::default()
            }
            "uncheck_all" => {
                let prefix = format!("{arg}.");
                b.columns.retain(|c| !c.starts_with(&prefix));
                Outcome::default()
            }
            "add_condition" => {
                let first = b.tables.first().map(|(t, _)| t.clone()).unwrap_or_default();
                let column = granted_columns(&s, &v, &first)?
                    .into_iter()
                    .next()
                    .map(|c| format!("{first}.{c}"))
                    .unwrap_or_default();
                b.conditions.push(CondRow {
                    column,
                    op: Op::Eq,
                    value: String::new(),
                    params: String::new(),
                });
                Outcome::default()
            }
            "remove_condition" => {
                if let Ok(i) = arg.parse::<usize>() {
                    if i < b.conditions.len() {
                        b.conditions.remove(i);
                    }
                }
                Outcome::default()
            }
            "add_order" => {
                if let Some(c) = b.columns.first().cloned() {
                    b.order.push((c, Direction::Asc));
                }
                Outcome::default()
            }
            "remove_order" => {
                if let Ok(i) = arg.parse::<usize>() {
                    if i < b.order.len() {
                        b.order.remove(i);
                    }
                }
                Outcome::default()
            }
            "sql" => generate(&s, &v, &b),
            "run" => run(&s, &v, &b),
            "page" => page_of(&s, &v, arg),
            "save" => save(&s, &v, &mut b),
            _ => Outcome::default(),
        };
        Ok(render(&s, &v, &b, outcome)?.into_response())
    })
    .await
}

/// The form's spec, or why there is none (in the page's language when the page says it).
fn spec_of(s: &AppState, v: &Visit, b: &Builder) -> Result<QuerySpec, String> {
    if b.tables.is_empty() {
        return Err(v.lang.t("query-choose-table"));
    }
    b.spec(&s.catalog)
        .map_err(|r| super::reasons::said(&s.catalog, v.lang, &r))
}

fn generate(s: &AppState, v: &Visit, b: &Builder) -> Outcome {
    let lang = v.lang;
    match spec_of(s, v, b) {
        Err(e) => Outcome::error(e),
        Ok(spec) => match s.app.query_sql(&v.caller(), &spec) {
            Ok(q) => Outcome {
                notes: vec![Note::Ok(lang.t("query-sql-generated"))],
                sql: Some(q),
                ..Outcome::default()
            },
            Err(e) => Outcome::error(refusal(s, lang, &e)),
        },
    }
}

fn run(s: &AppState, v: &Visit, b: &Builder) -> Outcome {
    let lang = v.lang;
    let spec = match spec_of(s, v, b) {
        Ok(spec) => spec,
        Err(e) => return Outcome::error(e),
    };
    // A malformed query says why before any sample is asked for; one refused under the
    // grants goes on to the run, which records the refusal in the audit trail.
    let sql = match s.app.query_sql(&v.caller(), &spec) {
        Ok(q) => Some(q),
        Err(e) if e.kind != nur_app::Kind::Forbidden => {
            return Outcome::error(refusal(s, lang, &e))
        }
        Err(_) => None,
    };
    let samples = b.samples();
    let missing: Vec<&str> = spec
        .parameters
        .iter()
        .filter(|p| !samples.iter().any(|(n, _)| *n == p.name))
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Outcome::error(lang.tf(
            "query-run-needs-samples",
            &[("params", &super::reasons::isolated(&missing.join(", ")))],
        ));
    }
    let caller = match v.data_caller(v.purpose_required(s), v.field("purpose")) {
        Ok(c) => c,
        Err(why) => return Outcome::error(why),
    };
    let started = Instant::now();
    match s
        .app
        .run_query(&caller, &spec, Args::Text(samples), "portal query builder")
    {
        Ok(out) => {
            let ms = started.elapsed().as_millis() as i64;
            let mut notes = vec![
                Note::Ok(lang.t("query-executed")),
                Note::Ok(lang.ta(
                    "query-rows-in",
                    &[("count", out.rows.len().into()), ("ms", ms.into())],
                )),
            ];
            if out.plan.capped {
                notes.push(Note::Ok(
                    lang.ta("query-capped", &[("limit", (out.plan.limit as i64).into())]),
                ));
            }
            let (id, out) = s.kept.keep(&v.session.id_hash, out);
            Outcome {
                notes,
                sql,
                rows: Some((id, out, 1)),
                ..Outcome::default()
            }
        }
        Err(e) => Outcome::error(refusal(s, lang, &e)),
    }
}

/// Another page of the kept run: nothing runs, nothing is audited again.
fn page_of(s: &AppState, v: &Visit, page: &str) -> Outcome {
    let id = v.field("result").unwrap_or("");
    match s.kept.get(&v.session.id_hash, id) {
        Some(out) => Outcome {
            rows: Some((id.to_owned(), out, page.parse().unwrap_or(1))),
            ..Outcome::default()
        },
        None => Outcome::error(v.lang.t("result-gone")),
    }
}

fn save(s: &AppState, v: &Visit, b: &mut Builder) -> Outcome {
    let lang = v.lang;
    let spec = match spec_of(s, v, b) {
        Ok(spec) => spec,
        Err(e) => return Outcome::error(e),
    };
    let entity = entity_of(v);
    let current = match s.app.procedure(&v.caller(), &entity, &b.name) {
        Ok(c) => c,
        Err(e) => return Outcome::error(refusal(s, lang, &e)),
    };
    let text = serde_json::to_string(&spec).expect("a spec is JSON");
    if let Some(cur) = current {
        let same = QuerySpec::from_json(&cur.spec).is_ok_and(|c| c == spec)
            && cur.description == b.description
            && cur.on_revoke == b.on_revoke;
        if same {
            b.opened = Some(cur.version);
            return Outcome {
                notes: vec![Note::Ok(lang.ta(
                    "procedure-unchanged",
                    &[
                        ("name", b.name.as_str().into()),
                        ("version", cur.version.into()),
                    ],
                ))],
                ..Outcome::default()
            };
        }
        let confirmed =
            v.field("confirm") == Some(format!("{}@{}", cur.name, cur.version).as_str());
        if !confirmed {
            return Outcome {
                confirm: Some(cur),
                ..Outcome::default()
            };
        }
    }
    match s.app.save_procedure(
        &v.caller(),
        SaveProcedure {
            entity: &entity,
            name: &b.name,
            description: &b.description,
            spec: &text,
            on_revoke: b.on_revoke,
        },
    ) {
        Ok(row) => {
            b.opened = Some(row.version);
            Outcome {
                saved: Some(row.version),
                ..Outcome::default()
            }
        }
        Err(e) => Outcome::error(refusal(s, lang, &e)),
    }
}

fn granted_columns(s: &AppState, v: &Visit, table: &str) -> Result<Vec<String>, ApiError> {
    Ok(s.app
        .queryable_tables(&v.caller())?
        .into_iter()
        .find(|q| q.table.as_str() == table)
        .map(|q| q.columns.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default())
}

fn label(lang: Lang, s: &AppState, qualified: &str) -> String {
    kept::header(lang, &s.catalog, qualified).0
}

/// A table by its label (its name when the catalog has none).
fn table_label(lang: Lang, s: &AppState, table: &str) -> String {
    s.catalog.table(table).map_or_else(
        || table.to_owned(),
        |t| super::labels::table_label(lang, t).to_owned(),
    )
}

/// A column in a list of choices (an option holds no markup to isolate a name in): its label
/// and its table's.
fn column_option(lang: Lang, s: &AppState, qualified: &str) -> String {
    let table = qualified.split_once('.').map_or("", |(t, _)| t);
    format!(
        "{} ({})",
        label(lang, s, qualified),
        table_label(lang, s, table)
    )
}

fn render(
    s: &AppState,
    v: &Visit,
    b: &Builder,
    outcome: Outcome,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let queryable = s.app.queryable_tables(&v.caller())?;
    let entity = entity_of(v);
    let procedures = s.app.procedures_of(&v.caller())?;
    let spec = b.spec(&s.catalog).ok();
    let params = spec.as_ref().map(|sp| b.param_rows(sp)).unwrap_or_default();
    let row_params = b.row_params();
    // Every column a condition or the order may name: the selected tables' granted ones.
    let choosable: Vec<String> = b
        .table_names()
        .flat_map(|t| {
            queryable
                .iter()
                .find(|q| q.table.as_str() == t)
                .into_iter()
                .flat_map(move |q| q.columns.iter().map(move |c| format!("{t}.{c}")))
        })
        .collect();
    let existing = procedures.iter().find(|p| p.name == b.name);
    let history = match existing {
        Some(p) => s.app.procedure_versions(&v.caller(), &entity, &p.name)?,
        None => Vec::new(),
    };
    let title = lang.t("queries-title");
    let body = html! {
        @if queryable.is_empty() {
            p.flash role="status" { (lang.t("query-no-tables")) }
        }
        // Nothing to build from: no empty table list, no form that can only refuse.
        @if !queryable.is_empty() {
        div.builder {
            nav.tables aria-label=(lang.t("query-tables")) {
                h2 { (lang.t("query-tables")) }
                ul {
                    @for q in &queryable {
                        @let t = q.table.as_str();
                        li {
                            @if b.has_table(t) {
                                span aria-current="true" { bdi { (t) } }
                            } @else {
                                button.link type="submit" form="builder" name="action" value={"add_table:" (t)} { bdi { (t) } }
                            }
                        }
                    }
                }
            }
            div.work {
                form #builder method="post" action="/queries" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    input type="hidden" name="opened" value=(b.opened.map(|o| o.to_string()).unwrap_or_default());
                    @if let Some(tree) = &b.kept_tree { input type="hidden" name="cond_tree" value=(tree); }
                    @if b.tables.is_empty() { p { (lang.t("query-choose-table")) } }
                    @for (i, (t, join)) in b.tables.iter().enumerate() {
                        @let granted: Vec<String> = queryable.iter().find(|q| q.table.as_str() == t.as_str()).map(|q| q.columns.iter().map(|c| c.to_string()).collect()).unwrap_or_default();
                        fieldset.table {
                            legend {
                                button.link type="submit" name="action" value={"remove_table:" (t)} aria-label=(lang.tf("query-remove-table", &[("table", &table_label(lang, s, t))])) { "[-]" }
                                " " bdi { (t) }
                            }
                            input type="hidden" name="tbl" value=(t);
                            @if i == 0 {
                                input type="hidden" name="join" value="left";
                            } @else {
                                label for=(format!("join-{i}")) { (lang.tb("query-join", &[("table", &table_label(lang, s, t))])) }
                                select id=(format!("join-{i}")) name="join" {
                                    option value="left" selected[*join == JoinKind::Left] { (lang.t("join-left")) }
                                    option value="inner" selected[*join == JoinKind::Inner] { (lang.t("join-inner")) }
                                }
                            }
                            div.checkall {
                                button type="submit" name="action" value={"check_all:" (t)} data-check=(format!("col-{t}")) { (lang.t("check-all")) }
                                button type="submit" name="action" value={"uncheck_all:" (t)} data-uncheck=(format!("col-{t}")) { (lang.t("uncheck-all")) }
                            }
                            ul.columns data-group=(format!("col-{t}")) {
                                @for c in &granted {
                                    @let q = format!("{t}.{c}");
                                    li {
                                        input type="checkbox" name="col" value=(q) id=(format!("col-{q}")) checked[b.columns.contains(&q)];
                                        label for=(format!("col-{q}")) { bdi { (c) } " " small { (label(lang, s, &q)) } }
                                    }
                                }
                            }
                        }
                    }
                    @if !b.tables.is_empty() {
                    fieldset #conditions {
                        legend { (lang.t("query-conditions")) }
                        @if let Some(tree) = &b.kept_tree {
                            p { (lang.t("query-kept-tree")) }
                            pre { code { (tree) } }
                        }
                        @for (i, r) in b.conditions.iter().enumerate() {
                            div.condition {
                                label for=(format!("cc-{i}")) { (lang.t("condition-column")) }
                                select id=(format!("cc-{i}")) name="cond_col" {
                                    @for col in &choosable { option value=(col) selected[*col == r.column] { (column_option(lang, s, col)) } }
                                }
                                label for=(format!("co-{i}")) { (lang.t("condition-op")) }
                                select id=(format!("co-{i}")) name="cond_op" {
                                    @for o in OPS { option value=(o.name()) selected[*o == r.op] { (lang.t(&op_key(*o))) } }
                                }
                                label for=(format!("cv-{i}")) { (lang.t("condition-value")) }
                                input id=(format!("cv-{i}")) name="cond_val" type="text" value=(r.value) placeholder=(lang.t("condition-value-hint"));
                                label for=(format!("cp-{i}")) { (lang.t("condition-param")) }
                                input id=(format!("cp-{i}")) name="cond_param" type="text" value=(if r.value.is_empty() { row_params.get(i).map(|p| p.join(", ")).unwrap_or_default() } else { r.params.clone() });
                                button.link type="submit" name="action" value={"remove_condition:" (i)} aria-label=(lang.t("condition-remove")) { "[-]" }
                            }
                        }
                        button #add-condition type="submit" name="action" value="add_condition" { (lang.t("add-parameter")) }
                    }
                    @if !params.is_empty() {
                        fieldset #parameters {
                            legend { (lang.t("query-parameters")) }
                            p { (lang.t("query-parameters-intro")) }
                            @for (i, p) in params.iter().enumerate() {
                                div.param {
                                    input type="hidden" name="pname" value=(p.name);
                                    input type="hidden" name="ptype" value=(p.ty.name());
                                    input type="hidden" name="plist" value=(if p.list { "1" } else { "0" });
                                    span.pname { code { ":" (p.name) } " " small { "(" (super::reasons::type_word(lang, p.ty.name())) @if p.list { " · " (lang.t("param-list")) } ")" } }
                                    label for=(format!("ps-{i}")) { (lang.tb("param-sample", &[("param", p.name.as_str())])) }
                                    input id=(format!("ps-{i}")) name="psample" type="text" value=(p.sample);
                                    label for=(format!("pd-{i}")) { (lang.tb("param-description", &[("param", p.name.as_str())])) }
                                    input id=(format!("pd-{i}")) name="pdesc" type="text" value=(p.description);
                                }
                            }
                        }
                    }
                    fieldset #order {
                        legend { (lang.t("query-order")) }
                        @for (i, (c, d)) in b.order.iter().enumerate() {
                            div.condition {
                                label for=(format!("oc-{i}")) { (lang.t("order-column")) }
                                select id=(format!("oc-{i}")) name="order_col" {
                                    @for col in &choosable { option value=(col) selected[col == c] { (column_option(lang, s, col)) } }
                                }
                                label for=(format!("od-{i}")) { (lang.t("order-direction")) }
                                select id=(format!("od-{i}")) name="order_dir" {
                                    option value="asc" selected[*d == Direction::Asc] { (lang.t("order-asc")) }
                                    option value="desc" selected[*d == Direction::Desc] { (lang.t("order-desc")) }
                                }
                                button.link type="submit" name="action" value={"remove_order:" (i)} aria-label=(lang.t("order-remove")) { "[-]" }
                            }
                        }
                        button type="submit" name="action" value="add_order" { (lang.t("order-add")) }
                    }
                    div.limits {
                        label for="limit" { (lang.t("rows-limit")) }
                        input #limit name="limit" type="number" min="1" max=(s.app.limits().max_rows) value=(b.limit.map(|l| l.to_string()).unwrap_or_default());
                        label for="on_revoke" { (lang.t("on-revoke")) }
                        select #on_revoke name="on_revoke" {
                            option value="refuse" selected[b.on_revoke == RevokePolicy::Refuse] { (lang.t("on-revoke-refuse")) }
                            option value="drop_columns" selected[b.on_revoke == RevokePolicy::DropColumns] { (lang.t("on-revoke-drop")) }
                        }
                    }
                    div.purpose { (super::purpose_field(v, "purpose", v.field("purpose").unwrap_or(""), v.purpose_required(s))) }
                    div.actions {
                        button #generate type="submit" name="action" value="sql" { (lang.t("generate-sql")) }
                        button #run type="submit" name="action" value="run" { (lang.t("run")) }
                    }
                    fieldset #details {
                        legend { (lang.t("query-details")) }
                        label for="name" { (lang.t("procedure-name")) }
                        input #name name="name" type="text" value=(b.name) pattern="[A-Za-z][A-Za-z0-9_]{0,62}";
                        label for="description" { (lang.t("procedure-description")) }
                        input #description name="description" type="text" value=(b.description);
                        @if let Some(cur) = &outcome.confirm {
                            div.confirm #confirm-save role="alert" {
                                p { (lang.ta("procedure-confirm-version", &[
                                    ("name", cur.name.as_str().into()),
                                    ("version", cur.version.into()),
                                    ("next", (cur.version + 1).into()),
                                    ("by", cur.saved_by.as_str().into()),
                                ])) }
                                @if b.opened.is_some_and(|o| o != cur.version) {
                                    p.flash.error { (lang.ta("procedure-changed-since", &[("version", b.opened.unwrap_or(0).into())])) }
                                }
                                input type="hidden" name="confirm" value={(cur.name) "@" (cur.version)};
                                button #confirm type="submit" name="action" value="save" { (lang.ta("procedure-save-as", &[("version", (cur.version + 1).into())])) }
                            }
                        }
                        button #save type="submit" name="action" value="save" {
                            (lang.t(if existing.is_some() { "update-query" } else { "save-query" }))
                        }
                    }
                    }
                }
                (outcome_view(lang, s, &entity, b, &outcome))
            }
        }
        }
        @if !history.is_empty() { (versions::history(lang, &s.portal.time_zone, &history)) }
        section.procedures {
            h2 { (lang.t("saved-procedures")) }
            @if procedures.is_empty() { p { (lang.t("no-procedures")) } }
            ul {
                @for p in &procedures {
                    @let url = format!("/api/v1/procedures/{}/{}", p.entity, p.name);
                    li {
                        a href={"/queries?procedure=" (p.name)} { bdi { (p.name) } } " v" (lang.number(p.version)) " — " bdi { (p.description) }
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
    if !b.name.is_empty() && existing.is_some() {
        crumbs.push((b.name.clone(), None));
    }
    Ok(Html(
        layout::page(s, v, &title, "/queries", &crumbs, body).into_string(),
    ))
}

fn example(url: &str) -> String {
    format!("curl -H \"Authorization: Bearer $TOKEN\" -H 'X-NUR-Purpose: …' -H 'Content-Type: application/json' -d '{{}}' https://NUR_HOST{url}")
}

fn outcome_view(lang: Lang, s: &AppState, entity: &str, b: &Builder, o: &Outcome) -> Markup {
    html! {
        @if let Some(q) = &o.sql {
            section #sql {
                h2 { (lang.t("select-clause")) }
                pre { code { (q.review.select) "\n" (q.review.from) } }
                h2 { (lang.t("where-clause")) }
                pre { code { (q.review.where_clause) @if !q.review.order_by.is_empty() { "\n" (q.review.order_by) } "\nLIMIT " (q.review.limit) } }
                details {
                    summary { (lang.tf("sql-as-run", &[("dialect", q.dialect)])) }
                    pre { code { (q.sql) } }
                }
            }
        }
        @if !o.notes.is_empty() || o.saved.is_some() {
            section #messages {
                h2 { (lang.t("messages")) }
                @for n in &o.notes {
                    @match n {
                        Note::Ok(t) => p.flash.ok role="status" { (t) },
                        Note::Error(t) => p.flash.error role="alert" { bdi { (t) } },
                    }
                }
                @if let Some(version) = o.saved {
                    p.flash.ok role="status" #saved {
                        (lang.ta("procedure-saved", &[("name", b.name.as_str().into()), ("version", version.into())]))
                        " " code { "/api/v1/procedures/" (entity) "/" (b.name) }
                    }
                }
            }
        }
        @if let Some((id, out, page)) = &o.rows {
            (kept::grid(lang, &s.catalog, id, out, *page, "builder"))
        }
    }
}
