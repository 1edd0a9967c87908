//! The sign-in page, as the sign-in handlers show it and as any save shows it when its
//! session is gone (carrying the save along: nothing typed is lost).

use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::account::random_token;
use crate::web::auth::{LOGIN_CSRF_COOKIE, cookie, is_tls, set_cookie};
use crate::web::error::AppError;
use crate::web::{AppState, Chrome};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub me: Option<Chrome>,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub error: String,
    pub notice: String,
    /// A save to apply after signing in: where it went and the form as sent.
    pub replay_path: String,
    pub replay_body: String,
    /// The demo accounts, in demo mode: (username, role, agency).
    pub demo: &'static [(&'static str, &'static str, &'static str)],
    pub demo_password: &'static str,
}

impl LoginPage {
    pub(super) fn new(app: &AppState, csrf: String) -> LoginPage {
        let demo = app.config.demo_logins.as_ref();
        LoginPage {
            me: None,
            csrf,
            next: "/".into(),
            username: String::new(),
            error: String::new(),
            notice: String::new(),
            replay_path: String::new(),
            replay_body: String::new(),
            demo: demo.map_or(&[], |d| d.accounts),
            demo_password: demo.map_or("", |d| d.password),
        }
    }

    /// The page with its double-submit cookie.
    pub(super) fn respond(self, app: &AppState, headers: &HeaderMap, status: StatusCode) -> Response {
        let cookie = set_cookie(LOGIN_CSRF_COOKIE, &self.csrf, None, is_tls(app, headers));
        match self.render() {
            Ok(html) => (status, [(header::SET_COOKIE, cookie)], Html(html)).into_response(),
            Err(err) => AppError::Internal(err.into()).into_response(),
        }
    }
}

/// The token of the sign-in form: the browser's, or a fresh one.
pub(super) fn login_csrf(headers: &HeaderMap) -> String {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 64)
        .map_or_else(random_token, str::to_string)
}

/// Where to go after signing in: a path of this site, else `/`. It must parse as a URI
/// path with no scheme and no authority, and hold no whitespace or control character at
/// all: browsers drop tabs and newlines from a URL (`/\t/evil.example` is followed as
/// `//evil.example`) and read `\` as `/`, and a control character cannot go into the
/// `Location` header.
pub(super) fn local_path(next: &str) -> String {
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

/// The sign-in page instead of a save whose session is gone, carrying the save along.
pub fn expired(app: &AppState, headers: &HeaderMap, path: &str, form: &[u8]) -> Response {
    let mut page = LoginPage::new(app, login_csrf(headers));
    page.next = local_path(path);
    page.notice = "登录已超时。请重新登录：您填写的内容会在登录后保存。".into();
    page.replay_path = local_path(path);
    page.replay_body = String::from_utf8_lossy(form).into_owned();
    page.respond(app, headers, StatusCode::UNAUTHORIZED)
}
