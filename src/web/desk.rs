//! The supervisor's desk (`/desk`): a reviewer's jurisdiction for a year as a tree, one
//! level at a time, with the counts of every lower government; filters across the whole
//! jurisdiction; the list as CSV or Excel; and reminders (催报) to the units selected.
//!
//! Every number comes from `store::desk` (grouped SQL, standing kept with each report), so
//! a page costs three queries whether the jurisdiction has fifty units or fifty thousand.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::CurrentUser;
use super::error::AppError;
use super::extract::FormBody;
use super::page::HtmlPage;
use super::jurisdiction::{node_for, year_of};
use super::{AppState, Chrome};
use crate::account::AgencyId;
use crate::clock::datetime;
use crate::report::Kind;
use crate::report::status::Status;
use crate::store::{Counts, Desk, DeskQuery, DeskUnit, Filter, Sort};
use crate::view::Deadline;

/// Units per page.
const PAGE: i64 = 50;
/// The most rows a download holds: a province.
const DOWNLOAD_LIMIT: i64 = 100_000;

/// The desk's query string; every field optional, anything unknown ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    year: Option<String>,
    under: Option<String>,
    status: Option<String>,
    errors: Option<String>,
    overdue: Option<String>,
    returned: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    /// How many reminders were just sent (after a 催报), or `none` when no unit was chosen.
    remind: Option<String>,
}

impl Params {
    fn filter(&self) -> Filter {
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        let status = self.status.as_deref().unwrap_or("");
        Filter {
            status: Status::parse(status),
            missing: status == "none",
            has_errors: on(&self.errors),
            overdue: on(&self.overdue),
            returned: on(&self.returned),
            kind: self.kind.as_deref().and_then(Kind::parse),
            name: self.q.clone().unwrap_or_default().trim().chars().take(100).collect(),
        }
    }

    fn sort(&self) -> Sort {
        self.sort.as_deref().and_then(Sort::parse).unwrap_or_default()
    }

    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000)
    }

    /// The query string of these parameters with `page` replaced (for the pager's links).
    fn with_page(&self, year: i32, node: AgencyId, page: i64) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("year", &year.to_string());
        q.append_pair("under", &node.to_string());
        for (key, value) in [
            ("status", &self.status),
            ("errors", &self.errors),
            ("overdue", &self.overdue),
            ("returned", &self.returned),
            ("kind", &self.kind),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(key, v);
            }
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        q.finish()
    }
}

/// One unit's line as the desk shows it (and the downloads write it).
pub struct Line {
    pub agency_id: AgencyId,
    pub name: String,
    pub kind: &'static str,
    pub parent: String,
    pub report: Option<i64>,
    pub status: &'static str,
    pub status_key: &'static str,
    pub errors: i64,
    pub warnings: i64,
    pub explained: i64,
    pub updated: String,
    pub deadline: Deadline,
    /// Days since it was returned, while it stays returned.
    pub returned_days: Option<i64>,
    pub corrected: i64,
    pub lost: i64,
    /// 雷同: the largest share of a section repeated from last year, per cent.
    pub copied: i64,
    /// A lower government: its subtree's counts, and the link into it.
    pub branch: Option<Bar>,
    /// The level's own government (本机关), shown first.
    pub own: bool,
}

/// Counts as the page draws them: numbers and the widths of a stacked bar.
pub struct Bar {
    pub counts: Counts,
    /// (css class, label, count, start and width in per mille) in the order the bar draws
    /// them (an SVG: the page's CSP allows no inline style).
    pub parts: Vec<(&'static str, &'static str, i64, i64, i64)>,
    pub on_time_rate: String,
    pub approved_rate: String,
}

impl Bar {
    fn of(counts: Counts) -> Bar {
        let width = |n: i64| if counts.expected == 0 { 0 } else { n * 1000 / counts.expected };
        let parts = [
            ("published", "已发布", counts.published),
            ("approved", "已通过", counts.approved),
            ("submitted", "已提交", counts.submitted),
            ("returned", "已退回", counts.returned),
            ("draft", "草稿", counts.draft),
            ("none", "未创建", counts.missing),
        ]
        .into_iter()
        .scan(0, |x, (class, label, n)| {
            let start = *x;
            *x += width(n);
            Some((class, label, n, start, width(n)))
        })
        .collect();
        Bar {
            parts,
            on_time_rate: percent(counts.on_time, counts.expected),
            approved_rate: percent(counts.approved + counts.published, counts.expected),
            counts,
        }
    }
}

