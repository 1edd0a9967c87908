//! 从已发布的年报导入 in the app, and this year started from last year's: a clerk fills a
//! draft from a published file or pasted text (请核对 until confirmed or changed, the file
//! in the history), a new report is prefilled from last year's, and a 纠错说明 of last
//! year's figure is used by the rules and, by a reviewer's decision, corrects the archive.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::store::Store;

use crate::common::{Page, TestApp, mark};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published").join(name)).unwrap()
}

/// The import form posted: a file (name, bytes) or pasted text, as the page sends it.
async fn import(app: &TestApp, url: &str, file: Option<(&str, &[u8])>, text: &str) -> Page {
    let boundary = "----nianbao-import-boundary";
    let mut body = Vec::new();
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{text}\r\n--{boundary}--\r\n").as_bytes());
    let csrf = app.session.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
    let request = Request::post(format!("{url}?csrf={csrf}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

async fn a_clerk_imports_a_published_page_into_a_draft_and_confirms_what_was_unsure(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("平潭综合实验区", "government", 2024).await;
    let url = format!("/reports/{id}/import");
    assert_eq!(app.get(&url).await.status, StatusCode::OK);

    // A file that is not a report: said beside the field, the draft unchanged.
    let before = app.store.report(id).await.unwrap();
    let page = import(&app, &url, Some(("通知.txt", "关于召开会议的通知".as_bytes())), "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text(".field-error").contains("不是政府信息公开工作年度报告"), "{}", page.body);
    let scanned = import(&app, &url, Some(("扫描件.pdf", &std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf/notext.pdf")).unwrap())), "").await;
    assert!(scanned.text(".field-error").contains("OCR"), "{}", scanned.body);
    // Another year's report: refused, it belongs to another report.
    let other_year = import(&app, &url, Some(("2023.txt", &fixture("2023-pingtan.txt"))), "").await;
    assert!(other_year.text(".field-error").contains("2023 年度"), "{}", other_year.body);
    assert_eq!(app.store.report(id).await.unwrap().version, before.version, "nothing saved");

    // The page's text, pasted: read, its run-together cells marked 请核对.
    let text = String::from_utf8(fixture("2024-pingtan.txt")).unwrap();
    let page = import(&app, &url, None, &text).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored = app.store.report(id).await.unwrap();
    let format = stored.report.format();
    let cell = |key: &str| stored.report.cells[format.cell(key).unwrap()].clone();
    assert_eq!(cell("requests.new.natural_person"), "217");
    assert_eq!(cell("requests.new.total"), "218");
    assert!(stored.report.texts[format.text("other").unwrap()].contains("无收取信息处理费"));
    let unsure = app.store.unsure(id).await.unwrap();
    let keys: Vec<&str> = unsure.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["proactive.normative_documents.in_force", "proactive.normative_documents.issued", "proactive.normative_documents.repealed"]);

    let form = app.get(&format!("/reports/{id}")).await;
    let issued = form.text(&mark("proactive.normative_documents.issued"));
    assert!(issued.contains("请核对"), "{issued}");
    assert!(form.texts("#problems li[data-rule='import.unsure']").len() == 3);

    // Confirmed as read: the mark goes. Changed by typing: the mark goes too.
    let version = app.store.report(id).await.unwrap().version.to_string();
    let confirmed = app
        .post_form(&format!("/reports/{id}/confirm"), &[("confirm", "proactive.normative_documents.issued")])
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    app.post_form(&format!("/reports/{id}"), &[("version", &version), ("proactive.normative_documents.repealed", "34")])
        .await;
    let left: Vec<String> = app.store.unsure(id).await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(left, ["proactive.normative_documents.in_force"]);
    let form = app.get(&format!("/reports/{id}")).await;
    assert!(!form.text(&mark("proactive.normative_documents.issued")).contains("请核对"));

    // The history names the file's source and its SHA-256.
    let history = app.get(&format!("/reports/{id}/history")).await;
    let sha = nianbao::import::sha256(text.as_bytes());
    assert!(history.text("#imports").contains(&sha), "{}", history.text("#imports"));
    assert!(history.text("#imports").contains("粘贴的页面文字"));

    // A web page as uploaded: every cell read with certainty, the earlier marks gone.
    let id2 = app.open_report("莆田市城市管理局", "department", 2024).await;
    let page = import(&app, &format!("/reports/{id2}/import"), Some(("page.html", &fixture("2024-putian-chengguan.html"))), "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(app.store.unsure(id2).await.unwrap().is_empty());
    let records = app.store.imports(id2).await.unwrap();
    assert_eq!(records[0].file_name, "page.html");
    assert_eq!(records[0].sha256, nianbao::import::sha256(&fixture("2024-putian-chengguan.html")));
}

async fn a_new_report_from_a_published_file_takes_the_files_year(store: Store) {
    let mut app = TestApp::new(store);
    app.as_clerk_of("淮安市洪泽区人民政府", "government").await;
    assert_eq!(app.get("/reports/import").await.status, StatusCode::OK);
    let page = import(&app, "/reports/import", Some(("hzq2023.pdf", &fixture("2023-hongze.pdf"))), "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i64 = page.headers[header::LOCATION].to_str().unwrap().trim_start_matches("/reports/").parse().unwrap();
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(stored.report.year, 2023);
    // 表四 prints 总计 0 beside 10 + 1: the draft's total is the sum, and the printed 0 is
    // said at the cell for the clerk to check.
    let format = stored.report.format();
    assert_eq!(stored.report.cells[format.cell("appeals.review.total").unwrap()], "11");
    let form = app.get(&format!("/reports/{id}")).await;
    let at_total = form.text(&mark("appeals.review.total"));
    assert!(at_total.contains("原件印为 0，与各项之和 11 不符"), "{at_total}");
    assert_eq!(form.count("#problems li[data-rule='import.unsure']"), 2);
}

async fn this_year_starts_from_last_years_report_and_its_corrections(store: Store) {
    let mut app = TestApp::new(store);
    // Last year's, imported from its published page (平潭 2023: 结转下年度 0 everywhere
    // but the totals; use 三明 2022 → 2023, whose 2022 carries 1 forward).
    let last = app.open_report("三明市人民政府", "government", 2022).await;
    let page = import(&app, &format!("/reports/{last}/import"), Some(("2022.txt", &fixture("2022-sanming.txt"))), "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // This year's, new: 上年结转 prefilled from 2022's 结转下年度, and said so.
    let id = app.open_report("三明市人民政府", "government", 2023).await;
    let stored = app.store.report(id).await.unwrap();
    let format = stored.report.format();
    let over = format.cell("requests.carried_over.natural_person").unwrap();
    assert_eq!(stored.report.cells[over], "1");
    let form = app.get(&format!("/reports/{id}")).await;
    assert!(form.text(&mark("requests.carried_over.natural_person")).contains("来自2022年度报告"));
    assert!(form.text(&mark("proactive.normative_documents.in_force")).contains("上年现行有效 2545"));
    assert_eq!(form.count("#show-last"), 1, "last year's values on request");
    assert!(form.text(&mark("requests.new.total")).contains("2022年：347"));

    // The clerk finds 2022's figure wrong: a 纠错说明 with 2 instead of 1.
    let version = stored.version.to_string();
    app.post_form(&format!("/reports/{id}"), &[("version", &version), ("requests.carried_over.natural_person", "2")]).await;
    let warned = |page: &Page| page.count("#problems li[data-rule='cross_year.carried_over']");
    assert_eq!(warned(&app.get(&format!("/reports/{id}")).await), 1);
    let no_reason = app
        .post_form(&format!("/reports/{id}/corrections"), &[("key", "requests.carried_forward.natural_person"), ("value", "2"), ("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let set = app
        .post_form(
            &format!("/reports/{id}/corrections"),
            &[("key", "requests.carried_forward.natural_person"), ("value", "2"), ("reason", "2022年度报告印错，实为2件")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let form = app.get(&format!("/reports/{id}")).await;
    assert_eq!(warned(&form), 0, "the rule uses the corrected figure");
    assert!(form.text("#corrections").contains("2022年度报告为 1，本报告按 2 计"), "{}", form.text("#corrections"));
    // Last year's report is not touched by the clerk's correction.
    let then = app.store.report(last).await.unwrap();
    let forward = then.report.format().cell("requests.carried_forward.natural_person").unwrap();
    assert_eq!(then.report.cells[forward], "1");

    // The reviewer sees it and decides to correct the archive: recorded on last year's report.
    let city = app.store.agency_by_name("三明市人民政府").await.unwrap().unwrap().id;
    let reviewer = app.user("smshenhe", Role::Reviewer, Some(city)).await;
    app.act_as(&reviewer).await;
    let form = app.get(&format!("/reports/{id}")).await;
    assert!(form.text("#corrections").contains("2022年度报告印错"));
    let applied = app
        .post_form(&format!("/reports/{id}/corrections/apply"), &[("key", "requests.carried_forward.natural_person")])
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let then = app.store.report(last).await.unwrap();
    assert_eq!(then.report.cells[forward], "2");
    let notes: Vec<String> = app.store.transitions(last).await.unwrap().into_iter().map(|t| t.note).collect();
    assert!(notes.iter().any(|n| n.contains("依据2023年度报告的纠错说明更正") && n.contains("1 → 2")), "{notes:?}");
    assert!(app.get(&format!("/reports/{id}")).await.text("#corrections").contains("已据此更正"));
    // The export prints it in its notes.
    let html = app.get(&format!("/reports/{id}/export.html")).await;
    assert!(html.body.contains("附注（上年数据纠错说明）"), "the export's notes");
    assert!(html.body.contains("本报告按 2 计。原因：2022年度报告印错，实为2件"));
    let _ = Kind::Government;
}

on_both_backends!(
    a_clerk_imports_a_published_page_into_a_draft_and_confirms_what_was_unsure,
    a_new_report_from_a_published_file_takes_the_files_year,
    this_year_starts_from_last_years_report_and_its_corrections,
    a_unit_copying_a_siblings_text_is_told_on_its_page,
    a_nil_return_is_one_action_and_a_later_value_withdraws_it,
    the_desk_shows_a_unit_repeating_last_years_text,
);

async fn a_unit_copying_a_siblings_text_is_told_on_its_page(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let a = app.agency("某市城市管理局", Kind::Department, Some(city)).await;
    let b = app.agency("某市审计局", Kind::Department, Some(city)).await;
    // 城管局's published 2024 report, as imported.
    let theirs = nianbao::import::read(&fixture("2024-putian-chengguan.html"), None, None).unwrap().report;
    let mut theirs_here = theirs.clone();
    theirs_here.agency = "某市城市管理局".into();
    app.store.import_all(&[(a, theirs_here)], true, nianbao::store::Author::system("导入")).await.unwrap();
    // 审计局 writes its overview from 城管局's.
    let clerk = app.user("shenji", Role::Clerk, Some(b)).await;
    app.act_as(&clerk).await;
    let id = app.store.open_report(b, 2024).await.unwrap();
    let overview = &theirs.texts[theirs.format().text("overview").unwrap()];
    let version = app.store.report(id).await.unwrap().version.to_string();
    app.post_form(&format!("/reports/{id}"), &[("version", &version), ("text.overview", overview)]).await;
    let page = app.get(&format!("/reports/{id}")).await;
    let said = page.text("#problems li[data-rule='text.similar_peer']");
    assert!(said.contains("某市城市管理局"), "{}", page.text("#problems"));
    // The text's length stands under it (assessors count characters).
    let length = overview.chars().filter(|c| !c.is_whitespace()).count();
    assert!(page.text(&mark("text.overview")).contains(&format!("共 {length} 字")), "{}", page.text(&mark("text.overview")));
    // Submitting asks for its 说明 like any warning's.
    let submit = app.get(&format!("/reports/{id}/submit")).await;
    assert_eq!(submit.count(".explain[data-rule='text.similar_peer'] textarea"), 1, "{}", submit.body);
    // 城管局's own page does not name itself.
    let own = app.store.report_id_of(a, 2024).await.unwrap().unwrap();
    let reviewer = app.user("shi", Role::Reviewer, Some(city)).await;
    app.act_as(&reviewer).await;
    let page = app.get(&format!("/reports/{own}")).await;
    assert!(!page.text("#problems").contains("与某市城市管理局"), "{}", page.text("#problems"));
}

async fn a_nil_return_is_one_action_and_a_later_value_withdraws_it(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市科学技术局", "department", 2024).await;
    let url = format!("/reports/{id}");
    let page = app.get(&url).await;
    assert_eq!(page.count("button[name='nil'][value='requests']"), 1);
    let version = app.store.report(id).await.unwrap().version.to_string();
    let said = app.post_form(&format!("{url}/nil"), &[("version", &version), ("nil", "requests")]).await;
    assert_eq!(said.status, StatusCode::SEE_OTHER, "{}", said.body);
    // Every cell of 表三 is 0, as one version; the statement is kept and shown.
    let stored = app.store.report(id).await.unwrap();
    let format = stored.report.format();
    let table = format.table("requests").unwrap();
    assert!(table.cells.iter().all(|&ix| stored.report.cells[ix] == "0"));
    let page = app.get(&url).await;
    assert!(page.text(".nil-return[data-table='requests']").contains("已声明“本年度未收到政府信息公开申请”"));
    assert_eq!(page.count("button[name='nil'][value='requests']"), 0);
    // A value typed later withdraws it, visibly.
    let version = stored.version.to_string();
    app.post_form(&url, &[("version", &version), ("requests.new.natural_person", "2"), ("requests.granted.natural_person", "2")]).await;
    let statements = app.store.statements(id).await.unwrap();
    assert!(statements[0].withdrawn_at.is_some(), "{statements:?}");
    let page = app.get(&url).await;
    assert!(page.text(".nil-return[data-table='requests']").contains("声明已撤销"), "{}", page.text(".nil-return"));
    assert_eq!(page.count("button[name='nil'][value='requests']"), 1, "it can be stated again");
}

async fn the_desk_shows_a_unit_repeating_last_years_text(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let unit = app.agency("某市统计局", Kind::Department, Some(city)).await;
    let last = nianbao::import::read(&fixture("2023-pingtan.txt"), None, None).unwrap().report;
    let mut last_here = last.clone();
    last_here.agency = "某市统计局".into();
    last_here.kind = Kind::Department;
    app.store.import_all(&[(unit, last_here.clone())], true, nianbao::store::Author::system("导入")).await.unwrap();
    let mut this = last_here.clone();
    this.year = 2024;
    app.store.import_all(&[(unit, this)], false, nianbao::store::Author::system("导入")).await.unwrap();
    let reviewer = app.user("shi", Role::Reviewer, Some(city)).await;
    app.act_as(&reviewer).await;
    let desk = app.get("/desk?year=2024").await;
    assert!(desk.body.contains("与上年雷同 100%"), "{}", desk.text("table"));
    let csv = app.get("/desk/list.csv?year=2024").await;
    assert!(csv.body.contains("与上年雷同（%）"), "{}", csv.body);
}
