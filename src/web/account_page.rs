//! A signed-in user's own account: who they are, changing their password, an API token.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::admin::{Errors, hash, respond};
use super::auth::{CurrentUser, SESSION_COOKIE, is_tls, set_cookie};
use super::{AppState, Chrome, body};
use crate::account::{password_problem, verify_password};
use crate::error::AppError;
use crate::store::now;

/// Wrong current passwords allowed in [`WINDOW`] seconds. They count with failed sign-ins
/// of the same account, so that this form is no second door for guessing.
const ATTEMPTS: i64 = 5;
const WINDOW: i64 = 15 * 60;

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub me: Option<Chrome>,
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub errors: Errors,
    /// A token just issued: shown this once.
    pub token: Option<String>,
}

async fn account_page(
    app: &AppState,
    me: &CurrentUser,
    errors: Errors,
    token: Option<String>,
) -> AccountPage {
    let chrome = Chrome::of(app, me).await;
    AccountPage {
        username: me.user.username.clone(),
        name: me.user.display_name.clone(),
        role: me.user.role.label(),
        agency: chrome.agency.clone(),
        me: Some(chrome),
        errors,
        token,
    }
}

/// GET /account
pub async fn show(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    respond(
        StatusCode::OK,
        &account_page(&app, &me, Errors::default(), None).await,
    )
}

/// POST /account/password: the current password, then the new one twice. Every session of
/// the user ends, this one too, so they sign in again with the new password.
pub async fn change_password(
    State(app): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let form = body::form(&body::bytes(raw)?);
    let field = |name: &str| body::field(&form, name).unwrap_or("").to_string();
    let (current, new) = (field("current"), field("new"));
    let username = me.user.username.clone();
    let mut errors = Errors::default();

    let (failures, _) = app.store.login_failures(&username, "", now() - WINDOW).await?;
    if failures >= ATTEMPTS {
        errors.add("current", "尝试次数过多，请 15 分钟后再试");
    } else {
        let (_, stored) = app
            .store
            .user_for_login(&username)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let typed = current.clone();
        let verified = tokio::task::spawn_blocking(move || verify_password(&typed, &stored))
            .await
            .unwrap_or(false);
        if !verified {
            app.store.record_login_failure(&username, "account").await?;
            errors.add("current", "当前密码不正确");
        }
    }
    if let Some(message) = password_problem(&new) {
        errors.add("new", message);
    } else if new != field("repeat") {
        errors.add("repeat", "两次输入的新密码不一致");
    } else if new == current {
        errors.add("new", "新密码不能与当前密码相同");
    }
    if !errors.is_empty() {
        let page = account_page(&app, &me, errors, None).await;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }

    app.store.set_password(me.user.id, &hash(new).await?).await?;
    tracing::info!(user = %username, "password changed");
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), is_tls(&app, &headers)),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

/// POST /account/token: a new API token (the old one stops working), shown once.
pub async fn issue_token(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    let token = app.store.issue_token(me.user.id).await?;
    tracing::info!(user = %me.user.username, "API token issued");
    respond(
        StatusCode::OK,
        &account_page(&app, &me, Errors::default(), Some(token)).await,
    )
}
