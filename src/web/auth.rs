//! Who is asking, and the protections every request passes: sessions (a random cookie whose
//! hash is kept in the database), API tokens, CSRF, the Origin check and security headers.

use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http_body_util::BodyExt;

use super::AppState;
use crate::account::User;
use crate::web::error::{ApiError, AppError};

pub const SESSION_COOKIE: &str = "nianbao_session";
/// Double-submit token for the sign-in form, before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "nianbao_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

/// Who sent the request, as `guard` found out.
#[derive(Debug, Clone)]
pub enum Visitor {
    Anonymous,
    /// Signed in through the browser: the session cookie and its CSRF token.
    Session {
        user: User,
        token: String,
        csrf: String,
    },
    /// An API client with a bearer token.
    Token {
        user: User,
    },
}

/// A signed-in user. Handlers that take it are closed to anonymous visitors.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session's CSRF token, for forms (none for API tokens).
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Visitor>() {
            Some(Visitor::Session { user, csrf, .. }) => Ok(CurrentUser {
                user: user.clone(),
                csrf: csrf.clone(),
            }),
            Some(Visitor::Token { user }) => Ok(CurrentUser {
                user: user.clone(),
                csrf: String::new(),
            }),
            _ => Err(sign_in_first(parts)),
        }
    }
}

/// The answer to an anonymous visitor: the sign-in page for a page, 401 for the API and htmx.
fn sign_in_first(parts: &Parts) -> Response {
    let path = parts.uri.path();
    if path.starts_with("/api/") {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(
                serde_json::json!({ "error": "请先登录，或在请求头中提供 Authorization: Bearer <令牌>" }),
            ),
        )
            .into_response();
    }
    if parts.method == Method::GET {
        let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let url = format!(
            "/login?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        return Redirect::to(&url).into_response();
    }
    AppError::Unauthenticated.into_response()
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure over TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static(""))
}

/// The answer once a session has ended (signed out, or a new password): the cookie
/// cleared, and on to the sign-in page.
pub fn signed_out(app: &AppState, headers: &HeaderMap) -> Response {
    (
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), is_tls(app, headers)),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

/// The client's address: the peer of the connection, or, when the peer is a trusted proxy,
/// the last hop of `X-Forwarded-For` (the one that proxy added; earlier hops are whatever
/// the client sent). IPv6 clients count by their /64, which one client usually holds whole.
pub fn client_address(config: &super::Config, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<String> {
    let peer = peer.map(|p| p.to_canonical())?;
    let forwarded = || {
        let last = headers.get_all("x-forwarded-for").iter().next_back()?;
        last.to_str()
            .ok()?
            .rsplit(',')
            .next()?
            .trim()
            .parse::<IpAddr>()
            .ok()
    };
    let client = if config.trusted_proxies.iter().any(|p| p.to_canonical() == peer) {
        forwarded().map_or(peer, |c| c.to_canonical())
    } else {
        peer
    };
    Some(match client {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V4(v4) => v4.to_string(),
    })
}

/// Whether the request came over TLS (directly configured, or said so by the proxy).
pub fn is_tls(app: &AppState, headers: &HeaderMap) -> bool {
    app.config.secure_cookies
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

/// Runs before every handler: finds the visitor, refuses cross-site and CSRF-less state
/// changes, and adds the security headers to every answer.
pub async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = match check(&app, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    };
    let h = response.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Whether `path` is the JSON API's: only there does a token count, and every refusal there
/// is JSON.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// A refusal in the form its asker reads: `{"error": …}` on the API, else the error page
/// (whose `<h1>` the page's script shows for htmx requests).
pub fn refusal(path: &str, err: AppError) -> Response {
    if is_api(path) {
        ApiError(err).into_response()
    } else {
        err.into_response()
    }
}

async fn check(app: &AppState, mut request: Request) -> Result<Request, Response> {
    let path = request.uri().path().to_string();
    let visitor = visitor(app, &path, request.headers())
        .await
        .map_err(|err| refusal(&path, err))?;
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !matches!(visitor, Visitor::Token { .. }) {
        if cross_site(request.headers()) {
            return Err(refusal(&path, AppError::CsrfRejected("跨站请求已被拒绝")));
        }
        if let Visitor::Session { csrf, .. } = &visitor {
            let (ok, rebuilt) = carries_token(request, csrf)
                .await
                .map_err(|err| refusal(&path, err))?;
            request = rebuilt;
            if !ok {
                return Err(refusal(
                    &path,
                    AppError::CsrfRejected("页面已过期或请求来源无法验证，请刷新页面后重试"),
                ));
            }
        }
    }
    request.extensions_mut().insert(visitor);
    Ok(request)
}

/// The bearer token of a request, if it carries one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Who is asking. A lookup that fails is an outage, said as such: never "signed out",
/// which would send a clerk to the sign-in page with their typing in the air.
async fn visitor(app: &AppState, path: &str, headers: &HeaderMap) -> Result<Visitor, AppError> {
    // A token opens the API only; on the pages it is as if absent, so that a leaked token
    // cannot create users or reset passwords, and CSRF protection holds there.
    if is_api(path)
        && let Some(token) = bearer(headers)
    {
        return match app.store.user_by_token(token).await {
            Ok(Some(user)) => Ok(Visitor::Token { user }),
            Ok(None) => Ok(Visitor::Anonymous),
            Err(err) => {
                tracing::warn!(error = %err, "token lookup failed");
                Err(AppError::Unavailable)
            }
        };
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Visitor::Anonymous);
    };
    match app.store.session(token, app.config.idle_secs).await {
        Ok(Some(session)) => Ok(Visitor::Session {
            user: session.user,
            token: token.to_string(),
            csrf: session.csrf,
        }),
        Ok(None) => Ok(Visitor::Anonymous),
        Err(err) => {
            tracing::warn!(error = %err, "session lookup failed");
            Err(AppError::Unavailable)
        }
    }
}

/// A browser says where a request comes from: refuse other sites.
fn cross_site(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    origin != "null" && origin_host != host
}

/// Whether the request carries the session's CSRF token, in the header (htmx) or in the
/// form. Reading the form consumes the body, so the request is rebuilt from the bytes.
async fn carries_token(request: Request, csrf: &str) -> Result<(bool, Request), AppError> {
    if request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) == Some(csrf) {
        return Ok((true, request));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        // A file upload (multipart) cannot be read here without buffering the file: its
        // form carries the token in its action's query instead.
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let in_query = request
            .uri()
            .query()
            .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == CSRF_FIELD && v == csrf));
        return Ok((multipart && in_query, request));
    }
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, super::BODY_LIMIT);
    let bytes = match limited.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => return Err(body_error(err.as_ref())),
    };
    let ok = form_urlencoded::parse(&bytes).any(|(k, v)| k == CSRF_FIELD && v == csrf);
    Ok((ok, Request::from_parts(parts, Body::from(bytes))))
}

/// Why a body could not be read: too large, too slow, or broken off.
fn body_error(err: &(dyn std::error::Error + 'static)) -> AppError {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<http_body_util::LengthLimitError>() {
            return AppError::TooLarge;
        }
        if err.is::<tower_http::timeout::TimeoutError>() {
            return AppError::Timeout;
        }
        cause = err.source();
    }
    AppError::BadRequest("无法读取请求内容".into())
}
