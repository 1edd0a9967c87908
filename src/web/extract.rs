//! What handlers take from a request, read so that every way it can be wrong becomes an
//! [`AppError`] with a Chinese message instead of axum's plain-text rejection. Handlers use
//! these, not axum's `Path` and `Form` (`clippy.toml` says so).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use axum::response::Response;

use super::auth::refusal;
use super::error::AppError;
use crate::account::ReportId;
use crate::report::clean::clean;

/// The raw body, or 413 / 400 as an [`AppError`].
pub fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest("无法读取请求内容".into())
        }
    })
}

/// A urlencoded form as (name, value) pairs in order; repeated names are kept. Every
/// handler reads its form here, so characters no field keeps (NUL, other controls: see
/// `report::clean`) never reach a handler, a page or the database.
pub fn form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (clean(&k).into_owned(), clean(&v).into_owned()))
        .collect()
}

/// The first value of `name` in a form.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The numbers sent as `name` (a field repeated, as checkboxes send it), each once, in order.
pub fn ids(form: &[(String, String)], name: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A posted urlencoded form, decoded and cleaned ([`form`]), with the body it came in
/// (a save whose session expired carries the body through sign-in).
pub struct FormBody {
    pub pairs: Vec<(String, String)>,
    pub bytes: Bytes,
}

impl FormBody {
    /// The first value of `name`, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        field(&self.pairs, name)
    }

    /// The first value of `name`, trimmed; empty when not sent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_string()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = bytes(Bytes::from_request(req, state).await)?;
        Ok(FormBody {
            pairs: form(&bytes),
            bytes,
        })
    }
}

/// The report named by a route's `{id}`; a path that names none is 404.
#[derive(Debug, Clone, Copy)]
pub struct ReportPath(pub ReportId);

impl<S: Send + Sync> FromRequestParts<S> for ReportPath {
    /// A page, or `{"error": …}` under `/api`.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = PathParams::from_request_parts(parts, state).await?;
        params
            .number("id")
            .map(ReportPath)
            .map_err(|err| refusal(parts.uri.path(), err))
    }
}

/// A route's path parameters by name; a missing or malformed one is 404.
pub struct PathParams(HashMap<String, String>);

impl PathParams {
    /// The parameter `name` as a number (an id, a version).
    pub fn number(&self, name: &str) -> Result<i64, AppError> {
        self.0
            .get(name)
            .and_then(|raw| raw.parse().ok())
            .ok_or(AppError::NotFound)
    }

    /// The parameter `name` as sent.
    pub fn text(&self, name: &str) -> Result<&str, AppError> {
        self.0.get(name).map(String::as_str).ok_or(AppError::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    /// A page, or `{"error": …}` under `/api`.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        #[allow(clippy::disallowed_types)] // the one place axum's own extractor is used
        let params = axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| refusal(parts.uri.path(), AppError::NotFound))?;
        Ok(PathParams(params.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_arrive_without_characters_no_field_keeps() {
        let got = form(b"username=ad%00min&body=%E4%B8%80%0B%E4%BA%8C%0D%0A%E4%B8%89%01&n%00ame=x");
        let want = [("username", "admin"), ("body", "一\n二\n三"), ("name", "x")];
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
    }
}
