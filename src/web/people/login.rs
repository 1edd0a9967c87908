//! Signing in and out. A save that arrives after the session expired is carried through the
//! sign-in form and applied once the clerk is back: nothing typed is lost.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::account::{decoy_hash, sign_in_wait, verify_password};
use crate::web::auth::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, Visitor, client_address, cookie, is_tls, set_cookie, signed_out,
};
use super::signin::{LoginPage, local_path, login_csrf};
use crate::web::error::AppError;
use crate::web::{AppState, extract};

/// Failed sign-ins allowed from one client address, whatever the names, in [`WINDOW`]
/// seconds. Per account, failures slow down the next try from the same address
/// (`account::sign_in_wait`) but never lock the account.
const PER_ADDRESS: i64 = 20;
const WINDOW: i64 = 15 * 60;
const BAD_LOGIN: &str = "用户名或密码不正确";

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

/// POST /login
pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    connect: Option<axum::Extension<ConnectInfo<std::net::SocketAddr>>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let form = extract::form(&extract::bytes(raw)?);
    let field = |name: &str| extract::field(&form, name).unwrap_or("").to_string();
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
        let replayed = extract::form(page.replay_body.as_bytes());
        if let Err(err) = crate::web::report::form::save_as(&app, &user, id, &replayed).await {
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
    Ok(signed_out(&app, &headers))
}
