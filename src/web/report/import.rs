//! 从已发布的年报导入: a clerk fills a draft from the report as the agency published it — a
//! saved web page, a PDF, or the page's text pasted. The values become the draft (one new
//! version, its history naming the file and its SHA-256); what the import could not read
//! with certainty is marked 请核对 at the cell until the clerk confirms or changes it.
//! A file that cannot be read changes nothing.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_htmx::{HxRefresh, HxRequest};

use super::form::save_as;
use crate::account::{ReportId, Role};
use crate::format::Version;
use crate::import::{self, Imported};
use crate::store::{Author, StoreError};
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{FormBody, ReportPath};
use crate::web::{AppState, Chrome};

/// The largest upload: a little over what the import reads, so that a larger file gets
/// the import's own message (文件过大) rather than a refused request.
pub const UPLOAD_LIMIT: usize = import::LIMIT + 64 * 1024;

#[derive(Template)]
#[template(path = "reports/import.html")]
pub struct ImportPage {
    pub me: Option<Chrome>,
    /// The report imported into, or `None` for a new report.
    pub report: Option<(ReportId, String, i64)>,
    pub error: String,
    pub pasted: String,
}

/// What an upload carries: the file or the pasted text, and the form's version.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    pasted: String,
    version: Option<i64>,
}

async fn read_upload(upload: Result<Multipart, MultipartRejection>) -> Result<Upload, String> {
    let unreadable = || "无法读取上传的文件，请重新选择后再试".to_string();
    let mut upload = upload.map_err(|_| unreadable())?;
    let mut out = Upload {
        name: String::new(),
        bytes: Vec::new(),
        pasted: String::new(),
        version: None,
    };
    while let Some(field) = upload.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("file") => {
                out.name = field.file_name().unwrap_or_default().to_string();
                out.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            import::NotRead::TooLarge(import::LIMIT / 1024 / 1024 + 1).to_string()
                        } else {
                            unreadable()
                        }
                    })?
                    .to_vec();
            }
            Some("text") => out.pasted = field.text().await.map_err(|_| unreadable())?,
            Some("version") => out.version = field.text().await.ok().and_then(|v| v.trim().parse().ok()),
            _ => {}
        }
    }
    Ok(out)
}

/// Reads what was uploaded or pasted; `Err` is the message for the page.
/// Parsing a PDF takes milliseconds of CPU, a large page more: off the async workers.
async fn read_published(upload: &Upload) -> Result<(Imported, String), String> {
    let (bytes, name) = if !upload.bytes.is_empty() {
        let name = if upload.name.is_empty() { "上传的文件".to_string() } else { upload.name.clone() };
        (upload.bytes.clone(), name)
    } else if upload.pasted.trim().is_empty() {
        return Err("请选择已发布的年报文件（网页、PDF 或文本），或粘贴页面的文字".into());
    } else {
        (upload.pasted.clone().into_bytes(), "粘贴的页面文字".to_string())
    };
    tokio::task::spawn_blocking(move || import::read(&bytes, None, None))
        .await
        .map_err(|_| "读取文件时出错，请重试".to_string())?
        .map(|i| (i, name))
        .map_err(|e| e.to_string())
}

fn page(app: &AppState, me: &CurrentUser, report: Option<(ReportId, String, i64)>) -> impl Future<Output = ImportPage> {
    let app = app.clone();
    let me = me.clone();
    async move {
        ImportPage {
            me: Some(Chrome::of(&app, &me).await),
            report,
            error: String::new(),
            pasted: String::new(),
        }
    }
}

fn refused(mut page: ImportPage, error: String, pasted: String) -> Result<Response, AppError> {
    page.error = error;
    page.pasted = pasted;
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// GET /reports/{id}/import
pub async fn form(State(app): State<AppState>, me: CurrentUser, ReportPath(id): ReportPath) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?.edit()?;
    let title = crate::view::title(&access.stored.report);
    let page = page(&app, &me, Some((id, title, access.stored.version))).await;
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}

/// GET /reports/import: a new report from a published one (the year is the file's).
pub async fn new_form(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    clerk_agency(&me)?;
    let page = page(&app, &me, None).await;
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}

