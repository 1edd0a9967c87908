//! The supervisor's desk and the compiled regional report at province scale.
//!
//! A generated jurisdiction (a province, its cities, counties, towns and their departments)
//! is loaded the way a jurisdiction starts: the roster through `nianbao admin
//! import-agencies`, three years of reports as interchange files through `nianbao admin
//! import-reports` (2023 and 2024 approved, 2025 as drafts), then a share of 2025's
//! submitted and approved through the store's workflow. A signed-in reviewer of the
//! province then asks the router (auth, rendering and compression included, no socket)
//! for the desk's first page, a filtered page, the compiled report and a drill-down.
//!
//! Run: `cargo bench --bench desk -- UNITS [sqlite|postgres]` (default 5000 sqlite);
//! Postgres at `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`, in a
//! schema of its own that is dropped afterwards.
#![allow(clippy::unwrap_used)] // benches may panic on what they set up themselves

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use nianbao::account::Role;
use nianbao::report::status::Status;
use nianbao::store::{Stamp, Store};
use nianbao::web::{AppState, router};
use serde_json::json;
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLE: &str = include_str!("../data/2023-pingdingshan-kejiju.json");
/// Files per `import-reports` run: a command line holds a few thousand paths.
const BATCH: usize = 2000;

/// (name, kind, parent) rows of a province of about `units` units.
fn roster(units: usize) -> Vec<(String, &'static str, String)> {
    let mut rows = vec![("某省人民政府".to_string(), "人民政府", String::new())];
    let depts = ["发展和改革委员会", "教育局", "财政局", "民政局", "卫生健康委员会", "生态环境局", "住房和城乡建设局", "交通运输局", "农业农村局", "市场监督管理局", "统计局", "司法局"];
    let push_depts = |rows: &mut Vec<(String, &'static str, String)>, gov: &str, short: &str, n: usize| {
        for i in 0..n {
            let name = format!("{short}{}{}", depts[i % depts.len()], if i >= depts.len() { format!("{}", i / depts.len() + 1) } else { String::new() });
            rows.push((name, "政府部门", gov.to_string()));
        }
    };
    push_depts(&mut rows, "某省人民政府", "省", 40);
    // City ≈ 30 departments + counties of (20 departments + 12 towns).
    let per_county = 1 + 20 + 12;
    let counties_per_city = 8;
    let per_city = 1 + 30 + counties_per_city * per_county;
    let cities = units.div_ceil(per_city).max(1);
    'all: for c in 0..cities {
        let city = format!("第{}市人民政府", c + 1);
        rows.push((city.clone(), "人民政府", "某省人民政府".into()));
        push_depts(&mut rows, &city, &format!("第{}市", c + 1), 30);
        for k in 0..counties_per_city {
            let county = format!("第{}市第{}县人民政府", c + 1, k + 1);
            rows.push((county.clone(), "人民政府", city.clone()));
            push_depts(&mut rows, &county, &format!("第{}市第{}县", c + 1, k + 1), 20);
            for t in 0..12 {
                rows.push((format!("第{}市第{}县第{}镇人民政府", c + 1, k + 1, t + 1), "人民政府", county.clone()));
            }
            if rows.len() >= units {
                break 'all;
            }
        }
    }
    rows.truncate(units.max(1));
    rows
}

/// A clean report of `agency` for `year` with `n` applications, all granted.
fn document(agency: &str, kind: &str, year: i32, n: usize) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["agency"] = json!(agency);
    doc["kind"] = json!(if kind == "人民政府" { "government" } else { "department" });
    doc["year"] = json!(year);
    doc["cells"]["requests.new.natural_person"] = json!(n);
    doc["cells"]["requests.granted.natural_person"] = json!(n);
    doc["cells"]["proactive.regulations.in_force"] = json!(n % 7);
    doc.to_string()
}

fn nianbao(url: &str, args: &[&str], files: &[PathBuf]) {
    let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .args(files)
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{what}: {:.1} s", start.elapsed().as_secs_f64());
    out
}

