//! Nothing is stored, submitted or approved that the rules forbid, and real reports are
//! accepted as published: amounts exact to the 分, computed totals, submission racing a save,
//! stored values read strictly, saves sent again, reports opened twice at once, duplicate
//! fields, drafts' JSON as typed, invisible characters and lengths. On both databases.

use axum::http::StatusCode;
use crate::common::TestApp;
use nianbao::account::Role;
use nianbao::export::{self, Kind as FileType, Snapshot};
use nianbao::report::clean::MAX_TEXT_CHARS;
use nianbao::report::interchange::{self, content_sha256};
use nianbao::report::status::Status;
use nianbao::report::{Kind, validate};
use nianbao::store::{Author, Edit, Sent, Store, StoreError};
use serde_json::json;

const TEXTS: [(&str, &str); 3] = [
    ("text.overview", "本年度主动公开政府信息 1200 余条，依申请公开按时答复，政府信息管理规范，平台建设和监督保障有力。"),
    ("text.problems", "政策解读形式单一；上年问题的整改情况良好，下一步将加强图解和视频解读。"),
    ("text.other", "本年度收取信息处理费 0 元。"),
];

/// The API's PUT of `doc` against `version`.
async fn put(
    app: &TestApp,
    url: &str,
    doc: &serde_json::Value,
    version: impl std::fmt::Display,
) -> crate::common::Page {
    app.send_json("PUT", url, &doc.to_string(), Some(&format!("\"{version}\"")))
        .await
}

async fn version(app: &TestApp, id: i64) -> String {
    app.store.report(id).await.unwrap().version.to_string()
}

/// Posts the form as a browser without JavaScript would, with the texts filled in.
async fn save(app: &TestApp, id: i64, cells: &[(&str, &str)]) -> crate::common::Page {
    let v = version(app, id).await;
    let mut fields = vec![("version", v.as_str())];
    fields.extend_from_slice(&TEXTS);
    fields.extend_from_slice(cells);
    app.post_form(&format!("/reports/{id}"), &fields).await
}

fn cell(report: &nianbao::report::Report, id: &str) -> String {
    report.cells[report.format().cell(id).unwrap()].clone()
}

/// Text of every export of a stored report (PDF through pdftotext when it is installed).
fn exported_texts(snapshot: &Snapshot) -> Vec<(FileType, String)> {
    let mut out = Vec::new();
    for kind in [
        FileType::Html,
        FileType::Json,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Pdf,
    ] {
        let bytes = export::render(kind, snapshot).unwrap();
        let text = match kind {
            FileType::Html | FileType::Json => String::from_utf8(bytes).unwrap(),
            FileType::Docx => {
                let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
                let mut xml = String::new();
                std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
                    .unwrap();
                xml
            }
            FileType::Xlsx => {
                use calamine::Reader;
                let mut book: calamine::Xlsx<_> =
                    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
                let mut all = String::new();
                for name in book.sheet_names() {
                    let range = book.worksheet_range(&name).unwrap();
                    for row in range.rows() {
                        for c in row {
                            all.push_str(&c.to_string());
                            all.push('\t');
                        }
                        all.push('\n');
                    }
                }
                all
            }
            FileType::Pdf => {
                let path = std::env::temp_dir().join(format!("nianbao-{}.pdf", crate::common::unique_name()));
                std::fs::write(&path, &bytes).unwrap();
                let Ok(out) = std::process::Command::new("pdftotext")
                    .arg(&path)
                    .arg("-")
                    .output()
                else {
                    eprintln!("pdftotext missing: PDF text not checked");
                    continue;
                };
                let _ = std::fs::remove_file(&path);
                String::from_utf8_lossy(&out.stdout).into_owned()
            }
        };
        out.push((kind, text));
    }
    out
}