fn clerk_agency(me: &CurrentUser) -> Result<i64, AppError> {
    match (me.user.role, me.user.agency_id) {
        (Role::Clerk, Some(agency)) => Ok(agency),
        _ => Err(AppError::Forbidden),
    }
}

/// POST /reports/{id}/import
pub async fn into_report(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    upload: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?.edit()?;
    let stored = &access.stored;
    let blank = page(&app, &me, Some((id, crate::view::title(&stored.report), stored.version))).await;
    let upload = match read_upload(upload).await {
        Ok(u) => u,
        Err(msg) => return refused(blank, msg, String::new()),
    };
    let (imported, name) = match read_published(&upload).await {
        Ok(read) => read,
        Err(msg) => return refused(blank, msg, upload.pasted),
    };
    if imported.report.year != stored.report.year {
        let msg = format!(
            "文件是 {} 年度的报告，而本报告是 {} 年度：请打开 {} 年度的报告再导入，或从首页“从已发布的年报新建”",
            imported.report.year, stored.report.year, imported.report.year
        );
        return refused(blank, msg, upload.pasted);
    }
    let expected = upload.version.unwrap_or(stored.version);
    fill(&app, &me, (id, expected), &imported, &name, blank, upload.pasted).await
}

/// Fills report `id` at version `expected` with what was read, and opens it; what the
/// store refuses (someone saved in between, a value too long) is said on the import page.
async fn fill(
    app: &AppState,
    me: &CurrentUser,
    (id, expected): (ReportId, i64),
    imported: &Imported,
    name: &str,
    blank: ImportPage,
    pasted: String,
) -> Result<Response, AppError> {
    match app
        .store
        .fill_from_import(id, expected, imported, name, Author::user(&me.user))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reports/{id}")).into_response()),
        Err(StoreError::Stale { .. }) => refused(
            blank,
            "导入前报告已被他人修改，未导入：请查看最新内容后再导入".into(),
            pasted,
        ),
        Err(StoreError::Refused(msg)) => refused(blank, msg, pasted),
        Err(e) => Err(e.into()),
    }
}

/// POST /reports/import: opens (or creates) the clerk's report of the file's year and
/// fills it, when that report is still a draft.
pub async fn new_report(
    State(app): State<AppState>,
    me: CurrentUser,
    upload: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let agency = clerk_agency(&me)?;
    let blank = page(&app, &me, None).await;
    let upload = match read_upload(upload).await {
        Ok(u) => u,
        Err(msg) => return refused(blank, msg, String::new()),
    };
    let (imported, name) = match read_published(&upload).await {
        Ok(read) => read,
        Err(msg) => return refused(blank, msg, upload.pasted),
    };
    let year = imported.report.year;
    if Version::for_year(year).is_none() || year > app.store.clock().today().year() {
        return refused(blank, format!("文件是 {year} 年度的报告：不能填报该年度"), upload.pasted);
    }
    let id = app.store.open_report(agency, year).await?;
    let stored = app.store.report(id).await?;
    if !stored.status.editable() {
        let msg = format!("本单位 {year} 年度的报告{}，不能再导入", stored.status.label());
        return refused(blank, msg, upload.pasted);
    }
    fill(&app, &me, (id, stored.version), &imported, &name, blank, upload.pasted).await
}

/// POST /reports/{id}/confirm: the clerk confirms an imported value as read (请核对 → done).
/// The button sits in the report form, so what was typed is saved first.
pub async fn confirm(
    State(app): State<AppState>,
    me: CurrentUser,
    HxRequest(from_htmx): HxRequest,
    ReportPath(id): ReportPath,
    form: FormBody,
) -> Result<Response, AppError> {
    let access = report_for(&app, &me.user, id).await?.edit()?;
    if form.get("version").is_some() {
        save_as(&app, &me.user, id, &form.pairs).await?;
    }
    let key = form.text("confirm");
    app.store.confirm_unsure(access.stored.id, &key).await?;
    if from_htmx {
        return Ok((HxRefresh(true), "").into_response());
    }
    Ok(Redirect::to(&format!("/reports/{id}#f-{key}")).into_response())
}
