//! 校验规则设置: an admin tunes, per jurisdiction (a government) and year, each rule's
//! severity or turns it off — without a release. The official arithmetic rules are shown
//! and cannot be changed. Every change is recorded and listed here; the reports under the
//! government are counted again, and their pages say which settings they are checked with.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::respond;
use crate::account::{AgencyId, Role};
use crate::clock::datetime;
use crate::format::{self, Severity, Version};
use crate::report::Kind;
use crate::report::tuning::{Setting, fixed};
use crate::store::StoreError;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::FormBody;
use crate::web::{AppState, Chrome};

pub struct RuleLine {
    pub id: &'static str,
    pub summary: &'static str,
    pub default: &'static str,
    pub fixed: bool,
    /// The stored setting ("error", "warning", "off"), or "" for the format's.
    pub current: &'static str,
}

pub struct ChangeLine {
    pub at: String,
    pub user: String,
    pub rule: String,
    pub old: &'static str,
    pub new: &'static str,
}

#[derive(Template)]
#[template(path = "admin/rules.html")]
pub struct RulesPage {
    pub me: Option<Chrome>,
    pub governments: Vec<(AgencyId, String, bool)>,
    pub government: Option<(AgencyId, String)>,
    pub year: i32,
    pub rules: Vec<RuleLine>,
    pub changes: Vec<ChangeLine>,
    pub notice: String,
    pub error: String,
}

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    pub government: Option<AgencyId>,
    pub year: Option<i32>,
    /// After a save: how many settings changed.
    pub saved: Option<usize>,
}

fn only_admin(me: &CurrentUser) -> Result<(), AppError> {
    if me.user.role == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
}

fn said(setting: &str) -> &'static str {
    match Setting::parse(setting) {
        Some(s) => s.label(),
        None => "按年报格式",
    }
}

async fn page(app: &AppState, me: &CurrentUser, government: Option<AgencyId>, year: i32) -> Result<RulesPage, AppError> {
    let governments: Vec<_> = app
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.kind == Kind::Government && a.region_of.is_none())
        .map(|a| (a.id, a.name, Some(a.id) == government))
        .collect();
    let chosen = governments.iter().find(|(_, _, s)| *s).map(|(id, n, _)| (*id, n.clone()));
    let (rules, changes) = match &chosen {
        Some((id, _)) => {
            let own = app.store.own_settings(*id, year).await?;
            let version = Version::for_year(year).unwrap_or(Version::V2021);
            let rules = format::get(version)
                .rules
                .iter()
                .map(|r| RuleLine {
                    id: r.id,
                    summary: r.summary,
                    default: match r.severity {
                        Severity::Error => "错误",
                        Severity::Warning => "提醒",
                    },
                    fixed: fixed(r.id),
                    current: own.iter().find(|(k, _)| k == r.id).map_or("", |(_, s)| s.as_str()),
                })
                .collect();
            let changes = app
                .store
                .setting_changes(*id, year)
                .await?
                .into_iter()
                .map(|c| ChangeLine {
                    at: datetime(c.at),
                    user: c.user,
                    old: said(&c.old),
                    new: said(&c.new),
                    rule: c.rule,
                })
                .collect();
            (rules, changes)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(RulesPage {
        me: Some(Chrome::of(app, me).await),
        governments,
        government: chosen,
        year,
        rules,
        changes,
        notice: String::new(),
        error: String::new(),
    })
}

/// GET /admin/rules?government=ID&year=Y
pub async fn show(State(app): State<AppState>, me: CurrentUser, Query(q): Query<RulesQuery>) -> Result<Response, AppError> {
    only_admin(&me)?;
    let year = q.year.unwrap_or_else(|| app.store.clock().today().year() - 1);
    let mut page = page(&app, &me, q.government, year).await?;
    if let Some(n) = q.saved {
        page.notice = format!("已保存：{n} 项设置有变化，辖区内该年度的报告已按新设置重新校验");
    }
    respond(StatusCode::OK, &page)
}

/// POST /admin/rules: the settings of one government and year, `rule:<id>` = error |
/// warning | off | "" (the format's).
pub async fn save(State(app): State<AppState>, me: CurrentUser, form: FormBody) -> Result<Response, AppError> {
    only_admin(&me)?;
    let government: AgencyId = form.text("government").parse().map_err(|_| AppError::Unprocessable("请选择人民政府".into()))?;
    let year: i32 = form
        .text("year")
        .trim()
        .parse()
        .ok()
        .filter(|y| Version::for_year(*y).is_some())
        .ok_or_else(|| AppError::Unprocessable("请填写 2019 年及以后的年度".into()))?;
    let agency = app.store.agency(government).await.map_err(|_| AppError::NotFound)?;
    if agency.kind != Kind::Government {
        return Err(AppError::Unprocessable("规则按人民政府（辖区）设置".into()));
    }
    let settings: Vec<(String, Option<Setting>)> = form
        .pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("rule:")?.to_string(), v)))
        .filter(|(rule, _)| !fixed(rule))
        .map(|(rule, v)| (rule, Setting::parse(v)))
        .collect();
    match app.store.set_rules(government, year, &settings, me.user.id).await {
        Ok(changed) => {
            tracing::info!(government, year, changed, by = %me.user.username, "rule settings saved");
            Ok(Redirect::to(&format!("/admin/rules?government={government}&year={year}&saved={changed}")).into_response())
        }
        Err(StoreError::Refused(msg)) => {
            let mut page = page(&app, &me, Some(government), year).await?;
            page.error = msg;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
