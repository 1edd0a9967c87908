//! HTTP: every route in [`router`], handlers grouped by what they serve.

mod api;
mod assets;
mod body;
mod exports;
mod reports;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

/// Request bodies above this are refused with 413: a full report with long texts is ~100 KB.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Every route of the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(reports::index))
        .route("/reports", post(reports::create))
        .route("/reports/{id}", get(reports::edit).post(reports::save))
        .route("/reports/{id}/export.html", get(exports::html))
        .route("/reports/{id}/export.json", get(exports::json))
        .route("/api/validate", post(api::validate))
        .route("/api/reports/{id}", get(api::report).put(api::replace))
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// GET /healthz: 200 when the database answers.
async fn healthz(axum::extract::State(app): axum::extract::State<AppState>) -> axum::http::StatusCode {
    match app.store.ping().await {
        Ok(()) => axum::http::StatusCode::OK,
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

const BEIJING: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

fn beijing(ts: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(BEIJING)
}

/// 17:03:22, Beijing time (the app's users are all in UTC+8).
pub fn clock(ts: i64) -> String {
    let t = beijing(ts);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// 2026-11-25 17:03, Beijing time.
pub fn datetime(ts: i64) -> String {
    let t = beijing(ts);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Today's year and month in Beijing.
pub fn today() -> (i32, u8) {
    let t = beijing(crate::store::now());
    (t.year(), u8::from(t.month()))
}
