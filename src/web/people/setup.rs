//! The one-time setup link that creates the first admin of a fresh install (`nianbao serve`
//! prints it).

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{FieldErrors, hash, respond};
use crate::account::{DisplayName, Password, Role, Username, sha256_hex};
use crate::store::StoreError;
use crate::web::error::AppError;
use crate::web::extract::PathParams;
use crate::web::{AppState, Chrome, extract};

#[derive(Template)]
#[template(path = "admin/setup.html")]
pub struct SetupPage {
    pub me: Option<Chrome>,
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub errors: FieldErrors,
}

/// The setup link exists only while no admin does, and only with the token printed at start.
async fn setup_open(app: &AppState, token: &str) -> Result<(), AppError> {
    let expected = app.config.setup_token.as_deref().ok_or(AppError::NotFound)?;
    // Compared as hashes, so that the time taken says nothing about the token.
    if sha256_hex(token.as_bytes()) != sha256_hex(expected.as_bytes()) || app.store.has_admin().await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// GET /setup/{token}
pub async fn setup_page(State(app): State<AppState>, params: PathParams) -> Result<Response, AppError> {
    let token = params.text("token")?.to_string();
    setup_open(&app, &token).await?;
    let page = SetupPage {
        me: None,
        token,
        username: "admin".into(),
        display_name: "管理员".into(),
        errors: FieldErrors::default(),
    };
    respond(StatusCode::OK, &page)
}

/// POST /setup/{token}: creates the first admin, who then signs in.
pub async fn setup(
    State(app): State<AppState>,
    params: PathParams,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let token = params.text("token")?.to_string();
    setup_open(&app, &token).await?;
    let form = extract::form(&extract::bytes(raw)?);
    let field = |name: &str| extract::field(&form, name).unwrap_or("").to_string();
    let password = field("password");
    let mut page = SetupPage {
        me: None,
        token,
        username: field("username").trim().to_string(),
        display_name: field("display_name").trim().to_string(),
        errors: FieldErrors::default(),
    };
    let errors = &mut page.errors;
    let username = errors.check("username", Username::parse(&page.username));
    let display_name = errors.check("display_name", DisplayName::parse(&page.display_name));
    let password = errors.check("password", Password::parse(password));
    if let Some(password) = &password
        && password.as_str() != field("repeat")
    {
        errors.add("repeat", "两次输入的密码不一致");
    }
    if let (Some(username), Some(display_name), Some(password), true) =
        (username, display_name, password, errors.is_empty())
    {
        let hashed = hash(password).await?;
        match app
            .store
            .create_user(&username, &display_name, &hashed, Role::Admin, None)
            .await
        {
            Ok(user) => {
                tracing::info!(user = %user.username, "first admin created through the setup link");
                return Ok(Redirect::to("/login").into_response());
            }
            Err(StoreError::Duplicate) => errors.add("username", "该用户名已被使用"),
            Err(err) => return Err(err.into()),
        }
    }
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
