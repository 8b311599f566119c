//! The social registry's enrollment and payments API (`/api/v1/sp/cycles…`,
//! `/api/v1/sp/payment-statuses`, `/api/v1/sp/accounts…`, `/api/v1/sp/appeals…`): cycles
//! prepared, approved by a second person and closed; payment files per provider; the
//! providers' status reports; beneficiaries' accounts; appeals. Every rule is `nur-app`'s.

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as AxJson;
use base64::Engine as _;
use nur_app::{AccountInput, AppError, Caller, FileFormat, NewDocument};
use nur_store::AppealFilter;
use serde::Deserialize;
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

fn json(v: impl serde::Serialize) -> AxJson<Json> {
    AxJson(serde_json::to_value(v).expect("plain data"))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCycle {
    /// The program's code (UCT).
    program: String,
    /// The month paid for, `YYYY-MM`.
    period: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CyclesParams {
    program: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersParams {
    /// enrolled, paused, exited, not_eligible or duplicate.
    state: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct MemberChange {
    /// enrolled (resume), paused or exited.
    state: String,
    note: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsParams {
    provider: Option<String>,
    /// pending, accepted, rejected or returned.
    status: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileParams {
    /// pain001 (ISO 20022 pain.001.001.09, the default) or csv.
    format: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusParams {
    /// pain002 (ISO 20022 status report, the default) or csv.
    format: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealsParams {
    overdue: Option<bool>,
    state: Option<String>,
    household: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct DocumentBody {
    name: String,
    /// application/pdf, image/jpeg or image/png.
    content_type: String,
    /// The file, base64.
    content_base64: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAppeal {
    household: String,
    program: String,
    reason: String,
    #[serde(default)]
    documents: Vec<DocumentBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct AppealStep {
    /// under_review, upheld or overturned.
    to: String,
    note: String,
}

/// An account: `{"kind":"bank","iban":…}` or `{"kind":"ewallet","mobile":…,"provider":…}`.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountBody {
    Bank { iban: String },
    Ewallet { mobile: String, provider: String },
}

/// Cycles, the newest first.
#[utoipa::path(get, path = "/api/v1/sp/cycles", tag = "social registry",
    params(CyclesParams, CallerHeaders),
    responses(
        (status = 200, description = "the cycles", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`", body = ErrorBody),
    ))]
pub async fn cycles(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<CyclesParams>, QueryRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Query(q) = q?;
    blocking(move || Ok(json(s.app.cycles(&caller, q.program.as_deref())?))).await
}

/// Prepares a program's cycle for a month as a draft: the newest run's selection plus the
/// households still enrolled and those overturned appeals bring in, each re-checked.
#[utoipa::path(post, path = "/api/v1/sp/cycles", tag = "social registry",
    params(CallerHeaders),
    request_body = NewCycle,
    responses(
        (status = 201, description = "the draft with its counts", body = Object),
        (status = 400, description = "`bad_period`, `no_run`, `draft_open`, `later_cycle`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`, `payee_not_granted`", body = ErrorBody),
        (status = 404, description = "`no_program`", body = ErrorBody),
        (status = 409, description = "`cycle_exists`", body = ErrorBody),
    ))]
pub async fn create_cycle(
    State(s): State<AppState>,
    caller: Caller,
    body: Result<AxJson<NewCycle>, JsonRejection>,
) -> Result<(StatusCode, AxJson<Json>), ApiError> {
    let AxJson(b) = body?;
    blocking(move || {
        let v = s.app.create_cycle(&caller, &b.program, &b.period)?;
        Ok((StatusCode::CREATED, json(v)))
    })
    .await
}

/// A cycle with its counts (by state, governorate, sex of the head, turnover) and its
/// payments' totals per status.
#[utoipa::path(get, path = "/api/v1/sp/cycles/{id}", tag = "social registry",
    params(("id" = String, Path, description = "the cycle (UCT-2026-12)"), CallerHeaders),
    responses(
        (status = 200, description = "the cycle", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`", body = ErrorBody),
    ))]
pub async fn cycle(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    blocking(move || Ok(json(s.app.cycle(&caller, &id)?))).await
}

/// Approves a draft: by a second person (an administrator of the program's entity; a
/// client names them in `X-NUR-User-Id`), within the budget, after registered deaths stop
/// their households.
#[utoipa::path(post, path = "/api/v1/sp/cycles/{id}/approve", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), CallerHeaders),
    responses(
        (status = 200, description = "approved, with its payments' totals", body = Object),
        (status = 400, description = "`budget_exceeded`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`approver_prepared`, `not_approver`", body = ErrorBody),
        (status = 404, description = "`no_cycle`", body = ErrorBody),
        (status = 409, description = "`not_draft`", body = ErrorBody),
    ))]
pub async fn approve(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    blocking(move || Ok(json(s.app.approve_cycle(&caller, &id)?))).await
}

/// Closes a paid cycle.
#[utoipa::path(post, path = "/api/v1/sp/cycles/{id}/close", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), CallerHeaders),
    responses(
        (status = 200, description = "closed", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`", body = ErrorBody),
        (status = 409, description = "`not_paid`", body = ErrorBody),
    ))]
pub async fn close(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    blocking(move || Ok(json(s.app.close_cycle(&caller, &id)?))).await
}

/// A cycle's households (in one membership state when given), each with its reason.
#[utoipa::path(get, path = "/api/v1/sp/cycles/{id}/members", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), MembersParams, CallerHeaders),
    responses(
        (status = 200, description = "the households", body = Object),
        (status = 400, description = "`bad_state`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`", body = ErrorBody),
    ))]
pub async fn members(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<MembersParams>, QueryRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    blocking(move || {
        Ok(json(s.app.cycle_members(
            &caller,
            &id,
            q.state.as_deref(),
        )?))
    })
    .await
}

/// Pauses, exits or resumes one household of a draft, with a note.
#[utoipa::path(post, path = "/api/v1/sp/cycles/{id}/members/{household}", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), ("household" = String, Path, description = "the household"), CallerHeaders),
    request_body = MemberChange,
    responses(
        (status = 200, description = "the household's membership", body = Object),
        (status = 400, description = "`bad_state`, `note_required`, `not_resumable`, `no_account`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`, `not_in_cycle`", body = ErrorBody),
        (status = 409, description = "`not_draft`", body = ErrorBody),
    ))]
pub async fn member(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<AxJson<MemberChange>, JsonRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path((id, household)) = path?;
    let AxJson(b) = body?;
    blocking(move || {
        Ok(json(s.app.set_membership(
            &caller, &id, &household, &b.state, &b.note,
        )?))
    })
    .await
}

/// A cycle's payments (of one provider, in one status, when given).
#[utoipa::path(get, path = "/api/v1/sp/cycles/{id}/payments", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), PaymentsParams, CallerHeaders),
    responses(
        (status = 200, description = "the payments", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`", body = ErrorBody),
    ))]
pub async fn payments(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<PaymentsParams>, QueryRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    blocking(move || {
        Ok(json(s.app.payments(
            &caller,
            &id,
            q.provider.as_deref(),
            q.status.as_deref(),
        )?))
    })
    .await
}

/// One provider's payment file of an approved cycle: ISO 20022 `pain.001.001.09` or CSV;
/// the same bytes every time; audited.
#[utoipa::path(get, path = "/api/v1/sp/cycles/{id}/files/{provider}", tag = "social registry",
    params(("id" = String, Path, description = "the cycle"), ("provider" = String, Path, description = "a bank code (ARAB) or a wallet provider (zain_cash)"), FileParams, CallerHeaders),
    responses(
        (status = 200, description = "the file", content_type = "application/xml"),
        (status = 400, description = "`bad_format`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_cycle`, `no_payments`", body = ErrorBody),
        (status = 409, description = "`not_approved`", body = ErrorBody),
    ))]
pub async fn file(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<FileParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((id, provider)) = path?;
    let Query(q) = q?;
    let f = q.format.as_deref().unwrap_or("pain001");
    let format = FileFormat::parse(f).ok_or_else(|| {
        ApiError::from(AppError::invalid(
            "bad_format",
            format!("{f}: pain001 or csv"),
        ))
    })?;
    blocking(move || {
        let mut files = s
            .app
            .export_payments(&caller, &id, format, Some(&provider))?;
        let file = files.remove(0);
        let ty = match format {
            FileFormat::Pain001 => "application/xml; charset=utf-8",
            FileFormat::Csv => "text/csv; charset=utf-8",
        };
        Ok((
            [
                (header::CONTENT_TYPE, ty.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.name),
                ),
            ],
            file.content,
        )
            .into_response())
    })
    .await
}

/// Imports a provider's status report (the request body: pain.002 XML or CSV): all of it,
/// or nothing when it names an unknown payment, another total or a status in conflict.
#[utoipa::path(post, path = "/api/v1/sp/payment-statuses", tag = "social registry",
    params(StatusParams, CallerHeaders),
    request_body(content = String, description = "the report", content_type = "application/xml"),
    responses(
        (status = 200, description = "what changed, and the cycle's totals", body = Object),
        (status = 400, description = "`unknown_payments`, `total_mismatch`, `count_mismatch`, `amount_mismatch`, `status_conflict`, `mixed_cycles`, a parse error", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 409, description = "`report_imported`, `cycle_not_open`", body = ErrorBody),
    ))]
