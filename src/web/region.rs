//! The government's regional report (本行政区域): compiled from the approved reports of the
//! units in scope whenever it is shown, so it is never out of date; every cell drills down
//! to the units that contributed, each linked to its report; a unit can be left out, and
//! a compile before every unit is approved exports only as 草稿 and with a written reason.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::CurrentUser;
use super::error::AppError;
use super::extract::FormBody;
use super::jurisdiction::{node_for, year_of};
use super::page::HtmlPage;
use super::{AppState, Chrome};
use crate::account::AgencyId;
use crate::export::{self, Snapshot};
use crate::format::Part;
use crate::report::compile::{Scope, regional};
use crate::report::validate::{Values, validate_part};
use crate::report::{Kind, Report};
use crate::store::{Author, Compile, Compiling, Contribution, LeftOut, Source, StoreError};
use crate::view::{Marks, ReportView};

/// The units of the roster left out that the page lists by name.
const LISTED: i64 = 200;

/// The page's query: `year`, `under`, any number of `exclude`, and `cell` (drill-down).
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn of(raw: Option<String>) -> Params {
        Params {
            pairs: form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether the units left out are given (else the stored compile's are used).
    fn chosen(&self) -> bool {
        self.get("chosen").is_some()
    }

    fn excluded(&self) -> Vec<AgencyId> {
        let mut ids = super::extract::ids(&self.pairs, "exclude");
        // A page link cannot carry more; a reviewer leaves out a few units, not thousands.
        ids.truncate(500);
        ids
    }
}

/// The scope's query string: the level, the year and the units left out.
fn scope_query(year: i32, node: AgencyId, excluded: &[AgencyId]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("year", &year.to_string());
    q.append_pair("under", &node.to_string());
    q.append_pair("chosen", "1");
    for id in excluded {
        q.append_pair("exclude", &id.to_string());
    }
    q.finish()
}

/// The compiled report and what it covers.
struct Compiled {
    node: AgencyId,
    year: i32,
    agency: crate::account::Agency,
    /// The stored regional report's last compile, if there is one.
    stored: Option<Compile>,
    /// The approved reports summed, read only when a stored compile is compared or saved.
    sources: Option<Vec<Source>>,
    trail: Vec<(AgencyId, String)>,
    excluded: Vec<AgencyId>,
    missing: Vec<LeftOut>,
    report: Report,
    scope: Scope,
}

async fn compile(app: &AppState, me: &CurrentUser, params: &Params, reason: &str) -> Result<Compiled, AppError> {
    let (node, trail) = node_for(app, me, params.get("under")).await?;
    let government = app.store.agency(node).await?;
    if government.kind != Kind::Government {
        // Only a government has a region; a department's own report is the report.
        return Err(AppError::NotFound);
    }
    let year = year_of(app, params.get("year"));
    let stored = app.store.region_report(node, year).await?;
    let excluded = match &stored {
        Some(compile) if !params.chosen() => compile.excluded.clone(),
        _ => params.excluded(),
    };
    let (sums, included) = app.store.region_sums(node, year, &excluded).await?;
    let sources = match stored {
        Some(_) => Some(app.store.region_sources(node, year, &excluded).await?),
        None => None,
    };
    let (missing, missing_total) = app.store.region_missing(node, year, LISTED).await?;
    let mut left_out: Vec<(String, String)> = missing
        .iter()
        .map(|m| (m.name.clone(), m.status.map_or("未创建", |s| s.label()).to_string()))
        .collect();
    for id in &excluded {
        if let Ok(agency) = app.store.agency(*id).await {
            left_out.push((agency.name, "不计入".to_string()));
        }
    }
    let scope = Scope {
        included,
        left_out_total: missing_total + excluded.len() as i64,
        left_out,
        reason: reason.to_string(),
    };
    let report = regional(&government.name, year, &sums, &scope)
        .ok_or_else(|| AppError::Unprocessable(format!("{year} 年：只支持 2019 年及以后的年度报告")))?;
    Ok(Compiled {
        node,
        year,
        agency: government,
        stored,
        sources,
        trail,
        excluded,
        missing,
        report,
        scope,
    })
}

pub struct MissingLine {
    pub name: String,
    pub report: Option<i64>,
    pub status: &'static str,
    pub status_key: &'static str,
}

pub struct ExcludedLine {
    pub name: String,
    /// The page without this unit left out.
    pub restore: String,
}

pub struct DrillLine {
    pub name: String,
    pub report: i64,
    pub value: String,
    /// The page with this unit left out.
    pub exclude: String,
}

/// The stored regional report and whether its compile is still current.
pub struct SavedView {
    pub report: i64,
    pub status: &'static str,
    pub status_key: &'static str,
    pub editable: bool,
    pub at: String,
    pub by: String,
    /// What changed among the summed reports since the compile, one line each.
    pub changes: Vec<String>,
}

/// What changed among the approved reports since a compile: units added, withdrawn
/// (reopened) or re-approved with other content.
async fn changes_since(app: &AppState, compile: &Compile, now: &[Source]) -> Result<Vec<String>, AppError> {
    let then: HashMap<i64, &str> = compile.summed().into_iter().collect();
    let mut lines = Vec::new();
    for source in now {
        match then.get(&source.report) {
            None => lines.push(format!("{}：新审核通过，尚未计入", source.name)),
            Some(sha) if *sha != source.sha256 => lines.push(format!("{}：重新审核通过，内容已变化", source.name)),
            Some(_) => {}
        }
    }
    let current: std::collections::HashSet<i64> = now.iter().map(|s| s.report).collect();
    for id in then.keys().filter(|id| !current.contains(id)) {
        let (agency, status) = app.store.report_owner(*id).await?;
        let name = app.store.agency(agency).await?.name;
        lines.push(format!("{name}：已计入，现为“{}”", status.label()));
    }
    lines.sort();
    Ok(lines)
}

/// Where a lower government's own regional report is stored: its tables against the sum of
/// its units now, cell by cell (the parent-equals-sum check).
async fn lower_checks(app: &AppState, node: AgencyId, year: i32) -> Result<Vec<String>, AppError> {
    let mut found = Vec::new();
    for child in app.store.agencies_under(node).await? {
        if child.kind != Kind::Government {
            continue;
        }
        let Some(compile) = app.store.region_report(child.id, year).await? else {
            continue;
        };
        let stored = app.store.report(compile.report).await?;
        let (sums, _) = app.store.region_sums(child.id, year, &compile.excluded).await?;
        let format = stored.report.format();
        let values = Values::of(&stored.report);
        for (ix, def) in format.cells.iter().enumerate() {
            let printed = values.get(ix).unwrap_or(0);
            let sum = sums.get(&def.id).copied().unwrap_or(0);
            if printed != sum {
                found.push(format!(
                    "{}（本行政区域）{}：报告为 {}，其所辖单位之和为 {}",
                    child.name,
                    format.cell_name(ix),
                    crate::report::value::canonical(def.kind, printed),
                    crate::report::value::canonical(def.kind, sum)
                ));
            }
        }
    }
    Ok(found)
}

/// A change counts as large from half again or half less, and at least 10 (件, or 万元 for
/// amounts, in fen: 10 万元).
fn large(then: i64, now: i64, amount: bool) -> bool {
    let floor = if amount { 10 * 1_000_000 } else { 10 };
    (now - then).abs() >= floor && (then == 0 || (now - then).abs() * 2 >= then.abs())
}

/// The cells whose compiled sum changed a lot from last year's compile of the same scope.
fn year_over_year(report: &crate::report::Report, values: &Values, last: &HashMap<String, i64>) -> Vec<(String, String, String, String)> {
    let format = report.format();
    format
        .cells
        .iter()
        .enumerate()
        .filter_map(|(ix, def)| {
            let now = values.get(ix)?;
            let then = last.get(&def.id).copied().unwrap_or(0);
            if !large(then, now, def.kind.is_amount()) {
                return None;
            }
            let change = if then == 0 {
                "新增".to_string()
            } else {
                let pct = (now - then) * 100 / then;
                format!("{}{pct}%", if pct > 0 { "+" } else { "" })
            };
            Some((
                format.cell_name(ix),
                crate::report::value::canonical(def.kind, then),
                crate::report::value::canonical(def.kind, now),
                change,
            ))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "home/region.html")]
pub struct RegionPage {
    pub me: Option<Chrome>,
    pub year: i32,
    pub node: AgencyId,
    pub trail: Vec<(AgencyId, String)>,
    pub title: String,
    pub complete: bool,
    pub included: i64,
    pub missing_total: i64,
    pub missing: Vec<MissingLine>,
    pub excluded: Vec<ExcludedLine>,
    pub excluded_ids: Vec<AgencyId>,
    pub view: ReportView,
    pub problems: Vec<String>,
    /// The tables' drill-down links, without the cell's key.
    pub drill_base: String,
    /// The cell drilled into: its name, its total, and who contributed.
    pub drill: Option<(String, String, Vec<DrillLine>)>,
    pub reason: String,
    pub reason_error: String,
    pub saved: Option<SavedView>,
    /// Year over year, the cells whose sum changed a lot: (cell, last year, this year, change).
    pub changed: Vec<(String, String, String, String)>,
    /// No stored report, or one still open (草稿, 已退回): it can be (re)compiled.
    pub can_compile: bool,
    /// Lower governments' regional reports that do not equal the sum of their units.
    pub lower_checks: Vec<String>,
}

/// GET /desk/region
pub async fn page(State(app): State<AppState>, me: CurrentUser, RawQuery(raw): RawQuery) -> Result<Response, AppError> {
    let params = Params::of(raw);
    let compiled = compile(&app, &me, &params, "").await?;
    let page = region_page(&app, &me, &params, compiled, String::new()).await?;
    Ok(HtmlPage(page).into_response())
}

async fn region_page(
    app: &AppState,
    me: &CurrentUser,
    params: &Params,
    c: Compiled,
    reason_error: String,
) -> Result<RegionPage, AppError> {
    let format = c.report.format();
    let values = Values::of(&c.report);
    let violations = validate_part(&c.report, &values, None, Some(Part::Tables));
    let scope = scope_query(c.year, c.node, &c.excluded);
    let drill = match params.get("cell").and_then(|key| format.cells.iter().position(|d| d.id == key)) {
        None => None,
        Some(ix) => {
            let def = &format.cells[ix];
            let parts: Vec<Contribution> = app.store.region_cell(c.node, c.year, &def.id, &c.excluded).await?;
            let lines = parts
                .into_iter()
                .map(|p| {
                    let mut excluded = c.excluded.clone();
                    excluded.push(p.agency_id);
                    DrillLine {
                        name: p.name,
                        report: p.report,
                        value: crate::report::value::canonical(def.kind, p.value),
                        exclude: scope_query(c.year, c.node, &excluded),
                    }
                })
                .collect();
            Some((format.cell_name(ix), crate::view::display(&c.report, &values, ix), lines))
        }
    };
    let saved = match &c.stored {
        None => None,
        Some(compile) => {
            let (_, status) = app.store.report_owner(compile.report).await?;
            Some(SavedView {
                report: compile.report,
                status: status.label(),
                status_key: status.as_str(),
                editable: status.editable(),
                at: crate::clock::datetime(compile.at),
                by: compile.by.clone().unwrap_or_default(),
                changes: changes_since(app, compile, c.sources.as_deref().unwrap_or_default()).await?,
            })
        }
    };
    let lower_checks = lower_checks(app, c.node, c.year).await?;
    let (last_sums, last_count) = app.store.region_sums(c.node, c.year - 1, &c.excluded).await?;
    let changed = if last_count == 0 { Vec::new() } else { year_over_year(&c.report, &values, &last_sums) };
    let mut names = HashMap::new();
    for id in &c.excluded {
        if let Ok(agency) = app.store.agency(*id).await {
            names.insert(*id, agency.name);
        }
    }
    Ok(RegionPage {
        me: Some(Chrome::of(app, me).await),
        year: c.year,
        node: c.node,
        title: crate::view::title(&c.report),
        complete: c.scope.is_complete(),
        included: c.scope.included,
        missing_total: c.scope.left_out_total - c.excluded.len() as i64,
        missing: c
            .missing
            .iter()
            .map(|m| MissingLine {
                name: m.name.clone(),
                report: m.report,
                status: m.status.map_or("未创建", |s| s.label()),
                status_key: m.status.map_or("none", |s| s.as_str()),
            })
            .collect(),
        excluded: c
            .excluded
            .iter()
            .map(|id| ExcludedLine {
                name: names.get(id).cloned().unwrap_or_else(|| format!("#{id}")),
                restore: scope_query(
                    c.year,
                    c.node,
                    &c.excluded.iter().copied().filter(|x| x != id).collect::<Vec<_>>(),
                ),
            })
            .collect(),
        excluded_ids: c.excluded.clone(),
        view: ReportView::new(&c.report, &Marks::new(&violations, &[])),
        problems: violations.iter().map(|v| v.message.clone()).collect(),
        drill_base: format!("/desk/region?{scope}&cell="),
        drill,
        trail: c.trail,
        reason: params
            .get("reason")
            .map(str::to_string)
            .or_else(|| c.stored.as_ref().map(|s| s.reason.clone()))
            .unwrap_or_default(),
        reason_error,
        can_compile: saved.as_ref().is_none_or(|s| s.editable),
        saved,
        changed,
        lower_checks,
    })
}

/// GET /desk/region/export?format=pdf|docx|xlsx|html|json: the compiled report, always as
/// 草稿 (it is not approved); before every unit is approved only with a reason.
pub async fn export(State(app): State<AppState>, me: CurrentUser, RawQuery(raw): RawQuery) -> Result<Response, AppError> {
    let params = Params::of(raw);
    let kind = params
        .get("format")
        .and_then(export::Kind::parse)
        .ok_or_else(|| AppError::Unprocessable("请选择导出格式".into()))?;
    let reason: String = params.get("reason").unwrap_or("").trim().chars().take(1000).collect();
    let compiled = compile(&app, &me, &params, &reason).await?;
    if !compiled.scope.is_complete() && reason.is_empty() {
        let page = region_page(&app, &me, &params, compiled, "尚有单位未计入，部分汇总须填写理由（将印在报告中）".into()).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, HtmlPage(page)).into_response());
    }
    let snapshot = Snapshot::draft(compiled.report);
    let name = export::file_name(&snapshot, kind);
    let bytes = tokio::task::spawn_blocking(move || export::render(kind, &snapshot))
        .await
        .map_err(anyhow::Error::from)??;
    let mut response = ([(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()))], bytes).into_response();
    if kind != export::Kind::Html {
        let fallback = format!("region-{}.{}", compiled.year, kind.extension());
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, super::page::attachment(&name, &fallback));
    } else {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"),
        );
    }
    Ok(response)
}

