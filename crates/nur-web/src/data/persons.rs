//! Person lookups (`/api/v1/persons/{national_number}`) and the citizen access report
//! (`/api/v1/persons/{national_number}/access-log`), under the caller's grants and audited by
//! the app.

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::{blocking, AppState};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json as AxJson;
use nur_app::Caller;
use serde::{Deserialize, Serialize};
use serde_json::Map;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A household: its family booklet and members, as far as the grants let them be seen.
#[derive(Serialize, ToSchema)]
pub(crate) struct Household {
    civil_record_id: String,
    booklet: Option<Map<String, serde_json::Value>>,
    members: Vec<Map<String, serde_json::Value>>,
}

/// A person across the registries, showing only the granted columns.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonLookup {
    national_number: String,
    /// The person's row of the person table, by column.
    person: Option<Map<String, serde_json::Value>>,
    household: Option<Household>,
    /// Registry rows by table (tables with no row are left out).
    records: BTreeMap<String, Vec<Map<String, serde_json::Value>>>,
}

impl From<nur_store::PersonRecord> for PersonLookup {
    fn from(r: nur_store::PersonRecord) -> PersonLookup {
        PersonLookup {
            national_number: r.national_number,
            person: r.person,
            household: r.household.map(|h| Household {
                civil_record_id: h.civil_record_id,
                booklet: h.booklet,
                members: h.members,
            }),
            records: r.records,
        }
    }
}

/// Looks a person up in every registry the caller's entity was granted.
///
/// Not found and not visible look the same, so grants cannot be probed. Audited, with the
/// national numbers returned.
#[utoipa::path(get, path = "/api/v1/persons/{national_number}", tag = "persons",
    params(
        ("national_number" = String, Path, description = "ten digits"),
        CallerHeaders,
    ),
    responses(
        (status = 200, description = "what the grants show of the person", body = PersonLookup),
        (status = 400, description = "`invalid_national_number`; or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::CALLER_FORBIDDEN, body = ErrorBody),
        (status = 404, description = "`person_not_found`: no person or registry record visible to the entity", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn person(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<AxJson<PersonLookup>, ApiError> {
    let Path(nn) = path?;
    let nn = s.app.national_number(&nn)?;
    blocking(move || match s.app.lookup_person(&caller, &nn)? {
        Some(rec) => Ok(AxJson(rec.into())),
        None => Err(ApiError::not_found(
            "person_not_found",
            "no person or registry record visible to your entity has this national number",
        )),
    })
    .await
}

/// A page of the access report.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// At most this many accesses (1 to 500; 50 when absent).
    limit: Option<u32>,
    /// Skip this many, newest first (0 when absent).
    offset: Option<u32>,
}

/// One access to a person's data.
#[derive(Serialize, ToSchema)]
pub(crate) struct Access {
    /// Unix time in milliseconds.
    at_ms: i64,
    entity: Option<String>,
    entity_name_en: Option<String>,
    entity_name_ar: Option<String>,
    purpose: Option<String>,
    action: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AccessLog {
    national_number: String,
    limit: u32,
    offset: u32,
    /// Newest first.
    accesses: Vec<Access>,
}

/// The citizen access report: who looked at this person, when and why; newest first.
///
/// Data accesses that succeeded, leaving out entities whose accesses are withheld.
#[utoipa::path(get, path = "/api/v1/persons/{national_number}/access-log", tag = "persons",
    params(
        ("national_number" = String, Path, description = "ten digits"),
        Page,
        CallerHeaders,
    ),
    responses(
        (status = 200, description = "a page of the report", body = AccessLog),
        (status = 400, description = "`invalid_national_number`, `invalid_query_string`; or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::CALLER_FORBIDDEN, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn access_log(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<AxJson<AccessLog>, ApiError> {
    let (Path(nn), Query(page)) = (path?, page?);
    let nn = s.app.national_number(&nn)?;
    blocking(move || {
        let r = s.app.access_report(
            &caller,
            &nn,
            page.limit.unwrap_or(50),
            page.offset.unwrap_or(0),
        )?;
        let accesses = r
            .entries
            .into_iter()
            .map(|e| {
                let names = e.entity.as_deref().and_then(|c| s.catalog.entity(c));
                Access {
                    at_ms: e.at_ms,
                    entity_name_en: names.map(|x| x.name_en.clone()),
                    entity_name_ar: names.map(|x| x.name_ar.clone()),
                    entity: e.entity,
                    purpose: e.purpose,
                    action: e.action,
                }
            })
            .collect();
        Ok(AxJson(AccessLog {
            national_number: r.national_number,
            limit: r.limit,
            offset: r.offset,
            accesses,
        }))
    })
    .await
}
