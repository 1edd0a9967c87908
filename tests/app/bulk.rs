//! A reviewer's bulk export, on both databases: every approved report of a year under their
//! government, in the chosen formats, as one zip built in the background.

use std::io::Read;

use axum::http::{StatusCode, header};
use crate::common::{TestApp, agency_name, display_name, username};
use nianbao::account::{Role, sha256_hex};
use nianbao::report::interchange::canonical_bytes;
use nianbao::report::status::Status;
use nianbao::report::{Kind, interchange};
use nianbao::store::{Author, Stamp, Store};

const EXAMPLE: &[u8] = include_bytes!("../../data/2023-pingdingshan-kejiju.json");

/// An approved report of `agency` for 2023, as the review loop would leave it.
async fn approved(app: &TestApp, agency: i64, name: &str, reviewer: i64) -> i64 {
    let mut report = interchange::from_json(EXAMPLE).unwrap();
    report.agency = name.to_string();
    let id = app
        .store
        .import(agency, &report, Author::system("导入"))
        .await
        .unwrap();
    let stored = app.store.report(id).await.unwrap();
    let sha = sha256_hex(&canonical_bytes(&stored.report));
    app.store
        .transition(id, Status::Draft, Status::Submitted, reviewer, "", Stamp::None)
        .await
        .unwrap();
    app.store
        .transition(
            id,
            Status::Submitted,
            Status::Approved,
            reviewer,
            "",
            Stamp::Approved { sha256: &sha },
        )
        .await
        .unwrap();
    id
}

