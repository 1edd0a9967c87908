//! The JSON API through the router, on both databases.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use crate::common::{Page, TestApp, agency_name};
use nianbao::account::Role;
use nianbao::report::{Kind, interchange};
use nianbao::store::{Author, Store};
use serde_json::{Value, json};

use crate::common::seed::EXAMPLE;

fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

async fn the_example_report_validates_clean(store: Store) {
    let app = TestApp::new(store);
    let page = app.send_json("POST", "/api/validate", EXAMPLE, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json(), json!({ "violations": [] }));
    // The same document is offered as a sample to start from.
    let sample = app.get("/static/sample-report.json").await;
    assert_eq!(sample.status, StatusCode::OK);
    assert_eq!(sample.json(), example());
}

async fn a_broken_balance_comes_back_as_the_violations_object(store: Store) {
    let app = TestApp::new(store);
    let mut doc = example();
    doc["cells"]["requests.new.commercial"] = json!(5);
    doc["cells"]["requests.new.total"] = json!(5);
    doc["cells"]["requests.results_total.commercial"] = json!(4);
    doc["cells"]["requests.granted.commercial"] = json!(4);
    doc["cells"]["requests.granted.total"] = json!(4);
    doc["cells"]["requests.results_total.total"] = json!(4);
    let page = app
        .send_json("POST", "/api/validate", &doc.to_string(), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let violations = page.json()["violations"].as_array().unwrap().clone();
    let balance: Vec<&Value> = violations
        .iter()
        .filter(|v| v["rule"] == "requests.balance")
        .collect();
    assert_eq!(balance.len(), 1, "{violations:?}");
    assert_eq!(balance[0]["severity"], "error");
    assert_eq!(
        balance[0]["cells"],
        json!([
            "requests.new.commercial",
            "requests.carried_over.commercial",
            "requests.results_total.commercial",
            "requests.carried_forward.commercial"
        ])
    );
    assert_eq!(
        balance[0]["message"],
        "第三部分“商业企业”列：本年新收 5 + 上年结转 0 = 5，但（七）总计 4 + 结转下年度 0 = 4"
    );
}

async fn bad_documents_are_refused_with_a_message_naming_the_problem(store: Store) {
    let app = TestApp::new(store);
    let page = app
        .send_json("POST", "/api/validate", "{\"format\": ", None)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.json()["error"].as_str().unwrap().contains("不是有效的 JSON"));

    let mut doc = example();
    doc["cells"]["requests.new.nobody"] = json!(1);
    let page = app
        .send_json("POST", "/api/validate", &doc.to_string(), None)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.json()["error"]
            .as_str()
            .unwrap()
            .contains("requests.new.nobody")
    );

    let mut doc = example();
    doc["cells"]["requests.new.total"] = json!("3");
    let page = app
        .send_json("POST", "/api/validate", &doc.to_string(), None)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.json()["error"]
            .as_str()
            .unwrap()
            .contains("requests.new.total")
    );

    // A count that is not whole is not refused: it is a violation like any other.
    let mut doc = example();
    doc["cells"]["requests.new.natural_person"] = json!(3.5);
    let page = app
        .send_json("POST", "/api/validate", &doc.to_string(), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json()["violations"][0]["rule"], "value.integer");

    let mut doc = example();
    doc["text"]["overview"] = json!("长".repeat(1_200_000));
    let page = app
        .send_json("POST", "/api/validate", &doc.to_string(), None)
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(page.json()["error"], "提交的内容过大");
}

async fn a_stored_report_reads_and_replaces_with_a_version_guard(store: Store) {
    let agency = store
        .create_agency(&agency_name("平顶山市科学技术局"), Kind::Department, None)
        .await
        .unwrap();
    let report = interchange::from_json(EXAMPLE.as_bytes()).unwrap();
    let id = store
        .import(agency.id, &report, Author::system("导入"))
        .await
        .unwrap();
    let mut app = TestApp::new(store);
    let clerk = app.user("kejiju", Role::Clerk, Some(agency.id)).await;
    app.act_as(&clerk).await;
    let url = format!("/api/reports/{id}");

    let page = app.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json(), example());
    let etag = page.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, "\"2\"");

    let mut doc = example();
    doc["cells"]["appeals.review.upheld"] = json!(1);
    // The text says so too (it said there was none: appeals.nil).
    let overview = doc["text"]["overview"].as_str().unwrap().replace(
        "本年度无因政府信息公开申请提起行政复议、行政诉讼情况",
        "本年度因政府信息公开申请提起行政复议 1 件",
    );
    doc["text"]["overview"] = json!(overview);
    let body = doc.to_string();
    let page = app.send_json("PUT", &url, &body, None).await;
    assert_eq!(page.status, StatusCode::PRECONDITION_REQUIRED);
    let page = app.send_json("PUT", &url, &body, Some("\"1\"")).await;
    assert_eq!(page.status, StatusCode::PRECONDITION_FAILED);
    assert!(page.json()["error"].as_str().unwrap().contains("当前版本 2"));

    let page = app.send_json("PUT", &url, &body, Some(&etag)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers["etag"], "\"3\"");
    // The document's printed total is not stored: the total follows its parts.
    assert_eq!(page.json()["violations"], json!([]), "{}", page.body);
    let stored = app.get(&url).await.json();
    assert_eq!(stored["cells"]["appeals.review.upheld"], 1);
    assert_eq!(
        stored["cells"]["appeals.review.total"],
        example()["cells"]["appeals.review.total"].as_i64().unwrap() + 1
    );

    // The agency and year of a stored report do not change through PUT.
    let mut other = example();
    other["year"] = json!(2024);
    let page = app
        .send_json("PUT", &url, &other.to_string(), Some("\"3\""))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    let page = app.get("/api/reports/777").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.json()["error"], "找不到该页面或报告");
}

