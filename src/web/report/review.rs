//! The review loop: the clerk submits (errors fixed, warnings explained, comments answered);
//! the reviewer comments, returns with a reason or approves; approval locks the content and
//! records its SHA-256; publishing and reopening are recorded like every other step.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HxRefresh, HxRequest};

use super::form::save_as;
use super::problems::{Problem, Problems, warning_key};
use crate::format::Severity;
use crate::report::interchange::content_sha256;
use crate::report::review::Target;
use crate::report::status::Status;
use crate::report::workflow::{self, Action};
use crate::store::Stamp;
use crate::view::{Marks, Note};
use crate::web::AppState;
use crate::web::access::{Access, report_for};
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{FormBody, PathParams, ReportPath};
use crate::web::page::{Chrome, HtmlPage};

/// Longest comment, reason or explanation accepted.
const MAX_NOTE: usize = 4000;

#[derive(Template)]
#[template(path = "reports/submit.html")]
pub struct SubmitPage {
    pub me: Option<Chrome>,
    pub id: i64,
    pub title: String,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub open_comments: Vec<Note>,
    pub message: String,
}

async fn submit_page_for(
    app: &AppState,
    me: &CurrentUser,
    access: &Access,
    message: String,
) -> Result<SubmitPage, AppError> {
    let stored = &access.stored;
    let format = stored.report.format();
    let violations = app.store.findings(stored).await?;
    let explanations = app.store.explanations(stored.id).await?;
    let (errors, warnings): (Vec<Problem>, Vec<Problem>) = Problems::new(format, &violations, &explanations)
        .into_items()
        .partition(|p| p.level == Severity::Error);
    let comments = app.store.comments(stored.id).await?;
    let open_comments = Marks::none()
        .with_comments(format, &comments)
        .all_notes()
        .into_iter()
        .filter(|n| !n.answered)
        .collect();
    Ok(SubmitPage {
        me: Some(Chrome::of(app, me).await),
        id: stored.id,
        title: crate::view::title(&stored.report),
        errors,
        warnings,
        open_comments,
        message,
    })
}

/// The actor's next status for `action`, or why not: a wrong moment (409) or not theirs (403).
fn next_status(access: &Access, action: Action) -> Result<Status, AppError> {
    let actor = access.actor().ok_or(AppError::Forbidden)?;
    if let Some(to) = workflow::next(access.stored.status, action, actor) {
        return Ok(to);
    }
    let ever = Status::ALL
        .iter()
        .any(|s| workflow::next(*s, action, actor).is_some());
    Err(if ever {
        AppError::Conflict(format!(
            "报告{}，不能{}",
            access.stored.status.label(),
            action.label()
        ))
    } else {
        AppError::Forbidden
    })
}

fn back_to(id: i64) -> Response {
    Redirect::to(&format!("/reports/{id}")).into_response()
}

/// GET /reports/{id}/submit: what stands between the clerk and submitting.
pub async fn submit_page(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
) -> Result<HtmlPage<SubmitPage>, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    next_status(&access, Action::Submit)?;
    Ok(HtmlPage(
        submit_page_for(&app, &me, &access, String::new()).await?,
    ))
}

