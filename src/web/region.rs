//! The government's regional report (本行政区域): compiled from the approved reports of the
//! units in scope whenever it is shown, so it is never out of date; every cell drills down
//! to the units that contributed, each linked to its report; a unit can be left out, and
//! a compile before every unit is approved exports only as 草稿 and with a written reason.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::auth::CurrentUser;
use super::error::AppError;
use super::jurisdiction::{node_for, year_of};
use super::page::HtmlPage;
use super::{AppState, Chrome};
use crate::account::AgencyId;
use crate::export::{self, Snapshot};
use crate::format::Part;
use crate::report::compile::{Scope, regional};
use crate::report::validate::{Values, validate_part};
use crate::report::{Kind, Report};
use crate::store::{Contribution, LeftOut};
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

    fn excluded(&self) -> Vec<AgencyId> {
        let mut ids: Vec<AgencyId> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == "exclude")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
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
    for id in excluded {
        q.append_pair("exclude", &id.to_string());
    }
    q.finish()
}

/// The compiled report and what it covers.
struct Compiled {
    node: AgencyId,
    year: i32,
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
    let excluded = params.excluded();
    let (sums, included) = app.store.region_sums(node, year, &excluded).await?;
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
        reason: params.get("reason").unwrap_or("").to_string(),
        reason_error,
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
        let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
        if let Ok(value) = HeaderValue::from_str(&format!(
            "attachment; filename=\"region-{}.{}\"; filename*=UTF-8''{encoded}",
            compiled.year,
            kind.extension()
        )) {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
    } else {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"),
        );
    }
    Ok(response)
}