/// POST /desk/region/compile: stores the compile as the government's regional report (its
/// tables replaced, its texts kept), recorded in its history and as its last compile.
pub async fn save(State(app): State<AppState>, me: CurrentUser, form: FormBody) -> Result<Response, AppError> {
    let params = Params { pairs: form.pairs.clone() };
    let reason: String = form.text("reason").chars().take(1000).collect();
    let compiled = compile(&app, &me, &params, &reason).await?;
    let back = format!("/desk/region?{}", scope_query(compiled.year, compiled.node, &compiled.excluded));
    if !compiled.scope.is_complete() && reason.is_empty() {
        let page = region_page(&app, &me, &params, compiled, "尚有单位未计入，部分汇总须填写理由（将印在报告中）".into()).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, HtmlPage(page)).into_response());
    }
    let missing = compiled.scope.left_out_total - compiled.excluded.len() as i64;
    let sources = match compiled.sources.clone() {
        Some(sources) => sources,
        None => app.store.region_sources(compiled.node, compiled.year, &compiled.excluded).await?,
    };
    let saving = Compiling {
        government: &compiled.agency,
        year: compiled.year,
        sources: &sources,
        excluded: &compiled.excluded,
        missing,
        reason: &reason,
    };
    match app.store.save_compile(&compiled.report, saving, Author::user(&me.user)).await {
        Ok(id) => {
            tracing::info!(report = id, sources = sources.len(), by = %me.user.username, "regional report compiled");
            Ok(Redirect::to(&back).into_response())
        }
        Err(StoreError::Locked(status)) => Err(AppError::Unprocessable(format!(
            "本行政区域报告{}，须先退回或重新打开才能重新汇总",
            status.label()
        ))),
        Err(err) => Err(err.into()),
    }
}