async fn real_amounts_go_through_the_form_the_api_check_and_every_export(store: Store) {
    let mut app = TestApp::new(store);
    // 平潭 2021, 三明 2022, 三明 2024 print 收费金额 with five and six decimals of 万元.
    for (year, amount) in [
        (2021, "24252.311082"),
        (2022, "19167.08326"),
        (2024, "14515.939627"),
    ] {
        let id = app
            .open_report(&format!("某县财政局{year}"), "department", year)
            .await;
        let page = save(&app, id, &[("proactive.fees.amount", amount)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("金额最多"), "{amount} refused: {}", page.body);
        let stored = app.store.report(id).await.unwrap();
        assert_eq!(cell(&stored.report, "proactive.fees.amount"), amount);
        assert!(
            validate(&stored.report, None)
                .iter()
                .all(|v| !v.rule.starts_with("value."))
        );

        // The API gives it back as typed, and takes it back.
        let url = format!("/api/reports/{id}");
        let got = app.get(&url).await;
        assert_eq!(got.json()["cells"]["proactive.fees.amount"], amount);
        let etag = got.headers["etag"].to_str().unwrap().to_string();
        let answer = app.send_json("PUT", &url, &got.body, Some(&etag)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(
            cell(
                &app.store.report(id).await.unwrap().report,
                "proactive.fees.amount"
            ),
            amount
        );

        // `check` reads the interchange document the same way.
        let doc = interchange::from_json(got.body.as_bytes()).unwrap();
        assert!(validate(&doc, None).iter().all(|v| !v.rule.starts_with("value.")));

        let snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
        for (kind, text) in exported_texts(&snapshot) {
            assert!(text.contains(amount), "{kind:?} does not print {amount}");
        }
    }

    // 三明 2019 prints 采购总金额 481714587.29元: the 2019 format's amount is in 元.
    let id = app.open_report("三明市某局", "department", 2019).await;
    let page = save(&app, id, &[("proactive.procurement.amount", "481714587.29")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("金额过大"), "{}", page.body);
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(
        cell(&stored.report, "proactive.procurement.amount"),
        "481714587.29"
    );
    assert!(
        validate(&stored.report, None)
            .iter()
            .all(|v| !v.rule.starts_with("value."))
    );
    let snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
    for (kind, text) in exported_texts(&snapshot) {
        assert!(
            text.contains("481714587.29"),
            "{kind:?} does not print 481714587.29"
        );
    }
    // Still exact to the 分, and only that.
    let page = save(&app, id, &[("proactive.procurement.amount", "12.345")]).await;
    assert!(
        page.body.contains("金额最多保留两位小数（精确到分）"),
        "{}",
        page.body
    );
}

async fn a_total_is_never_stored_from_any_write_path(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let page = save(
        &app,
        id,
        &[
            ("requests.new.natural_person", "3"),
            ("requests.new.total", "999"),
            ("appeals.review.total", "7"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(cell(&stored.report, "requests.new.total"), "3");
    assert!(
        ["", "0"].contains(&cell(&stored.report, "appeals.review.total").as_str()),
        "a typed total was stored"
    );

    // The same through the API: the printed totals of a document are not what is stored.
    let url = format!("/api/reports/{id}");
    let mut doc = app.get(&url).await.json();
    doc["cells"]["requests.new.total"] = json!(999);
    doc["cells"]["requests.results_total.total"] = json!(555);
    let answer = put(&app, &url, &doc, version(&app, id).await).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(cell(&stored.report, "requests.new.total"), "3");
    let api = app.get(&url).await.json();
    assert_eq!(api["cells"]["requests.new.total"], 3);
    assert_eq!(api["cells"]["requests.results_total.total"], 0);

    // And through the store's import, which replace serves.
    let mut report = stored.report.clone();
    let ix = report.format().cell("requests.new.total").unwrap();
    report.cells[ix] = "999".into();
    report.year = 2024;
    let agency = stored.agency_id;
    let imported = app
        .store
        .import(agency, &report, Author::system("导入"))
        .await
        .unwrap();
    assert_eq!(
        cell(
            &app.store.report(imported).await.unwrap().report,
            "requests.new.total"
        ),
        "3"
    );
}

async fn only_the_version_checked_is_submitted_and_approval_checks_again(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let bureau = app.agency("某市教育局", Kind::Department, Some(city)).await;
    let clerk = app.user("jiaoyu", Role::Clerk, Some(bureau)).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let id = app.store.create_report(bureau, 2025).await.unwrap();
    app.act_as(&clerk).await;
    assert_eq!(save(&app, id, &[]).await.status, StatusCode::OK);
    let checked = app.store.report(id).await.unwrap();
    assert!(
        validate(&checked.report, None)
            .iter()
            .all(|v| v.severity != nianbao::format::Severity::Error)
    );

    // A save lands after the check and before the move: the checked version is not moved.
    let saved = app
        .store
        .save(
            id,
            checked.version,
            &[Edit::new("requests.new.natural_person", "十二")],
            Author::user(&clerk),
        )
        .await
        .unwrap();
    assert_eq!(saved.applied.len(), 1);
    let moved = app
        .store
        .transition_at(
            id,
            Some(checked.version),
            Status::Draft,
            Status::Submitted,
            clerk.id,
            "",
            nianbao::store::Stamp::None,
        )
        .await;
    assert!(matches!(moved, Err(StoreError::Stale { .. })), "{moved:?}");
    assert_eq!(app.store.report(id).await.unwrap().status, Status::Draft);
    // Without a version, the store still checks what it moves: 十二 is an error.
    let moved = app
        .store
        .transition(
            id,
            Status::Draft,
            Status::Submitted,
            clerk.id,
            "",
            nianbao::store::Stamp::None,
        )
        .await;
    assert!(
        matches!(&moved, Err(StoreError::Refused(m)) if m.contains("错误")),
        "{moved:?}"
    );

    // Through the page: the submit form, loaded before the bad save, does not submit it.
    let page = app.post_form(&format!("/reports/{id}/submit"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert_eq!(app.store.report(id).await.unwrap().status, Status::Draft);

    // Fixed and submitted; approval checks again and records the hash of what it checked.
    assert_eq!(
        save(
            &app,
            id,
            &[
                ("requests.new.natural_person", "12"),
                ("requests.carried_forward.natural_person", "12")
            ]
        )
        .await
        .status,
        StatusCode::OK
    );
    let page = app.post_form(&format!("/reports/{id}/submit"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let submitted = app.store.report(id).await.unwrap();
    let wrong = content_sha256(&checked.report);
    let moved = app
        .store
        .transition(
            id,
            Status::Submitted,
            Status::Approved,
            reviewer.id,
            "",
            nianbao::store::Stamp::Approved { sha256: &wrong },
        )
        .await;
    assert!(
        matches!(&moved, Err(StoreError::Refused(_))),
        "a hash of other content: {moved:?}"
    );
    app.act_as(&reviewer).await;
    let page = app.post_form(&format!("/reports/{id}/approve"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let approved = app.store.report(id).await.unwrap();
    assert_eq!(approved.status, Status::Approved);
    assert_eq!(
        approved.approval.unwrap().sha256,
        content_sha256(&submitted.report)
    );
}

async fn a_report_with_errors_is_never_approved(store: Store) {
    let app = TestApp::new(store.clone());
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let bureau = app.agency("某市水利局", Kind::Department, Some(city)).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let id = store.create_report(bureau, 2025).await.unwrap();
    // Forced into 已提交 with a word in a count cell, as the old race could leave it.
    let edits: Vec<Edit> = TEXTS
        .iter()
        .map(|(k, v)| Edit::new(*k, *v))
        .chain([Edit::new("requests.new.natural_person", "十二")])
        .collect();
    store.save(id, 1, &edits, Author::system("测试")).await.unwrap();
    sqlx::query("update report set status = 'submitted' where id = $1")
        .bind(id)
        .execute(store.pool_for_tests())
        .await
        .unwrap();
    let mut app = app;
    app.act_as(&reviewer).await;
    let page = app.post_form(&format!("/reports/{id}/approve"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("不能审核通过"), "{}", page.body);
    let stored = store.report(id).await.unwrap();
    assert_eq!(stored.status, Status::Submitted);
    assert!(stored.approval.is_none());
}

async fn stored_values_this_binary_does_not_know_open_nothing(store: Store) {
    let mut app = TestApp::new(store.clone());
    let id = app.open_report("某市统计局", "department", 2025).await;
    let clerk_agency = store.report(id).await.unwrap().agency_id;
    let pool = store.pool_for_tests();
    for (sql, what) in [
        ("update report set status = 'archived' where id = $1", "status"),
        ("update report set format = '2027' where id = $1", "format"),
    ] {
        sqlx::query("update report set status = 'approved', format = '2021' where id = $1")
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(sql).bind(id).execute(pool).await.unwrap();
        assert!(store.report(id).await.is_err(), "{what}: read as a default");
        assert!(
            store.report_owner(id).await.is_err() || what != "status",
            "{what}"
        );
        let saved = store
            .save(
                id,
                99,
                &[Edit::new("requests.new.natural_person", "5")],
                Author::system("x"),
            )
            .await;
        assert!(saved.is_err(), "{what}: a save went through");
        let page = app
            .post_form(
                &format!("/reports/{id}"),
                &[("version", "99"), ("requests.new.natural_person", "5")],
            )
            .await;
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        assert!(!page.body.contains("已保存"));
    }
    sqlx::query("update report set status = 'approved', format = '2021' where id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    // Roles and kinds have check constraints today; a later migration may add a value an
    // older binary does not know, so the checks are lifted to write one.
    force(
        &store,
        "update agency set kind = 'ministry' where id = $1",
        clerk_agency,
    )
    .await;
    assert!(
        store.agency(clerk_agency).await.is_err(),
        "an unknown kind read as a default"
    );
    assert!(store.report(id).await.is_err());
    let someone = app.user("someone", Role::Reviewer, None).await;
    force(
        &store,
        "update app_user set role = 'superuser' where id = $1",
        someone.id,
    )
    .await;
    assert!(
        store.user_for_login("someone").await.is_err(),
        "an unknown role read as a default"
    );
    let cookie = store.start_session(someone.id).await.unwrap();
    assert!(
        store.session(&cookie, 3600).await.is_err(),
        "a session of an unknown role"
    );
    app.session = Some((cookie, String::new()));
    assert_ne!(app.get("/").await.status, StatusCode::OK);
}

/// Runs `sql` with the schema's check constraints lifted (SQLite: per connection; Postgres:
/// dropped in this test's own schema).
async fn force(store: &Store, sql: &str, id: i64) {
    let mut conn = store.pool_for_tests().acquire().await.unwrap();
    for lift in [
        "pragma ignore_check_constraints = on",
        "alter table agency drop constraint if exists agency_kind_check",
        "alter table app_user drop constraint if exists app_user_role_check",
    ] {
        let _ = sqlx::query(lift).execute(&mut *conn).await;
    }
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn a_save_sent_again_gets_the_first_answer(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let v = version(&app, id).await;
    let body = [
        ("version", v.as_str()),
        ("page", "page-a"),
        ("save_id", "save-1"),
        ("requests.new.natural_person", "4"),
    ];
    let first = app.post_htmx(&format!("/reports/{id}"), &body).await;
    assert_eq!(first.status, StatusCode::OK);
    let after_first = app.store.report(id).await.unwrap();
    // Someone else changes the same cell; then the lost answer's save arrives again.
    let other = app.user("other", Role::Clerk, Some(after_first.agency_id)).await;
    app.store
        .save(
            id,
            after_first.version,
            &[Edit::new("requests.new.natural_person", "9")],
            Author::user(&other),
        )
        .await
        .unwrap();
    let again = app.post_htmx(&format!("/reports/{id}"), &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(!again.body.contains("冲突"), "{}", again.body);
    let now = app.store.report(id).await.unwrap();
    assert_eq!(
        cell(&now.report, "requests.new.natural_person"),
        "9",
        "the repeat is not applied twice"
    );
    assert_eq!(now.version, after_first.version + 1);

    // The store's own answer to a repeat.
    let sent = Sent {
        page: Some("page-a"),
        save: Some("save-1"),
    };
    let repeat = app
        .store
        .save_sent(
            id,
            1,
            &[Edit::new("requests.new.natural_person", "4")],
            Author::system("x"),
            sent,
        )
        .await
        .unwrap();
    assert!(repeat.repeated && repeat.conflicts.is_empty());
    assert_eq!(repeat.applied.len(), 1);
}

async fn a_page_does_not_conflict_with_its_own_unanswered_save(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let seen = app.store.report(id).await.unwrap().version;
    let me = Author::system("填报人");
    let page_a = |save| Sent {
        page: Some("page-a"),
        save: Some(save),
    };
    // The answer to this save is lost: the page still thinks it has seen `seen`.
    app.store
        .save_sent(
            id,
            seen,
            &[Edit::new("requests.new.commercial", "5")],
            me,
            page_a("s1"),
        )
        .await
        .unwrap();
    // The clerk typed on; the next save from the same page is no conflict with the first.
    let next = app
        .store
        .save_sent(
            id,
            seen,
            &[Edit::new("requests.new.commercial", "56")],
            me,
            page_a("s2"),
        )
        .await
        .unwrap();
    assert!(next.conflicts.is_empty(), "{:?}", next.conflicts);
    assert_eq!(cell(&next.stored.report, "requests.new.commercial"), "56");
    // Another page that saw the same version and changed the cell does conflict.
    let other = Sent {
        page: Some("page-b"),
        save: Some("s3"),
    };
    let theirs = app
        .store
        .save_sent(id, seen, &[Edit::new("requests.new.commercial", "7")], me, other)
        .await
        .unwrap();
    assert_eq!(theirs.conflicts.len(), 1);
    assert_eq!(cell(&theirs.stored.report, "requests.new.commercial"), "56");
}

async fn two_clerks_opening_a_report_at_once_get_the_same_one(store: Store) {
    let app = TestApp::new(store.clone());
    let agency = app.agency("某市统计局", Kind::Department, None).await;
    let mut opens = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        opens.spawn(async move { store.open_report(agency, 2025).await.map_err(|e| e.to_string()) });
    }
    let ids = opens.join_all().await;
    assert!(ids[0].is_ok(), "{ids:?}");
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    // The same through the page, twice at once.
    let clerk = app.user("tongji", Role::Clerk, Some(agency)).await;
    let mut a = TestApp::new(store.clone());
    a.act_as(&clerk).await;
    let (p, q) = tokio::join!(
        a.post_form("/reports", &[("year", "2024")]),
        a.post_form("/reports", &[("year", "2024")])
    );
    assert_eq!(
        (p.status, q.status),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER),
        "{} {}",
        p.body,
        q.body
    );
    assert_eq!(p.headers["location"], q.headers["location"]);
}

async fn a_field_sent_twice_counts_once_the_same_way_in_the_check_and_the_save(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let v = version(&app, id).await;
    let fields = [
        ("version", v.as_str()),
        ("requests.new.natural_person", "1"),
        ("requests.new.natural_person", "2"),
    ];
    let check = app.post_htmx(&format!("/reports/{id}/check"), &fields).await;
    assert_eq!(check.status, StatusCode::OK);
    let total_in_check = check.text(&crate::common::output("requests.new.total"));
    let saved = app.post_htmx(&format!("/reports/{id}"), &fields).await;
    assert_eq!(saved.status, StatusCode::OK);
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(cell(&stored.report, "requests.new.natural_person"), "1");
    assert_eq!(
        total_in_check, "1",
        "the check counted another value than the save"
    );
}

async fn a_drafts_json_gives_back_what_was_typed(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let typed = [
        ("requests.new.natural_person", "十二"),
        ("requests.new.commercial", "1e3"),
        ("requests.new.research", "12.50"),
        ("requests.new.public_interest", "12345678901234567890123456"),
        ("requests.new.legal_service", "-1"),
        ("proactive.fees.amount", "12.50"),
    ];
    assert_eq!(save(&app, id, &typed).await.status, StatusCode::OK);
    let url = format!("/api/reports/{id}");
    let got = app.get(&url).await;
    let doc = got.json();
    for (key, value) in typed {
        let back = &doc["cells"][key];
        let back = back
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| back.to_string());
        assert_eq!(back, value, "{key}");
    }
    // GET then PUT of the draft is taken, and gives back the same document.
    let etag = got.headers["etag"].to_str().unwrap().to_string();
    let answer = app.send_json("PUT", &url, &got.body, Some(&etag)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.get(&url).await.json(), doc);
    let stored = app.store.report(id).await.unwrap().report;
    for (key, value) in typed {
        assert_eq!(cell(&stored, key), value, "{key}");
    }
    // A number written as a string is still refused: no silent coercion.
    let mut doc = doc;
    doc["cells"]["requests.new.legal_service"] = json!("12");
    let answer = put(&app, &url, &doc, version(&app, id).await).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("requests.new.legal_service"),
        "{}",
        answer.body
    );
}

async fn invisible_characters_never_reach_the_database(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let v = version(&app, id).await;
    let page = app
        .post_form(
            &format!("/reports/{id}"),
            &[
                ("version", v.as_str()),
                ("text.overview", "一\u{0}二\u{0B}三\u{1B}"),
                ("requests.new.natural_person", "1\u{0}2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(stored.report.texts[0], "一二\n三");
    assert_eq!(cell(&stored.report, "requests.new.natural_person"), "12");
    // The live check and the API alike.
    let check = app
        .post_htmx(
            &format!("/reports/{id}/check?part=texts"),
            &[("text.overview", "x\u{0}y")],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK);
    let url = format!("/api/reports/{id}");
    let mut doc = app.get(&url).await.json();
    doc["text"]["problems"] = json!("问题\u{0}\u{7}");
    doc["agency"] = json!(stored.report.agency);
    let answer = put(&app, &url, &doc, stored.version).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.store.report(id).await.unwrap().report.texts[1], "问题");
    // A comment, the sign-in name and an admin form with NUL.
    let reviewer = app.user("guanli", Role::Admin, None).await;
    app.act_as(&reviewer).await;
    let page = app
        .post_form(
            "/admin/agencies",
            &[("name", "某局\u{0}"), ("kind", "department"), ("parent", "")],
        )
        .await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", page.body);
    app.sign_out();
    let login = app.get("/login").await;
    let csrf = login.attr("input[name='csrf']", "value").unwrap_or_default();
    let page = app
        .post_form(
            "/login",
            &[("username", "ad\u{0}min"), ("password", "x"), ("csrf", &csrf)],
        )
        .await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", page.body);
}

async fn a_text_over_the_limit_is_not_stored_and_says_so(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    assert_eq!(save(&app, id, &[]).await.status, StatusCode::OK);
    let long = "字".repeat(MAX_TEXT_CHARS + 1);
    let v = version(&app, id).await;
    let page = app
        .post_form(
            &format!("/reports/{id}"),
            &[
                ("version", v.as_str()),
                ("text.overview", &long),
                ("requests.new.commercial", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("超过上限 20000 字，未保存"),
        "no message beside the text"
    );
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(
        stored.report.texts[0], TEXTS[0].1,
        "what was saved before is kept"
    );
    assert_eq!(
        cell(&stored.report, "requests.new.commercial"),
        "3",
        "the rest of the form is saved"
    );
    // The text as typed stays in the form.
    assert_eq!(
        page.text("textarea[name='text.overview']").chars().count(),
        MAX_TEXT_CHARS + 1
    );

    let url = format!("/api/reports/{id}");
    let mut doc = app.get(&url).await.json();
    doc["text"]["overview"] = json!(long);
    let answer = put(&app, &url, &doc, stored.version).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("text.overview"), "{}", answer.body);
    let exactly = "字".repeat(MAX_TEXT_CHARS);
    doc["text"]["overview"] = json!(exactly);
    let answer = put(&app, &url, &doc, stored.version).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

on_both_backends!(
    real_amounts_go_through_the_form_the_api_check_and_every_export,
    a_total_is_never_stored_from_any_write_path,
    only_the_version_checked_is_submitted_and_approval_checks_again,
    a_report_with_errors_is_never_approved,
    stored_values_this_binary_does_not_know_open_nothing,
    a_save_sent_again_gets_the_first_answer,
    a_page_does_not_conflict_with_its_own_unanswered_save,
    two_clerks_opening_a_report_at_once_get_the_same_one,
    a_field_sent_twice_counts_once_the_same_way_in_the_check_and_the_save,
    a_drafts_json_gives_back_what_was_typed,
    invisible_characters_never_reach_the_database,
    a_text_over_the_limit_is_not_stored_and_says_so,
);
