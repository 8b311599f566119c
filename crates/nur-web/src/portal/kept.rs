//! Results kept for paging and export. A query runs, and is audited, once; its rows are kept
//! in memory for the session that ran it, so "Next" shows the next page of the same answer
//! (not a new run logging the same people again), and CSV and XLSX files are written from it
//! (each export one audit event of its own: a file has left NUR).
//!
//! Kept results are bounded (a few per session, a few dozen in all, half an hour each): a
//! result that has gone says so and asks for a new run.

use super::i18n::Lang;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::Output;
use nur_core::{Catalog, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const GRID_PAGE: usize = 25;
const KEEP_FOR: Duration = Duration::from_secs(30 * 60);
const PER_SESSION: usize = 4;
const IN_ALL: usize = 32;

struct Kept {
    id: String,
    session: String,
    at: Instant,
    out: Arc<Output>,
}

#[derive(Default)]
pub struct KeptResults {
    kept: Mutex<Vec<Kept>>,
}

impl KeptResults {
    /// Keeps `out` for `session`; its id names it in paging forms and export links.
    pub fn keep(&self, session: &str, out: Output) -> (String, Arc<Output>) {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).expect("the system's random source");
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let out = Arc::new(out);
        let mut kept = self.kept.lock().expect("not poisoned");
        let now = Instant::now();
        kept.retain(|k| now.duration_since(k.at) < KEEP_FOR);
        let mine = kept.iter().filter(|k| k.session == session).count();
        if mine >= PER_SESSION {
            if let Some(i) = kept.iter().position(|k| k.session == session) {
                kept.remove(i);
            }
        }
        if kept.len() >= IN_ALL {
            kept.remove(0);
        }
        kept.push(Kept {
            id: id.clone(),
            session: session.to_owned(),
            at: now,
            out: out.clone(),
        });
        (id, out)
    }

    /// A kept result of `session` (another session's id finds nothing).
    pub fn get(&self, session: &str, id: &str) -> Option<Arc<Output>> {
        let kept = self.kept.lock().expect("not poisoned");
        kept.iter()
            .find(|k| k.id == id && k.session == session && k.at.elapsed() < KEEP_FOR)
            .map(|k| k.out.clone())
    }
}

/// A column's header: its catalog label in `lang`, the column's name under it.
pub fn header(lang: Lang, catalog: &Catalog, qualified: &str) -> (String, String) {
    let (t, c) = qualified.split_once('.').unwrap_or(("", qualified));
    let label = catalog
        .table(t)
        .and_then(|t| t.column(c))
        .map(|c| match lang {
            Lang::Ar => c.label_ar.clone(),
            Lang::En => c.label_en.clone(),
        })
        .unwrap_or_default();
    (label, qualified.to_owned())
}

