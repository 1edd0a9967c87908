//! 纠错说明: a clerk who finds last year's figure wrong (published wrong, or the unit was
//! merged) does not edit last year's report; they enter the value this year uses and why.
//! The cross-year rules and the carry-over then use it, the reviewer sees it, the export
//! prints it. Only a reviewer corrects last year's report itself with it.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::report::carry;
use crate::web::AppState;
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{FormBody, ReportPath};
use crate::store::Author;

/// The longest reason kept.
const MAX_REASON: usize = 500;

/// POST /reports/{id}/corrections: enters, replaces or (blank value) removes a 纠错说明.
pub async fn set(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?.edit()?;
    let Some(last) = app.store.last_year_archived(&access.stored).await? else {
        return Err(AppError::Unprocessable("没有上年度的报告，无需纠错说明".into()));
    };
    let key = form.text("key");
    let this = access.stored.report.format();
    if !carry::carries(this, last.report.format()).iter().any(|c| c.last == key) {
        return Err(AppError::Unprocessable("请选择要纠正的上年数字".into()));
    }
    let value = form.text("value");
    let reason = form.text("reason");
    if !value.trim().is_empty() {
        let kind = last.report.format().cells[last.report.format().cell(&key).unwrap_or_default()].kind;
        if let Err(invalid) = crate::report::value::parse(kind, &value) {
            return Err(AppError::Unprocessable(format!("纠正后的数值：{}", invalid.hint)));
        }
        if reason.trim().is_empty() {
            return Err(AppError::Unprocessable("请说明纠错的原因（如上年报告印错、单位合并）".into()));
        }
        if reason.chars().count() > MAX_REASON {
            return Err(AppError::Unprocessable(format!("原因最多 {MAX_REASON} 个字")));
        }
    }
    app.store
        .set_correction(id, &key, &value, &reason, Author::user(&me.user))
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}#corrections")).into_response())
}

/// POST /reports/{id}/corrections/apply: a reviewer corrects last year's report with one.
pub async fn apply(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    if !access.reviewer {
        return Err(AppError::Forbidden);
    }
    app.store.apply_correction(id, &form.text("key"), &me.user).await?;
    Ok(Redirect::to(&format!("/reports/{id}#corrections")).into_response())
}