pub async fn statuses(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<StatusParams>, QueryRejection>,
    body: Bytes,
) -> Result<AxJson<Json>, ApiError> {
    let Query(q) = q?;
    let format = q.format.unwrap_or_else(|| "pain002".into());
    blocking(move || Ok(json(s.app.reconcile(&caller, &body, &format)?))).await
}

/// A program's rejected payments not yet paid again, each with whether the account changed.
#[utoipa::path(get, path = "/api/v1/sp/programs/{code}/rejections", tag = "social registry",
    params(("code" = String, Path, description = "the program"), CallerHeaders),
    responses(
        (status = 200, description = "the rejected payments", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
    ))]
pub async fn rejections(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(code) = path?;
    blocking(move || Ok(json(s.app.rejections(&caller, &code)?))).await
}

/// A person's accounts: the active one first, then the history.
#[utoipa::path(get, path = "/api/v1/sp/accounts/{national_number}", tag = "social registry",
    params(("national_number" = String, Path, description = "the person"), CallerHeaders),
    responses(
        (status = 200, description = "the accounts", body = Object),
        (status = 400, description = "`bad_national_number`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
    ))]
pub async fn accounts(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(nn) = path?;
    blocking(move || Ok(json(s.app.accounts_of(&caller, &nn)?))).await
}