/// A page of a kept result, with paging buttons that submit `form` (`action=page:N`) and
/// links to its exports.
pub fn grid(
    lang: Lang,
    catalog: &Catalog,
    id: &str,
    out: &Output,
    page: usize,
    form: &str,
) -> Markup {
    let rows = &out.rows;
    let pages = rows.len().div_ceil(GRID_PAGE).max(1);
    let page = page.clamp(1, pages);
    let shown = &rows[(page - 1) * GRID_PAGE..(page * GRID_PAGE).min(rows.len())];
    // Each output column's catalog column, so codes show their labels.
    let columns: Vec<Option<&nur_core::Column>> = out
        .plan
        .output
        .iter()
        .map(|o| {
            catalog
                .table(out.plan.tables[o.table].table.as_str())
                .and_then(|t| t.column(o.column.as_str()))
        })
        .collect();
    html! {
        section #results {
            h2 { (lang.ta("results-count", &[("count", rows.len().into())])) }
            p.exports {
                a href={"/results/" (id) "/csv"} download { (lang.t("export-csv")) }
                " · "
                a href={"/results/" (id) "/xlsx"} download { (lang.t("export-xlsx")) }
            }
            div.grid tabindex="0" role="region" aria-label=(lang.t("results")) {
                table {
                    thead { tr { @for c in &out.plan.output {
                        @let (label, _) = header(lang, catalog, &c.qualified);
                        th scope="col" { (label) br; small { bdi { (c.name) } } }
                    } } }
                    tbody {
                        @for r in shown {
                            tr { @for (v, c) in r.iter().zip(&columns) { td { (super::labels::cell(lang, catalog, *c, &v.to_json())) } } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label=(lang.t("paging")) {
                    input type="hidden" form=(form) name="result" value=(id);
                    @if page > 1 { button type="submit" form=(form) name="action" value={"page:" (page - 1)} { (lang.t("page-prev")) } }
                    span { (lang.number(page as i64)) " / " (lang.number(pages as i64)) }
                    @if page < pages { button type="submit" form=(form) name="action" value={"page:" (page + 1)} { (lang.t("page-next")) } }
                }
            }
        }
    }
}

/// `GET /results/{id}/{format}`: a kept result as CSV (UTF-8 with a byte order mark, for
/// spreadsheets that guess otherwise) or XLSX; one audit event per file.
pub async fn export(
    State(s): State<AppState>,
    Extension(v): Extension<super::Visit>,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let out = s
        .kept
        .get(&v.session.id_hash, &id)
        .ok_or_else(|| ApiError::not_found("result_gone", v.lang.t("result-gone")))?;
    let body = match format.as_str() {
        "csv" => csv_of(&out)?,
        "xlsx" => xlsx_of(&out)?,
        _ => {
            return Err(ApiError::not_found(
                "no_such_format",
                format!("no export as {format:?} (csv or xlsx)"),
            ))
        }
    };
    let (st, caller, o, f) = (s.clone(), v.caller(), out.clone(), format.clone());
    blocking(move || Ok(st.app.record_export(&caller, &o, &f)?)).await?;
    let name = out
        .procedure
        .as_ref()
        .map(|p| format!("{}-{}-v{}", p.entity, p.name, p.version))
        .unwrap_or_else(|| "query".into());
    Ok(download(&format, &name, body))
}

fn csv_of(out: &Output) -> Result<Vec<u8>, ApiError> {
    let names: Vec<&str> = out.plan.output.iter().map(|c| c.name.as_str()).collect();
    csv_file(&names, &out.rows)
}

fn xlsx_of(out: &Output) -> Result<Vec<u8>, ApiError> {
    let names: Vec<&str> = out.plan.output.iter().map(|c| c.name.as_str()).collect();
    xlsx_file(&names, &out.rows)
}

/// A table as CSV: UTF-8 with a byte order mark (spreadsheets guess otherwise), a header row.
pub fn csv_file(headers: &[&str], rows: &[Vec<Value>]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| ApiError::internal(e.to_string());
    w.write_record(headers).map_err(fail)?;
    for r in rows {
        w.write_record(r.iter().map(|v| v.to_string()))
            .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// A table as an XLSX workbook: a bold, frozen header row; numbers as numbers, dates as
/// date cells.
pub fn xlsx_file(headers: &[&str], rows: &[Vec<Value>]) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
    let fail = |e: XlsxError| ApiError::internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, name) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &bold)
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Value::Null => continue,
                Value::Int(i) => sheet.write_number(r, c, *i as f64),
                Value::Decimal(x) => sheet.write_number(r, c, *x),
                Value::Bool(b) => sheet.write_boolean(r, c, *b),
                Value::Date(d) => {
                    let when = ExcelDateTime::from_ymd(d.year() as u16, d.month(), d.day())
                        .map_err(fail)?;
                    sheet.write_date_with_format(r, c, &when, &date)
                }
                Value::Text(t) => sheet.write_string(r, c, t),
            }
            .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// A file download: its type by format and the name it is saved as.
pub fn download(format: &str, name: &str, body: Vec<u8>) -> Response {
    let mime = if format == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
        ],
        body,
    )
        .into_response()
}