async fn a_reviewer_downloads_every_approved_report_as_one_zip(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let a = app.agency("某市统计局", Kind::Department, Some(city)).await;
    let b = app.agency("某市教育局", Kind::Department, Some(city)).await;
    let c = app.agency("某市财政局", Kind::Department, Some(city)).await;
    let elsewhere = app.agency("另一市人民政府", Kind::Government, None).await;
    approved(&app, a, "某市统计局", reviewer.id).await;
    approved(&app, b, "某市教育局", reviewer.id).await;
    app.store.create_report(c, 2023).await.unwrap(); // a draft: not exported
    approved(&app, elsewhere, "另一市人民政府", reviewer.id).await; // not theirs

    app.act_as(&reviewer).await;
    let start = app
        .post_form(
            "/exports",
            &[("year", "2023"), ("format", "pdf"), ("format", "json")],
        )
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let job = start.headers[header::LOCATION].to_str().unwrap().to_string();

    let mut page = app.get(&job).await;
    for _ in 0..300 {
        if page.attr("p.status-line", "data-state").as_deref() != Some("running") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = app.get(&job).await;
    }
    assert_eq!(
        page.attr("p.status-line", "data-state").as_deref(),
        Some("done"),
        "{}",
        page.body
    );
    assert_eq!(page.attr("progress", "value").as_deref(), Some("2"));

    let zip = app.get(&format!("{job}/download")).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
    let bytes = zip.body_bytes();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "某市教育局/某市教育局2023年政府信息公开工作年度报告.json",
            "某市教育局/某市教育局2023年政府信息公开工作年度报告.pdf",
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.json",
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.pdf",
            "清单.csv",
        ]
    );
    let mut manifest = String::new();
    archive
        .by_name("清单.csv")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let stored = app
        .store
        .report(app.store.report_id_of(a, 2023).await.unwrap().unwrap())
        .await
        .unwrap();
    assert!(manifest.contains(&stored.approval.unwrap().sha256), "{manifest}");
    let mut pdf = Vec::new();
    archive
        .by_name("某市统计局/某市统计局2023年政府信息公开工作年度报告.pdf")
        .unwrap()
        .read_to_end(&mut pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // The job is the reviewer's own.
    let other = app.user("waidi", Role::Reviewer, Some(elsewhere)).await;
    app.act_as(&other).await;
    assert_eq!(app.get(&job).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{job}/download")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn only_reviewers_export_in_bulk_and_need_a_format(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    app.act_as(&reviewer).await;
    let none = app.post_form("/exports", &[("year", "2023")]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.text("h1"), "请至少选择一种导出格式");
    let empty = app
        .post_form("/exports", &[("year", "2023"), ("format", "pdf")])
        .await;
    assert_eq!(empty.text("h1"), "2023 年度还没有审核通过的报告");
    app.as_clerk_of("某市统计局", "department").await;
    assert_eq!(
        app.post_form("/exports", &[("year", "2023"), ("format", "pdf")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// Waits for the job at `job` to finish and returns the zip it made.
async fn finished_zip(app: &TestApp, job: &str) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    let mut page = app.get(job).await;
    // Not a timed wait: the job runs to its end; this only bounds a hung test.
    for _ in 0..600 {
        if page.attr("p.status-line", "data-state").as_deref() != Some("running") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = app.get(job).await;
    }
    assert_eq!(
        page.attr("p.status-line", "data-state").as_deref(),
        Some("done"),
        "{}",
        page.body
    );
    let zip = app.get(&format!("{job}/download")).await;
    assert_eq!(zip.status, StatusCode::OK);
    zip::ZipArchive::new(std::io::Cursor::new(zip.body_bytes())).unwrap()
}

/// One segment of an entry name is safe to create on Windows, macOS and Linux.
fn assert_safe_segment(entry: &str, segment: &str) {
    assert!(!segment.is_empty(), "{entry:?}: an empty segment");
    assert!(
        !segment.starts_with(['.', ' ', '-', '+', '=', '@']),
        "{entry:?}: {segment:?} starts badly"
    );
    assert!(
        !segment.ends_with(['.', ' ']),
        "{entry:?}: {segment:?} ends badly"
    );
    assert!(segment.chars().count() <= 80, "{entry:?}: too long");
    assert!(segment.len() <= 240, "{entry:?}: too many bytes");
    for c in segment.chars() {
        assert!(
            !c.is_control()
                && !matches!(c, '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
                && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
            "{entry:?}: U+{:04X}",
            c as u32
        );
    }
    let stem = segment.split('.').next().unwrap().to_ascii_uppercase();
    assert!(
        !["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"].contains(&stem.as_str()),
        "{entry:?}: a Windows device name"
    );
}

async fn bulk_entry_names_are_safe_unique_and_listed_in_the_manifest(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let hash = nianbao::account::hash_password("irrelevant").unwrap();
    // An approver whose name is a formula: it must reach 清单.csv as text.
    let reviewer = app
        .store
        .create_user(
            &username("formula"),
            &display_name("=HYPERLINK(\"http://evil.example\",\"点我\")"),
            &hash,
            Role::Reviewer,
            Some(city),
        )
        .await
        .unwrap();
    // As long as an agency name may be: longer than a zip entry's segment.
    let long = format!("长{}", "名".repeat(99));
    let names: Vec<&str> = vec![
        "x/../../../../../../tmp/zipslip",
        // Comes out as the same segment as the one above.
        "x_.._.._.._.._.._.._tmp_zipslip",
        "..\\..\\Windows\\System32\\evil",
        "/etc/cron.d/evil",
        "C:evil",
        ".bashrc",
        "..",
        "CON",
        "nul.txt",
        "报告\u{202e}fdp.exe",
        "ABC局",
        "abc局",
        "清单.csv",
        "=1+1",
        "-rf 局",
        "@SUM(A1)",
        "a<b>c:d\"e|f?g*h",
        "局. .",
        &long,
    ];
    let mut ids = std::collections::HashMap::new();
    for name in &names {
        let agency = app
            .store
            .create_agency(&agency_name(name), Kind::Department, Some(city))
            .await
            .unwrap()
            .id;
        ids.insert(name.to_string(), approved(&app, agency, name, reviewer.id).await);
    }

    app.act_as(&reviewer).await;
    // JSON asked for twice: written once.
    let start = app
        .post_form(
            "/exports",
            &[
                ("year", "2023"),
                ("format", "json"),
                ("format", "html"),
                ("format", "json"),
            ],
        )
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let job = start.headers[header::LOCATION].to_str().unwrap().to_string();
    let mut archive = finished_zip(&app, &job).await;

    let entries: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    assert_eq!(entries.len(), 2 * names.len() + 1, "{entries:#?}");
    let mut folders = std::collections::HashSet::new();
    let mut lower = std::collections::HashSet::new();
    for entry in &entries {
        assert!(
            lower.insert(entry.to_lowercase()),
            "{entry:?} twice (ignoring case)"
        );
        let segments: Vec<&str> = entry.split('/').collect();
        match segments[..] {
            ["清单.csv"] => {}
            [folder, file] => {
                assert_safe_segment(entry, folder);
                assert_safe_segment(entry, file);
                folders.insert(folder.to_lowercase());
            }
            _ => panic!("{entry:?} is not folder/file"),
        }
    }
    assert_eq!(folders.len(), names.len(), "a folder of its own for each report");
    assert!(!folders.contains("清单.csv"));
    for i in 0..archive.len() {
        let file = archive.by_index(i).unwrap();
        assert!(
            file.enclosed_name().is_some(),
            "{:?} escapes the folder",
            file.name()
        );
    }

    // 清单.csv lists every report's entries; reading it back gives every field exactly.
    let mut manifest = Vec::new();
    archive
        .by_name("清单.csv")
        .unwrap()
        .read_to_end(&mut manifest)
        .unwrap();
    let body = manifest
        .strip_prefix("\u{feff}".as_bytes())
        .expect("a BOM for Excel");
    let mut reader = csv::Reader::from_reader(body);
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "机关",
            "年度",
            "审核人",
            "审核时间",
            "内容SHA-256",
            "JSON",
            "HTML"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), names.len());
    let mut listed = std::collections::HashSet::new();
    for row in &rows {
        // The listed JSON is a report of one of the agencies, each listed once.
        let mut json = String::new();
        archive
            .by_name(&row[5])
            .unwrap()
            .read_to_string(&mut json)
            .unwrap();
        let data: serde_json::Value = serde_json::from_str(&json).unwrap();
        let name = data["agency"].as_str().unwrap().to_string();
        let id = ids
            .remove(&name)
            .unwrap_or_else(|| panic!("{name:?} listed twice or unknown"));
        for field in row {
            assert!(
                !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{field:?} would be read as a formula"
            );
        }
        let shown = match name.starts_with(['=', '+', '-', '@']) {
            true => format!("'{name}"),
            false => name.to_string(),
        };
        assert_eq!(&row[0], shown, "the agency as typed");
        assert_eq!(&row[1], "2023");
        assert_eq!(&row[2], "'=HYPERLINK(\"http://evil.example\",\"点我\")");
        let stored = app.store.report(id).await.unwrap();
        assert_eq!(&row[4], stored.approval.unwrap().sha256);
        assert!(archive.by_name(&row[6]).is_ok(), "{} is in the zip", &row[6]);
        listed.insert(row[5].to_string());
        listed.insert(row[6].to_string());
    }
    assert!(ids.is_empty(), "not listed: {ids:?}");
    let files: std::collections::HashSet<String> = entries.into_iter().filter(|e| e != "清单.csv").collect();
    assert_eq!(
        listed, files,
        "every entry listed, nothing listed that is not there"
    );
    // Every field quoted in the file itself, as OWASP advises for CSV.
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.starts_with("\"机关\",\"年度\""), "{text}");
}

/// A city with one approved report and its reviewer, signed in.
async fn city_with_a_report(app: &mut TestApp) -> nianbao::account::User {
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let bureau = app.agency("某市统计局", Kind::Department, Some(city)).await;
    approved(app, bureau, "某市统计局", reviewer.id).await;
    app.act_as(&reviewer).await;
    reviewer
}

async fn start(app: &TestApp, formats: &[&str]) -> String {
    let mut fields = vec![("year", "2023")];
    fields.extend(formats.iter().map(|f| ("format", *f)));
    let start = app.post_form("/exports", &fields).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    start.headers[header::LOCATION].to_str().unwrap().to_string()
}

async fn chunks(store: &Store) -> i64 {
    sqlx::query_scalar("select count(*) from export_chunk")
        .fetch_one(store.pool_for_tests())
        .await
        .unwrap()
}

async fn a_job_outlives_its_app_and_is_served_by_another(store: Store) {
    let mut app = TestApp::new(store.clone());
    city_with_a_report(&mut app).await;
    let job = start(&app, &["json", "html"]).await;
    finished_zip(&app, &job).await;
    // A restart: a new app over the same database, the same session.
    let session = app.session.clone();
    drop(app);
    let mut again = TestApp::new(store.clone());
    again.session = session;
    let page = again.get(&job).await;
    assert_eq!(page.attr("p.status-line", "data-state").as_deref(), Some("done"));
    assert_eq!(page.attr("progress", "value").as_deref(), Some("1"));
    assert!(page.body.contains("格式：JSON、HTML"), "{}", page.body);
    let mut archive = finished_zip(&again, &job).await;
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.html",
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.json",
            "清单.csv",
        ]
    );
    let mut json = String::new();
    archive
        .by_name("某市统计局/某市统计局2023年政府信息公开工作年度报告.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    assert!(json.contains("某市统计局"));
    // The zip is in the database, not in a file.
    assert!(chunks(&store).await >= 1);
}

async fn a_zip_is_served_chunk_by_chunk_in_order(store: Store) {
    let mut app = TestApp::new(store.clone());
    let reviewer = city_with_a_report(&mut app).await;
    store
        .create_job("handmade0000000000000000", reviewer.id, 2023, &["json"], 1)
        .await
        .unwrap();
    let pieces: Vec<Vec<u8>> = vec![vec![1; 70_000], vec![2; 5], vec![3; 100_000]];
    for (seq, piece) in pieces.iter().enumerate() {
        assert!(store.add_job_chunk("handmade0000000000000000", seq as i64, piece).await.unwrap());
    }
    // Not done yet: nothing to download.
    let early = app.get("/exports/handmade0000000000000000/download").await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let size = pieces.iter().map(Vec::len).sum::<usize>();
    assert!(store.finish_job("handmade0000000000000000", size as i64).await.unwrap());
    let zip = app.get("/exports/handmade0000000000000000/download").await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.headers[header::CONTENT_LENGTH], size.to_string());
    assert_eq!(zip.bytes, pieces.concat());
    // A finished job takes no more chunks.
    assert!(!store.add_job_chunk("handmade0000000000000000", 3, b"late").await.unwrap());
}

