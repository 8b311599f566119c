//! What goes out of a cycle and comes back: the payment files per provider (pain.001 or CSV,
//! downloaded as written by `App::export_payments`, the same bytes every time), a
//! provider's status report sent in to reconcile (all of it or nothing), the dashboard's
//! figures as CSV, and a program's rejected payments waiting for an account to be fixed.

use super::cycles::{dashboard, DashQuery, Notice};
use super::i18n::Lang;
use super::words::{governorate, money, payment_reason, provider, refusal};
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{AppError, CycleView, FileFormat, Reconciled};
use nur_sp::cycle::Membership;
use serde::Deserialize;

/// The payment files of an approved cycle, one per provider, and the form that sends a
/// provider's status report in.
pub(super) fn files_block(
    s: &AppState,
    v: &Visit,
    view: &CycleView,
    providers: &[(String, i64, i64)],
) -> Markup {
    let lang = v.lang;
    let c = &view.cycle;
    if c.state == "draft" {
        return html! { p { (lang.t("sp-files-after-approval")) } };
    }
    html! {
        section aria-labelledby="files" {
            h2 #files { (lang.t("sp-payment-files")) }
            table {
                caption { (lang.t("sp-payment-files-caption")) }
                thead { tr {
                    th scope="col" { (lang.t("sp-col-provider")) }
                    th scope="col" { (lang.t("sp-col-payments")) }
                    th scope="col" { (lang.t("sp-col-amount")) }
                    th scope="col" { (lang.t("sp-col-files")) }
                } }
                tbody { @for (p, n, fils) in providers { tr {
                    td { (provider(s, lang, p)) " " small { bdi { (p) } } }
                    td { (lang.number(*n)) }
                    td.nowrap { (money(lang, *fils)) }
                    td {
                        a href=(format!("/sp/cycles/{}/files/{p}.xml", c.id)) download { (lang.t("sp-file-pain001")) }
                        " · "
                        a href=(format!("/sp/cycles/{}/files/{p}.csv", c.id)) download { (lang.t("sp-file-csv")) }
                    }
                } } }
            }
            p { a href=(format!("/sp/rejections?program={}", c.program)) { (lang.t("sp-rejections-of-program")) } }
            @if matches!(c.state.as_str(), "approved" | "paid") {
                h3 { (lang.t("sp-statuses")) }
                form.filters method="post" action=(format!("/sp/cycles/{}/statuses", c.id)) enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    div {
                        label for="report" { (lang.t("sp-status-file")) } br;
                        input #report type="file" name="report" accept=".xml,.csv,text/xml,application/xml,text/csv" required;
                    }
                    div {
                        label for="format" { (lang.t("sp-status-format")) } br;
                        select #format name="format" {
                            option value="pain002" { (lang.t("sp-format-pain002")) }
                            option value="csv" { (lang.t("sp-format-csv")) }
                        }
                    }
                    div { button #reconcile type="submit" { (lang.t("sp-reconcile")) } }
                }
            }
        }
    }
}

/// What a status report changed.
pub(super) fn reconciled(lang: Lang, r: &Reconciled) -> Markup {
    html! {
        div.flash.ok role="status" #reconciled {
            p { (lang.tf("sp-reconciled", &[("report", &r.message_id), ("cycle", &r.cycle)])) }
            p { (lang.tf("sp-reconciled-counts", &[
                ("accepted", &lang.number(r.accepted as i64)),
                ("rejected", &lang.number(r.rejected as i64)),
                ("returned", &lang.number(r.returned as i64)),
                ("unchanged", &lang.number(r.unchanged as i64)),
                ("pending", &lang.number(i64::try_from(r.pending).unwrap_or(i64::MAX))),
            ])) }
        }
    }
}

/// One provider's payment file: `{provider}.xml` (pain.001) or `{provider}.csv`.
pub async fn file(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let parsed = file
        .rsplit_once('.')
        .and_then(|(p, ext)| Some((p.to_owned(), FileFormat::parse(ext)?)));
    let Some((prov, format)) = parsed else {
        let e = AppError::not_found(
            "no_file",
            format!("{file}: a payment file is PROVIDER.xml or PROVIDER.csv"),
        );
        return dashboard(s, v, id, DashQuery::default(), Notice::Refused(e)).await;
    };
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    let got =
        blocking(move || Ok(st.app.export_payments(&caller, &i, format, Some(&prov)))).await?;
    match got.map(|mut f| f.remove(0)) {
        Ok(f) => {
            let ty = match format {
                FileFormat::Pain001 => "application/xml; charset=utf-8",
                FileFormat::Csv => "text/csv; charset=utf-8",
            };
            Ok((
                [
                    (header::CONTENT_TYPE, ty.to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", f.name),
                    ),
                ],
                f.content,
            )
                .into_response())
        }
        Err(e) => dashboard(s, v, id, DashQuery::default(), Notice::Refused(e)).await,
    }
}

/// A provider's status report sent in: reconciled, or refused whole with why.
pub async fn statuses(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let format = v.field("format").unwrap_or("pain002").to_owned();
    let report = v.files("report").next().map(|f| f.bytes.clone());
    let caller = v.caller();
    let st = s.clone();
    let done = match report.filter(|r| !r.is_empty()) {
        None => Err(AppError::invalid(
            "no_file",
            "choose the provider's status report file",
        )),
        Some(bytes) => blocking(move || Ok(st.app.reconcile(&caller, &bytes, &format))).await?,
    };
    let notice = match done {
        Ok(r) => Notice::Reconciled(r),
        Err(e) => Notice::Refused(e),
    };
    dashboard(s, v, id, DashQuery::default(), notice).await
}

