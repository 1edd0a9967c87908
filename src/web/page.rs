//! The page frame every page is drawn in, and how a page becomes a response.

use askama::Template;
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};

use super::error::AppError;
use super::{AppState, auth};
use crate::account::{Role, User};

/// The page frame's view of the signed-in user.
pub struct Chrome {
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub csrf: String,
    pub admin: bool,
}

impl Chrome {
    pub async fn of(app: &AppState, me: &auth::CurrentUser) -> Chrome {
        let agency = match me.user.agency_id {
            Some(id) => app.store.agency(id).await.map(|a| a.name).unwrap_or_default(),
            None => String::new(),
        };
        Chrome::with_agency(&me.user, &me.csrf, agency)
    }

    pub fn with_agency(user: &User, csrf: &str, agency: String) -> Chrome {
        Chrome {
            name: user.display_name.clone(),
            role: user.role.label(),
            agency,
            csrf: csrf.to_string(),
            admin: user.role == Role::Admin,
        }
    }
}

/// A page or fragment rendered as the response; a template that fails to render is logged
/// and answered as [`AppError::Internal`], never with the error's text.
pub struct HtmlPage<T>(pub T);

impl<T: Template> IntoResponse for HtmlPage<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => Html(html).into_response(),
            Err(err) => AppError::Internal(err.into()).into_response(),
        }
    }
}

/// `Content-Disposition` with the Chinese file name (RFC 5987) and an ASCII fallback.
pub fn attachment(name: &str, fallback: &str) -> HeaderValue {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

