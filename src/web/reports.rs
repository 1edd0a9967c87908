//! The report pages: the list, creating a report, the edit form and saving it.
//!
//! One handler saves for htmx and for plain HTML: the form is a normal `<form method=post>`
//! that also carries `hx-post`. htmx gets back out-of-band fragments (marks, totals, the
//! problem list, the version, the save state); without JavaScript the browser gets the
//! whole page re-rendered with the same messages.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_htmx::HxRequest;

use super::{AppState, body, clock, datetime, today};
use crate::error::AppError;
use std::collections::HashSet;

use crate::format::{Field, Format, Severity, Version};
use crate::report::{Kind, Violation, validate};
use crate::store::{Conflict, Edit, ReportId, Saved, Stored};
use crate::view::{Marks, ReportView};

/// Who the app records as the author of a change until accounts exist.
const AUTHOR: &str = "填报人";

/// Reads a report id from the path; anything else is a page that does not exist.
pub fn report_id(raw: &str) -> Result<ReportId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub struct ListRow {
    pub id: ReportId,
    pub agency: String,
    pub kind: &'static str,
    pub year: i32,
    pub version: Version,
    pub status: &'static str,
    pub updated: String,
}

#[derive(Default)]
pub struct CreateForm {
    pub agency: String,
    pub kind: String,
    pub year: String,
    pub agency_error: String,
    pub year_error: String,
}

#[derive(Template)]
#[template(path = "reports/index.html")]
pub struct IndexPage {
    pub rows: Vec<ListRow>,
    pub agencies: Vec<String>,
    pub form: CreateForm,
}

