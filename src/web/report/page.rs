//! The report page: the form for its clerk, the same tables read-only with comments and
//! actions for its reviewers. Built here for the page's GET and for a save without
//! JavaScript, which re-renders the whole page.

use askama::Template;
use serde::Deserialize;

use super::live::shown::{Shown, shown};
use super::problems::{Findings, Problems};
use crate::account::ReportId;
use crate::clock::{clock, datetime};
use crate::format::{Field, Version};
use crate::report::Violation;
use crate::report::review::{Conflict, Target};
use crate::report::status::Status;
use crate::report::workflow;
use crate::store::{Saved, Stored};
use crate::view::{Deadline, Marks, Note, ReportView, TableMode, text_diff};
use crate::web::AppState;
use crate::web::access::Access;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::page::Chrome;

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

    pub(super) fn after(saved: &Saved) -> SaveState {
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
    /// The action's slug, which the template tells the buttons apart by.
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

/// Who approved the report and what, as the page shows it.
pub struct ApprovalView {
    pub by: String,
    pub at: String,
    pub sha256: String,
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
    /// The clerk's form, or a reviewer's read-only view with pins.
    pub mode: TableMode,
    pub editable: bool,
    /// A regional report: its tables are compiled, read-only for everyone.
    pub regional: bool,
    pub clerk: bool,
    pub reviewer: bool,
    pub state: SaveState,
    pub view: ReportView,
    /// What the form shows at each field (see `live/shown.rs`).
    pub shown: Shown,
    pub problems: Problems,
    pub actions: Vec<ActionView>,
    pub deadline: Deadline,
    pub approval: Option<ApprovalView>,
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
    /// Last year's report year, when there is one.
    pub last_year: Option<i32>,
    /// The jurisdiction's rule settings this report is checked with, in words.
    pub tuning: Vec<String>,
    /// 零报告 per table: (table key, what the button or the statement says, said: by whom
    /// and when, or withdrawn).
    pub nil: Vec<NilView>,
    /// The 纠错说明 of last year's figures.
    pub corrections: Vec<CorrectionView>,
    /// Last year's figures a 纠错说明 may name: (key, name, value as archived).
    pub carries: Vec<(String, String, String)>,
}

/// A table's 零报告 as the page shows it.
pub struct NilView {
    pub table: &'static str,
    pub says: &'static str,
    /// “王填报于 2025-01-10 声明”, or empty when not stated.
    pub stated: String,
    /// “已撤销：2025-01-12 填写了非零数”, or empty.
    pub withdrawn: String,
}

/// A 纠错说明 as the page shows it.
pub struct CorrectionView {
    pub key: String,
    pub name: String,
    /// Last year's value as archived.
    pub was: String,
    pub value: String,
    pub reason: String,
    pub by: String,
    pub at: String,
    pub applied: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PinQuery {
    pub pin: Option<String>,
}

/// Builds the report page for the viewer.
pub async fn report_page(
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
    let glyphs = crate::export::glyphs::missing(report);
    let unsure = app.store.unsure(stored.id).await?;
    let last = app.store.last_year(stored).await?;
    let (marks, problems) = Findings {
        violations,
        conflicts,
        comments: &comments,
        explanations: &explanations,
        glyphs: &glyphs,
        refused,
        unsure: &unsure,
        years: last.as_ref().map(|l| (report, l)),
        report,
    }
    .annotate(format);
    let actions = access
        .actor()
        .map(|actor| workflow::available(stored.status, actor))
        .unwrap_or_default()
        .into_iter()
        .map(|a| ActionView {
            path: format!("/reports/{}/{}", stored.id, a.slug()),
            label: a.label(),
            reason: a.needs_reason(),
            name: a.slug(),
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
    let archived = app.store.last_year_archived(stored).await?;
    let (corrections, carries) = match &archived {
        None => (Vec::new(), Vec::new()),
        Some(then) => {
            let then = &then.report;
            let tf = then.format();
            let shown = |key: &str| {
                tf.cell(key)
                    .map(|ix| if then.cells[ix].is_empty() { "0".to_string() } else { then.cells[ix].clone() })
                    .unwrap_or_default()
            };
            let corrections = app
                .store
                .corrections(stored.id)
                .await?
                .into_iter()
                .map(|c| CorrectionView {
                    name: tf.cell(&c.key).map(|ix| tf.cell_name(ix)).unwrap_or_default(),
                    was: shown(&c.key),
                    applied: c.applied.map(|(by, at)| format!("{by}，{}", datetime(at))),
                    at: datetime(c.at),
                    key: c.key,
                    value: c.value,
                    reason: c.reason,
                    by: c.by,
                })
                .collect();
            let carries = crate::report::carry::carries(format, tf)
                .into_iter()
                .map(|c| {
                    let was = shown(&c.last);
                    (c.last, c.name, was)
                })
                .collect();
            (corrections, carries)
        }
    };
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
        mode: if access.reviewer {
            TableMode::Review
        } else {
            TableMode::Form
        },
        editable: access.may_edit(),
        regional: access.regional,
        clerk: access.clerk,
        reviewer: access.reviewer,
        state,
        shown: shown(report, &marks),
        view,
        problems,
        actions,
        deadline: Deadline::of(
            report.year,
            report.kind,
            Some(stored.status),
            app.store.clock().today(),
        ),
        approval: stored.approval.as_ref().map(|a| ApprovalView {
            by: a.by.clone(),
            at: datetime(a.at),
            sha256: a.sha256.clone(),
        }),
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
        last_year: archived.as_ref().map(|l| l.report.year),
        tuning: app.store.tuning_for(stored.agency_id, report.year).await?.described(format),
        nil: {
            let said = app.store.statements(stored.id).await?;
            crate::store::NIL_TABLES
                .iter()
                .map(|&(table, says)| {
                    let s = said.iter().find(|s| s.table == table);
                    NilView {
                        table,
                        says,
                        stated: s.map(|s| format!("{}于 {} 声明", s.by, datetime(s.at))).unwrap_or_default(),
                        withdrawn: s
                            .and_then(|s| s.withdrawn_at)
                            .map(|at| format!("声明已撤销：{} 表中填写了非零数", datetime(at)))
                            .unwrap_or_default(),
                    }
                })
                .collect()
        },
        corrections,
        carries,
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
                    name: format.heading_of(Field::Text(ix)).to_string(),
                    old: String::new(),
                    new: String::new(),
                    diff: text_diff(old, new),
                },
            })
        })
        .collect())
}