/// The dashboard's figures as CSV: totals, by governorate, by the head's sex, by membership
/// state, the turnover and the payments by status; one row per figure, with its code, its
/// label in the visitor's language, a count and an amount in fils.
pub(super) async fn figures_csv(s: AppState, v: Visit, id: String) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    let view = match blocking(move || Ok(st.app.cycle(&caller, &i))).await? {
        Ok(view) => view,
        Err(e) => return dashboard(s, v, id, DashQuery::default(), Notice::Refused(e)).await,
    };
    let c = &view.cycle;
    let n = &view.counts;
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut row = |figure: &str, key: &str, label: String, count: i64, fils: Option<i64>| {
        rows.push([
            figure.into(),
            key.into(),
            label,
            count.to_string(),
            fils.map(|f| f.to_string()).unwrap_or_default(),
        ]);
    };
    row(
        "total",
        "households",
        lang.t("sp-col-households"),
        c.households,
        Some(c.total_fils),
    );
    row(
        "total",
        "persons",
        lang.t("sp-individuals-enrolled"),
        c.persons,
        None,
    );
    for (g, (h, f)) in &n.by_governorate {
        row("governorate", g, governorate(&s, lang, g), *h, Some(*f));
    }
    for (k, (h, f)) in ["male", "female"].iter().zip(n.by_head_sex) {
        row("head_sex", k, lang.t(&format!("sp-head-{k}")), h, Some(f));
    }
    for m in Membership::ALL {
        let st = m.as_str();
        let count = n.by_state.get(st).copied().unwrap_or(0);
        row(
            "state",
            st,
            lang.t(&format!("sp-membership-{st}")),
            count,
            None,
        );
    }
    row("turnover", "entered", lang.t("sp-entered"), n.entered, None);
    row("turnover", "left", lang.t("sp-left"), n.left, None);
    for (status, (count, fils)) in &view.payments {
        row(
            "payments",
            status,
            lang.t(&format!("sp-pay-{status}")),
            *count,
            Some(*fils),
        );
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, r: &[String]| {
        w.write_record(r)
            .map_err(|e| ApiError::internal(e.to_string()))
    };
    write(
        &mut w,
        &["figure", "key", "label", "count", "fils"].map(String::from),
    )?;
    for r in &rows {
        write(&mut w, r)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    // A byte order mark, so that spreadsheet programs read the Arabic labels as UTF-8.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&body);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}-figures.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ProgramQuery {
    program: Option<String>,
}

/// A program's rejected and returned payments not yet paid again: why, whether the
/// beneficiary's account has changed since (then the next cycle pays it), and where to fix it.
pub async fn rejections(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(q): Query<ProgramQuery>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let program = q.program.clone().filter(|p| !p.is_empty());
    let p = program.clone();
    let got = blocking(move || {
        Ok(st.app.programs(&caller).and_then(|list| {
            let found = match &p {
                Some(p) => Some(st.app.rejections(&caller, p)?),
                None => None,
            };
            Ok((list, found))
        }))
    })
    .await?;
    let title = lang.t("sp-rejections");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, true),
        Ok((programs, found)) => html! {
            p { (lang.t("sp-rejections-intro")) }
            form.filters method="get" action="/sp/rejections" {
                div {
                    label for="program" { (lang.t("sp-col-program")) } br;
                    select #program name="program" {
                        @for p in programs.iter().filter(|p| p.published.is_some()) {
                            option value=(p.code) selected[program.as_deref() == Some(p.code.as_str())] { (p.code) " — " (if lang == Lang::Ar { &p.name_ar } else { &p.name_en }) }
                        }
                    }
                }
                div { button type="submit" { (lang.t("sp-show")) } }
            }
            @if let Some(list) = found {
                @if list.is_empty() { p { (lang.t("sp-rejections-none")) } } @else {
                    table {
                        caption { (lang.tf("sp-rejections-caption", &[("n", &lang.number(list.len() as i64))])) }
                        thead { tr {
                            th scope="col" { (lang.t("sp-col-payment")) }
                            th scope="col" { (lang.t("sp-col-household")) }
                            th scope="col" { (lang.t("sp-col-beneficiary")) }
                            th scope="col" { (lang.t("sp-col-amount")) }
                            th scope="col" { (lang.t("sp-col-status")) }
                            th scope="col" { (lang.t("sp-col-reason")) }
                            th scope="col" { (lang.t("sp-col-account-fixed")) }
                        } }
                        tbody { @for r in &list { @let p = &r.payment; tr {
                            td { bdi { (p.end_to_end) } br; a href=(format!("/sp/cycles/{}", p.cycle)) { bdi { (p.cycle) } } }
                            td { a href=(format!("/sp/households/{}/decisions", p.household)) { bdi { (p.household) } } }
                            td { (p.payee_name) br; a href=(format!("/sp/accounts/{}", p.payee)) { bdi { (p.payee) } } }
                            td.nowrap { (money(lang, p.amount_fils)) }
                            td { (lang.t(&format!("sp-pay-{}", p.status))) }
                            td { (payment_reason(lang, p.reason.as_deref())) }
                            td { @if r.account_changed { (lang.t("sp-account-fixed")) } @else {
                                (lang.t("sp-account-not-fixed")) " " a href=(format!("/sp/accounts/{}", p.payee)) { (lang.t("sp-fix-account")) }
                            } }
                        } } }
                    }
                }
            }
        },
    };
    let crumbs = super::cycles::crumbs(lang, &[(title.clone(), None)]);
    Ok(
        Html(layout::page(&s, &v, &title, "/sp/rejections", &crumbs, body).into_string())
            .into_response(),
    )
}
