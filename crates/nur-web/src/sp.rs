//! The social registry's intake API (`/api/v1/sp/…`): drafts, submissions and their
//! verification, a household's profile. Refused answers come back as 422 with every field
//! path and a message in the language asked for (`Accept-Language`, or `?lang=`; Arabic
//! when neither says). Every rule is `nur-app`'s.

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::{blocking, AppState};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json as AxJson;
use nur_app::{ApplicationView, Caller, HouseholdView};
use nur_sp::Lang;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

/// The language of the messages: `?lang=` first, then `Accept-Language`.
fn lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    query
        .map(Lang::pick)
        .or_else(|| {
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::pick)
        })
        .unwrap_or_default()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// `ar` or `en`.
    lang: Option<String>,
}

/// A new draft, or a draft's new answers.
#[derive(Deserialize, ToSchema)]
pub struct AnswersBody {
    /// The answers by section (`household`, `dwelling`, `assets`, `income`, `utilities`,
    /// `contact`, `payment`), as the form defines them (`GET /api/v1/sp/form`).
    answers: Json,
    /// `caseworker` (the default) or `citizen`.
    #[serde(default)]
    channel: Option<String>,
    /// The revision the caller edited (a stale editor is refused with 409).
    #[serde(default)]
    revision: Option<i64>,
}

/// A submission of a draft.
#[derive(Deserialize, ToSchema, Default)]
pub struct SubmitBody {
    #[serde(default)]
    revision: Option<i64>,
}

