//! The history of a report: every saved change (who, when, old → new), per report and per
//! field; the report as it was at any version; and restoring a version, which is saved like
//! any other change and so becomes a new version itself.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::account::ReportId;
use crate::clock::datetime;
use crate::format::{Field, Format};
use crate::store::{Author, Change, Edit};
use crate::view::{Marks, ReportView, text_diff};
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{PathParams, ReportPath};
use crate::web::{AppState, Chrome};

/// Changes per page of the history.
const PER_PAGE: i64 = 100;

/// One changed field, as a clerk reads it.
pub struct ChangeLine {
    pub key: String,
    /// 第三部分“本年新收”行“商业企业”列, or a text's section heading.
    pub name: String,
    pub total: bool,
    /// For cells: the values, “（空）” when blank.
    pub old: String,
    pub new: String,
    /// For texts: the changes in place, as (kind, text) with kind same/del/ins/gap.
    pub diff: Vec<(&'static str, String)>,
    field: Field,
}

/// The changes one save made.
pub struct VersionChanges {
    pub version: i64,
    pub at: String,
    pub author: String,
    pub lines: Vec<ChangeLine>,
    /// Totals that changed with their parts and are not shown.
    pub hidden_totals: usize,
    /// The published file this version was imported from, in words (empty if none).
    pub import: String,
}

pub struct TransitionLine {
    pub at: String,
    pub user: String,
    pub from: &'static str,
    pub to: &'static str,
    pub note: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "history/changes.html")]
pub struct HistoryPage {
    pub me: Option<Chrome>,
    pub id: ReportId,
    pub title: String,
    pub agency: String,
    pub year: i32,
    pub current: i64,
    /// The one field shown (per-field history): its key and name.
    pub field: Option<(String, String)>,
    pub totals: bool,
    pub page: i64,
    pub more: bool,
    pub versions: Vec<VersionChanges>,
    pub transitions: Vec<TransitionLine>,
    /// Every import into the report, newest first, in words.
    pub imports: Vec<String>,
}

impl HistoryPage {
    /// This history's address at another page, keeping the field and the totals toggle.
    fn page_link(&self, page: i64) -> String {
        self.link(page, self.totals)
    }