/// GET /
pub async fn index(State(app): State<AppState>) -> Result<Html<String>, AppError> {
    let (year, month) = today();
    // Reports are written in December and January for the year just ending.
    let default_year = if month >= 10 { year } else { year - 1 };
    let page = index_page(
        &app,
        CreateForm {
            kind: "department".into(),
            year: default_year.to_string(),
            ..CreateForm::default()
        },
    )
    .await?;
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

async fn index_page(app: &AppState, form: CreateForm) -> Result<IndexPage, AppError> {
    let rows = app
        .store
        .reports()
        .await?
        .into_iter()
        .map(|r| ListRow {
            id: r.id,
            agency: r.agency,
            kind: r.kind.label(),
            year: r.year,
            version: r.version,
            status: r.status.label(),
            updated: datetime(r.updated_at),
        })
        .collect();
    let agencies = app.store.agencies().await?.into_iter().map(|a| a.name).collect();
    Ok(IndexPage { rows, agencies, form })
}

/// POST /reports: opens the report of an agency for a year, creating either if needed.
pub async fn create(
    State(app): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let form = body::form(&body::bytes(raw)?);
    let mut input = CreateForm {
        agency: body::field(&form, "agency").unwrap_or("").trim().to_string(),
        kind: body::field(&form, "kind").unwrap_or("department").to_string(),
        year: body::field(&form, "year").unwrap_or("").trim().to_string(),
        ..CreateForm::default()
    };
    let kind = Kind::parse(&input.kind).unwrap_or(Kind::Department);
    let (this_year, _) = today();
    let year = match input.year.parse::<i32>() {
        Ok(y) if Version::for_year(y).is_none() => {
            input.year_error = "只支持 2019 年及以后的年度报告".into();
            None
        }
        Ok(y) if y > this_year => {
            input.year_error = "不能填报尚未开始的年度".into();
            None
        }
        Ok(y) => Some(y),
        Err(_) => {
            input.year_error = "请填写四位数年份，如 2025".into();
            None
        }
    };
    if input.agency.is_empty() {
        input.agency_error = "请填写机关名称".into();
    } else if input.agency.chars().count() > 60 {
        input.agency_error = "机关名称过长（最多 60 个字）".into();
    }
    let Some(year) = year.filter(|_| input.agency_error.is_empty()) else {
        let page = index_page(&app, input).await?;
        let html = page.render().map_err(anyhow::Error::from)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let agency = match app.store.agency_by_name(&input.agency).await? {
        Some(agency) => agency,
        None => app.store.create_agency(&input.agency, kind, None).await?,
    };
    let id = match app.store.report_id_of(agency.id, year).await? {
        Some(id) => id,
        None => app.store.create_report(agency.id, year).await?,
    };
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

/// A line of the problem list.
pub struct Problem {
    pub level: &'static str,
    pub rule: &'static str,
    pub message: String,
    /// The first field involved, as an anchor (`f-requests.new.total`).
    pub anchor: String,
}

/// The problem list beside the form, errors first.
pub struct Problems {
    pub items: Vec<Problem>,
    pub errors: usize,
    pub warnings: usize,
}

impl Problems {
    pub fn new(format: &Format, violations: &[Violation]) -> Problems {
        let mut items: Vec<Problem> = violations
            .iter()
            .map(|v| Problem {
                level: match v.severity {
                    Severity::Error => "err",
                    Severity::Warning => "warn",
                },
                rule: v.rule,
                message: v.message.clone(),
                anchor: v
                    .fields
                    .first()
                    .map(|f| format.key(*f).to_string())
                    .unwrap_or_default(),
            })
            .collect();
        items.sort_by_key(|p| p.level != "err");
        let errors = violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
            .count();
        Problems {
            errors,
            warnings: violations.len() - errors,
            items,
        }
    }
}

#[derive(Template)]
#[template(path = "reports/edit.html")]
pub struct EditPage {
    pub id: ReportId,
    pub version: i64,
    pub title: String,
    pub agency: String,
    pub year: i32,
    pub kind: &'static str,
    pub format: Version,
    pub notice: &'static str,
    pub status: &'static str,
    pub editable: bool,
    pub state: SaveState,
    pub view: ReportView,
    pub problems: Problems,
}

/// The save badge: 已保存 17:03:22 / 有冲突 / …
pub struct SaveState {
    pub class: &'static str,
    pub text: String,
}

impl SaveState {
    fn saved(ts: i64) -> SaveState {
        SaveState {
            class: "saved",
            text: format!("已保存 {}", clock(ts)),
        }
    }

    fn after(saved: &Saved) -> SaveState {
        if saved.conflicts.is_empty() {
            SaveState::saved(saved.stored.updated_at)
        } else {
            SaveState {
                class: "conflict",
                text: format!("{} 处与他人的修改冲突，请选择保留哪个值", saved.conflicts.len()),
            }
        }
    }
}

fn edit_page(
    stored: &Stored,
    violations: &[Violation],
    conflicts: &[Conflict],
    state: SaveState,
) -> EditPage {
    let report = &stored.report;
    let format = report.format();
    EditPage {
        id: stored.id,
        version: stored.version,
        title: crate::view::title(report),
        agency: report.agency.clone(),
        year: report.year,
        kind: report.kind.label(),
        format: report.version,
        notice: format.notice,
        status: stored.status.label(),
        editable: stored.status.editable(),
        state,
        view: ReportView::new(report, &Marks::new(violations, conflicts)),
        problems: Problems::new(format, violations),
    }
}

/// Validates a stored report, with last year's report of the same agency when there is one.
pub async fn check(app: &AppState, stored: &Stored) -> Result<Vec<Violation>, AppError> {
    let last = app.store.last_year(stored).await?;
    Ok(validate(&stored.report, last.as_ref()))
}

/// GET /reports/{id}
pub async fn edit(State(app): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, AppError> {
    let stored = app.store.report(report_id(&id)?).await?;
    let violations = check(&app, &stored).await?;
    let page = edit_page(&stored, &violations, &[], SaveState::saved(stored.updated_at));
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

/// What htmx swaps in after a save; every element carries `hx-swap-oob`.
#[derive(Template)]
#[template(path = "reports/_live.html")]
pub struct LivePartial {
    pub version: i64,
    pub state: SaveState,
    pub view: ReportView,
    pub problems: Problems,
    /// Fields to put back into the form: changed by others, or in conflict.
    pub refresh: Vec<String>,
    /// Fields whose mark or total changed, when only those are sent; `None`: all.
    pub only: Option<HashSet<String>>,
}

impl LivePartial {
    fn refreshes(&self, key: &str) -> bool {
        self.refresh.iter().any(|k| k == key)
    }

    fn includes(&self, key: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(key))
    }
}

/// POST /reports/{id}: saves what was typed (wrong values too: no keystroke is lost),
/// then shows what is wrong.
pub async fn save(
    State(app): State<AppState>,
    HxRequest(from_htmx): HxRequest,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let id = report_id(&id)?;
    let form = body::form(&body::bytes(raw)?);
    let seen: i64 = body::field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let saved = app.store.save(id, seen, &edits(&form), AUTHOR).await?;
    let format = saved.stored.report.format();
    let last = app.store.last_year(&saved.stored).await?;
    let violations = validate(&saved.stored.report, last.as_ref());
    let state = SaveState::after(&saved);

    if from_htmx {
        let marks = Marks::new(&violations, &saved.conflicts);
        // When the form was up to date, it shows the marks of the report before this save:
        // send only what changed. Otherwise (someone else saved) send every mark.
        let only = saved.before.as_ref().map(|before| {
            let old = Marks::new(&validate(before, last.as_ref()), &[]);
            let after = &saved.stored.report;
            let shown: Vec<&str> = form
                .iter()
                .filter(|(name, _)| name == "shown_conflict")
                .map(|(_, key)| key.as_str())
                .collect();
            format
                .fields()
                .filter(|&f| {
                    let total = matches!(f, Field::Cell(ix) if format.cells[ix].total.is_some());
                    old.get(f) != marks.get(f)
                        || (total && before.get(f) != after.get(f))
                        || shown.contains(&format.key(f))
                })
                .map(|f| format.key(f).to_string())
                .collect()
        });
        let refresh = saved
            .refreshed
            .iter()
            .chain(saved.conflicts.iter().map(|c| &c.field))
            .map(|f| format.key(*f).to_string())
            .collect();
        let partial = LivePartial {
            version: saved.stored.version,
            state,
            view: ReportView::new(&saved.stored.report, &marks),
            problems: Problems::new(format, &violations),
            refresh,
            only,
        };
        return Ok(Html(partial.render().map_err(anyhow::Error::from)?).into_response());
    }
    let page = edit_page(&saved.stored, &violations, &saved.conflicts, state);
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}

/// The form's fields as edits. `keep:<key>=<value>` settles a conflict for the user's value
/// and comes first, so it wins over the (refreshed) input of the same field.
fn edits(form: &[(String, String)]) -> Vec<Edit> {
    let (keep, plain): (Vec<_>, Vec<_>) = form.iter().partition(|(name, _)| name.starts_with("keep:"));
    keep.into_iter()
        .map(|(name, value)| Edit {
            key: name.trim_start_matches("keep:").to_string(),
            raw: value.clone(),
            keep_mine: true,
        })
        .chain(
            plain
                .into_iter()
                .filter(|(name, _)| name != "version")
                .map(|(k, v)| Edit::new(k, v.clone())),
        )
        .collect()
}
