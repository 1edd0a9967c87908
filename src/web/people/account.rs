//! A signed-in user's own account: who they are, changing their password, an API token.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::form::{FieldErrors, hash, respond};
use crate::account::{Password, sign_in_wait, verify_password};
use crate::store::{TOKEN_DAYS, TokenInfo};
use crate::web::auth::{CurrentUser, signed_out};
use crate::web::error::AppError;
use crate::web::{AppState, Chrome, extract};

/// Wrong current passwords are counted over this many seconds and slow down the next try as
/// failed sign-ins do (`account::sign_in_wait`), so that this form is no faster door for
/// guessing. They count apart from sign-ins: someone else failing to sign in as this user
/// does not keep them from changing their password.
const WINDOW: i64 = 15 * 60;
/// Where the failures of this form are recorded, in place of a client address.
const ACCOUNT_PAGE: &str = "account";

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub me: Option<Chrome>,
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub errors: FieldErrors,
    /// A token just issued: shown this once.
    pub token: Option<String>,
    /// The current token, if any: until when it works and when it was last used.
    pub token_state: Option<TokenState>,
    pub token_days: i64,
}

/// The current API token as its owner reads it.
pub struct TokenState {
    pub expires: String,
    pub expired: bool,
    /// When it was last used, or 从未使用.
    pub used: String,
}

impl TokenState {
    fn of(info: TokenInfo, at: i64) -> TokenState {
        TokenState {
            expires: crate::clock::datetime(info.expires_at),
            expired: info.expires_at <= at,
            used: info
                .used_at
                .map_or_else(|| "从未使用".to_string(), crate::clock::datetime),
        }
    }
}

async fn account_page(
    app: &AppState,
    me: &CurrentUser,
    errors: FieldErrors,
    token: Option<String>,
) -> Result<AccountPage, AppError> {
    let chrome = Chrome::of(app, me).await;
    let token_state = app
        .store
        .token_info(me.user.id)
        .await?
        .map(|info| TokenState::of(info, app.store.now()));
    Ok(AccountPage {
        username: me.user.username.clone(),
        name: me.user.display_name.clone(),
        role: me.user.role.label(),
        agency: chrome.agency.clone(),
        me: Some(chrome),
        errors,
        token,
        token_state,
        token_days: TOKEN_DAYS,
    })
}

/// GET /account
pub async fn show(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    respond(
        StatusCode::OK,
        &account_page(&app, &me, FieldErrors::default(), None).await?,
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
    let form = extract::form(&extract::bytes(raw)?);
    let field = |name: &str| extract::field(&form, name).unwrap_or("").to_string();
    let (current, new) = (field("current"), field("new"));
    let username = me.user.username.clone();
    let mut errors = FieldErrors::default();

    let at = app.store.now();
    let failures = app
        .store
        .login_failures(&username, ACCOUNT_PAGE, at - WINDOW)
        .await?;
    if let Some(wait) = sign_in_wait(failures.by_account, failures.last, at) {
        errors.add("current", format!("尝试次数过多，请 {wait} 秒后再试"));
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
            app.store
                .record_login_failure(&username, ACCOUNT_PAGE, app.store.now())
                .await?;
            errors.add("current", "当前密码不正确");
        }
    }
    let repeat = field("repeat");
    let new = match Password::parse(new) {
        Err(problem) => {
            errors.add("new", problem.to_string());
            None
        }
        Ok(new) if new.as_str() != repeat => {
            errors.add("repeat", "两次输入的新密码不一致");
            None
        }
        Ok(new) if new.as_str() == current => {
            errors.add("new", "新密码不能与当前密码相同");
            None
        }
        Ok(new) => Some(new),
    };
    let (Some(new), true) = (new, errors.is_empty()) else {
        let page = account_page(&app, &me, errors, None).await?;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };

    app.store.set_password(me.user.id, &hash(new).await?).await?;
    tracing::info!(user = %username, "password changed");
    Ok(signed_out(&app, &headers))
}

/// POST /account/token: a new API token (the old one stops working), shown once. It works
/// on `/api/*` only, for [`TOKEN_DAYS`] days, and ends when the password changes.
pub async fn issue_token(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    let token = app.store.issue_token(me.user.id).await?;
    tracing::info!(user = %me.user.username, "API token issued");
    respond(
        StatusCode::OK,
        &account_page(&app, &me, FieldErrors::default(), Some(token)).await?,
    )
}
