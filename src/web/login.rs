//! Signing in and out. A save that arrives after the session expired is carried through the
//! sign-in form and applied once the clerk is back: nothing typed is lost.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, Visitor, client_address, cookie, is_tls, set_cookie};
use super::{AppState, body};
use crate::account::{decoy_hash, random_token, sign_in_wait, verify_password};
use crate::web::error::AppError;

/// Failed sign-ins allowed from one client address, whatever the names, in [`WINDOW`]
/// seconds. Per account, failures slow down the next try from the same address
/// (`account::sign_in_wait`) but never lock the account.
const PER_ADDRESS: i64 = 20;
const WINDOW: i64 = 15 * 60;
const BAD_LOGIN: &str = "用户名或密码不正确";

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub me: Option<super::Chrome>,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub error: String,
    pub notice: String,
    /// A save to apply after signing in: where it went and the form as sent.
    pub replay_path: String,
    pub replay_body: String,
    pub demo: Vec<(&'static str, &'static str, &'static str)>,
    pub demo_password: &'static str,
}

impl LoginPage {
    fn new(app: &AppState, csrf: String) -> LoginPage {
        let demo = if app.config.demo {
            crate::demo::LOGINS.to_vec()
        } else {
            Vec::new()
        };
        LoginPage {
            me: None,
            csrf,
            next: "/".into(),
            username: String::new(),
            error: String::new(),
            notice: String::new(),
            replay_path: String::new(),
            replay_body: String::new(),
            demo,
            demo_password: crate::demo::PASSWORD,
        }
    }

    /// The page with its double-submit cookie.
    fn respond(self, app: &AppState, headers: &HeaderMap, status: StatusCode) -> Response {
        let cookie = set_cookie(LOGIN_CSRF_COOKIE, &self.csrf, None, is_tls(app, headers));
        match self.render() {
            Ok(html) => (status, [(header::SET_COOKIE, cookie)], Html(html)).into_response(),
            Err(err) => AppError::Internal(err.into()).into_response(),
        }
    }
}

/// The token of the sign-in form: the browser's, or a fresh one.
fn login_csrf(headers: &HeaderMap) -> String {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 64)
        .map_or_else(random_token, str::to_string)
}

/// Where to go after signing in: a path of this site, else `/`. It must parse as a URI
/// path with no scheme and no authority, and hold no whitespace or control character at
/// all: browsers drop tabs and newlines from a URL (`/\t/evil.example` is followed as
/// `//evil.example`) and read `\` as `/`, and a control character cannot go into the
/// `Location` header.
fn local_path(next: &str) -> String {
    let clean = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let parsed = clean
        .then(|| next.parse::<axum::http::Uri>().ok())
        .flatten()
        .filter(|uri| uri.scheme().is_none() && uri.authority().is_none())
        .filter(|uri| uri.path().starts_with('/') && !uri.path().starts_with("//"));
    match parsed {
        Some(_) => next.to_string(),
        None => "/".to_string(),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub async fn page(State(app): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let mut page = LoginPage::new(&app, login_csrf(&headers));
    page.next = local_path(q.next.as_deref().unwrap_or("/"));
    page.respond(&app, &headers, StatusCode::OK)
}

/// The sign-in page instead of a save whose session is gone, carrying the save along.
pub fn expired(app: &AppState, headers: &HeaderMap, path: &str, form: &[u8]) -> Response {
    let mut page = LoginPage::new(app, login_csrf(headers));
    page.next = local_path(path);
    page.notice = "登录已超时。请重新登录：您填写的内容会在登录后保存。".into();
    page.replay_path = local_path(path);
    page.replay_body = String::from_utf8_lossy(form).into_owned();
    page.respond(app, headers, StatusCode::UNAUTHORIZED)
}

/// POST /login
pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    connect: Option<axum::Extension<ConnectInfo<std::net::SocketAddr>>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let form = body::form(&body::bytes(raw)?);
    let field = |name: &str| body::field(&form, name).unwrap_or("").to_string();
    let mut page = LoginPage::new(&app, login_csrf(&headers));
    page.next = local_path(&field("next"));
    page.username = field("username").trim().to_string();
    page.replay_path = field("replay_path");
    page.replay_body = field("replay_body");
    if !page.replay_path.is_empty() {
        page.notice = "登录已超时。请重新登录：您填写的内容会在登录后保存。".into();
    }

    // The form's token must be the one in this browser's cookie.
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(field("csrf").as_str()) {
        page.error = "登录页面已过期，请重试".into();
        return Ok(page.respond(&app, &headers, StatusCode::FORBIDDEN));
    }
    let peer = connect.map(|c| c.0.0.ip());
    let address = client_address(&app.config, &headers, peer).unwrap_or_else(|| "unknown".into());
    let at = app.store.now();
    let failures = app
        .store
        .login_failures(&page.username, &address, at - WINDOW)
        .await?;
    if failures.by_address >= PER_ADDRESS {
        page.error = "此地址登录失败次数过多，请 15 分钟后再试".into();
        return Ok(page.respond(&app, &headers, StatusCode::TOO_MANY_REQUESTS));
    }
    // Not even checked while the wait lasts: guessing gets no faster by asking more often.
    if let Some(wait) = sign_in_wait(failures.by_account, failures.last, at) {
        page.error = format!("登录失败次数较多，请 {wait} 秒后再试");
        return Ok(page.respond(&app, &headers, StatusCode::TOO_MANY_REQUESTS));
    }
    let password = field("password");
    let found = app.store.user_for_login(&page.username).await?;
    // Verify against a decoy when the user is unknown: both cases take the same time.
    let hash = found
        .as_ref()
        .map_or(decoy_hash(), |(_, h)| h.as_str())
        .to_string();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match found {
        Some((user, _)) if verified => user,
        _ => {
            app.store
                .record_login_failure(&page.username, &address, app.store.now())
                .await?;
            page.error = BAD_LOGIN.into();
            return Ok(page.respond(&app, &headers, StatusCode::UNAUTHORIZED));
        }
    };
    app.store.clear_login_failures(&user.username, &address).await?;
    // A new session id at every sign-in; an old one in this browser ends.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        app.store.end_session(old).await?;
    }
    let token = app.store.start_session(user.id).await?;
    tracing::info!(user = %user.username, "signed in");

    if let Some(id) = page
        .replay_path
        .strip_prefix("/reports/")
        .and_then(|id| id.parse().ok())
    {
        let replayed = body::form(page.replay_body.as_bytes());
        if let Err(err) = super::reports::save_as(&app, &user, id, &replayed).await {
            tracing::warn!(error = %err, "could not apply the save carried through sign-in");
        }
    }
    let secure = is_tls(&app, &headers);
    // Two cookies: appended (a plain header array inserts, keeping only the last).
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, None, secure),
            ),
            (
                header::SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), secure),
            ),
        ]),
        Redirect::to(&page.next),
    )
        .into_response())
}

/// POST /logout
pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    visitor: Option<axum::Extension<Visitor>>,
) -> Result<Response, AppError> {
    if let Some(axum::Extension(Visitor::Session { token, .. })) = visitor {
        app.store.end_session(&token).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), is_tls(&app, &headers)),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}
