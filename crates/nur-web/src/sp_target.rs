//! The social registry's targeting API (`/api/v1/sp/programs…`, `/api/v1/sp/runs…`,
//! `/api/v1/sp/households/{id}/decisions`): programs as versioned definitions, targeting
//! runs and simulations, and every decision about a household explained. Every rule is
//! `nur-app`'s.

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::{blocking, AppState};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json as AxJson;
use nur_app::{Caller, TargetOutcome, TargetPlan};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ProgramItem {
    code: String,
    name_ar: String,
    name_en: String,
    owner: String,
    /// The version targeting uses.
    published: Option<i64>,
    latest: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProgramVersion {
    version: i64,
    /// `draft` or `published`.
    status: String,
    created_by: String,
    created_at_ms: i64,
    published_by: Option<String>,
    published_at_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgramBody {
    code: String,
    version: i64,
    status: String,
    owner: String,
    /// The definition: names, target group, inclusion and exclusion rules (CEL), benefit,
    /// quota, budget, governorate quotas.
    #[schema(value_type = Object)]
    definition: Json,
    versions: Vec<ProgramVersion>,
}

#[derive(Serialize, ToSchema)]
pub struct SavedBody {
    code: String,
    version: i64,
    status: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SaveParams {
    /// Publish at once (a draft otherwise).
    publish: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    version: Option<i64>,
}

/// A run or simulation's plan; every field optional.
#[derive(Deserialize, ToSchema, Default)]
pub struct TargetBody {
    /// Change nothing; report what would be selected.
    #[serde(default)]
    simulate: bool,
    quota: Option<i64>,
    budget_fils: Option<i64>,
    #[serde(default)]
    governorate_quotas: BTreeMap<String, i64>,
    /// Rules replaced by name (or `benefit`), for a simulation.
    #[serde(default)]
    set: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeBody {
    program: String,
    program_version: i64,
    model_version: i64,
    /// The stored run; none for a simulation.
    run: Option<String>,
    /// The published run a cut-only simulation re-cut.
    from_run: Option<String>,
    #[schema(value_type = Object)]
    cut: Json,
    /// Households, persons, cost, cut-off, coverage by governorate, head's sex and decile,
    /// inclusion and exclusion errors where the truth is known.
    #[schema(value_type = Object)]
    summary: Json,
    #[schema(value_type = Object)]
    population: Json,
    /// Households that could not be decided.
    errors: u64,
    #[schema(value_type = Object)]
    error_samples: Json,
}

impl From<TargetOutcome> for OutcomeBody {
    fn from(o: TargetOutcome) -> OutcomeBody {
        OutcomeBody {
            program: o.program,
            program_version: o.program_version,
            model_version: o.model_version,
            run: o.run,
            from_run: o.from_run,
            cut: serde_json::to_value(&o.cut).unwrap_or_default(),
            summary: serde_json::to_value(&o.summary).unwrap_or_default(),
            population: serde_json::to_value(&o.population).unwrap_or_default(),
            errors: o.errors,
            error_samples: serde_json::to_value(&o.error_samples).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RunItem {
    id: String,
    program: String,
    program_version: i64,
    model_version: i64,
    facts_as_of_ms: i64,
    created_by: String,
    created_at_ms: i64,
    #[schema(value_type = Object)]
    cut: Json,
    #[schema(value_type = Object)]
    summary: Json,
}

impl From<nur_store::RunRow> for RunItem {
    fn from(r: nur_store::RunRow) -> RunItem {
        RunItem {
            cut: serde_json::from_str(&r.params).unwrap_or_default(),
            summary: serde_json::from_str(&r.summary).unwrap_or_default(),
            id: r.id,
            program: r.program,
            program_version: r.program_version,
            model_version: r.model_version,
            facts_as_of_ms: r.facts_as_of_ms,
            created_by: r.created_by,
            created_at_ms: r.created_at_ms,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryItem {
    rank: i64,
    household: String,
    /// ln of predicted consumption per person.
    score: f64,
    members: i64,
    governorate: String,
    head_female: bool,
    decile: i64,
    benefit_fils: i64,
    selected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RunBody {
    run: RunItem,
    /// Ranked eligible households from `from`.
    entries: Vec<EntryItem>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsParams {
    program: Option<String>,
    limit: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The first rank (1-based).
    from: Option<i64>,
    limit: Option<i64>,
}

/// The programs: code, names, owner, published and newest versions.
#[utoipa::path(get, path = "/api/v1/sp/programs", tag = "social registry",
    params(CallerHeaders),
    responses(
        (status = 200, description = "the programs", body = Vec<ProgramItem>),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn programs(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<Vec<ProgramItem>>, ApiError> {
    blocking(move || {
        let list = s.app.programs(&caller)?;
        Ok(AxJson(
            list.into_iter()
                .map(|p| ProgramItem {
                    code: p.code,
                    name_ar: p.name_ar,
                    name_en: p.name_en,
                    owner: p.owner,
                    published: p.published,
                    latest: p.latest,
                })
                .collect(),
        ))
    })
    .await
}

/// Saves a program's new version from its definition (a draft unless `publish=true`). A
/// rule that does not compile is refused with its position.
#[utoipa::path(post, path = "/api/v1/sp/programs", tag = "social registry",
    params(SaveParams, CallerHeaders),
    request_body(content = Object, description = "the program definition"),
    responses(
        (status = 201, description = "saved", body = SavedBody),
        (status = 400, description = "`invalid_json`, `program_invalid` (with the rule and position)", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_owner`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn save(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<SaveParams>, QueryRejection>,
    body: Result<AxJson<Json>, JsonRejection>,
) -> Result<(StatusCode, AxJson<SavedBody>), ApiError> {
    let Query(q) = q?;
    let AxJson(body) = body?;
    let publish = q.publish.unwrap_or(false);
    blocking(move || {
        let (code, version) = s.app.save_program(&caller, &body.to_string(), publish)?;
        let status = if publish { "published" } else { "draft" };
        Ok((
            StatusCode::CREATED,
            AxJson(SavedBody {
                code,
                version,
                status: status.into(),
            }),
        ))
    })
    .await
}

/// A program's definition (the newest published, or `version`) and its versions.
#[utoipa::path(get, path = "/api/v1/sp/programs/{code}", tag = "social registry",
    params(("code" = String, Path, description = "the program's code (UCT)"), VersionParam, CallerHeaders),
    responses(
        (status = 200, description = "the program", body = ProgramBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 404, description = "`no_program`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn program(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<VersionParam>, QueryRejection>,
) -> Result<AxJson<ProgramBody>, ApiError> {
    let Path(code) = path?;
    let Query(q) = q?;
    blocking(move || {
        let (row, versions) = s.app.program(&caller, &code, q.version)?;
        Ok(AxJson(ProgramBody {
            code: row.code,
            version: row.version,
            status: row.status,
            owner: row.owner,
            definition: serde_json::from_str(&row.definition).unwrap_or_default(),
            versions: versions
                .into_iter()
                .map(|v| ProgramVersion {
                    version: v.version,
                    status: v.status,
                    created_by: v.created_by,
                    created_at_ms: v.created_at_ms,
                    published_by: v.published_by,
                    published_at_ms: v.published_at_ms,
                })
                .collect(),
        }))
    })
    .await
}

/// Publishes a draft version: targeting uses it from now on.
#[utoipa::path(post, path = "/api/v1/sp/programs/{code}/versions/{version}/publish", tag = "social registry",
    params(("code" = String, Path), ("version" = i64, Path), CallerHeaders),
    responses(
        (status = 200, description = "published", body = SavedBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_owner`", body = ErrorBody),
        (status = 404, description = "`no_program`", body = ErrorBody),
        (status = 409, description = "`not_a_draft`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn publish(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<AxJson<SavedBody>, ApiError> {
    let Path((code, version)) = path?;
    blocking(move || {
        s.app.publish_program(&caller, &code, version)?;
        Ok(AxJson(SavedBody {
            code,
            version,
            status: "published".into(),
        }))
    })
    .await
}

/// Runs a program's targeting (stored, immutable) or simulates it (`simulate`: changes
/// nothing; a changed quota or budget re-cuts the published run's ranking).
#[utoipa::path(post, path = "/api/v1/sp/programs/{code}/target", tag = "social registry",
    params(("code" = String, Path), CallerHeaders),
    request_body = TargetBody,
    responses(
        (status = 200, description = "the run or the simulation", body = OutcomeBody),
        (status = 400, description = "`invalid_json`, `negative`, `no_rule`, `program_invalid`, `simulate_only`, `budget_fits_none`, `no_model`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_owner`", body = ErrorBody),
        (status = 404, description = "`no_program`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn target(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: axum::body::Bytes,
) -> Result<AxJson<OutcomeBody>, ApiError> {
    let Path(code) = path?;
    let body: TargetBody = if body.iter().all(u8::is_ascii_whitespace) {
        TargetBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid(
                "invalid_json",
                format!("the body is not a targeting plan: {e}"),
            )
        })?
    };
    let plan = TargetPlan {
        simulate: body.simulate,
        quota: body.quota,
        budget_fils: body.budget_fils,
        governorate_quotas: body.governorate_quotas,
        set: body.set.into_iter().collect(),
    };
    blocking(move || {
        let mut out = s.app.target(&caller, &[code], &plan)?;
        Ok(AxJson(out.remove(0).into()))
    })
    .await
}

/// The targeting runs, newest first.
#[utoipa::path(get, path = "/api/v1/sp/runs", tag = "social registry",
    params(RunsParams, CallerHeaders),
    responses(
        (status = 200, description = "the runs", body = Vec<RunItem>),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`, `officers_only`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn runs(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<RunsParams>, QueryRejection>,
) -> Result<AxJson<Vec<RunItem>>, ApiError> {
    let Query(q) = q?;
    blocking(move || {
        let runs = s.app.runs(
            &caller,
            q.program.as_deref(),
            q.limit.unwrap_or(50).min(500),
        )?;
        Ok(AxJson(runs.into_iter().map(RunItem::from).collect()))
    })
    .await
}

/// A run with a page of its ranked eligible households.
#[utoipa::path(get, path = "/api/v1/sp/runs/{id}", tag = "social registry",
    params(("id" = String, Path), PageParams, CallerHeaders),
    responses(
        (status = 200, description = "the run", body = RunBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`, `officers_only`", body = ErrorBody),
        (status = 404, description = "`no_run`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn run(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<PageParams>, QueryRejection>,
) -> Result<AxJson<RunBody>, ApiError> {
    let Path(id) = path?;
    let Query(q) = q?;
    blocking(move || {
        let (run, _, entries) =
            s.app
                .run(&caller, &id, q.from.unwrap_or(1), q.limit.unwrap_or(100))?;
        Ok(AxJson(RunBody {
            run: run.into(),
            entries: entries
                .into_iter()
                .map(|e| EntryItem {
                    rank: e.rank,
                    household: e.household,
                    score: e.score_micro as f64 / 1e6,
                    members: e.members,
                    governorate: e.governorate,
                    head_female: e.head_female,
                    decile: e.decile,
                    benefit_fils: e.benefit_fils,
                    selected: e.selected,
                })
                .collect(),
        }))
    })
    .await
}

/// Every program's decision about a household, explained: the score and each term's
/// contribution (they add up to the score), each rule's outcome, the registry inputs
/// with their source tables and date, the rank and the cut-off, recorded changes.
#[utoipa::path(get, path = "/api/v1/sp/households/{id}/decisions", tag = "social registry",
    params(("id" = String, Path, description = "the family booklet's civil record number"), CallerHeaders),
    responses(
        (status = 200, description = "the decisions", body = Object),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_program_entity`, `not_own_household`", body = ErrorBody),
        (status = 404, description = "`no_household`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn decisions(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<Json>, ApiError> {
    let Path(id) = path?;
    blocking(move || {
        let d = s.app.decisions(&caller, &id)?;
        Ok(AxJson(serde_json::to_value(&d).unwrap_or_default()))
    })
    .await
}
