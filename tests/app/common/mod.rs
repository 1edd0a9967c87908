//! Test harness: fresh databases on both backends, the app behind its router (no port),
//! and HTML assertions by CSS selector.

pub mod seed;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use nianbao::account::{AgencyName, DisplayName, Role, User, Username};
use nianbao::report::Kind;
use nianbao::store::Store;
use nianbao::web::{AppState, router};
use scraper::{Html, Selector};
use tower::ServiceExt;

/// Runs each listed `async fn(Store)` on a fresh SQLite file and on a fresh Postgres schema.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $test() {
                $crate::common::run($crate::common::TestDb::sqlite().await, super::$test).await
            } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $test() {
                if let Some(db) = $crate::common::TestDb::postgres().await {
                    $crate::common::run(db, super::$test).await
                }
            } )*
        }
    };
}

/// A throwaway database. Dropped only when the test returns: a failed test keeps its data.
pub enum TestDb {
    Sqlite {
        dir: std::path::PathBuf,
        store: Store,
    },
    Postgres {
        admin: String,
        schema: String,
        store: Store,
    },
}

pub fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "t{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("nianbao-{}", unique_name()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}/test.db", dir.display());
        let store = Store::connect(&url).await.expect("sqlite store");
        TestDb::Sqlite { dir, store }
    }

    /// A fresh schema in the Postgres at `TEST_DATABASE_URL`. Unreachable: a loud failure
    /// when `CI` is set, else a printed notice and `None` (the test is skipped).
    pub async fn postgres() -> Option<TestDb> {
        let admin = postgres_url();
        sqlx::any::install_default_drivers();
        let conn = sqlx::AnyPool::connect(&admin).await;
        let pool = match conn {
            Ok(pool) => pool,
            Err(err) if std::env::var_os("CI").is_none() => {
                eprintln!(
                    "SKIPPED: Postgres at {admin} is unreachable ({err}); set TEST_DATABASE_URL or start Postgres"
                );
                return None;
            }
            Err(err) => panic!("Postgres at {admin} is unreachable and CI is set: {err}"),
        };
        let schema = unique_name();
        sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}")))
            .execute(&pool)
            .await
            .expect("create schema");
        pool.close().await;
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-c%20search_path%3D{schema}");
        let store = Store::connect(&url).await.expect("postgres store");
        Some(TestDb::Postgres { admin, schema, store })
    }

    pub fn store(&self) -> Store {
        match self {
            TestDb::Sqlite { store, .. } | TestDb::Postgres { store, .. } => store.clone(),
        }
    }

    pub async fn finish(self) {
        match self {
            TestDb::Sqlite { dir, store } => {
                store.close().await;
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin, schema, store } => {
                store.close().await;
                if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop schema {schema} cascade")))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            }
        }
    }
}

pub async fn run<F: Future<Output = ()>>(db: TestDb, test: impl FnOnce(Store) -> F) {
    test(db.store()).await;
    db.finish().await;
}

/// The app behind its router, and the session of whoever is signed in.
pub struct TestApp {
    pub store: Store,
    pub router: Router,
    /// (cookie, csrf) of the signed-in user.
    pub session: Option<(String, String)>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for binary downloads.
    pub bytes: Vec<u8>,
}

