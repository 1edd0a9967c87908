//! Downloads: one report in any format, and a reviewer's bulk export of a year's approved
//! reports as one zip, built in the background with its progress on a page.
//!
//! A bulk export is a job in the database (`store::jobs`): this instance builds it in a
//! task, writing the zip into the database a chunk at a time as it is made and beating the
//! job's heartbeat; any instance shows the progress and streams the zip back a chunk at a
//! time. Nothing of it is on disk, and no whole zip is ever in memory.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::access::report_for;
use super::auth::CurrentUser;
use super::extract::{PathParams, ReportPath};
use super::{AppState, Chrome, extract};
use crate::account::ReportId;
use crate::account::Role;
use crate::export::{self, Kind, Snapshot};
use crate::store::{ExportJob, JobState, Store, StoreError};
use crate::web::error::AppError;
use crate::web::page::attachment;

/// GET /reports/{id}/export.{pdf,docx,xlsx,html,json}: the HTML is shown, the rest downloaded.
pub async fn download_report(
    State(app): State<AppState>,
    me: CurrentUser,
    ReportPath(id): ReportPath,
    params: PathParams,
) -> Result<Response, AppError> {
    let kind = params
        .text("file")?
        .strip_prefix("export.")
        .and_then(Kind::parse)
        .ok_or(AppError::NotFound)?;
    self::file(app, me, id, kind).await
}

/// Any format of a report the user may see, made from its snapshot.
async fn file(app: AppState, me: CurrentUser, id: ReportId, kind: Kind) -> Result<Response, AppError> {
    let stored = report_for(&app, &me.user, id).await?.stored;
    let mut snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
    crate::report::carry::print_corrections(&mut snapshot.report, &app.store.correction_notes(&stored).await?);
    if let Some(compile) = app.store.compile_of(id).await?
        && compile.missing > 0
    {
        crate::report::compile::mark_partial(&mut snapshot.report, compile.missing, &compile.reason);
    }
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

/// The zip goes to the database in pieces of this size.
const CHUNK: usize = 1024 * 1024;
/// How often a running job's progress and heartbeat are written, at the least.
const BEAT: std::time::Duration = std::time::Duration::from_secs(1);
/// A heartbeat is written this often even when no report was finished since the last.
const IDLE_BEAT: std::time::Duration = std::time::Duration::from_secs(10);

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
    let asked: Vec<Kind> = form
        .iter()
        .filter(|(k, _)| k == "format")
        .filter_map(|(_, v)| Kind::parse(v))
        .collect();
    // `pdf,docx,pdf` asks for the PDF once.
    let kinds = Kind::each_once(&asked);
    if kinds.is_empty() {
        return Err(AppError::Unprocessable("请至少选择一种导出格式".into()));
    }
    let mut snapshots = Vec::new();
    for id in app.store.approved_in(own, year).await? {
        let stored = app.store.report(id).await?;
        let mut snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
        crate::report::carry::print_corrections(&mut snapshot.report, &app.store.correction_notes(&stored).await?);
        snapshots.push(snapshot);
    }
    if snapshots.is_empty() {
        return Err(AppError::Unprocessable(format!(
            "{year} 年度还没有审核通过的报告"
        )));
    }
    let id = crate::account::random_token()[..24].to_string();
    let total = i64::try_from(snapshots.len()).map_err(anyhow::Error::from)?;
    let formats: Vec<&str> = kinds.iter().map(|k| k.extension()).collect();
    app.store
        .create_job(&id, me.user.id, year, &formats, total)
        .await?;
    tokio::spawn(build(app.store.clone(), id.clone(), snapshots, kinds));
    Ok(Redirect::to(&format!("/exports/{id}")).into_response())
}

/// Builds the zip of job `id`: rendered on blocking threads, written to the database as it
/// comes, with the progress; the job ends done or failed (or, if this instance dies, is
/// failed by the sweep when its heartbeat stops).
async fn build(store: Store, id: String, snapshots: Vec<Snapshot>, kinds: Vec<Kind>) {
    let done = Arc::new(AtomicUsize::new(0));
    // Two chunks in flight at most: the renderers wait while the database catches up.
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
    let counted = done.clone();
    let render = tokio::task::spawn_blocking(move || {
        let sink = Chunks {
            send,
            buf: Vec::with_capacity(CHUNK),
        };
        export::bundle::write_zip_stream(sink, &snapshots, &kinds, &counted)?.flush_last()
    });
    let outcome = store_chunks(&store, &id, &mut receive, &done).await;
    // Dropping the receiver stops the renderers at their next chunk, if they still run.
    drop(receive);
    let rendered = render.await.map_err(anyhow::Error::from).and_then(|r| r);
    let finished = match (outcome, rendered) {
        (Ok(Some(size)), Ok(())) => store.finish_job(&id, size).await.map(|_| ()),
        // Swept as dead meanwhile: it stays failed, as its page already says.
        (Ok(None), _) => Ok(()),
        (Err(err), _) => {
            tracing::error!(error = ?err, job = %id, "bulk export could not be stored");
            store.fail_job(&id, "导出失败，请重试").await
        }
        (Ok(Some(_)), Err(err)) => {
            tracing::error!(error = ?err, job = %id, "bulk export failed");
            store.fail_job(&id, "导出失败，请重试").await
        }
    };
    if let Err(err) = finished {
        // The job stays running without a heartbeat: the sweep fails it within a minute.
        tracing::error!(error = ?err, job = %id, "bulk export's end could not be stored");
    }
}

