//! The report form's two requests: GET shows it, POST saves it.
//!
//! One handler saves for htmx and for plain HTML: the form is a normal `<form method=post>`
//! that also carries `hx-post`. htmx gets back out-of-band fragments (marks, totals, the
//! problem list, the version, the save state); without JavaScript the browser gets the
//! whole page re-rendered with the same messages.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_htmx::HxRequest;

use super::form::save_as;
use super::live::shown::{LivePartial, PageState, answer};
use super::page::{PinQuery, ReportPage, SaveState, report_page};
use super::problems::Findings;
use crate::format::Field;
use crate::web::AppState;
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{FormBody, ReportPath, field};
use crate::web::page::HtmlPage;

/// GET /reports/{id}
pub async fn edit(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    Query(q): Query<PinQuery>,
) -> Result<HtmlPage<ReportPage>, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    let violations = app.store.findings(&access.stored).await?;
    let state = SaveState::saved(access.stored.updated_at);
    let page = report_page(
        &app,
        &me,
        &access,
        &violations,
        (&[], &[]),
        state,
        q.pin.as_deref(),
    )
    .await?;
    Ok(HtmlPage(page))
}

/// POST /reports/{id}: saves what was typed (wrong values too: no keystroke is lost),
/// then shows what is wrong. A save whose session expired gets the sign-in page, which
/// carries the form along and saves it after signing in.
pub async fn save(
    State(app): State<AppState>,
    me: Result<CurrentUser, Response>,
    HxRequest(from_htmx): HxRequest,
    headers: HeaderMap,
    ReportPath(id): ReportPath,
    body: FormBody,
) -> Result<Response, AppError> {
    let Ok(me) = me else {
        return Ok(crate::web::people::signin::expired(
            &app,
            &headers,
            &format!("/reports/{id}"),
            &body.bytes,
        ));
    };
    let form = body.pairs;
    let saved = save_as(&app, &me.user, id, &form).await?;
    let format = saved.stored.report.format();
    let violations = app.store.findings(&saved.stored).await?;
    let last = app.store.last_year(&saved.stored).await?;
    let state = SaveState::after(&saved);

    if !from_htmx {
        let mut access = report_for(&app, &me.user, id).await?;
        // A value not kept (too long) stays in the form as typed, beside why.
        for (refused, _) in &saved.refused {
            if let Some(typed) = field(&form, format.key(*refused)) {
                access.stored.report.set(*refused, typed.to_string());
            }
        }
        let page = report_page(
            &app,
            &me,
            &access,
            &violations,
            (&saved.conflicts, &saved.refused),
            state,
            None,
        )
        .await?;
        return Ok(HtmlPage(page).into_response());
    }
    let comments = app.store.comments(id).await?;
    let explanations = app.store.explanations(id).await?;
    let glyphs = crate::export::glyphs::missing(&saved.stored.report);
    let unsure = app.store.unsure(id).await?;
    let (marks, problems) = Findings {
        violations: &violations,
        conflicts: &saved.conflicts,
        comments: &comments,
        explanations: &explanations,
        glyphs: &glyphs,
        refused: &saved.refused,
        unsure: &unsure,
        years: last.as_ref().map(|l| (&saved.stored.report, l)),
        report: &saved.stored.report,
    }
    .annotate(format);
    // A text kept without characters nobody can see or print is shown as kept.
    let cleaned = saved.applied.iter().copied().filter(|&f| {
        matches!(f, Field::Text(_))
            && field(&form, format.key(f))
                .is_some_and(|sent| sent.replace("\r\n", "\n") != saved.stored.report.get(f))
    });
    let refresh: Vec<Field> = saved
        .refreshed
        .iter()
        .chain(saved.conflicts.iter().map(|c| &c.field))
        .copied()
        .chain(cleaned)
        .collect();
    let values = crate::report::validate::Values::of(&saved.stored.report);
    let (fields, shown) = answer(
        &saved.stored.report,
        &values,
        &marks,
        &PageState::of(&form),
        (None, false),
        &refresh,
    );
    let partial = LivePartial {
        saved: Some((saved.stored.version, state)),
        problems,
        tables: true,
        texts: true,
        fields,
        shown,
        answer_base: format!("/reports/{id}/comments/"),
        reviewer: false,
    };
    Ok(HtmlPage(partial).into_response())
}
