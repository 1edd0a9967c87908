//! The JSON API: validate a document, read and replace a stored report.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::access::report_for;
use super::auth::CurrentUser;
use super::extract::ReportPath;
use super::{AppState, extract};
use crate::web::error::{ApiError, AppError};
use crate::report::interchange::Refused;
use crate::report::validate::Violations;
use crate::report::{self, Report, interchange};
use crate::store::Author;

/// Reads an interchange document from a request body: 400 if it is not JSON, 422 if it is
/// JSON but not a report, 413 if it is too large.
fn document(raw: Result<Bytes, BytesRejection>) -> Result<Report, AppError> {
    interchange::from_json(&extract::bytes(raw)?).map_err(|e| match e {
        Refused::Malformed(msg) => AppError::BadRequest(msg),
        Refused::Invalid(msg) => AppError::Unprocessable(msg),
    })
}

/// POST /api/validate: the violations object of one interchange document.
pub async fn validate(raw: Result<Bytes, BytesRejection>) -> Result<Json<Violations>, ApiError> {
    let report = document(raw)?;
    let violations = report::validate(&report, None);
    Ok(Json(Violations::new(report.format(), &violations)))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// GET /api/reports/{id}: the stored report as interchange JSON; its ETag is its version.
pub async fn report(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
) -> Result<Response, ApiError> {
    let stored = report_for(&app, &me.user, id).await?.stored;
    Ok((
        [(header::ETAG, etag(stored.version))],
        Json(interchange::to_json(&stored.report)),
    )
        .into_response())
}

/// PUT /api/reports/{id}: replaces the content, if `If-Match` names the stored version.
pub async fn replace(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let expected: i64 = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or(AppError::VersionRequired)?;
    let report = document(raw)?;
    let stored = report_for(&app, &me.user, id).await?.edit()?.stored;
    let same = (&stored.report.agency, stored.report.year, stored.report.version);
    if same != (&report.agency, report.year, report.version) {
        return Err(AppError::Unprocessable(format!(
            "此报告是{}{}年度报告（{}年格式），提交的文档是{}{}年度（{}年格式）",
            stored.report.agency,
            stored.report.year,
            stored.report.version,
            report.agency,
            report.year,
            report.version
        ))
        .into());
    }
    let version = app
        .store
        .replace(id, expected, &report, Author::user(&me.user))
        .await?;
    let stored = app.store.report(id).await?;
    let violations = app.store.findings(&stored).await?;
    let body = json!({
        "version": version,
        "violations": Violations::new(report.format(), &violations).violations,
    });
    Ok(([(header::ETAG, etag(version))], Json(body)).into_response())
}
