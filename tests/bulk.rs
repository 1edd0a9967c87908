//! A reviewer's bulk export, on both databases: every approved report of a year under their
//! government, in the chosen formats, as one zip built in the background.
#![allow(clippy::unwrap_used)] // tests may panic on what they set up themselves

mod common;

use std::io::Read;

use axum::http::{StatusCode, header};
use common::TestApp;
use nianbao::account::{Role, sha256_hex};
use nianbao::report::interchange::canonical_bytes;
use nianbao::report::status::Status;
use nianbao::report::{Kind, interchange};
use nianbao::store::{Author, Stamp, Store};

const EXAMPLE: &[u8] = include_bytes!("data/2023-pingdingshan-kejiju.json");

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

on_both_backends!(
    a_reviewer_downloads_every_approved_report_as_one_zip,
    only_reviewers_export_in_bulk_and_need_a_format,
);