/// Writes the chunks as they come and the progress at least every [`BEAT`]; the zip's
/// length once the renderers are through, `None` when the job stopped running meanwhile.
async fn store_chunks(
    store: &Store,
    id: &str,
    receive: &mut tokio::sync::mpsc::Receiver<Vec<u8>>,
    done: &AtomicUsize,
) -> Result<Option<i64>, StoreError> {
    let mut beat = tokio::time::interval(BEAT);
    let (mut seq, mut size) = (0i64, 0i64);
    let mut written = (0usize, std::time::Instant::now());
    loop {
        tokio::select! {
            chunk = receive.recv() => {
                let Some(bytes) = chunk else { return Ok(Some(size)) };
                if !store.add_job_chunk(id, seq, &bytes).await? {
                    return Ok(None);
                }
                seq += 1;
                size += i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            }
            _ = beat.tick() => {
                let now = done.load(Ordering::Relaxed);
                if now != written.0 || written.1.elapsed() >= IDLE_BEAT {
                    if !store.job_progress(id, i64::try_from(now).unwrap_or(i64::MAX)).await? {
                        return Ok(None);
                    }
                    written = (now, std::time::Instant::now());
                }
            }
        }
    }
}

/// Where the zip writer writes: full chunks go to the task that stores them.
struct Chunks {
    send: tokio::sync::mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn pass_on(&mut self) -> std::io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.send
            .blocking_send(full)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the job stopped"))
    }

    /// Passes on what is left after the zip's end.
    fn flush_last(mut self) -> anyhow::Result<()> {
        if !self.buf.is_empty() {
            self.pass_on()?;
        }
        Ok(())
    }
}

impl Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let taken = bytes.len().min(room);
        self.buf.extend_from_slice(&bytes[..taken]);
        if self.buf.len() == CHUNK {
            self.pass_on()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The job `id` of the signed-in user: someone else's is not found, like one that is not.
async fn owned(app: &AppState, me: &CurrentUser, id: &str) -> Result<ExportJob, AppError> {
    match app.store.owned_job(id, me.user.id).await {
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        other => Ok(other?),
    }
}

#[derive(Template)]
#[template(path = "exports/job.html")]
pub struct JobPage {
    pub me: Option<Chrome>,
    pub id: String,
    pub year: i32,
    pub formats: String,
    pub total: i64,
    pub done: i64,
    /// "running", "done" or "failed".
    pub state: &'static str,
    pub message: String,
}

/// GET /exports/{id}: how far the export is; the page refreshes itself until it is done.
pub async fn progress(
    State(app): State<AppState>,
    me: CurrentUser,
    params: PathParams,
) -> Result<Response, AppError> {
    let job = owned(&app, &me, params.text("id")?).await?;
    let formats = job
        .formats
        .iter()
        .map(|f| Kind::parse(f).map_or_else(|| f.clone(), |k| k.label().to_string()))
        .collect::<Vec<_>>()
        .join("、");
    let page = JobPage {
        me: Some(Chrome::of(&app, &me).await),
        id: job.id,
        year: job.year,
        formats,
        total: job.total,
        done: job.done.min(job.total),
        state: job.state.as_str(),
        message: job.error,
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}

/// GET /exports/{id}/download: the finished zip, streamed from the database a chunk at a time.
pub async fn download(
    State(app): State<AppState>,
    me: CurrentUser,
    params: PathParams,
) -> Result<Response, AppError> {
    let job = owned(&app, &me, params.text("id")?).await?;
    let (JobState::Done, Some(length)) = (job.state, job.size) else {
        return Err(AppError::Conflict("导出尚未完成".into()));
    };
    let year = job.year;
    let reader = ChunkReader {
        store: app.store.clone(),
        id: job.id,
        seq: 0,
        chunk: Bytes::new(),
        next: None,
    };
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024);
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

type Fetch = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send>>;

/// A finished job's zip as one reader: each chunk is fetched when the one before is read.
struct ChunkReader {
    store: Store,
    id: String,
    seq: i64,
    chunk: Bytes,
    next: Option<Fetch>,
}

impl tokio::io::AsyncRead for ChunkReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        while this.chunk.is_empty() {
            let fetch = this.next.get_or_insert_with(|| {
                let (store, id, seq) = (this.store.clone(), this.id.clone(), this.seq);
                Box::pin(async move { store.job_chunk(&id, seq).await })
            });
            let fetched = ready!(fetch.as_mut().poll(cx));
            this.next = None;
            match fetched {
                Ok(Some(bytes)) => {
                    this.seq += 1;
                    this.chunk = Bytes::from(bytes);
                }
                // The end (or, were the job swept meanwhile, a short body the client sees).
                Ok(None) => return Poll::Ready(Ok(())),
                Err(err) => return Poll::Ready(Err(std::io::Error::other(err))),
            }
        }
        let n = this.chunk.len().min(out.remaining());
        out.put_slice(&this.chunk.split_to(n));
        Poll::Ready(Ok(()))
    }
}