async fn load(url: &str, dir: &Path, units: usize) {
    let rows = roster(units);
    let mut csv = String::from("名称,类型,上级\n");
    for (name, kind, parent) in &rows {
        csv.push_str(&format!("{name},{kind},{parent}\n"));
    }
    let file = dir.join("roster.csv");
    std::fs::write(&file, csv).unwrap();
    timed(&format!("import-agencies, {} units", rows.len()), || {
        nianbao(url, &["admin", "import-agencies"], &[file])
    });
    for year in [2023, 2024, 2025] {
        let files: Vec<PathBuf> = rows
            .iter()
            .enumerate()
            .map(|(i, (name, kind, _))| {
                let path = dir.join(format!("{year}-{i}.json"));
                std::fs::write(&path, document(name, kind, year, i % 37)).unwrap();
                path
            })
            .collect();
        let status = if year < 2025 { "approved" } else { "draft" };
        timed(&format!("import-reports {year} ({status}), {} files", files.len()), || {
            for batch in files.chunks(BATCH) {
                nianbao(url, &["admin", "import-reports", "--status", status], batch);
            }
        });
        for f in files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Submits two thirds of 2025's reports and approves half of those, through the store.
async fn review(store: &Store, reviewer: i64) {
    let ids: Vec<i64> = sqlx::query_scalar("select id from report where year = 2025 order by id")
        .fetch_all(store.pool_for_tests())
        .await
        .unwrap();
    let start = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        if i % 3 == 0 {
            continue;
        }
        store
            .transition(*id, Status::Draft, Status::Submitted, reviewer, "", Stamp::None)
            .await
            .unwrap();
        if i % 3 == 1 {
            let sha = nianbao::report::interchange::content_sha256(&store.report(*id).await.unwrap().report);
            store
                .transition(*id, Status::Submitted, Status::Approved, reviewer, "", Stamp::Approved { sha256: &sha })
                .await
                .unwrap();
        }
    }
    println!("2025: submitted and approved through the store: {:.1} s", start.elapsed().as_secs_f64());
}

async fn get(app: &axum::Router, cookie: &str, url: &str) -> (u16, usize) {
    let request = Request::get(url)
        .header(header::COOKIE, format!("nianbao_session={cookie}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.len())
}

async fn measure(app: &axum::Router, cookie: &str, what: &str, url: &str) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..15 {
        let start = Instant::now();
        let (status, len) = get(app, cookie, url).await;
        times.push(start.elapsed());
        assert_eq!(status, 200, "{url}");
        size = len;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.0} ms, p90 {:.0} ms, {:.1} KB gzip ({url})",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        size as f64 / 1024.0
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let units: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let backend = args.get(1).map_or("sqlite", String::as_str);
    let dir = std::env::temp_dir().join(format!("nianbao-desk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, schema) = match backend {
        "postgres" => {
            let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let schema = format!("desk_bench_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&base).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}"))).execute(&admin).await.unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            (format!("{base}{sep}options=-c%20search_path%3D{schema}"), Some((admin, schema)))
        }
        _ => (format!("sqlite://{}", dir.join("bench.db").display()), None),
    };
    println!("desk bench: {units} units, {backend}");
    load(&url, &dir, units).await;
    let store = Store::connect(&url).await.unwrap();
    let province = store.agency_by_name("某省人民政府").await.unwrap().unwrap();
    let hash = nianbao::account::hash_password("bench-password-1").unwrap();
    let reviewer = store
        .create_user(
            &nianbao::account::Username::parse("sheng").unwrap(),
            &nianbao::account::DisplayName::parse("省公开办").unwrap(),
            &hash,
            Role::Reviewer,
            Some(province.id),
        )
        .await
        .unwrap();
    review(&store, reviewer.id).await;
    let cookie = store.start_session(reviewer.id).await.unwrap();
    let app = router(AppState::new(store.clone()));
    let city = store.agency_by_name("第1市人民政府").await.unwrap().map(|a| a.id);
    measure(&app, &cookie, "desk, first page", "/desk?year=2025").await;
    measure(&app, &cookie, "desk, overdue drafts across the province", "/desk?year=2025&status=draft&overdue=1").await;
    measure(&app, &cookie, "desk, name search", "/desk?year=2025&q=%E7%BB%9F%E8%AE%A1").await;
    if let Some(city) = city {
        measure(&app, &cookie, "desk, a city", &format!("/desk?year=2025&under={city}")).await;
    }
    measure(&app, &cookie, "regional report, compiled", "/desk/region?year=2025").await;
    measure(
        &app,
        &cookie,
        "regional report, a cell's drill-down",
        "/desk/region?year=2025&cell=requests.new.natural_person",
    )
    .await;
    measure(&app, &cookie, "desk list as CSV, whole province", "/desk/list.csv?year=2025&status=draft").await;
    store.close().await;
    if let Some((admin, schema)) = schema {
        sqlx::query(sqlx::AssertSqlSafe(format!("drop schema {schema} cascade"))).execute(&admin).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
