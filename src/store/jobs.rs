//! Bulk-export jobs: their state and their zip, in the database. The instance that takes a
//! job builds it (see `web::exports`) and beats a heartbeat while it does; any instance shows
//! its progress and serves its zip. A job whose heartbeat stops lost its instance: it is
//! failed, and the user exports again.

use super::{Result, Store, StoreError, decode_error};

/// A running job whose heartbeat is this old (seconds) has lost its worker.
pub const LEASE: i64 = 60;
/// Finished jobs and their zips are kept this long (seconds) after they finish.
pub const KEPT: i64 = 24 * 3600;
/// What the user reads of a job whose worker went away.
pub const INTERRUPTED: &str = "导出中断，请重新导出";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Result<JobState> {
        match raw {
            "running" => Ok(JobState::Running),
            "done" => Ok(JobState::Done),
            "failed" => Ok(JobState::Failed),
            _ => Err(decode_error("export_job.state", raw)),
        }
    }
}

/// A bulk export as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    pub id: String,
    pub owner_id: i64,
    pub year: i32,
    /// The files of each report, by extension (`pdf`, `docx`), each once, in the order asked for.
    pub formats: Vec<String>,
    pub state: JobState,
    pub done: i64,
    pub total: i64,
    /// Why it failed, for the user; empty otherwise.
    pub error: String,
    /// The zip's length, once done.
    pub size: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    owner_id: i64,
    year: i64,
    formats: String,
    state: String,
    done: i64,
    total: i64,
    error: String,
    heartbeat: i64,
    size: Option<i64>,
    created_at: i64,
}

impl JobRow {
    fn decode(self) -> Result<ExportJob> {
        let year =
            i32::try_from(self.year).map_err(|_| decode_error("export_job.year", &self.year.to_string()))?;
        let formats = self.formats.split(',').map(str::to_string).collect();
        Ok(ExportJob {
            id: self.id,
            owner_id: self.owner_id,
            year,
            formats,
            state: JobState::parse(&self.state)?,
            done: self.done,
            total: self.total,
            error: self.error,
            size: self.size,
            created_at: self.created_at,
        })
    }
}

impl Store {
    /// Records a new running job of `owner` with its heartbeat at now.
    pub async fn create_job(
        &self,
        id: &str,
        owner: i64,
        year: i32,
        formats: &[&str],
        total: i64,
    ) -> Result<()> {
        let formats = formats.join(",");
        let at = self.now();
        sqlx::query(
            "insert into export_job (id, owner_id, year, formats, state, done, total, heartbeat, created_at)
             values ($1, $2, $3, $4, 'running', 0, $5, $6, $6)",
        )
        .bind(id)
        .bind(owner)
        .bind(i64::from(year))
        .bind(formats)
        .bind(total)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The job `id` if it is `owner`'s: anyone else's, like one that does not exist, is
    /// [`StoreError::NotFound`]. A running job whose heartbeat stopped is failed here and
    /// read as failed, so that its page says so without waiting for the sweep.
    pub async fn owned_job(&self, id: &str, owner: i64) -> Result<ExportJob> {
        let row = sqlx::query_as::<_, JobRow>(
            "select id, owner_id, year, formats, state, done, total, error, heartbeat, size, created_at
               from export_job where id = $1 and owner_id = $2",
        )
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let dead = row.state == "running" && row.heartbeat <= self.now() - LEASE;
        let mut job = row.decode()?;
        if dead {
            self.fail_dead(id).await?;
            job.state = JobState::Failed;
            job.error = INTERRUPTED.into();
        }
        Ok(job)
    }

    /// Fails job `id` if it is running with its heartbeat a [`LEASE`] old.
    async fn fail_dead(&self, id: &str) -> Result<()> {
        let at = self.now();
        sqlx::query(
            "update export_job set state = 'failed', error = $1, finished_at = $2
              where id = $3 and state = 'running' and heartbeat <= $4",
        )
        .bind(INTERRUPTED)
        .bind(at)
        .bind(id)
        .bind(at - LEASE)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "delete from export_chunk
              where job_id = $1 and exists (select 1 from export_job where id = $1 and state = 'failed')",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records how many reports a running job has written and beats its heartbeat. False
    /// when the job is no longer running (swept as dead): its worker stops.
    pub async fn job_progress(&self, id: &str, done: i64) -> Result<bool> {
        let updated = sqlx::query(
            "update export_job set done = $1, heartbeat = $2 where id = $3 and state = 'running'",
        )
        .bind(done)
        .bind(self.now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Appends the next piece of a running job's zip. False, and nothing kept, when the job
    /// is no longer running.
    pub async fn add_job_chunk(&self, id: &str, seq: i64, bytes: &[u8]) -> Result<bool> {
        let added = sqlx::query(
            "insert into export_chunk (job_id, seq, bytes)
             select $1, $2, $3 where exists (select 1 from export_job where id = $1 and state = 'running')",
        )
        .bind(id)
        .bind(seq)
        .bind(bytes)
        .execute(&self.pool)
        .await?;
        Ok(added.rows_affected() > 0)
    }

    /// Marks a running job done: all `total` reports written, a zip of `size` bytes. False
    /// when it was no longer running.
    pub async fn finish_job(&self, id: &str, size: i64) -> Result<bool> {
        let at = self.now();
        let updated = sqlx::query(
            "update export_job set state = 'done', done = total, size = $1, heartbeat = $2, finished_at = $2
              where id = $3 and state = 'running'",
        )
        .bind(size)
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Marks a running job failed with `error` for the user, and drops what it wrote.
    pub async fn fail_job(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "update export_job set state = 'failed', error = $1, finished_at = $2
              where id = $3 and state = 'running'",
        )
        .bind(error)
        .bind(self.now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        sqlx::query("delete from export_chunk where job_id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Piece `seq` of a job's zip; `None` past the last.
    pub async fn job_chunk(&self, id: &str, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("select bytes from export_chunk where job_id = $1 and seq = $2")
                .bind(id)
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Fails running jobs whose heartbeat stopped ([`LEASE`]) and drops their chunks; removes
    /// jobs finished more than [`KEPT`] ago with their zips. Run at start and with
    /// [`Store::sweep`].
    pub async fn sweep_jobs(&self) -> Result<()> {
        let at = self.now();
        sqlx::query(
            "update export_job set state = 'failed', error = $1, finished_at = $2
              where state = 'running' and heartbeat <= $3",
        )
        .bind(INTERRUPTED)
        .bind(at)
        .bind(at - LEASE)
        .execute(&self.pool)
        .await?;
        // A failed job keeps no chunk (`add_job_chunk` adds none once it is failed): this
        // also drops any a worker wrote between its last heartbeat and the update above.
        sqlx::query(
            "delete from export_chunk
              where job_id in (select id from export_job where state = 'failed' or finished_at <= $1)",
        )
        .bind(at - KEPT)
        .execute(&self.pool)
        .await?;
        sqlx::query("delete from export_job where finished_at <= $1")
            .bind(at - KEPT)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
