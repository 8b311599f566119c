//! The entity's saved procedures, for everyone of the entity: each with a form for its
//! parameters and Run. A run is the same call as `POST /api/v1/procedures/{entity}/{name}`
//! (grants checked again, audited); its result is kept, so paging it runs nothing again.

use super::{kept, layout, Visit};
use crate::data;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use maud::html;
use nur_app::{Args, Output};
use nur_core::query::QuerySpec;
use std::sync::Arc;

/// A run's kept result (its id, the rows, the page shown), or why there is none.
type Ran = (String, Result<(String, Arc<Output>, usize), ApiError>);

pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    render(s, v, None).await
}

pub async fn run(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    let name = v.field("name").unwrap_or("").to_owned();
    if let Some(page) = v.field("action").and_then(|a| a.strip_prefix("page:")) {
        let id = v.field("result").unwrap_or("").to_owned();
        let kept = s
            .kept
            .get(&v.session.id_hash, &id)
            .map(|out| (id, out, page.parse().unwrap_or(1)))
            .ok_or_else(|| ApiError::not_found("result_gone", v.lang.t("result-gone")));
        return render(s, v, Some((name, kept))).await;
    }
    let args: Vec<(String, String)> = v
        .form
        .iter()
        .filter_map(|(k, val)| k.strip_prefix("p_").map(|p| (p.to_owned(), val.clone())))
        .filter(|(_, val)| !val.is_empty())
        .collect();
    let entity = v.account().entity.clone().unwrap_or_default();
    let (st, vv) = (s.clone(), v.clone());
    let caller =
        match blocking(move || Ok(vv.data_caller(vv.purpose_required(&st), vv.field("purpose"))))
            .await?
        {
            Ok(c) => c,
            Err(why) => {
                let refused = Err(ApiError::invalid("purpose_required", why));
                return render(s, v, Some((name, refused))).await;
            }
        };
    let out = data::call_procedure(s.clone(), caller, entity, name.clone(), Args::Text(args))
        .await
        .map(|out| {
            let (id, out) = s.kept.keep(&v.session.id_hash, out);
            (id, out, 1)
        });
    render(s, v, Some((name, out))).await
}

async fn render(s: AppState, v: Visit, ran: Option<Ran>) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let (st, caller) = (s.clone(), v.caller());
    let vv = v.clone();
    let (procs, required) =
        blocking(move || Ok((st.app.procedures_of(&caller)?, vv.purpose_required(&st)))).await?;
    let title = lang.t("procedures-title");
    let body = html! {
        @if procs.is_empty() { p { (lang.t("no-procedures")) } }
        @for p in &procs {
            @let params = QuerySpec::from_json(&p.spec).map(|s| s.parameters).unwrap_or_default();
            section.procedure {
                h2 { bdi { (p.name) } " " small { "v" (lang.number(p.version)) } }
                p { bdi { (p.description) } }
                form.card id=(format!("run-{}", p.name)) method="post" action="/procedures" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    input type="hidden" name="name" value=(p.name);
                    @for param in &params {
                        label for=(format!("p-{}-{}", p.name, param.name)) {
                            // Its description when it has one (the name then goes beside the type).
                            @match param.description.as_deref().filter(|d| !d.is_empty()) {
                                Some(d) => { bdi { (d) } " " small { "(" code { (param.name) } " · " (super::reasons::type_word(lang, param.ty.name())) ")" } }
                                None => { code { (param.name) } " " small { "(" (super::reasons::type_word(lang, param.ty.name())) ")" } }
                            }
                        }
                        input id=(format!("p-{}-{}", p.name, param.name)) name=(format!("p_{}", param.name)) type="text" required;
                    }
                    (super::purpose_field(&v, &format!("purpose-{}", p.name), v.field("purpose").unwrap_or(""), required))
                    button type="submit" { (lang.t("run")) }
                }
                @if let Some((name, out)) = &ran {
                    @if *name == p.name {
                        @match out {
                            Ok((id, o, page)) => (kept::grid(lang, &s.catalog, id, o, *page, &format!("run-{}", p.name))),
                            Err(e) => p.flash.error role="alert" { bdi { (super::reasons::said_or(&s, lang, e.code(), e.reason(), e.message())) } },
                        }
                    }
                }
            }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            "/procedures",
            &[(title.clone(), None)],
            body,
        )
        .into_string(),
    ))
}