/// A difference between the answers and a registry.
#[derive(Serialize, ToSchema)]
pub struct DiscrepancyBody {
    kind: String,
    /// The answer it contradicts.
    path: String,
    national_number: Option<String>,
    source_table: String,
    /// The registry rows' keys.
    record_keys: Json,
    declared: Json,
    registry: Json,
    /// When the registry rows were loaded (Unix ms).
    as_of_ms: Option<i64>,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerificationBody {
    verified_at_ms: i64,
    members_verified: i64,
    /// The registries' formal income of the household, monthly, in fils.
    formal_income_fils: i64,
    discrepancies: Vec<DiscrepancyBody>,
    /// What was read: tables, keys and load times, tables not granted.
    snapshot: Json,
}

/// An answer a submission would refuse now (for a draft).
#[derive(Serialize, ToSchema)]
pub struct OpenBody {
    path: String,
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationBody {
    id: String,
    /// `draft` or `submitted`.
    status: String,
    household: String,
    channel: String,
    form: String,
    form_version: i64,
    revision: i64,
    created_by: String,
    created_at_ms: i64,
    updated_at_ms: i64,
    submitted_at_ms: Option<i64>,
    external_ref: Option<String>,
    answers: Json,
    verification: Option<VerificationBody>,
    open: Vec<OpenBody>,
}

fn parse(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

impl ApplicationBody {
    fn from_view(v: ApplicationView, lang: Lang) -> ApplicationBody {
        let a = v.application;
        ApplicationBody {
            id: a.id,
            status: a.status,
            household: a.household,
            channel: a.channel,
            form: a.form,
            form_version: a.form_version,
            revision: a.revision,
            created_by: a.created_by,
            created_at_ms: a.created_at_ms,
            updated_at_ms: a.updated_at_ms,
            submitted_at_ms: a.submitted_at_ms,
            external_ref: a.external_ref,
            answers: v.answers,
            verification: v.verification.map(|r| VerificationBody {
                verified_at_ms: r.verified_at_ms,
                members_verified: r.members_verified,
                formal_income_fils: r.formal_income_fils,
                snapshot: parse(&r.snapshot),
                discrepancies: r
                    .discrepancies
                    .into_iter()
                    .map(|d| DiscrepancyBody {
                        message: match lang {
                            Lang::Ar => d.message_ar,
                            Lang::En => d.message_en,
                        },
                        kind: d.kind,
                        path: d.path,
                        national_number: d.national_number,
                        source_table: d.source_table,
                        record_keys: parse(&d.record_keys),
                        declared: parse(&d.declared),
                        registry: parse(&d.registry),
                        as_of_ms: d.as_of_ms,
                    })
                    .collect(),
            }),
            open: v
                .open
                .into_iter()
                .map(|o| OpenBody {
                    message: o.message.get(lang).to_owned(),
                    path: o.path,
                    code: o.code,
                })
                .collect(),
        }
    }
}

/// A household's profile.
#[derive(Serialize, ToSchema)]
pub struct HouseholdBody {
    household: String,
    /// The facts and the inputs they came from (none until computed).
    facts: Option<Json>,
    facts_version: Option<i64>,
    computed_at_ms: Option<i64>,
    /// Its applications, newest first: id, status, submitted.
    applications: Vec<Json>,
}

impl From<HouseholdView> for HouseholdBody {
    fn from(h: HouseholdView) -> HouseholdBody {
        HouseholdBody {
            household: h.household,
            facts_version: h.facts.as_ref().map(|f| f.facts_version),
            computed_at_ms: h.facts.as_ref().map(|f| f.computed_at_ms),
            facts: h.facts.map(|f| parse(&f.facts)),
            applications: h
                .applications
                .into_iter()
                .map(|a| {
                    serde_json::json!({"id": a.id, "status": a.status, "channel": a.channel,
                        "created_at_ms": a.created_at_ms, "submitted_at_ms": a.submitted_at_ms})
                })
                .collect(),
        }
    }
}

fn app_err(lang: Lang) -> impl Fn(nur_app::AppError) -> ApiError {
    move |e| ApiError::from_app_in(e, lang)
}

/// Starts a draft application. A draft may be incomplete; what it holds must be right.
#[utoipa::path(post, path = "/api/v1/sp/applications", tag = "social registry",
    params(LangParam, CallerHeaders),
    request_body = AnswersBody,
    responses(
        (status = 201, description = "the draft, with what a submission would still refuse", body = ApplicationBody),
        (status = 400, description = "`invalid_json`, `answers_too_large`; or the caller headers", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`: the caller does not act for the programs' entity", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_answers` (each in `fields`), `member_in_another_application`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    q: Result<Query<LangParam>, QueryRejection>,
    body: Result<AxJson<AnswersBody>, JsonRejection>,
) -> Result<(StatusCode, AxJson<ApplicationBody>), ApiError> {
    let Query(q) = q?;
    let lang = lang(&headers, q.lang.as_deref());
    let AxJson(body) = body?;
    let channel = body.channel.unwrap_or_else(|| "caseworker".into());
    if !matches!(channel.as_str(), "caseworker" | "citizen") {
        return Err(ApiError::invalid(
            "invalid_channel",
            "channel is caseworker or citizen",
        ));
    }
    blocking(move || {
        let v = s
            .app
            .create_application(&caller, &body.answers, &channel)
            .map_err(app_err(lang))?;
        Ok((
            StatusCode::CREATED,
            AxJson(ApplicationBody::from_view(v, lang)),
        ))
    })
    .await
}

/// Replaces a draft's answers.
#[utoipa::path(put, path = "/api/v1/sp/applications/{id}", tag = "social registry",
    params(("id" = String, Path, description = "the application"), LangParam, CallerHeaders),
    request_body = AnswersBody,
    responses(
        (status = 200, description = "the draft", body = ApplicationBody),
        (status = 400, description = "`invalid_json`, `answers_too_large`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`", body = ErrorBody),
        (status = 404, description = "`no_application`", body = ErrorBody),
        (status = 409, description = "`not_a_draft` (submitted applications are not edited), `draft_changed`", body = ErrorBody),
        (status = 422, description = "`invalid_answers`, `member_in_another_application`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<LangParam>, QueryRejection>,
    body: Result<AxJson<AnswersBody>, JsonRejection>,
) -> Result<AxJson<ApplicationBody>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    let lang = lang(&headers, q.lang.as_deref());
    let AxJson(body) = body?;
    blocking(move || {
        let v = s
            .app
            .update_application(&caller, &id, body.revision, &body.answers)
            .map_err(app_err(lang))?;
        Ok(AxJson(ApplicationBody::from_view(v, lang)))
    })
    .await
}

/// Submits a draft: every answer checked, every member verified against the registries
/// through the programs' entity's grants, discrepancies recorded, facts computed.
#[utoipa::path(post, path = "/api/v1/sp/applications/{id}/submit", tag = "social registry",
    params(("id" = String, Path, description = "the application"), LangParam, CallerHeaders),
    request_body(content = SubmitBody, description = "optional"),
    responses(
        (status = 200, description = "the submitted application with its verification", body = ApplicationBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`, `verification_not_granted`", body = ErrorBody),
        (status = 404, description = "`no_application`", body = ErrorBody),
        (status = 409, description = "`not_a_draft`, `draft_changed`", body = ErrorBody),
        (status = 422, description = "`invalid_answers`, `verification_failed` (unknown or deceased members, birth date or gender not as the civil registry has them), `member_in_another_application`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn submit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<LangParam>, QueryRejection>,
    body: axum::body::Bytes,
) -> Result<AxJson<ApplicationBody>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    let lang = lang(&headers, q.lang.as_deref());
    let body: SubmitBody = if body.iter().all(u8::is_ascii_whitespace) {
        SubmitBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid("invalid_json", format!("the body is not a submission: {e}"))
        })?
    };
    blocking(move || {
        let v = s
            .app
            .submit_application(&caller, &id, body.revision)
            .map_err(app_err(lang))?;
        Ok(AxJson(ApplicationBody::from_view(v, lang)))
    })
    .await
}

/// An application: status, answers and verification.
#[utoipa::path(get, path = "/api/v1/sp/applications/{id}", tag = "social registry",
    params(("id" = String, Path, description = "the application"), LangParam, CallerHeaders),
    responses(
        (status = 200, description = "the application", body = ApplicationBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`", body = ErrorBody),
        (status = 404, description = "`no_application`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<LangParam>, QueryRejection>,
) -> Result<AxJson<ApplicationBody>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    let lang = lang(&headers, q.lang.as_deref());
    blocking(move || {
        let v = s.app.application(&caller, &id).map_err(app_err(lang))?;
        Ok(AxJson(ApplicationBody::from_view(v, lang)))
    })
    .await
}

/// A household's current profile: its facts and its applications.
#[utoipa::path(get, path = "/api/v1/sp/households/{id}", tag = "social registry",
    params(("id" = String, Path, description = "the family booklet's civil record number"), CallerHeaders),
    responses(
        (status = 200, description = "the household", body = HouseholdBody),
        (status = 400, description = "`invalid_civil_record_id`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`", body = ErrorBody),
        (status = 404, description = "`no_household`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn household(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<HouseholdBody>, ApiError> {
    let Path(id) = path?;
    blocking(move || Ok(AxJson(s.app.sp_household(&caller, &id)?.into()))).await
}

/// The intake form's definition: sections, fields, types, validation, both languages.
#[utoipa::path(get, path = "/api/v1/sp/form", tag = "social registry",
    responses(
        (status = 200, description = "the form definition", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
    ))]
pub async fn form(State(s): State<AppState>, _caller: Caller) -> AxJson<Json> {
    AxJson(serde_json::to_value(&s.app.social_registry().form).unwrap_or(Json::Null))
}
