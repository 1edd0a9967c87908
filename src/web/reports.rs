//! The report page: the form for its clerk, the same tables read-only with comments and
//! actions for its reviewers, and saving.
//!
//! One handler saves for htmx and for plain HTML: the form is a normal `<form method=post>`
//! that also carries `hx-post`. htmx gets back out-of-band fragments (marks, totals, the
//! problem list, the version, the save state); without JavaScript the browser gets the
//! whole page re-rendered with the same messages.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum_htmx::HxRequest;
use serde::Deserialize;

use super::access::{Access, report_for};
use super::auth::CurrentUser;
use super::home::Deadline;
use super::live::{self, LivePartial};
use super::{AppState, Chrome, body};
use crate::account::User;
use crate::clock::{clock, datetime};
use crate::web::error::AppError;
use crate::format::{Field, Format, Part, Severity, Version};
use crate::report::status::Status;
use crate::report::workflow::{self, Action};
use crate::report::{Violation, validate};
use crate::report::review::{Conflict, Target};
use crate::store::{Author, Edit, ReportId, Saved, Sent, Stored};
use crate::view::{Marks, Note, ReportView, text_diff};

/// Reads a report id from the path; anything else is a page that does not exist.
pub fn report_id(raw: &str) -> Result<ReportId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A line of the problem list.
pub struct Problem {
    pub level: &'static str,
    pub rule: &'static str,
    pub message: String,
    /// The first field involved, as an anchor (`f-requests.new.total`).
    pub anchor: String,
    /// `rule@first-field`: how a warning's explanation is filed.
    pub key: String,
    /// The clerk's explanation of a warning.
    pub explanation: String,
}

/// The problem list beside the form: the tables' problems and the texts', each errors first.
/// The two are drawn apart because the live check after a keystroke redraws only the part
/// typed in (a keystroke in a text sends that text, not the tables).
pub struct Problems {
    pub tables: ProblemGroup,
    pub texts: ProblemGroup,
}

#[derive(Default)]
pub struct ProblemGroup {
    pub items: Vec<Problem>,
    pub errors: usize,
    pub warnings: usize,
}

impl ProblemGroup {
    fn push(&mut self, problem: Problem) {
        if problem.level == "err" {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
        self.items.push(problem);
    }
}

/// How a warning's explanation is filed: its rule and first field.
pub fn warning_key(format: &Format, v: &Violation) -> String {
    Target::of_violation(format, v).to_string()
}

impl Problems {
    /// Every problem: the tables', then the texts'.
    pub fn into_items(self) -> impl Iterator<Item = Problem> {
        self.tables.items.into_iter().chain(self.texts.items)
    }

    fn group(&mut self, first: Option<Field>) -> &mut ProblemGroup {
        // A problem without a field (the agency's name) is with the texts.
        match first.map(Field::part) {
            Some(Part::Tables) => &mut self.tables,
            _ => &mut self.texts,
        }
    }

    /// Adds the export warnings (characters the PDF font lacks) after the rules' problems.
    pub fn with_glyphs(mut self, format: &Format, missing: &[(Field, Vec<char>)]) -> Problems {
        for (field, chars) in missing {
            let anchor = match field {
                Field::Text(usize::MAX) => String::new(),
                f => format.key(*f).to_string(),
            };
            self.group(Some(*field)).push(Problem {
                level: "warn",
                rule: "export.glyph",
                message: crate::export::glyphs::message(format, *field, chars),
                anchor,
                key: String::new(),
                explanation: String::new(),
            });
        }
        self
    }

