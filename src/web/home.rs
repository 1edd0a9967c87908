//! The start page: a clerk's reports and the reminders sent to them; an admin and a
//! reviewer are sent on to their own pages (`/admin`, `/desk`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::CurrentUser;
use super::{AppState, Chrome, extract};
use crate::account::Role;
use crate::clock::datetime;
use crate::web::error::AppError;
use crate::account::ReportId;
use crate::format::Version;
use crate::view::Deadline;
use crate::store::ReportSummary;

/// One report line: where it stands and how far the deadline is.
pub struct Line {
    pub agency: String,
    pub kind: &'static str,
    pub year: i32,
    pub report: Option<ReportId>,
    pub status: &'static str,
    pub status_key: &'static str,
    pub errors: i64,
    pub warnings: i64,
    pub updated: String,
    pub deadline: Deadline,
    /// A government's regional report (本行政区域), beside its own.
    pub regional: bool,
}

#[derive(Template)]
#[template(path = "home/clerk.html")]
pub struct ClerkHome {
    pub me: Option<Chrome>,
    pub agency: String,
    pub lines: Vec<Line>,
    pub year: String,
    pub year_error: String,
    /// 催报 from the reviewers, newest first.
    pub reminders: Vec<ReminderLine>,
}

pub struct ReminderLine {
    pub year: i32,
    pub body: String,
    pub sender: String,
    pub at: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

/// GET /
pub async fn index(
    State(app): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    match me.user.role {
        Role::Admin => Ok(Redirect::to("/admin").into_response()),
        Role::Clerk => {
            let page = clerk_home(&app, &me, app.store.clock().working_year().to_string(), String::new()).await?;
            Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
        }
        // A reviewer's start page is the desk.
        Role::Reviewer => Ok(Redirect::to(&match q.year {
            Some(year) => format!("/desk?year={year}"),
            None => "/desk".to_string(),
        })
        .into_response()),
    }
}

fn line(app: &AppState, summary: &ReportSummary) -> Line {
    Line {
        agency: summary.agency.clone(),
        kind: summary.kind.label(),
        year: summary.year,
        report: Some(summary.id),
        status: summary.status.label(),
        status_key: summary.status.as_str(),
        errors: summary.errors,
        warnings: summary.warnings,
        updated: datetime(summary.updated_at),
        deadline: Deadline::of(summary.year, summary.kind, Some(summary.status), app.store.clock().today()),
        regional: summary.regional,
    }
}

async fn clerk_home(
    app: &AppState,
    me: &CurrentUser,
    year: String,
    year_error: String,
) -> Result<ClerkHome, AppError> {
    let agency = match me.user.agency_id {
        Some(id) => app.store.agency(id).await?.name,
        None => String::new(),
    };
    let lines = match me.user.agency_id {
        Some(id) => app.store.reports_of(id).await?.iter().map(|s| line(app, s)).collect(),
        None => Vec::new(),
    };
    let reminders = match me.user.agency_id {
        Some(id) => app.store.reminders(id).await?,
        None => Vec::new(),
    };
    Ok(ClerkHome {
        reminders: reminders
            .into_iter()
            .map(|r| ReminderLine {
                year: r.year,
                body: r.body,
                sender: r.sender,
                at: datetime(r.at),
            })
            .collect(),
        me: Some(Chrome::with_agency(&me.user, &me.csrf, agency.clone())),
        agency,
        lines,
        year,
        year_error,
    })
}

/// POST /reports: a clerk opens their agency's report for a year, creating it if needed.
pub async fn create(
    State(app): State<AppState>,
    me: CurrentUser,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let (Role::Clerk, Some(agency)) = (me.user.role, me.user.agency_id) else {
        return Err(AppError::Forbidden);
    };
    let form = extract::form(&extract::bytes(raw)?);
    let typed = extract::field(&form, "year").unwrap_or("").trim().to_string();
    let this_year = app.store.clock().today().year();
    let year = match typed.parse::<i32>() {
        Ok(y) if Version::for_year(y).is_none() => Err("只支持 2019 年及以后的年度报告"),
        Ok(y) if y > this_year => Err("不能填报尚未开始的年度"),
        Ok(y) => Ok(y),
        Err(_) => Err("请填写四位数年份，如 2025"),
    };
    let year = match year {
        Ok(y) => y,
        Err(message) => {
            let page = clerk_home(&app, &me, typed, message.to_string()).await?;
            let html = page.render().map_err(anyhow::Error::from)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let id = app.store.open_report(agency, year).await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}