async fn the_health_check_answers_when_the_database_does(store: Store) {
    let app = TestApp::new(store.clone());
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    store.close().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A refusal as an API client reads it: JSON with the reason, never a page.
fn refused_as_json(page: &Page, status: StatusCode, what: &str) -> String {
    assert_eq!(page.status, status, "{what}: {}", page.body);
    let kind = page
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap());
    assert_eq!(kind, Some("application/json"), "{what}: {}", page.body);
    let error = page.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(!error.is_empty(), "{what}: {}", page.body);
    error
}

async fn every_refusal_on_the_api_is_json(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某局", "department", 2025).await;
    let (cookie, csrf) = app.session.clone().unwrap();
    let url = format!("/api/reports/{id}");
    let document = app.get(&url).await.body;
    let put = |csrf: Option<&str>, origin: Option<&str>| {
        let mut b = Request::put(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("nianbao_session={cookie}"))
            .header(header::HOST, "nianbao.example")
            .header(header::IF_MATCH, "\"1\"");
        if let Some(t) = csrf {
            b = b.header("X-CSRF-Token", t);
        }
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(document.clone())).unwrap()
    };
    app.session = None;

    let no_csrf = app.send(put(None, None)).await;
    refused_as_json(&no_csrf, StatusCode::FORBIDDEN, "no CSRF token");
    let wrong = app.send(put(Some("0000"), None)).await;
    refused_as_json(&wrong, StatusCode::FORBIDDEN, "a wrong CSRF token");
    let cross = app.send(put(Some(&csrf), Some("https://evil.example"))).await;
    assert_eq!(
        refused_as_json(&cross, StatusCode::FORBIDDEN, "cross-site"),
        "跨站请求已被拒绝"
    );
    let ok = app.send(put(Some(&csrf), Some("http://nianbao.example"))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    app.session = Some((cookie.clone(), csrf.clone()));
    let stale = app.send_json("PUT", &url, &document, Some("\"1\"")).await;
    refused_as_json(&stale, StatusCode::PRECONDITION_FAILED, "stale");
    let unversioned = app.send_json("PUT", &url, &document, None).await;
    refused_as_json(&unversioned, StatusCode::PRECONDITION_REQUIRED, "no If-Match");
    let nothing = app.get("/api/nothing").await;
    refused_as_json(&nothing, StatusCode::NOT_FOUND, "an unknown API path");
    let missing = app.get("/api/reports/999999").await;
    refused_as_json(&missing, StatusCode::NOT_FOUND, "a report that is not there");
    let malformed = app.get("/api/reports/abc").await;
    refused_as_json(&malformed, StatusCode::NOT_FOUND, "a path that names no report");
    let method = app.send_json("DELETE", &url, "", None).await;
    refused_as_json(
        &method,
        StatusCode::METHOD_NOT_ALLOWED,
        "a method the API has not",
    );
    let large = app
        .send(
            Request::put(&url)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("nianbao_session={cookie}"))
                .header(header::IF_MATCH, "\"2\"")
                .body(Body::from(vec![b'a'; 3 * 1024 * 1024]))
                .unwrap(),
        )
        .await;
    refused_as_json(&large, StatusCode::PAYLOAD_TOO_LARGE, "a body over the limit");

    // Someone else's report, and nobody at all.
    app.as_clerk_of("别的局", "department").await;
    let theirs = app.get(&url).await;
    refused_as_json(&theirs, StatusCode::NOT_FOUND, "another agency's report");
    app.sign_out();
    let anonymous = app.get(&url).await;
    refused_as_json(&anonymous, StatusCode::UNAUTHORIZED, "signed out");
}

on_both_backends!(
    every_refusal_on_the_api_is_json,
    the_example_report_validates_clean,
    a_broken_balance_comes_back_as_the_violations_object,
    bad_documents_are_refused_with_a_message_naming_the_problem,
    a_stored_report_reads_and_replaces_with_a_version_guard,
    the_health_check_answers_when_the_database_does,
);