/// POST /reports/{id}/submit: files the explanations, then submits if nothing stands in the way.
pub async fn submit(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    let to = next_status(&access, Action::Submit)?;
    let stored = &access.stored;
    let format = stored.report.format();
    let violations = app.store.findings(stored).await?;
    for v in violations.iter().filter(|v| v.severity == Severity::Warning) {
        let key = warning_key(format, v);
        if let Some(text) = form.get(&format!("explain:{key}")) {
            let text = text.trim();
            if text.chars().count() > MAX_NOTE {
                return Err(AppError::Unprocessable(format!("说明最多 {MAX_NOTE} 个字")));
            }
            app.store
                .set_explanation(stored.id, &key, text, me.user.id)
                .await?;
        }
    }
    let page = submit_page_for(&app, &me, &access, String::new()).await?;
    let unexplained = page
        .warnings
        .iter()
        .filter(|w| w.explanation.trim().is_empty())
        .count();
    let blocker = if !page.errors.is_empty() {
        Some(format!("还有 {} 个错误，改正后才能提交", page.errors.len()))
    } else if unexplained > 0 {
        Some(format!("还有 {unexplained} 个提醒没有填写说明"))
    } else if !page.open_comments.is_empty() {
        Some(format!(
            "还有 {} 条审核意见未标记为已处理",
            page.open_comments.len()
        ))
    } else {
        None
    };
    if let Some(message) = blocker {
        let page = SubmitPage { message, ..page };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, HtmlPage(page)).into_response());
    }
    // Submitted is exactly the version checked above: a save that landed since is checked
    // first (the store refuses to move another version, and checks it again itself).
    match app
        .store
        .transition_at(
            stored.id,
            Some(stored.version),
            stored.status,
            to,
            me.user.id,
            "",
            Stamp::None,
        )
        .await
    {
        Ok(()) => Ok(back_to(stored.id)),
        Err(crate::store::StoreError::Stale { .. }) => {
            let fresh = report_for(&app, &me.user, stored.id).await?;
            let message = "提交时报告有新的保存，已按最新内容重新检查，请确认后再提交".to_string();
            let page = submit_page_for(&app, &me, &fresh, message).await?;
            Ok((StatusCode::CONFLICT, HtmlPage(page)).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

/// A reason from the form: required, trimmed, bounded.
fn reason(form: &FormBody, what: &str) -> Result<String, AppError> {
    let reason = form.text("reason");
    if reason.is_empty() {
        return Err(AppError::Unprocessable(format!("{what}时请填写原因")));
    }
    if reason.chars().count() > MAX_NOTE {
        return Err(AppError::Unprocessable(format!("原因最多 {MAX_NOTE} 个字")));
    }
    Ok(reason)
}

/// POST /reports/{id}/{return,approve,reopen,publish}: a reviewer's (or publishing
/// clerk's) step. Who and when are checked by the workflow, a reason is required where the
/// step needs one, and the stamp goes with it: approval locks the report and records the
/// SHA-256 of its content; reopening clears it; publishing records today.
pub async fn step(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    action: Action,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    let to = next_status(&access, action)?;
    let note = if action.needs_reason() {
        reason(&form, action.label())?
    } else {
        String::new()
    };
    let s = &access.stored;
    // The hash of the content as loaded, at the version loaded: the store moves only that
    // version and checks the hash against what it moves.
    let sha256 = content_sha256(&s.report);
    let stamp = match action {
        Action::Approve => Stamp::Approved { sha256: &sha256 },
        Action::Reopen => Stamp::Cleared,
        Action::Publish => Stamp::Published,
        Action::Submit | Action::Return => Stamp::None,
    };
    app.store
        .transition_at(s.id, Some(s.version), s.status, to, me.user.id, &note, stamp)
        .await?;
    Ok(back_to(s.id))
}

/// POST /reports/{id}/comments: a reviewer pins a comment to a cell, a rule or a section.
pub async fn comment(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    if !access.reviewer {
        return Err(AppError::Forbidden);
    }
    let kind = form.text("kind");
    let target = form.text("target");
    let text = form.text("body");
    let text = text.as_str();
    let format = access.stored.report.format();
    let Some(target) = Target::parse(&kind, &target).filter(|t| t.exists_in(format)) else {
        return Err(AppError::Unprocessable(
            "请选择批注的位置（单元格、规则或部分）".into(),
        ));
    };
    if text.is_empty() {
        return Err(AppError::Unprocessable("请填写批注内容".into()));
    }
    if text.chars().count() > MAX_NOTE {
        return Err(AppError::Unprocessable(format!("批注最多 {MAX_NOTE} 个字")));
    }
    app.store
        .add_comment(access.stored.id, &target, text, me.user.id)
        .await?;
    Ok(Redirect::to(&format!("/reports/{}#{}", access.stored.id, target.anchor())).into_response())
}

/// POST /reports/{id}/comments/{comment}/answer: the clerk marks a comment dealt with. The
/// button sits in the report form, so what was typed is saved first.
pub async fn answer(
    State(app): State<AppState>,
    me: CurrentUser,
    HxRequest(from_htmx): HxRequest,
    ReportPath(id): ReportPath,
    params: PathParams,
    form: FormBody,
) -> Result<Response, AppError> {
    let comment = params.number("comment")?;
    let access = report_for(&app, &me.user, id).await?.edit()?;
    if form.get("version").is_some() {
        save_as(&app, &me.user, id, &form.pairs).await?;
    }
    let reply = form.text(&format!("answer:{comment}"));
    let reply = reply.as_str();
    app.store
        .answer_comment(access.stored.id, comment, me.user.id, reply)
        .await?;
    if from_htmx {
        return Ok((HxRefresh(true), "").into_response());
    }
    Ok(back_to(id))
}
