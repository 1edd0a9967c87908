//! Downloads: one report in any format, and a reviewer's bulk export of a year's approved
//! reports as one zip, built in the background with its progress on a page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::access::report_for;
use super::auth::CurrentUser;
use super::extract::report_id;
use super::{AppState, Chrome, extract};
use crate::account::Role;
use crate::web::error::AppError;
use crate::export::{self, Kind, Snapshot};
use crate::report::status::Status;

/// `Content-Disposition` with the Chinese file name (RFC 5987) and an ASCII fallback.
fn attachment(name: &str, fallback: &str) -> HeaderValue {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// GET /reports/{id}/export.{pdf,docx,xlsx,html,json}: the HTML is shown, the rest downloaded.
pub async fn download_report(
    State(app): State<AppState>,
    me: CurrentUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let kind = file
        .strip_prefix("export.")
        .and_then(Kind::parse)
        .ok_or(AppError::NotFound)?;
    self::file(app, me, id, kind).await
}

/// Any format of a report the user may see, made from its snapshot.
async fn file(app: AppState, me: CurrentUser, id: String, kind: Kind) -> Result<Response, AppError> {
    let stored = report_for(&app, &me.user, report_id(&id)?).await?.stored;
    let snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
    let name = export::file_name(&snapshot, kind);
    let fallback = format!("report-{}-{}.{}", stored.id, stored.report.year, kind.extension());
    // A PDF waits here for its turn among the process's renders (`export::pdf::renders`).
    let bytes = tokio::task::spawn_blocking(move || export::render(kind, &snapshot))
        .await
        .map_err(anyhow::Error::from)??;
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()))],
        bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    if kind == Kind::Html {
        // The standalone page styles itself inline and runs no script at all.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
            ),
        );
    } else {
        headers.insert(header::CONTENT_DISPOSITION, attachment(&name, &fallback));
    }
    Ok(response)
}

/// One bulk export in the making.
pub struct Job {
    owner: i64,
    year: i32,
    kinds: Vec<Kind>,
    total: usize,
    done: Arc<AtomicUsize>,
    state: JobState,
}

enum JobState {
    Running,
    Done(std::path::PathBuf),
    Failed(String),
}

/// Bulk exports by id, in this process.
pub type Jobs = Arc<Mutex<HashMap<String, Job>>>;

fn jobs_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("nianbao-exports")
}

/// POST /exports: a reviewer exports every approved report of a year under their government.
pub async fn start(
    State(app): State<AppState>,
    me: CurrentUser,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let (Role::Reviewer, Some(own)) = (me.user.role, me.user.agency_id) else {
        return Err(AppError::Forbidden);
    };
    let form = extract::form(&extract::bytes(raw)?);
    let year: i32 = extract::field(&form, "year")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| AppError::Unprocessable("请选择年度".into()))?;
    let mut kinds: Vec<Kind> = form
        .iter()
        .filter(|(k, _)| k == "format")
        .filter_map(|(_, v)| Kind::parse(v))
        .collect();
    // `pdf,docx,pdf` asks for the PDF once: keep each format's first mention.
    let mut seen = std::collections::HashSet::new();
    kinds.retain(|k| seen.insert(*k));
    if kinds.is_empty() {
        return Err(AppError::Unprocessable("请至少选择一种导出格式".into()));
    }
    let subtree = app.store.subtree(own).await?;
    let mut snapshots = Vec::new();
    for summary in app.store.reports().await? {
        if summary.year == year
            && subtree.contains(&summary.agency_id)
            && matches!(summary.status, Status::Approved | Status::Published)
        {
            let stored = app.store.report(summary.id).await?;
            snapshots.push(Snapshot::of(&stored.report, stored.approval.as_ref()));
        }
    }
    if snapshots.is_empty() {
        return Err(AppError::Unprocessable(format!(
            "{year} 年度还没有审核通过的报告"
        )));
    }
    let id = crate::account::random_token()[..24].to_string();
    let done = Arc::new(AtomicUsize::new(0));
    let job = Job {
        owner: me.user.id,
        year,
        kinds: kinds.clone(),
        total: snapshots.len(),
        done: done.clone(),
        state: JobState::Running,
    };
    app.jobs
        .lock()
        .map_err(|_| anyhow::anyhow!("jobs lock poisoned"))?
        .insert(id.clone(), job);

    let jobs = app.jobs.clone();
    let job_id = id.clone();
    tokio::task::spawn_blocking(move || {
        let dir = jobs_dir();
        let path = dir.join(format!("{job_id}.zip"));
        let outcome = std::fs::create_dir_all(&dir)
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(std::fs::File::create(&path)?))
            .and_then(|file| export::bundle::write_zip(file, &snapshots, &kinds, &done).map(|_| ()));
        let state = match outcome {
            Ok(()) => JobState::Done(path),
            Err(err) => {
                tracing::error!(error = ?err, "bulk export failed");
                JobState::Failed("导出失败，请重试".into())
            }
        };
        if let Ok(mut jobs) = jobs.lock()
            && let Some(job) = jobs.get_mut(&job_id)
        {
            job.state = state;
        }
    });
    Ok(Redirect::to(&format!("/exports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "exports/job.html")]
pub struct JobPage {
    pub me: Option<Chrome>,
    pub id: String,
    pub year: i32,
    pub formats: String,
    pub total: usize,
    pub done: usize,
    /// "running", "done" or "failed".
    pub state: &'static str,
    pub message: String,
}

/// GET /exports/{id}: how far the export is; the page refreshes itself until it is done.
pub async fn progress(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let page = {
        let jobs = app
            .jobs
            .lock()
            .map_err(|_| anyhow::anyhow!("jobs lock poisoned"))?;
        let job = jobs
            .get(&id)
            .filter(|j| j.owner == me.user.id)
            .ok_or(AppError::NotFound)?;
        let (state, message) = match &job.state {
            JobState::Running => ("running", String::new()),
            JobState::Done(_) => ("done", String::new()),
            JobState::Failed(msg) => ("failed", msg.clone()),
        };
        JobPage {
            me: None,
            id: id.clone(),
            year: job.year,
            formats: job.kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"),
            total: job.total,
            done: job.done.load(Ordering::Relaxed),
            state,
            message,
        }
    };
    let page = JobPage {
        me: Some(Chrome::of(&app, &me).await),
        ..page
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}

/// GET /exports/{id}/download: the finished zip, streamed from disk.
pub async fn download(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (path, year) = {
        let jobs = app
            .jobs
            .lock()
            .map_err(|_| anyhow::anyhow!("jobs lock poisoned"))?;
        let job = jobs
            .get(&id)
            .filter(|j| j.owner == me.user.id)
            .ok_or(AppError::NotFound)?;
        match &job.state {
            JobState::Done(path) => (path.clone(), job.year),
            _ => return Err(AppError::Conflict("导出尚未完成".into())),
        }
    };
    let file = tokio::fs::File::open(&path).await.map_err(anyhow::Error::from)?;
    let length = file.metadata().await.map_err(anyhow::Error::from)?.len();
    let stream = tokio_util::io::ReaderStream::new(file);
    let name = format!("{year}年度政府信息公开工作年度报告.zip");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
            (header::CONTENT_LENGTH, HeaderValue::from(length)),
            (
                header::CONTENT_DISPOSITION,
                attachment(&name, &format!("reports-{year}.zip")),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
