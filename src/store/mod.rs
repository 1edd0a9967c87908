//! Where reports live. One set of `$N` queries over sqlx's `Any` driver serves SQLite (the
//! embedded default, a file created and migrated at start) and Postgres (`postgres://…`).
//! Every query is behind this module, and the contract tests run each on both backends.

mod agencies;
pub mod cache;
mod desk;
mod history;
mod imports;
mod jobs;
mod reports;
mod region;
mod review;
mod roster;
mod statements;
mod tuning;
mod users;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::clock::Clock;

pub use desk::{Counts, Desk, DeskQuery, DeskReport, DeskUnit, Filter, Reminder, Sort};
pub use history::Change;
pub use imports::{Correction, ImportRecord};
pub use jobs::{ExportJob, INTERRUPTED, JobState, KEPT, LEASE};
pub use reports::{Author, Edit, ReportSummary, Saved, Sent, Stored};
pub use region::{Compile, Compiling, Contribution, LeftOut, Source, sources_key};
pub use review::Stamp;
pub use roster::Loaded;
pub use statements::{NIL_TABLES, Statement};
pub use tuning::SettingChange;
pub use users::{Account, LoginFailures, Session, TOKEN_DAYS, TokenInfo};

// Not re-exported: callers name the domain's types where they live.
use crate::account::{AgencyId, ReportId};

/// How long a request waits for a database connection before it is answered 503.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// What storage can fail with. Handlers turn these into pages via `AppError`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The caller's version is not the stored one (someone saved in between).
    #[error("stale version")]
    Stale { current: i64 },
    /// The report is not open for changes (submitted, approved, published).
    #[error("locked")]
    Locked(crate::report::status::Status),
    /// A unique name or (agency, year) is taken.
    #[error("already exists")]
    Duplicate,
    /// What was to be stored breaks a rule the store keeps; the message is for the user.
    #[error("refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by all requests.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; writers queue here instead of in SQLite's busy
    /// handler, which sleeps (up to 100 ms a turn) rather than waking the next in line.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    cached: std::sync::Arc<Cached>,
    /// Every "now" the store writes or compares with, and the web's through it.
    clock: Clock,
}

/// What the per-keystroke requests read, kept for a few seconds (see `cache.rs`).
struct Cached {
    /// Sessions by their cookie (the database keeps only its hash; this process sees it anyway).
    sessions: cache::Ttl<String, Session>,
    /// Live-validation contexts by report.
    live: cache::Ttl<ReportId, std::sync::Arc<crate::report::context::Context>>,
    /// The index of a year's reports under one parent, for 雷同 between units: a minute,
    /// since building it reads every sibling's report (imports.rs).
    peers: cache::Ttl<(Option<AgencyId>, i32), std::sync::Arc<crate::report::assess::similar::Peers>>,
}

impl Default for Cached {
    fn default() -> Self {
        Cached {
            sessions: cache::Ttl::default(),
            live: cache::Ttl::default(),
            peers: cache::Ttl::lasting(std::time::Duration::from_secs(60)),
        }
    }
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cached")
    }
}

impl Store {
    /// Connects to `url` (`sqlite://file.db` or `postgres://…`), creating a SQLite file if
    /// needed, and applies the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, sqlite_url(url))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres:// (got {url})");
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // Not sqlx's 30 s: when the database is gone a clerk is told so within seconds
            // (and the page retries), instead of a request hanging half a minute.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while a save commits; busy_timeout makes a
                        // second writer wait instead of failing.
                        conn.execute("pragma journal_mode = wal").await?;
                        conn.execute("pragma busy_timeout = 5000").await?;
                        conn.execute("pragma foreign_keys = on").await?;
                        conn.execute("pragma synchronous = normal").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator.run(&pool).await?;
        let store = Store {
            pool,
            backend,
            writer: Default::default(),
            cached: Default::default(),
            clock: Clock::system(),
        };
        // Reports from before the desk kept their standing.
        store.stand_uncounted().await?;
        Ok(store)
    }

    /// Holds the writer's turn for a write transaction (SQLite only; Postgres locks rows).
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// The same store reading the time from `clock` (a test's, which it moves by hand).
    pub fn with_clock(self, clock: Clock) -> Store {
        Store { clock, ..self }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Seconds since the epoch, by the store's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers whether the database can be reached (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool itself, for tests that write what the app never would (a corrupt column).
    #[doc(hidden)]
    pub fn pool_for_tests(&self) -> &AnyPool {
        &self.pool
    }
}

/// A stored value this binary cannot read: an error, never a default.
fn decode_error(column: &str, raw: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("{column}: unknown value {raw:?}").into(),
    ))
}

/// `sqlite://nianbao.db` → create the file when missing.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Maps a unique-constraint failure to [`StoreError::Duplicate`].
fn unique(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
        _ => StoreError::Database(err),
    }
}
