//! HTTP: every route in [`router`], handlers grouped by what they serve.

//!
//! - `report/`: a report's pages, its live check, its review and history;
//! - `home.rs` (a clerk's reports), `desk.rs` (a reviewer's jurisdiction), `region.rs` (its
//!   compiled report), `exports.rs` (downloads and bulk exports), `api.rs` (JSON);
//! - `people/`: signing in, one's account, the admin pages, the first-start setup;
//! - what every handler shares, none of it a handler: `extract.rs` (path and body),
//!   `page.rs` (the frame, rendering), `jurisdiction.rs` (the desk's level and year), `error.rs` (errors as responses), `auth.rs` and
//!   `access.rs` (who may do what), `server.rs` (the HTTP loop).

mod access;
mod api;
mod assets;
pub mod auth;
mod desk;
mod jurisdiction;
pub mod error;
mod exports;
pub mod extract;
mod home;
pub mod page;
mod people;
mod region;
pub mod report;
mod server;

pub use page::Chrome;
pub use report::live;


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

use auth::CurrentUser;
use axum::extract::{Query, State};
use extract::{FormBody, ReportPath};
use report::{corrections, edit, history, import, review, statements};

use crate::report::workflow::Action;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// The live check's cache of what the stored texts lack in the PDF font.
    pub glyphs: Arc<live::StoredGlyphs>,
}

/// Settings of the web app.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session ends after this many seconds without a request.
    pub idle_secs: i64,
    /// Mark cookies `Secure` (the app is served over TLS by a proxy that does not say so).
    pub secure_cookies: bool,
    /// Demo mode: the sign-in page lists the demo accounts.
    pub demo_logins: Option<DemoLogins>,
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

/// The demo accounts as the sign-in page lists them. Given by whoever starts the app in
/// demo mode (`nianbao serve --demo`), so that `web` knows nothing of the demo data.
#[derive(Debug, Clone, Copy)]
pub struct DemoLogins {
    /// The one password of every demo account.
    pub password: &'static str,
    /// (username, role, agency) of each.
    pub accounts: &'static [(&'static str, &'static str, &'static str)],
}

impl Default for Config {
    fn default() -> Config {
        Config {
            idle_secs: 2 * 3600,
            secure_cookies: false,
            demo_logins: None,
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
            glyphs: Default::default(),
        }
    }
}

/// Request bodies above this are refused with 413: a full report with long texts is ~100 KB.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// A roster upload: a province's 50,000 units as CSV are a few megabytes.
pub const ROSTER_LIMIT: usize = 32 * 1024 * 1024;

/// Every route of the app.
pub fn router(state: AppState) -> Router {
    let mut routes = Router::new()
        .route("/", get(home::index))
        .route("/login", get(people::login::page).post(people::login::sign_in))
        .route("/logout", post(people::login::sign_out))
        .route("/setup/{token}", get(people::setup::setup_page).post(people::setup::setup))
        .route("/account", get(people::account::show))
        .route("/account/password", post(people::account::change_password))
        .route("/account/token", post(people::account::issue_token))
        .route("/admin", get(people::admin::index))
        .route("/admin/agencies", post(people::admin::create_agency))
        .route(
            "/admin/agencies/import",
            post(people::admin::import_agencies).layer(DefaultBodyLimit::max(ROSTER_LIMIT)),
        )
        .route("/admin/rules", get(people::rules::show).post(people::rules::save))
        .route("/admin/users", post(people::admin::create_user))
        .route("/admin/users/{id}/password", post(people::admin::reset_password))
        .route("/admin/users/{id}/disabled", post(people::admin::set_disabled))
        .route("/desk", get(desk::page))
        .route(
            "/desk/list.csv",
            get(|app: State<AppState>, me: CurrentUser, q: Query<desk::Params>| desk::download(app, me, q, "csv")),
        )
        .route(
            "/desk/list.xlsx",
            get(|app: State<AppState>, me: CurrentUser, q: Query<desk::Params>| desk::download(app, me, q, "xlsx")),
        )
        .route("/desk/remind", post(desk::remind))
        .route("/desk/region", get(region::page))
        .route("/desk/region/export", get(region::export))
        .route("/desk/region/compile", post(region::save))
        .route("/reports", post(home::create))
        .route(
            "/reports/import",
            get(import::new_form).post(import::new_report).layer(DefaultBodyLimit::max(import::UPLOAD_LIMIT)),
        )
        .route(
            "/reports/{id}/import",
            get(import::form).post(import::into_report).layer(DefaultBodyLimit::max(import::UPLOAD_LIMIT)),
        )
        .route("/reports/{id}/confirm", post(import::confirm))
        .route("/reports/{id}/nil", post(statements::state))
        .route("/reports/{id}/corrections", post(corrections::set))
        .route("/reports/{id}/corrections/apply", post(corrections::apply))
        .route("/reports/{id}", get(edit::edit).post(edit::save))
        .route("/reports/{id}/check", post(live::check))
        .route(
            "/reports/{id}/submit",
            get(review::submit_page).post(review::submit),
        )
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
        .route("/healthz", get(healthz));
    // POST /reports/{id}/return, …/approve, …/reopen, …/publish: one handler, the slug names the step.
    for action in [Action::Return, Action::Approve, Action::Reopen, Action::Publish] {
        routes = routes.route(
            &format!("/reports/{{id}}/{}", action.slug()),
            post(
                move |app: State<AppState>, me: CurrentUser, id: ReportPath, form: FormBody| {
                    review::step(app, me, id, action, form)
                },
            ),
        );
    }
    routes
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