/// A name the test knows to be valid, as the store takes it.
pub fn agency_name(name: &str) -> AgencyName {
    AgencyName::parse(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// See [`agency_name`].
pub fn username(name: &str) -> Username {
    Username::parse(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// See [`agency_name`].
pub fn display_name(name: &str) -> DisplayName {
    DisplayName::parse(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// The password every test user gets.
pub const PASSWORD: &str = "test-password-1";

impl TestApp {
    pub fn new(store: Store) -> TestApp {
        let router = router(AppState::new(store.clone()));
        TestApp {
            store,
            router,
            session: None,
        }
    }

    pub async fn send(&self, mut request: Request<Body>) -> Page {
        if let Some((cookie, _)) = &self.session {
            request.headers_mut().insert(
                header::COOKIE,
                format!("nianbao_session={cookie}").parse().unwrap(),
            );
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        self.send(Request::get(url).body(Body::empty()).unwrap()).await
    }

    fn form_request(&self, url: &str, fields: &[(&str, &str)], htmx: bool) -> Request<Body> {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.extend_pairs(fields);
        let mut builder =
            Request::post(url).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some((_, csrf)) = &self.session {
            if htmx {
                builder = builder.header("X-CSRF-Token", csrf.as_str());
            } else if !fields.iter().any(|(k, _)| *k == "csrf") {
                serializer.append_pair("csrf", csrf);
            }
        }
        if htmx {
            builder = builder.header("HX-Request", "true");
        }
        builder.body(Body::from(serializer.finish())).unwrap()
    }

    /// A form posted by a browser without JavaScript (with the session's CSRF token).
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.form_request(url, fields, false)).await
    }

    /// The same form posted by htmx (the token in its header).
    pub async fn post_htmx(&self, url: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.form_request(url, fields, true)).await
    }

    pub async fn send_json(&self, method: &str, url: &str, body: &str, if_match: Option<&str>) -> Page {
        let mut builder = Request::builder()
            .method(method)
            .uri(url)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(v) = if_match {
            builder = builder.header(header::IF_MATCH, v);
        }
        if let Some((_, csrf)) = &self.session {
            builder = builder.header("X-CSRF-Token", csrf.as_str());
        }
        self.send(builder.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// An agency by name, created under `parent` when missing.
    pub async fn agency(&self, name: &str, kind: Kind, parent: Option<i64>) -> i64 {
        match self.store.agency_by_name(name).await.unwrap() {
            Some(a) => a.id,
            None => {
                self.store
                    .create_agency(&agency_name(name), kind, parent)
                    .await
                    .unwrap()
                    .id
            }
        }
    }

    /// A user with [`PASSWORD`]; the hash is made once per test binary.
    pub async fn user(&self, username: &str, role: Role, agency: Option<i64>) -> User {
        static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = HASH.get_or_init(|| nianbao::account::hash_password(PASSWORD).unwrap());
        match self.store.user_for_login(username).await.unwrap() {
            Some((user, _)) => user,
            None => self
                .store
                .create_user(
                    &self::username(username),
                    &display_name(&format!("{username}的名字")),
                    hash,
                    role,
                    agency,
                )
                .await
                .unwrap(),
        }
    }

    /// Signs `user` in (a session straight from the store; the sign-in form has its own tests).
    pub async fn act_as(&mut self, user: &User) {
        let cookie = self.store.start_session(user.id).await.unwrap();
        let session = self.store.session(&cookie, 3600).await.unwrap().unwrap();
        self.session = Some((cookie, session.csrf));
    }

    pub fn sign_out(&mut self) {
        self.session = None;
    }

    /// Signs in as a clerk of `agency` (created if needed).
    pub async fn as_clerk_of(&mut self, agency: &str, kind: &str) -> User {
        let kind = Kind::parse(kind).unwrap();
        let id = self.agency(agency, kind, None).await;
        let username = format!("clerk{id}");
        let user = self.user(&username, Role::Clerk, Some(id)).await;
        self.act_as(&user).await;
        user
    }

    /// Opens (creating if needed) the report of `agency` for `year`, as its clerk; returns its id.
    pub async fn open_report(&mut self, agency: &str, kind: &str, year: i32) -> i64 {
        self.as_clerk_of(agency, kind).await;
        let page = self.post_form("/reports", &[("year", &year.to_string())]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let location = page.headers[header::LOCATION].to_str().unwrap();
        location.trim_start_matches("/reports/").parse().unwrap()
    }
}

impl Page {
    pub fn body_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Text of every element matching `css`, trimmed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }

    /// Text of the one element matching `css`.
    pub fn text(&self, css: &str) -> String {
        let found = self.texts(css);
        assert_eq!(found.len(), 1, "expected one {css}, found {found:?}");
        found.into_iter().next().unwrap()
    }

    pub fn count(&self, css: &str) -> usize {
        self.texts(css).len()
    }

    /// An attribute of the one element matching `css`.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        let selector = Selector::parse(css).unwrap();
        let html = self.html();
        let mut found = html.select(&selector);
        let first = found.next().unwrap_or_else(|| panic!("no {css} in page"));
        assert!(found.next().is_none(), "more than one {css}");
        first.value().attr(name).map(str::to_string)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `[data-cell='requests.new.total']`-style selectors for a cell's parts.
pub fn input(key: &str) -> String {
    format!("input[name='{key}']")
}
pub fn mark(key: &str) -> String {
    format!("span.mark[data-cell='{key}']")
}
pub fn output(key: &str) -> String {
    format!("output[data-cell='{key}']")
}
