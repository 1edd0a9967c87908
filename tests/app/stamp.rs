//! One approved report, downloaded in every format: each carries the same approver and the
//! same SHA-256, and that hash is the hash of the JSON's content. On both databases.

use std::io::Read;

use axum::http::StatusCode;
use calamine::Reader;
use crate::common::TestApp;
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::report::interchange::{self, content_sha256};
use nianbao::store::{Author, Store};

async fn every_format_of_an_approved_report_carries_the_same_hash(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("平顶山市人民政府", Kind::Government, None).await;
    let bureau = app
        .agency("平顶山市科学技术局", Kind::Department, Some(city))
        .await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let report = crate::common::seed::example();
    let id = app
        .store
        .import(bureau, &report, Author::system("导入"))
        .await
        .unwrap();
    let sha = crate::common::seed::approve(&app.store, id, reviewer.id).await;
    app.act_as(&reviewer).await;
    let get = |ext: &str| format!("/reports/{id}/export.{ext}");

    let html = app.get(&get("html")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.text("#stamp").contains(&sha), "HTML");
    assert!(html.text("#stamp").contains(&reviewer.display_name));
    assert_eq!(html.count(".draft-banner"), 0);

    let json = app.get(&get("json")).await;
    let back = interchange::from_json(&json.bytes).unwrap();
    assert_eq!(
        content_sha256(&back),
        sha,
        "the hash is the JSON's content"
    );

    let docx = app.get(&get("docx")).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.body_bytes())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains(&sha), "Word");
    assert!(!xml.contains("草稿"));

    let xlsx = app.get(&get("xlsx")).await;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.body_bytes())).unwrap();
    let sheet = book.worksheet_range("说明").unwrap();
    assert!(
        sheet.cells().any(|(_, _, v)| v.to_string().contains(&sha)),
        "Excel"
    );

    let pdf = app.get(&get("pdf")).await;
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    if std::process::Command::new("pdftotext").arg("-v").output().is_ok() {
        // Unique: both backends' runs of this test share the process and the report id.
        let path = std::env::temp_dir().join(format!("nianbao-stamp-{}.pdf", crate::common::unique_name()));
        std::fs::write(&path, &pdf.bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg("-raw")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let text: String = String::from_utf8_lossy(&out.stdout).split_whitespace().collect();
        assert!(text.contains(&sha), "PDF");
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftotext is missing and CI is set"
        );
        eprintln!("SKIPPED: the PDF text check (pdftotext missing)");
    }
}

on_both_backends!(every_format_of_an_approved_report_carries_the_same_hash);