/// Sets a person's active account (the previous one ends and stays in the history).
#[utoipa::path(put, path = "/api/v1/sp/accounts/{national_number}", tag = "social registry",
    params(("national_number" = String, Path, description = "the person"), CallerHeaders),
    request_body = AccountBody,
    responses(
        (status = 200, description = "the active account", body = Object),
        (status = 400, description = "`iban.check`, `iban.length`, `iban.bank`, `account_held`, …", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
    ))]
pub async fn set_account(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<AxJson<AccountBody>, JsonRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(nn) = path?;
    let AxJson(b) = body?;
    let input = match b {
        AccountBody::Bank { iban } => AccountInput::Bank { iban },
        AccountBody::Ewallet { mobile, provider } => AccountInput::Ewallet { mobile, provider },
    };
    blocking(move || Ok(json(s.app.set_account(&caller, &nn, &input)?))).await
}

/// Files an appeal against a program's decision about a household.
#[utoipa::path(post, path = "/api/v1/sp/appeals", tag = "social registry",
    params(CallerHeaders),
    request_body = NewAppeal,
    responses(
        (status = 201, description = "the appeal", body = Object),
        (status = 400, description = "`reason_required`, `bad_document`, `too_many_documents`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_decision`, `no_household`", body = ErrorBody),
        (status = 409, description = "`appeal_open`", body = ErrorBody),
    ))]
pub async fn submit_appeal(
    State(s): State<AppState>,
    caller: Caller,
    body: Result<AxJson<NewAppeal>, JsonRejection>,
) -> Result<(StatusCode, AxJson<Json>), ApiError> {
    let AxJson(b) = body?;
    let mut docs = Vec::new();
    for (i, d) in b.documents.into_iter().enumerate() {
        let content = base64::engine::general_purpose::STANDARD
            .decode(d.content_base64.as_bytes())
            .map_err(|e| {
                ApiError::from(AppError::invalid(
                    "bad_document",
                    format!("document {}: content_base64 is not base64 ({e})", i + 1),
                ))
            })?;
        docs.push(NewDocument {
            name: d.name,
            content_type: d.content_type,
            content,
        });
    }
    blocking(move || {
        let v = s
            .app
            .submit_appeal(&caller, &b.household, &b.program, &b.reason, docs)?;
        Ok((StatusCode::CREATED, json(v)))
    })
    .await
}

/// Appeals: overdue, in a state, of a household, or all.
#[utoipa::path(get, path = "/api/v1/sp/appeals", tag = "social registry",
    params(AppealsParams, CallerHeaders),
    responses(
        (status = 200, description = "the appeals", body = Object),
        (status = 400, description = "`bad_state`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
    ))]
pub async fn appeals(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<AppealsParams>, QueryRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Query(q) = q?;
    blocking(move || {
        let filter = match (q.overdue.unwrap_or(false), &q.state, &q.household) {
            (true, _, _) => AppealFilter::OverdueAt(nur_store::now_ms()),
            (_, Some(st), _) => AppealFilter::State(st),
            (_, _, Some(h)) => AppealFilter::Household(h),
            _ => AppealFilter::All,
        };
        Ok(json(s.app.appeals(&caller, filter)?))
    })
    .await
}

/// An appeal with its steps and documents.
#[utoipa::path(get, path = "/api/v1/sp/appeals/{id}", tag = "social registry",
    params(("id" = String, Path, description = "the appeal"), CallerHeaders),
    responses(
        (status = 200, description = "the appeal", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_appeal`", body = ErrorBody),
    ))]
pub async fn appeal(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    blocking(move || Ok(json(s.app.appeal(&caller, &id)?))).await
}

/// The next step of an appeal by a named officer: under_review, then upheld or overturned.
#[utoipa::path(post, path = "/api/v1/sp/appeals/{id}/steps", tag = "social registry",
    params(("id" = String, Path, description = "the appeal"), CallerHeaders),
    request_body = AppealStep,
    responses(
        (status = 200, description = "the appeal", body = Object),
        (status = 400, description = "`bad_state`, `note_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`officer_only`, `own_appeal`", body = ErrorBody),
        (status = 404, description = "`no_appeal`", body = ErrorBody),
        (status = 409, description = "`bad_step`", body = ErrorBody),
    ))]
pub async fn appeal_step(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<AxJson<AppealStep>, JsonRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    let AxJson(b) = body?;
    blocking(move || Ok(json(s.app.appeal_step(&caller, &id, &b.to, &b.note)?))).await
}
