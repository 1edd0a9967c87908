//! GET /static/{file}: the stylesheet and scripts, built into the binary so that it runs
//! from anywhere with nothing beside it.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::extract::PathParams;
use crate::web::error::AppError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/htmx.min.js"),
    ),
    // A real report as an interchange document, for API users to start from.
    (
        "sample-report.json",
        "application/json; charset=utf-8",
        include_str!("../../data/2023-pingdingshan-kejiju.json"),
    ),
];

/// GET /static/{file}
pub async fn serve(params: PathParams) -> Result<Response, AppError> {
    let file = params.text("file")?;
    let (_, mime, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        *body,
    )
        .into_response())
}
