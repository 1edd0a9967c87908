//! HTTP: every route in [`router`], handlers grouped by what they serve.

mod access;
mod account_page;
mod admin;
mod api;
mod assets;
pub mod auth;
mod body;
pub mod error;
mod exports;
mod history;
mod home;
pub mod live;
mod login;
mod page;
mod reports;
mod review;
mod server;

pub use page::Chrome;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::TraceLayer;

pub use server::serve;

use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
}

/// Settings of the web app.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session ends after this many seconds without a request.
    pub idle_secs: i64,
    /// Mark cookies `Secure` (the app is served over TLS by a proxy that does not say so).
    pub secure_cookies: bool,
    /// Demo mode: the sign-in page lists the demo accounts.
    pub demo: bool,
    /// The one-time link that creates the first admin, while there is none.
    pub setup_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client. From anyone else the
    /// header is ignored: the client is the peer of the connection.
    pub trusted_proxies: Vec<IpAddr>,
    /// A connection waiting for a request's header, the first or the next one on a kept-alive
    /// connection, is closed after this long: a slow or idle client holds nothing for longer.
    pub header_timeout: Duration,
    /// The whole body of a request must arrive within this (2 MB takes seconds on any link).
    pub body_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            idle_secs: 2 * 3600,
            secure_cookies: false,
            demo: false,
            setup_token: None,
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState::with_config(store, Config::default())
    }

    pub fn with_config(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
        }
    }
}

/// Request bodies above this are refused with 413: a full report with long texts is ~100 KB.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Every route of the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::index))
        .route("/login", get(login::page).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route("/setup/{token}", get(admin::setup_page).post(admin::setup))
        .route("/account", get(account_page::show))
        .route("/account/password", post(account_page::change_password))
        .route("/account/token", post(account_page::issue_token))
        .route("/admin", get(admin::index))
        .route("/admin/agencies", post(admin::create_agency))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/admin/users/{id}/disabled", post(admin::set_disabled))
        .route("/reports", post(home::create))
        .route("/reports/{id}", get(reports::edit).post(reports::save))
        .route("/reports/{id}/check", post(live::check))
        .route(
            "/reports/{id}/submit",
            get(review::submit_page).post(review::submit),
        )
        .route("/reports/{id}/return", post(review::send_back))
        .route("/reports/{id}/approve", post(review::approve))
        .route("/reports/{id}/reopen", post(review::reopen))
        .route("/reports/{id}/publish", post(review::publish))
        .route("/reports/{id}/comments", post(review::comment))
        .route("/reports/{id}/comments/{comment}/answer", post(review::answer))
        .route("/reports/{id}/history", get(history::changes))
        .route("/reports/{id}/versions/{v}", get(history::version))
        .route("/reports/{id}/versions/{v}/restore", post(history::restore))
        // export.pdf, export.docx, export.xlsx, export.html, export.json
        .route("/reports/{id}/{file}", get(exports::download_report))
        .route("/exports", post(exports::start))
        .route("/exports/{id}", get(exports::progress))
        .route("/exports/{id}/download", get(exports::download))
        .route("/api/validate", post(api::validate))
        .route("/api/reports/{id}", get(api::report).put(api::replace))
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), auth::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyDeadlineLayer::new(state.config.body_timeout))
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

async fn not_found(uri: Uri) -> Response {
    auth::refusal(uri.path(), crate::web::error::AppError::NotFound)
}

async fn method_not_allowed(uri: Uri) -> Response {
    auth::refusal(uri.path(), crate::web::error::AppError::MethodNotAllowed)
}
