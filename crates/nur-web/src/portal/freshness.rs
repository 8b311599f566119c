//! Freshness: one page with every change source a visitor may watch — the Super Admin every
//! one, a custodian's admin its own entity's — with the last change at the source, the lag,
//! what was applied, duplicates, dead letters (linked to their list) and the last error; and
//! a source's dead letters, newest first, each with why it was set aside.

use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, State};
use axum::response::Html;
use axum::Extension;
use maud::html;
use nur_core::account::Role;

/// A source is stale when nothing was applied for this long while it has applied before.
const STALE_MS: i64 = 15 * 60 * 1000;

pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    let (st, caller) = (s.clone(), v.caller());
    let sources = blocking(move || Ok(st.app.sources_of(&caller)?)).await?;
    let lang = v.lang;
    let zone = &s.portal.time_zone;
    let now = super::session::now_ms();
    let title = lang.t("freshness-title");
    let failing = sources.iter().filter(|x| x.last_error.is_some()).count();
    let dead = sources.iter().filter(|x| x.errors_total > 0).count();
    let body = html! {
        p { (lang.t(if v.account().role == Role::SuperAdmin { "freshness-intro-all" } else { "freshness-intro-own" })) }
        @if sources.is_empty() {
            p { (lang.t("sources-none")) }
        } @else {
            p role="status" { (lang.ta("freshness-summary", &[("sources", sources.len().into()), ("failing", failing.into()), ("dead", dead.into())])) }
            div.grid tabindex="0" role="region" aria-label=(title) {
                table #freshness {
                    thead { tr { @for h in ["col-name", "label-entity", "col-type", "source-last-event", "source-lag", "freshness-applied", "freshness-duplicates", "freshness-dead", "col-status"] {
                        th scope="col" { (lang.t(h)) }
                    } } }
                    tbody { @for x in &sources {
                        @let stale = x.last_applied_ms.is_some_and(|t| now - t > STALE_MS);
                        tr {
                            th scope="row" { bdi { (x.name) } }
                            td { (x.entity) }
                            td { (x.kind) }
                            td { (x.last_event_ms.map(|t| lang.datetime(t, zone)).unwrap_or_else(|| "—".into())) }
                            td { (x.lag_ms.map(|l| lang.ta("source-lag-value", &[("ms", l.into())])).unwrap_or_else(|| "—".into())) }
                            td { (lang.number(x.applied_total)) " / " (lang.number(x.events_total)) }
                            td { (lang.number(x.duplicates_total)) }
                            td {
                                @if x.errors_total > 0 {
                                    a href={"/sources/" (x.name) "/dead-letters"} { (lang.number(x.errors_total)) }
                                } @else { (lang.number(0)) }
                            }
                            td {
                                @match &x.last_error {
                                    Some(err) => span.error { (lang.t("freshness-failing")) ": " bdi { (err) } },
                                    None if stale => span.error { (lang.t("freshness-stale")) " · " (lang.ta("source-applied-ago", &[("seconds", ((now - x.last_applied_ms.unwrap_or(now)) / 1000).into())])) },
                                    None => (x.last_applied_ms.map(|t| lang.ta("source-applied-ago", &[("seconds", ((now - t) / 1000).into())])).unwrap_or_else(|| lang.t("source-waiting"))),
                                }
                            }
                        }
                    } }
                }
            }
        }
    };
    Ok(Html(
        layout::page(&s, &v, &title, "/sources", &[(title.clone(), None)], body).into_string(),
    ))
}

pub async fn dead_letters(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(name): Path<String>,
) -> Result<Html<String>, ApiError> {
    let (st, caller, n) = (s.clone(), v.caller(), name.clone());
    let letters = blocking(move || Ok(st.app.dead_letters(&caller, &n, 200)?)).await?;
    let lang = v.lang;
    let zone = &s.portal.time_zone;
    let title = lang.tf("dead-letters-title", &[("source", name.as_str())]);
    let body = html! {
        p { (lang.t("dead-letters-intro")) }
        @if letters.is_empty() { p { (lang.t("dead-letters-none")) } }
        @for d in &letters {
            section.dead-letter {
                h2 { "#" (lang.number(d.seq)) " — " (lang.datetime(d.at_ms, zone)) }
                dl.facts {
                    dt { (lang.t("dead-letter-reason")) } dd { bdi { (d.reason) } }
                    @if let Some(p) = &d.position { dt { (lang.t("dead-letter-position")) } dd { code { (p) } } }
                }
                details { summary { (lang.t("dead-letter-payload")) } pre.example { code { (d.payload) } } }
            }
        }
    };
    let crumbs = [
        (lang.t("freshness-title"), Some("/sources".to_owned())),
        (title.clone(), None),
    ];
    Ok(Html(
        layout::page(&s, &v, &title, "/sources", &crumbs, body).into_string(),
    ))
}