    fn link(&self, page: i64, totals: bool) -> String {
        let mut query = Vec::new();
        if let Some((key, _)) = &self.field {
            query.push(format!("key={key}"));
        }
        if totals {
            query.push("totals=1".to_string());
        }
        if page > 1 {
            query.push(format!("page={page}"));
        }
        let base = format!("/reports/{}/history", self.id);
        if query.is_empty() {
            base
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    fn totals_link(&self) -> String {
        self.link(1, !self.totals)
    }
}

/// Query strings are read as text: a malformed page number is page 1, not an error page.
#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    key: Option<String>,
    page: Option<String>,
    totals: Option<String>,
}

fn is_total(format: &Format, field: Field) -> bool {
    matches!(field, Field::Cell(ix) if format.cells[ix].total.is_some())
}

/// A field as a clerk finds it: a cell by its part, row and column; a text by its section.
fn field_name(format: &Format, field: Field) -> String {
    match field {
        Field::Cell(ix) => format.cell_name(ix),
        Field::Text(_) => format.heading_of(field).to_string(),
    }
}

fn blank_as_word(raw: &str) -> String {
    if raw.is_empty() {
        "（空）".into()
    } else {
        raw.to_string()
    }
}

impl ChangeLine {
    fn new(format: &Format, field: Field, change: &Change) -> ChangeLine {
        let (old, new, diff) = match field {
            Field::Cell(_) => (blank_as_word(&change.old), blank_as_word(&change.new), Vec::new()),
            Field::Text(_) => (String::new(), String::new(), text_diff(&change.old, &change.new)),
        };
        ChangeLine {
            key: change.key.clone(),
            name: field_name(format, field),
            total: is_total(format, field),
            old,
            new,
            diff,
            field,
        }
    }
}

/// GET /reports/{id}/history[?key=…][&totals=1][&page=N]: the changes, newest first,
/// grouped by version; of one field with `key`.
pub async fn changes(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    Query(q): Query<HistoryQuery>,
) -> Result<Html<String>, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    let stored = &access.stored;
    let format = stored.report.format();
    let field = match q.key.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => {
            let field = format.field(key).ok_or(AppError::NotFound)?;
            Some((format.key(field).to_string(), field_name(format, field)))
        }
        None => None,
    };
    // One field's history shows that field, total or not.
    let totals = field.is_some() || q.totals.as_deref() == Some("1");
    let page = q
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);

    // A page holds PER_PAGE shown changes; hidden totals ride along with the changes after
    // them (their version's typed cells), so each version can say how many it hid.
    let hidden: Vec<&str> = match totals {
        true => Vec::new(),
        false => format
            .fields()
            .filter(|&f| is_total(format, f))
            .map(|f| format.key(f))
            .collect(),
    };
    let (rows, more) = app
        .store
        .changes_page(
            stored.id,
            field.as_ref().map(|(key, _)| key.as_str()),
            &hidden,
            page,
            PER_PAGE,
        )
        .await?;

    let mut versions: Vec<VersionChanges> = Vec::new();
    for change in &rows {
        // A key the format does not have cannot be named or shown: it never reached the report.
        let Some(f) = format.field(&change.key) else {
            continue;
        };
        if versions.last().is_none_or(|v| v.version != change.version) {
            versions.push(VersionChanges {
                version: change.version,
                at: datetime(change.at),
                author: change.author.clone(),
                lines: Vec::new(),
                hidden_totals: 0,
                import: String::new(),
            });
        }
        let Some(group) = versions.last_mut() else {
            continue;
        };
        if is_total(format, f) && !totals {
            group.hidden_totals += 1;
        } else {
            group.lines.push(ChangeLine::new(format, f, change));
        }
    }
    for group in &mut versions {
        // Within a save, in reading order rather than the order the fields were written.
        group.lines.sort_by_key(|l| l.field);
    }

    let mut transitions: Vec<TransitionLine> = app
        .store
        .transitions(stored.id)
        .await?
        .into_iter()
        .map(|t| TransitionLine {
            at: datetime(t.at),
            user: t.user,
            from: t.from.label(),
            to: t.to.label(),
            note: t.note,
            version: t.version,
        })
        .collect();
    transitions.reverse();
    let records = app.store.imports(stored.id).await?;
    let said = |r: &crate::store::ImportRecord| {
        format!(
            "从已发布的年报导入：{}（{}，SHA-256 {}）{}",
            r.file_name,
            match r.read_as.as_str() {
                "html" => "网页",
                "pdf" => "PDF",
                _ => "文本",
            },
            r.sha256,
            if r.unsure > 0 { format!("，{} 格待核对", r.unsure) } else { String::new() }
        )
    };
    for group in &mut versions {
        if let Some(r) = records.iter().find(|r| r.version == group.version) {
            group.import = said(r);
        }
    }
    let imports = records
        .iter()
        .map(|r| format!("{} {}：第 {} 版，{}", datetime(r.at), r.user, r.version, said(r)))
        .collect();

    let page = HistoryPage {
        me: Some(Chrome::of(&app, &me).await),
        id: stored.id,
        title: crate::view::title(&stored.report),
        agency: stored.report.agency.clone(),
        year: stored.report.year,
        current: stored.version,
        field,
        totals,
        page,
        more,
        versions,
        transitions,
        imports,
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

#[derive(Template)]
#[template(path = "history/version.html")]
pub struct VersionPage {
    pub me: Option<Chrome>,
    pub id: ReportId,
    pub title: String,
    pub agency: String,
    pub year: i32,
    pub version: i64,
    pub current: i64,
    /// “2026-11-25 17:03，张三”, “新建于 …”, or empty when the version recorded no change.
    pub stamp: String,
    /// Fields that differ from the current content (totals not counted).
    pub differences: usize,
    pub restore: bool,
    pub view: ReportView,
}

/// Who made version `v` and when, from its own changes.
async fn stamp(app: &AppState, id: ReportId, v: i64, created_at: i64) -> Result<String, AppError> {
    if v == 1 {
        return Ok(format!("新建于 {}", datetime(created_at)));
    }
    Ok(match app.store.version_author(id, v).await? {
        Some((author, at)) => format!("{}，{author}", datetime(at)),
        None => String::new(),
    })
}

/// GET /reports/{id}/versions/{v}: the report as it was at version `v`, read-only.
pub async fn version(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    params: PathParams,
) -> Result<Html<String>, AppError> {
    let access = report_for(&app, &me.user, id).await?;
    let v = params.number("v")?;
    let stored = &access.stored;
    let then = app.store.report_at(stored.id, v).await?;
    let format = then.format();
    let differences = format
        .fields()
        .filter(|&f| !is_total(format, f) && then.get(f) != stored.report.get(f))
        .count();
    let page = VersionPage {
        me: Some(Chrome::of(&app, &me).await),
        id: stored.id,
        title: crate::view::title(&stored.report),
        agency: stored.report.agency.clone(),
        year: stored.report.year,
        version: v,
        current: stored.version,
        stamp: stamp(&app, stored.id, v, stored.created_at).await?,
        differences,
        restore: access.may_edit() && differences > 0,
        view: ReportView::new(&then, &Marks::none()),
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

/// POST /reports/{id}/versions/{v}/restore: saves, as one new version by this clerk, every
/// field whose value differs from version `v`. Totals are left out: they follow their parts.
pub async fn restore(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    params: PathParams,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?.edit()?;
    let v = params.number("v")?;
    let stored = &access.stored;
    if v < 1 || v > stored.version {
        return Err(AppError::NotFound);
    }
    let format = stored.report.format();
    let edits: Vec<Edit> = app
        .store
        .values_at(stored.id, v)
        .await?
        .into_iter()
        .filter(|(key, old)| {
            format
                .field(key)
                .is_some_and(|f| !is_total(format, f) && stored.report.get(f) != old)
        })
        .map(|(key, old)| Edit::new(key, old))
        .collect();
    if !edits.is_empty() {
        // Saved against the version just read: a field someone changes meanwhile is a
        // conflict, not overwritten.
        let saved = app
            .store
            .save(stored.id, stored.version, &edits, Author::user(&me.user))
            .await?;
        if !saved.conflicts.is_empty() {
            return Err(AppError::Conflict(format!(
                "恢复时有 {} 处刚被他人修改，这几处未恢复，其余已恢复。请查看修改记录后再试",
                saved.conflicts.len()
            )));
        }
    }
    Ok(Redirect::to(&format!("/reports/{}", stored.id)).into_response())
}
