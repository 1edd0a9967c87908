//! Request bodies read by hand, so that every way a body can be wrong becomes an
//! [`AppError`] with a Chinese message instead of axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;

use crate::error::AppError;

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

/// A urlencoded form as (name, value) pairs in order; repeated names are kept.
pub fn form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// The first value of `name` in a form.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}
