//! A saved procedure's version history, each version with what changed from the one before:
//! tables and joins, columns, conditions, parameters, order, limit, revoke policy and
//! description, in the page's language.

use super::i18n::{Arg, Lang};
use maud::{html, Markup};
use nur_core::query::{Condition, JoinKind, QuerySpec};
use nur_store::ProcedureVersion;
use std::collections::BTreeSet;

/// One change: a catalog key and its arguments.
pub type Change = (&'static str, Vec<(&'static str, String)>);

fn columns(s: &QuerySpec) -> BTreeSet<String> {
    s.tables
        .iter()
        .flat_map(|t| t.columns.iter().map(move |c| format!("{}.{c}", t.table)))
        .collect()
}

fn condition_text(c: &Option<Condition>) -> String {
    c.as_ref()
        .map(|c| serde_json::to_string(c).expect("a condition is JSON"))
        .unwrap_or_default()
}

/// What changed from `old` to `new` (empty: the same query).
pub fn changes(old: &ProcedureVersion, new: &ProcedureVersion) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    let (Ok(a), Ok(b)) = (
        QuerySpec::from_json(&old.spec),
        QuerySpec::from_json(&new.spec),
    ) else {
        return vec![("change-spec", Vec::new())];
    };
    let joins = |s: &QuerySpec| -> Vec<(String, Option<JoinKind>)> {
        s.tables.iter().map(|t| (t.table.clone(), t.join)).collect()
    };
    let (ja, jb) = (joins(&a), joins(&b));
    for (t, _) in &jb {
        if !ja.iter().any(|(x, _)| x == t) {
            out.push(("change-table-added", vec![("table", t.clone())]));
        }
    }
    for (t, _) in &ja {
        if !jb.iter().any(|(x, _)| x == t) {
            out.push(("change-table-removed", vec![("table", t.clone())]));
        }
    }
    for (t, j) in &jb {
        if let Some((_, before)) = ja.iter().find(|(x, _)| x == t) {
            if before.unwrap_or(JoinKind::Left) != j.unwrap_or(JoinKind::Left) {
                out.push(("change-join", vec![("table", t.clone())]));
            }
        }
    }
    let (ca, cb) = (columns(&a), columns(&b));
    for c in cb.difference(&ca) {
        out.push(("change-column-added", vec![("column", c.clone())]));
    }
    for c in ca.difference(&cb) {
        out.push(("change-column-removed", vec![("column", c.clone())]));
    }
    if condition_text(&a.conditions) != condition_text(&b.conditions) {
        out.push(("change-conditions", Vec::new()));
    }
    for p in &b.parameters {
        if !a.parameters.iter().any(|x| x.name == p.name) {
            out.push(("change-param-added", vec![("param", p.name.clone())]));
        }
    }
    for p in &a.parameters {
        if !b.parameters.iter().any(|x| x.name == p.name) {
            out.push(("change-param-removed", vec![("param", p.name.clone())]));
        }
    }
    if a.order_by != b.order_by {
        out.push(("change-order", Vec::new()));
    }
    if a.limit != b.limit {
        let l = |l: Option<u32>| l.map(|n| n.to_string()).unwrap_or_else(|| "—".into());
        out.push((
            "change-limit",
            vec![("from", l(a.limit)), ("to", l(b.limit))],
        ));
    }
    if old.on_revoke != new.on_revoke {
        out.push(("change-on-revoke", Vec::new()));
    }
    if old.description != new.description {
        out.push(("change-description", Vec::new()));
    }
    out
}

/// The history section, newest first.
pub fn history(lang: Lang, zone: &jiff::tz::TimeZone, versions: &[ProcedureVersion]) -> Markup {
    html! {
        section #versions {
            h2 { (lang.t("procedure-versions")) }
            table {
                thead { tr {
                    th scope="col" { (lang.t("version")) }
                    th scope="col" { (lang.t("saved-by")) }
                    th scope="col" { (lang.t("saved-at")) }
                    th scope="col" { (lang.t("what-changed")) }
                } }
                tbody {
                    @for (i, v) in versions.iter().enumerate().rev() {
                        tr {
                            td { "v" (lang.number(v.version)) }
                            td { bdi { (v.saved_by) } }
                            td { (lang.datetime(v.saved_at_ms, zone)) }
                            td {
                                @if i == 0 {
                                    (lang.t("change-first"))
                                } @else {
                                    @let list = changes(&versions[i - 1], v);
                                    @if list.is_empty() {
                                        (lang.t("change-none"))
                                    } @else {
                                        ul { @for (key, args) in &list {
                                            @let a: Vec<(&str, Arg<'_>)> = args.iter().map(|(k, v)| (*k, v.as_str().into())).collect();
                                            li { (lang.ta(key, &a)) }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