async fn a_finished_job_is_swept_after_a_day(store: Store) {
    let store = store.with_clock(nianbao::clock::Clock::fixed_now());
    let mut app = TestApp::new(store.clone());
    city_with_a_report(&mut app).await;
    let job = start(&app, &["json"]).await;
    finished_zip(&app, &job).await;
    store.clock().advance(nianbao::store::KEPT - 60);
    store.sweep_jobs().await.unwrap();
    // A day on, the reviewer signs in again.
    let reviewer = store.user_for_login("shenhe").await.unwrap().unwrap().0;
    app.act_as(&reviewer).await;
    assert_eq!(app.get(&job).await.status, StatusCode::OK, "kept for a day");
    assert!(chunks(&store).await >= 1);
    store.clock().advance(61);
    store.sweep_jobs().await.unwrap();
    assert_eq!(app.get(&job).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("{job}/download")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(chunks(&store).await, 0, "the zip goes with its job");
}

async fn a_job_whose_instance_died_is_failed(store: Store) {
    let store = store.with_clock(nianbao::clock::Clock::fixed_now());
    let mut app = TestApp::new(store.clone());
    let reviewer = city_with_a_report(&mut app).await;
    // Two jobs an instance was building when it went away: a chunk written, then silence.
    for id in ["dead00000000000000000000", "dead11111111111111111111"] {
        store
            .create_job(id, reviewer.id, 2023, &["pdf"], 3)
            .await
            .unwrap();
        assert!(store.add_job_chunk(id, 0, b"PK").await.unwrap());
        assert!(store.job_progress(id, 1).await.unwrap());
    }
    store.clock().advance(nianbao::store::LEASE - 1);
    let page = app.get("/exports/dead00000000000000000000").await;
    assert_eq!(page.attr("p.status-line", "data-state").as_deref(), Some("running"), "alive within its lease");
    assert_eq!(page.attr("progress", "value").as_deref(), Some("1"));

    store.clock().advance(1);
    // Read before any sweep: its page says at once that it was interrupted.
    let page = app.get("/exports/dead00000000000000000000").await;
    assert_eq!(page.attr("p.status-line", "data-state").as_deref(), Some("failed"));
    assert_eq!(page.text("p.status-line"), nianbao::store::INTERRUPTED);
    assert_eq!(chunks(&store).await, 1, "its piece is dropped, the other's not yet");
    // What `nianbao serve` does on start fails the other and drops its piece too.
    store.sweep_jobs().await.unwrap();
    assert_eq!(chunks(&store).await, 0);
    let app = {
        let mut fresh = TestApp::new(store.clone());
        fresh.session = app.session.clone();
        fresh
    };
    let page = app.get("/exports/dead11111111111111111111").await;
    assert_eq!(page.attr("p.status-line", "data-state").as_deref(), Some("failed"));
    assert_eq!(page.text("p.status-line"), "导出中断，请重新导出");
    assert_eq!(
        app.get("/exports/dead11111111111111111111/download").await.status,
        StatusCode::CONFLICT
    );
    // The worker, were it still there, is told to stop.
    assert!(!store.job_progress("dead11111111111111111111", 2).await.unwrap());
    assert!(!store.add_job_chunk("dead11111111111111111111", 1, b"late").await.unwrap());
}

async fn a_format_asked_for_twice_is_written_once(store: Store) {
    let mut app = TestApp::new(store);
    city_with_a_report(&mut app).await;
    let job = start(&app, &["pdf", "docx", "pdf"]).await;
    let page = app.get(&job).await;
    assert!(page.body.contains("格式：PDF、Word"), "{}", page.body);
    let archive = finished_zip(&app, &job).await;
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.docx",
            "某市统计局/某市统计局2023年政府信息公开工作年度报告.pdf",
            "清单.csv",
        ]
    );
}

on_both_backends!(
    a_job_outlives_its_app_and_is_served_by_another,
    a_zip_is_served_chunk_by_chunk_in_order,
    a_finished_job_is_swept_after_a_day,
    a_job_whose_instance_died_is_failed,
    a_format_asked_for_twice_is_written_once,
    a_reviewer_downloads_every_approved_report_as_one_zip,
    only_reviewers_export_in_bulk_and_need_a_format,
    bulk_entry_names_are_safe_unique_and_listed_in_the_manifest,
);
