//! Exports of a stored report, on both databases.

use axum::http::StatusCode;
use crate::common::{TestApp, agency_name};
use nianbao::account::Role;
use nianbao::report::{Kind, interchange};
use nianbao::store::{Author, Store};
use serde_json::Value;

use crate::common::seed::EXAMPLE;

/// The example report stored, and the app signed in as its clerk.
async fn stored_example(store: Store) -> (TestApp, i64) {
    let agency = store
        .create_agency(&agency_name("平顶山市科学技术局"), Kind::Department, None)
        .await
        .unwrap();
    let mut report = interchange::from_json(EXAMPLE.as_bytes()).unwrap();
    let format = report.format();
    for (id, v) in [
        ("requests.new.natural_person", "3"),
        ("requests.granted.natural_person", "3"),
    ] {
        report.cells[format.cell(id).unwrap()] = v.into();
    }
    report.recompute_totals(None);
    let id = store
        .import(agency.id, &report, Author::system("导入"))
        .await
        .unwrap();
    let mut app = TestApp::new(store);
    let clerk = app.user("kejiju", Role::Clerk, Some(agency.id)).await;
    app.act_as(&clerk).await;
    (app, id)
}

async fn the_html_export_is_the_official_layout_in_semantic_tables(store: Store) {
    let (app, id) = stored_example(store).await;
    let page = app.get(&format!("/reports/{id}/export.html")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text("h1"),
        "平顶山市科学技术局2023年政府信息公开工作年度报告"
    );
    assert_eq!(page.count("table"), 3);
    assert!(page.body.contains("@page { size: A4"));
    assert_eq!(page.count("script[src]"), 0);
    assert_eq!(page.count("input"), 0);
    assert_eq!(
        page.text("table.requests th[colspan='7'][scope='colgroup']"),
        "申请人情况"
    );
    assert_eq!(
        page.attr("table.requests th.note", "rowspan").as_deref(),
        Some("3")
    );
    assert_eq!(page.count("table.requests th[scope='row']"), 25);
    assert_eq!(
        page.text("table.requests th[rowspan='22'][scope='rowgroup']"),
        "三、本年度办理结果"
    );
    assert_eq!(page.count("table.requests thead tr"), 3);
    assert_eq!(page.count("table.appeals thead th[scope='col']"), 15);
    // Values as printed: typed and computed.
    assert_eq!(page.text("td[data-cell='requests.new.natural_person']"), "3");
    assert_eq!(page.text("td[data-cell='requests.new.total']"), "3");
    assert_eq!(page.text("td[data-cell='proactive.fees.amount']"), "0");
    assert_eq!(page.count(".draft-banner"), 1);
    // Paragraphs of the texts.
    assert!(
        page.texts("section p")
            .iter()
            .any(|p| p.starts_with("(一) 主动公开情况"))
    );
}

async fn the_embedded_json_is_the_api_document(store: Store) {
    let (app, id) = stored_example(store).await;
    let page = app.get(&format!("/reports/{id}/export.html")).await;
    let data: Value = serde_json::from_str(&page.text("script#report-data")).unwrap();
    let api = app.get(&format!("/api/reports/{id}")).await.json();
    assert_eq!(data, api);
    let json = app.get(&format!("/reports/{id}/export.json")).await;
    assert!(
        json.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(json.json(), api);
}

async fn the_cli_makes_the_same_file_as_the_app(store: Store) {
    let (app, id) = stored_example(store).await;
    let served = app.get(&format!("/reports/{id}/export.html")).await.body;
    // Unique: both backends' runs of this test share the process and the report id.
    let dir = std::env::temp_dir().join(format!("nianbao-export-{}", crate::common::unique_name()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.json");
    std::fs::write(&input, app.get(&format!("/api/reports/{id}")).await.body).unwrap();
    let output = dir.join("out.html");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["export", "--format", "html"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&output).unwrap(), served);
    let _ = std::fs::remove_dir_all(dir);
}

on_both_backends!(
    the_html_export_is_the_official_layout_in_semantic_tables,
    the_embedded_json_is_the_api_document,
    the_cli_makes_the_same_file_as_the_app,
);
