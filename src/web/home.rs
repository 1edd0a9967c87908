//! The start page, by role: a clerk's reports, a reviewer's jurisdiction at a glance.

use std::collections::HashMap;

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
use crate::format::{Severity, Version};
use crate::report::status::Status;
use crate::report::validate;
use crate::view::Deadline;
use crate::account::{AgencyId, ReportId};
use crate::store::ReportSummary;

/// One report line: where it stands and how far the deadline is.
pub struct Line {
    pub agency: String,
    pub kind: &'static str,
    pub year: i32,
    pub report: Option<ReportId>,
    pub status: &'static str,
    pub status_key: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub updated: String,
    pub deadline: Deadline,
}

#[derive(Template)]
#[template(path = "home/clerk.html")]
pub struct ClerkHome {
    pub me: Option<Chrome>,
    pub agency: String,
    pub lines: Vec<Line>,
    pub year: String,
    pub year_error: String,
}

#[derive(Template)]
#[template(path = "home/reviewer.html")]
pub struct ReviewerHome {
    pub me: Option<Chrome>,
    pub year: i32,
    pub years: Vec<i32>,
    pub lines: Vec<Line>,
    /// (status label, count) for the year.
    pub counts: Vec<(&'static str, usize)>,
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
        Role::Reviewer => {
            let page = reviewer_home(&app, &me, q.year.unwrap_or_else(|| app.store.clock().working_year())).await?;
            Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
        }
    }
}

async fn line(app: &AppState, summary: &ReportSummary) -> Result<Line, AppError> {
    let stored = app.store.report(summary.id).await?;
    let last = app.store.last_year(&stored).await?;
    let violations = validate(&stored.report, last.as_ref());
    let errors = violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .count();
    Ok(Line {
        agency: summary.agency.clone(),
        kind: summary.kind.label(),
        year: summary.year,
        report: Some(summary.id),
        status: summary.status.label(),
        status_key: summary.status.as_str(),
        errors,
        warnings: violations.len() - errors,
        updated: datetime(summary.updated_at),
        deadline: Deadline::of(summary.year, summary.kind, Some(summary.status), app.store.clock().today()),
    })
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
    let mut lines = Vec::new();
    for summary in app.store.reports().await? {
        if Some(summary.agency_id) == me.user.agency_id {
            lines.push(line(app, &summary).await?);
        }
    }
    Ok(ClerkHome {
        me: Some(Chrome::with_agency(&me.user, &me.csrf, agency.clone())),
        agency,
        lines,
        year,
        year_error,
    })
}

async fn reviewer_home(app: &AppState, me: &CurrentUser, year: i32) -> Result<ReviewerHome, AppError> {
    let Some(own) = me.user.agency_id else {
        return Err(AppError::Forbidden);
    };
    let subtree: Vec<AgencyId> = app.store.subtree(own).await?;
    let agencies = app.store.agencies().await?;
    let summaries = app.store.reports().await?;
    let by_agency: HashMap<AgencyId, &ReportSummary> = summaries
        .iter()
        .filter(|s| s.year == year)
        .map(|s| (s.agency_id, s))
        .collect();
    let mut lines = Vec::new();
    for agency in agencies.iter().filter(|a| subtree.contains(&a.id)) {
        match by_agency.get(&agency.id) {
            Some(summary) => lines.push(line(app, summary).await?),
            None => lines.push(Line {
                agency: agency.name.clone(),
                kind: agency.kind.label(),
                year,
                report: None,
                status: "未创建",
                status_key: "none",
                errors: 0,
                warnings: 0,
                updated: String::new(),
                deadline: Deadline::of(year, agency.kind, None, app.store.clock().today()),
            }),
        }
    }
    // The reports waiting for this reviewer first.
    lines.sort_by_key(|l| (l.status_key != "submitted", l.agency.clone()));
    let mut counts: Vec<(&'static str, usize)> = Status::ALL
        .iter()
        .map(|s| {
            (
                s.label(),
                lines.iter().filter(|l| l.status_key == s.as_str()).count(),
            )
        })
        .collect();
    counts.push(("未创建", lines.iter().filter(|l| l.report.is_none()).count()));
    let mut years: Vec<i32> = summaries
        .iter()
        .filter(|s| subtree.contains(&s.agency_id))
        .map(|s| s.year)
        .chain([app.store.clock().working_year()])
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(ReviewerHome {
        me: Some(Chrome::of(app, me).await),
        year,
        years,
        lines,
        counts,
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
