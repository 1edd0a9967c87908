//! What the people pages' forms share: problems by field, choices, rendering, hashing.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::account::{Password, hash_password};
use crate::web::error::AppError;

/// Problems of a form, by field; the first one found for a field is the one shown.
#[derive(Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parsed value, or `None` with its problem noted beside `field`.
    pub fn check<T, E: ToString>(&mut self, field: &'static str, parsed: Result<T, E>) -> Option<T> {
        parsed
            .map_err(|problem| self.add(field, problem.to_string()))
            .ok()
    }
}

/// One `<option>` or radio button.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Choice {
        let value = value.into();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// Renders a page with a status; templates fail only on a bug, which is then a 500.
pub fn respond(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

/// Hashes off the async workers: argon2 is slow on purpose.
pub async fn hash(password: Password) -> Result<String, AppError> {
    let hashed = tokio::task::spawn_blocking(move || hash_password(password.as_str()))
        .await
        .map_err(anyhow::Error::from)??;
    Ok(hashed)
}