    pub fn new(
        format: &Format,
        violations: &[Violation],
        explanations: &HashMap<String, String>,
    ) -> Problems {
        let mut problems = Problems {
            tables: ProblemGroup::default(),
            texts: ProblemGroup::default(),
        };
        // Errors first, in the rules' order.
        for errors in [true, false] {
            for v in violations
                .iter()
                .filter(|v| (v.severity == Severity::Error) == errors)
            {
                let key = warning_key(format, v);
                let first = v.fields.first().copied();
                problems.group(first).push(Problem {
                    level: if errors { "err" } else { "warn" },
                    rule: v.rule,
                    message: v.message.clone(),
                    anchor: first.map(|f| format.key(f).to_string()).unwrap_or_default(),
                    explanation: explanations.get(&key).cloned().unwrap_or_default(),
                    key,
                });
            }
        }
        problems
    }
}

/// The save badge: 已保存 17:03:22 / 有冲突 / …
pub struct SaveState {
    pub class: &'static str,
    pub text: String,
}

impl SaveState {
    pub fn saved(ts: i64) -> SaveState {
        SaveState {
            class: "saved",
            text: format!("已保存 {}", clock(ts)),
        }
    }

    fn after(saved: &Saved) -> SaveState {
        if !saved.refused.is_empty() {
            SaveState {
                class: "failed",
                text: format!("{} 处内容过长，未保存", saved.refused.len()),
            }
        } else if saved.conflicts.is_empty() {
            SaveState::saved(saved.stored.updated_at)
        } else {
            SaveState {
                class: "conflict",
                text: format!("{} 处与他人的修改冲突，请选择保留哪个值", saved.conflicts.len()),
            }
        }
    }
}

/// A workflow button the viewer can press.
pub struct ActionView {
    pub path: String,
    pub label: &'static str,
    pub reason: bool,
    pub name: &'static str,
}

/// What changed since the report was last returned, for its reviewer.
pub struct ChangeView {
    pub name: String,
    pub old: String,
    pub new: String,
    /// For texts: the changes in place, as (kind, text) with kind same/del/ins/gap.
    pub diff: Vec<(&'static str, String)>,
}

pub struct TransitionView {
    pub at: String,
    pub user: String,
    pub from: &'static str,
    pub to: &'static str,
    pub note: String,
}

/// Where a reviewer's new comment will be pinned.
pub struct Pin {
    pub kind: &'static str,
    pub target: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "reports/edit.html")]
pub struct ReportPage {
    pub me: Option<Chrome>,
    pub id: ReportId,
    pub version: i64,
    pub title: String,
    pub agency: String,
    pub year: i32,
    pub kind: &'static str,
    pub format: Version,
    pub notice: &'static str,
    pub status: &'static str,
    pub status_key: &'static str,
    /// "form" for the clerk, "review" for a reviewer (read-only, with pins).
    pub mode: &'static str,
    pub editable: bool,
    pub clerk: bool,
    pub reviewer: bool,
    pub state: SaveState,
    pub view: ReportView,
    /// What the form shows at each field (see `live.rs`).
    pub shown: live::Shown,
    pub problems: Problems,
    pub actions: Vec<ActionView>,
    pub deadline: Deadline,
    pub approval: Option<(String, String, String)>,
    pub published: String,
    pub comments: Vec<Note>,
    pub open_comments: usize,
    pub pin: Option<Pin>,
    pub changes: Vec<ChangeView>,
    pub returned_at: String,
    pub transitions: Vec<TransitionView>,
    /// Where the clerk marks comments answered (`/reports/{id}/comments/`), or empty.
    pub answer_base: String,
    /// A random id of this copy of the form, sent with each save (see `store::Sent`).
    pub page_id: String,
}

#[derive(Deserialize, Default)]
pub struct PinQuery {
    pin: Option<String>,
}

/// Builds the report page for the viewer.
async fn report_page(
    app: &AppState,
    me: &CurrentUser,
    access: &Access,
    violations: &[Violation],
    (conflicts, refused): (&[Conflict], &[(Field, String)]),
    state: SaveState,
    pin: Option<&str>,
) -> Result<ReportPage, AppError> {
    let stored = &access.stored;
    let report = &stored.report;
    let format = report.format();
    let comments = app.store.comments(stored.id).await?;
    let explanations = app.store.explanations(stored.id).await?;
    let missing = crate::export::glyphs::missing(report);
    let marks = Marks::new(violations, conflicts)
        .with_comments(format, &comments)
        .with_glyphs(&missing)
        .with_refused(refused);
    let actions = access
        .actor()
        .map(|actor| workflow::available(stored.status, actor))
        .unwrap_or_default()
        .into_iter()
        .map(|a| ActionView {
            path: format!(
                "/reports/{}/{}",
                stored.id,
                match a {
                    Action::Submit => "submit",
                    Action::Return => "return",
                    Action::Approve => "approve",
                    Action::Reopen => "reopen",
                    Action::Publish => "publish",
                }
            ),
            label: a.label(),
            reason: a.needs_reason(),
            name: match a {
                Action::Submit => "submit",
                Action::Return => "return",
                Action::Approve => "approve",
                Action::Reopen => "reopen",
                Action::Publish => "publish",
            },
        })
        .collect();
    let transitions = app.store.transitions(stored.id).await?;
    let (changes, returned_at) = match transitions.iter().rev().find(|t| t.to == Status::Returned) {
        Some(ret) if access.reviewer && stored.status == Status::Submitted => {
            (changes_since(app, stored, ret.version).await?, datetime(ret.at))
        }
        _ => (Vec::new(), String::new()),
    };
    let pin = pin.filter(|_| access.reviewer).and_then(|p| {
        let (kind, key) = p.split_once(':')?;
        let target = Target::parse(kind, key)?;
        Some(Pin {
            kind: target.kind(),
            label: target.label(format),
            target: target.to_string(),
        })
    });
    let all_notes: Vec<Note> = Marks::none().with_comments(format, &comments).all_notes();
    let view = ReportView::new(report, &marks);
    Ok(ReportPage {
        me: Some(Chrome::of(app, me).await),
        id: stored.id,
        version: stored.version,
        title: crate::view::title(report),
        agency: report.agency.clone(),
        year: report.year,
        kind: report.kind.label(),
        format: report.version,
        notice: format.notice,
        status: stored.status.label(),
        status_key: stored.status.as_str(),
        mode: if access.reviewer { "review" } else { "form" },
        editable: access.may_edit(),
        clerk: access.clerk,
        reviewer: access.reviewer,
        state,
        shown: live::shown(report, &marks),
        view,
        problems: Problems::new(format, violations, &explanations).with_glyphs(format, &missing),
        actions,
        deadline: Deadline::of(report.year, report.kind, Some(stored.status), app.store.clock().today()),
        approval: stored
            .approval
            .as_ref()
            .map(|a| (a.by.clone(), datetime(a.at), a.sha256.clone())),
        published: stored.published_at.map(datetime).unwrap_or_default(),
        open_comments: comments.iter().filter(|c| c.answered.is_none()).count(),
        comments: all_notes,
        pin,
        changes,
        returned_at,
        transitions: transitions
            .iter()
            .map(|t| TransitionView {
                at: datetime(t.at),
                user: t.user.clone(),
                from: t.from.label(),
                to: t.to.label(),
                note: t.note.clone(),
            })
            .collect(),
        answer_base: if access.may_edit() {
            format!("/reports/{}/comments/", stored.id)
        } else {
            String::new()
        },
        page_id: crate::account::random_token(),
    })
}

/// Every field changed since `version`: old → new, texts with their changes in place.
async fn changes_since(app: &AppState, stored: &Stored, version: i64) -> Result<Vec<ChangeView>, AppError> {
    let report = &stored.report;
    let format = report.format();
    let then = app.store.values_at(stored.id, version).await?;
    Ok(format
        .fields()
        // Totals follow their parts: the parts' changes say it all.
        .filter(|field| !matches!(field, Field::Cell(ix) if format.cells[*ix].total.is_some()))
        .filter_map(|field| {
            let old = then.get(format.key(field))?;
            let new = report.get(field);
            if old == new {
                return None;
            }
            Some(match field {
                Field::Cell(ix) => ChangeView {
                    name: format.cell_name(ix),
                    old: if old.is_empty() {
                        "（空）".into()
                    } else {
                        old.clone()
                    },
                    new: if new.is_empty() {
                        "（空）".into()
                    } else {
                        new.to_string()
                    },
                    diff: Vec::new(),
                },
                Field::Text(ix) => ChangeView {
                    name: format.sections[format.texts[ix].section].heading.to_string(),
                    old: String::new(),
                    new: String::new(),
                    diff: text_diff(old, new),
                },
            })
        })
        .collect())
}

/// GET /reports/{id}
pub async fn edit(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<PinQuery>,
) -> Result<Html<String>, AppError> {
    let access = report_for(&app, &me.user, report_id(&id)?).await?;
    let last = app.store.last_year(&access.stored).await?;
    let violations = validate(&access.stored.report, last.as_ref());
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
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

/// Saves a form for a clerk who may edit the report; the rest of the page is the caller's.
pub async fn save_as(
    app: &AppState,
    user: &User,
    id: ReportId,
    form: &[(String, String)],
) -> Result<Saved, AppError> {
    // The common case, a clerk of the report's agency, needs only the owner: no full load.
    let (agency, status) = app.store.report_owner(id).await?;
    if !user.fills_in(agency) || !status.editable() {
        report_for(app, user, id).await?.edit()?;
    }
    let seen: i64 = body::field(form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Ids the page made itself: short and plain, or not used.
    let id_field = |name| {
        body::field(form, name).filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    let sent = Sent {
        page: id_field("page"),
        save: id_field("save_id"),
    };
    Ok(app
        .store
        .save_sent(id, seen, &edits(form), Author::user(user), sent)
        .await?)
}

/// POST /reports/{id}: saves what was typed (wrong values too: no keystroke is lost),
/// then shows what is wrong. A save whose session expired gets the sign-in page, which
/// carries the form along and saves it after signing in.
pub async fn save(
    State(app): State<AppState>,
    me: Result<CurrentUser, Response>,
    HxRequest(from_htmx): HxRequest,
    headers: HeaderMap,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let id = report_id(&id)?;
    let bytes = body::bytes(raw)?;
    let Ok(me) = me else {
        return Ok(super::login::expired(
            &app,
            &headers,
            &format!("/reports/{id}"),
            &bytes,
        ));
    };
    let form = body::form(&bytes);
    let saved = save_as(&app, &me.user, id, &form).await?;
    let format = saved.stored.report.format();
    let last = app.store.last_year(&saved.stored).await?;
    let violations = validate(&saved.stored.report, last.as_ref());
    let state = SaveState::after(&saved);

    if !from_htmx {
        let mut access = report_for(&app, &me.user, id).await?;
        // A value not kept (too long) stays in the form as typed, beside why.
        for (field, _) in &saved.refused {
            if let Some(typed) = body::field(&form, format.key(*field)) {
                access.stored.report.set(*field, typed.to_string());
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
        return Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response());
    }
    let comments = app.store.comments(id).await?;
    let explanations = app.store.explanations(id).await?;
    let missing = crate::export::glyphs::missing(&saved.stored.report);
    let marks = Marks::new(&violations, &saved.conflicts)
        .with_comments(format, &comments)
        .with_glyphs(&missing)
        .with_refused(&saved.refused);
    // A text kept without characters nobody can see or print is shown as kept.
    let cleaned = saved.applied.iter().copied().filter(|&f| {
        matches!(f, Field::Text(_))
            && body::field(&form, format.key(f))
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
    let (fields, shown) = live::answer(
        &saved.stored.report,
        &values,
        &marks,
        &live::Page::of(&form),
        (None, false),
        &refresh,
    );
    let partial = LivePartial {
        saved: Some((saved.stored.version, state)),
        problems: Problems::new(format, &violations, &explanations).with_glyphs(format, &missing),
        tables: true,
        texts: true,
        fields,
        shown,
        answer_base: format!("/reports/{id}/comments/"),
        reviewer: false,
    };
    Ok(Html(partial.render().map_err(anyhow::Error::from)?).into_response())
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
        .chain(plain.into_iter().map(|(k, v)| Edit::new(k, v.clone())))
        .collect()
}