/// 37.5 %, in whole tenths, without floating point.
fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[derive(Template)]
#[template(path = "home/desk.html")]
pub struct DeskPage {
    pub me: Option<Chrome>,
    pub year: i32,
    pub years: Vec<i32>,
    pub node: AgencyId,
    /// From the reviewer's own government down to the level shown: (id, name).
    pub trail: Vec<(AgencyId, String)>,
    pub node_name: String,
    pub total: Bar,
    pub lines: Vec<Line>,
    pub filtered: bool,
    pub matched: i64,
    pub first: i64,
    pub last: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub here: String,
    pub kind: String,
    pub q: String,
    pub errors: bool,
    pub overdue: bool,
    pub returned: bool,
    pub sorts: Vec<(&'static str, &'static str, bool)>,
    pub statuses: Vec<(&'static str, &'static str, bool)>,
    /// After a 催报: how many were sent, or that none was chosen.
    pub sent: Option<String>,
}

fn line(app: &AppState, unit: DeskUnit, desk: &Desk, node: AgencyId, year: i32, filtered: bool) -> Line {
    let today = app.store.clock().today();
    let now = app.store.now();
    let status = unit.report.as_ref().map(|r| r.status);
    let branch = (!filtered && unit.kind == Kind::Government && unit.agency_id != node)
        .then(|| desk.branches.get(&unit.agency_id).copied().map(Bar::of))
        .flatten();
    let report = unit.report.as_ref();
    let standing = report.map(|r| r.standing).unwrap_or_default();
    Line {
        agency_id: unit.agency_id,
        name: unit.name,
        kind: unit.kind.label(),
        parent: unit.parent.unwrap_or_default(),
        report: report.map(|r| r.id),
        status: status.map_or("未创建", Status::label),
        status_key: status.map_or("none", Status::as_str),
        errors: standing.errors,
        warnings: standing.warnings,
        explained: standing.explained,
        updated: report.map(|r| datetime(r.updated_at)).unwrap_or_default(),
        deadline: Deadline::of(year, unit.kind, status, today),
        returned_days: report
            .filter(|r| r.status == Status::Returned)
            .and_then(|r| r.status_at)
            .map(|at| (now - at).max(0) / 86_400),
        corrected: standing.corrected,
        lost: standing.lost,
        copied: standing.copied,
        branch,
        own: unit.agency_id == node,
    }
}

async fn lines(
    app: &AppState,
    node: AgencyId,
    year: i32,
    params: &Params,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Line>, Desk, bool), AppError> {
    let filter = params.filter();
    let filtered = !filter.is_empty();
    let query = DeskQuery {
        node,
        year,
        filter,
        sort: params.sort(),
        offset,
        limit,
    };
    let mut desk = app.store.desk(&query).await?;
    let units = std::mem::take(&mut desk.units);
    let lines = units
        .into_iter()
        .map(|unit| line(app, unit, &desk, node, year, filtered))
        .collect();
    Ok((lines, desk, filtered))
}

/// GET /desk
pub async fn page(State(app): State<AppState>, me: CurrentUser, Query(params): Query<Params>) -> Result<Response, AppError> {
    let (node, trail) = node_for(&app, &me, params.under.as_deref()).await?;
    let year = year_of(&app, params.year.as_deref());
    let page = params.page();
    let (lines, desk, filtered) = lines(&app, node, year, &params, (page - 1) * PAGE, PAGE).await?;
    let mut years = app.store.desk_years(node).await?;
    years.push(app.store.clock().working_year());
    years.push(year);
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let first = if desk.matched == 0 { 0 } else { (page - 1) * PAGE + 1 };
    let last = ((page - 1) * PAGE + lines.len() as i64).min(desk.matched);
    let sort = params.sort();
    let page_view = DeskPage {
        me: Some(Chrome::of(&app, &me).await),
        year,
        years,
        node,
        node_name: trail.last().map(|(_, n)| n.clone()).unwrap_or_default(),
        trail,
        total: Bar::of(desk.total),
        prev: (page > 1).then(|| params.with_page(year, node, page - 1)),
        next: (last < desk.matched).then(|| params.with_page(year, node, page + 1)),
        here: params.with_page(year, node, page),
        lines,
        filtered,
        matched: desk.matched,
        first,
        last,
        kind: params.kind.clone().unwrap_or_default(),
        q: params.q.clone().unwrap_or_default(),
        errors: params.filter().has_errors,
        overdue: params.filter().overdue,
        returned: params.filter().returned,
        statuses: std::iter::once(("none", "未创建"))
            .chain(Status::ALL.iter().map(|s| (s.as_str(), s.label())))
            .map(|(v, l)| (v, l, params.status.as_deref() == Some(v)))
            .collect(),
        sorts: Sort::ALL.iter().map(|s| (s.as_str(), s.label(), *s == sort)).collect(),
        sent: params.remind.as_ref().map(|r| match r.parse::<usize>() {
            Ok(n) => format!("已向 {n} 个单位发送催报"),
            Err(_) => "请先勾选要催报的单位".to_string(),
        }),
    };
    Ok(HtmlPage(page_view).into_response())
}

