//! What a handler can fail with, mapped to responses in one place. Wrong input in a form
//! is not here: it is a violation shown beside the field. `Display` is the Chinese text
//! the user sees; internal details are logged, never shown.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::report::status::Status;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("找不到该页面或报告")]
    NotFound,
    #[error("您没有权限进行此操作")]
    Forbidden,
    /// A request from another site, or a form whose CSRF token does not verify.
    #[error("{0}")]
    CsrfRejected(&'static str),
    #[error("请先登录")]
    Unauthenticated,
    #[error("此地址不支持该请求方法")]
    MethodNotAllowed,
    /// The request cannot be read at all (malformed JSON or form).
    #[error("{0}")]
    BadRequest(String),
    /// The request reads but is refused (an unknown cell id, a value of the wrong type).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    /// The report is not open for changes.
    #[error("报告{}，不能再修改", .0.label())]
    Locked(Status),
    /// A stale version on the API (If-Match did not match).
    #[error("报告已被他人修改（当前版本 {current}），请重新获取后再提交")]
    Stale { current: i64 },
    #[error("请求缺少 If-Match 版本号：请先 GET 报告，再带上其 ETag 提交")]
    VersionRequired,
    #[error("提交的内容过大")]
    TooLarge,
    /// The request was not sent in time (a body that stalls).
    #[error("请求超时，请重试")]
    Timeout,
    /// The database cannot be reached. Said as it is: not as "signed out", not as a bug.
    #[error("服务暂时不可用，正在重试")]
    Unavailable,
    #[error("系统出错，请稍后重试")]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Stale { current } => AppError::Stale { current },
            StoreError::Locked(status) => AppError::Locked(status),
            StoreError::Duplicate => AppError::Conflict("该名称或年度的记录已存在".into()),
            StoreError::Refused(message) => AppError::Unprocessable(message),
            StoreError::Database(err) if is_outage(&err) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            StoreError::Database(err) => AppError::Internal(err.into()),
        }
    }
}

/// Whether a database error means the database cannot be reached now (and a retry may
/// work), rather than a query that is wrong.
pub fn is_outage(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        // Postgres: connection exceptions (08…) and a server shutting down or starting (57P…).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// Seconds a client is asked to wait before retrying during an outage.
const RETRY_AFTER: &str = "3";

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected(_) => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::Locked(_) => StatusCode::CONFLICT,
            AppError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::VersionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    me: Option<super::Chrome>,
    status: u16,
    message: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let message = self.to_string();
        let page = ErrorPage {
            me: None,
            status: status.as_u16(),
            message: &message,
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        };
        retry_after(&mut response);
        response
    }
}

/// During an outage, says when to try again (the page retries a save by itself).
fn retry_after(response: &mut Response) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER),
        );
    }
}

/// The API's twin: the same errors as `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if let AppError::Internal(err) = &self.0 {
            tracing::error!(error = ?err, "api request failed");
        }
        let mut response = (
            status,
            axum::Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response();
        retry_after(&mut response);
        response
    }
}
