//! Downloads of a stored report.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::access::report_for;
use super::auth::CurrentUser;
use super::reports::report_id;
use crate::error::AppError;
use crate::export;
use crate::report::interchange;
use crate::report::status::Status;

/// GET /reports/{id}/export.html
pub async fn html(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let stored = report_for(&app, &me.user, report_id(&id)?).await?.stored;
    let draft = !matches!(stored.status, Status::Approved | Status::Published);
    Ok(Html(export::html::render(&stored.report, draft)?))
}

/// GET /reports/{id}/export.json
pub async fn json(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let stored = report_for(&app, &me.user, report_id(&id)?).await?.stored;
    let body =
        serde_json::to_string_pretty(&interchange::to_json(&stored.report)).map_err(anyhow::Error::from)?;
    let filename = format!("report-{}-{}.json", stored.id, stored.report.year);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
