//! POST /reports/{id}/nil: the clerk states a nil return for 表三 or 表四 with one action
//! (“本年度未收到政府信息公开申请”): the table's cells become 0 and the statement is kept.
//! The button sits in the report form, so what was typed is saved first.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HxRefresh, HxRequest};

use super::form::save_as;
use crate::store::{Author, StoreError};
use crate::web::AppState;
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{FormBody, ReportPath};

pub async fn state(
    State(app): State<AppState>,
    me: CurrentUser,
    HxRequest(from_htmx): HxRequest,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    report_for(&app, &me.user, id).await?.edit()?;
    if form.get("version").is_some() {
        save_as(&app, &me.user, id, &form.pairs).await?;
    }
    let table = form.text("nil");
    let version = app.store.report(id).await?.version;
    match app.store.state_nil(id, version, &table, Author::user(&me.user)).await {
        Ok(_) => {}
        Err(StoreError::Refused(msg)) => return Err(AppError::Unprocessable(msg)),
        Err(e) => return Err(e.into()),
    }
    if from_htmx {
        return Ok((HxRefresh(true), "").into_response());
    }
    Ok(Redirect::to(&format!("/reports/{id}#s-{table}")).into_response())
}