/// The columns of a download, as the desk shows them.
const COLUMNS: [&str; 14] = [
    "机关", "类型", "上级机关", "状态", "错误", "提醒", "已说明提醒", "最后修改", "法定发布期限", "期限情况", "退回未重新提交（天）", "纠错", "败诉",
    "与上年雷同（%）",
];

fn row(l: &Line) -> [String; 14] {
    [
        l.name.clone(),
        l.kind.to_string(),
        l.parent.clone(),
        l.status.to_string(),
        l.errors.to_string(),
        l.warnings.to_string(),
        l.explained.to_string(),
        l.updated.clone(),
        l.deadline.date.clone(),
        l.deadline.left.clone(),
        l.returned_days.map(|d| d.to_string()).unwrap_or_default(),
        l.corrected.to_string(),
        l.lost.to_string(),
        if l.report.is_some() { l.copied.to_string() } else { String::new() },
    ]
}

/// A cell a spreadsheet would take for a formula starts with an apostrophe.
fn as_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// GET /desk/list.csv and /desk/list.xlsx: every line the filters match (all pages).
pub async fn download(
    State(app): State<AppState>,
    me: CurrentUser,
    Query(params): Query<Params>,
    file: &'static str,
) -> Result<Response, AppError> {
    let (node, trail) = node_for(&app, &me, params.under.as_deref()).await?;
    let year = year_of(&app, params.year.as_deref());
    let (lines, _, _) = lines(&app, node, year, &params, 0, DOWNLOAD_LIMIT).await?;
    let name = trail.last().map(|(_, n)| n.as_str()).unwrap_or("辖区");
    let (bytes, mime, ext) = if file == "xlsx" {
        (xlsx(&lines)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
    } else {
        (csv(&lines)?, "text/csv; charset=utf-8", "csv")
    };
    let filename = format!("{name}{year}年度报告情况.{ext}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::CONTENT_DISPOSITION,
        super::page::attachment(&filename, &format!("desk.{ext}")),
    );
    Ok(response)
}

fn csv(lines: &[Line]) -> Result<Vec<u8>, AppError> {
    // A BOM, so Excel opens the UTF-8 file as UTF-8.
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let write = |w: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        w.write_record(COLUMNS)?;
        for l in lines {
            w.write_record(row(l).iter().map(|c| as_text(&crate::export::glyphs::printable(c))))?;
        }
        w.flush()?;
        Ok(())
    };
    write(&mut writer).map_err(|e| AppError::Internal(e.into()))?;
    writer.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

fn xlsx(lines: &[Line]) -> Result<Vec<u8>, AppError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
    for (c, title) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *title).map_err(fail)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row(l).iter().enumerate() {
            let c = c as u16;
            // The counts as numbers, so the sheet can sum them.
            match (c, cell.parse::<i64>()) {
                (4..=6 | 10..=12, Ok(n)) => sheet.write_number(r, c, n as f64).map_err(fail)?,
                _ => sheet.write_string(r, c, crate::export::glyphs::printable(cell)).map_err(fail)?,
            };
        }
    }
    sheet.set_column_width(0, 36).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// POST /desk/remind: 催报 to the units selected.
pub async fn remind(State(app): State<AppState>, me: CurrentUser, form: FormBody) -> Result<Response, AppError> {
    let (node, _) = node_for(&app, &me, form.get("under")).await?;
    let year = year_of(&app, form.get("year"));
    let chosen = super::extract::ids(&form.pairs, "agency");
    let back = form.text("back");
    let back = if back.starts_with("year=") { back } else { format!("year={year}&under={node}") };
    if chosen.is_empty() {
        return Ok(Redirect::to(&format!("/desk?{back}&remind=none")).into_response());
    }
    // Only units of this reviewer's jurisdiction: anything else does not exist for them.
    let own = me.user.agency_id.ok_or(AppError::Forbidden)?;
    let subtree = app.store.subtree(own).await?;
    if chosen.iter().any(|id| !subtree.contains(id)) {
        return Err(AppError::NotFound);
    }
    let body: String = form.text("body").chars().take(500).collect();
    let body = if body.is_empty() {
        format!("请尽快完成 {year} 年度政府信息公开工作年度报告的填报并提交审核。")
    } else {
        body
    };
    let sent = app.store.remind(&chosen, year, me.user.id, &body).await?;
    tracing::info!(count = sent, by = %me.user.username, year, "reminders sent");
    Ok(Redirect::to(&format!("/desk?{back}&remind={sent}")).into_response())
}
