//! The review loop through the router, on both databases: submit, comment, return, answer,
//! resubmit, see what changed, approve (locked, hashed), publish, reopen.

use axum::http::StatusCode;
use crate::common::{TestApp, input};
use nianbao::account::{Role, User};
use nianbao::report::Kind;
use nianbao::report::status::Status;
use nianbao::store::Store;

/// A city, a bureau under it with its clerk, the city's reviewer, and a reviewer elsewhere.
struct World {
    clerk: User,
    reviewer: User,
    stranger: User,
    report: i64,
}

const TEXTS: [(&str, &str); 3] = [
    ("text.overview", "本年度主动公开政府信息 1200 余条，依申请公开按时答复，政府信息管理规范，平台建设和监督保障有力。"),
    ("text.problems", "政策解读形式单一；上年问题的整改情况良好，下一步将加强图解和视频解读。"),
    ("text.other", "本年度未收取信息处理费。"),
];

async fn world(app: &mut TestApp) -> World {
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let bureau = app.agency("某市统计局", Kind::Department, Some(city)).await;
    let elsewhere = app.agency("另一市人民政府", Kind::Government, None).await;
    let clerk = app.user("tongji", Role::Clerk, Some(bureau)).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(city)).await;
    let stranger = app.user("waidi", Role::Reviewer, Some(elsewhere)).await;
    let report = app.store.create_report(bureau, 2025).await.unwrap();
    World {
        clerk,
        reviewer,
        stranger,
        report,
    }
}

async fn fill(app: &TestApp, id: i64, cells: &[(&str, &str)]) {
    let version = app.store.report(id).await.unwrap().version.to_string();
    let mut fields = vec![("version", version.as_str())];
    fields.extend_from_slice(&TEXTS);
    fields.extend_from_slice(cells);
    let page = app.post_form(&format!("/reports/{id}"), &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

async fn status(app: &TestApp, id: i64) -> Status {
    app.store.report(id).await.unwrap().status
}

async fn submit_is_refused_while_errors_stand_and_warnings_are_unexplained(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&mut app).await;
    app.act_as(&w.clerk).await;
    let url = format!("/reports/{}", w.report);
    fill(&app, w.report, &[("requests.new.natural_person", "3")]).await;

    let page = app.post_form(&format!("{url}/submit"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.text("p.field-error"), "还有 1 个错误，改正后才能提交");
    assert_eq!(status(&app, w.report).await, Status::Draft);

    // Fixed, but last year's carried-forward does not match: a warning that needs a 说明.
    let last = app
        .store
        .create_report(w.clerk.agency_id.unwrap(), 2024)
        .await
        .unwrap();
    fill(
        &app,
        last,
        &[
            ("requests.new.natural_person", "2"),
            ("requests.carried_forward.natural_person", "2"),
        ],
    )
    .await;
    fill(&app, w.report, &[("requests.granted.natural_person", "3")]).await;
    let page = app.get(&format!("{url}/submit")).await;
    assert_eq!(
        page.count(".explain[data-rule='cross_year.carried_over'] textarea"),
        1
    );
    let page = app.post_form(&format!("{url}/submit"), &[]).await;
    assert_eq!(page.text("p.field-error"), "还有 1 个提醒没有填写说明");

    let name = page.attr(".explain textarea", "name").unwrap();
    let page = app
        .post_form(
            &format!("{url}/submit"),
            &[(&name, "上年结转的 2 件已于 1 月撤回。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status(&app, w.report).await, Status::Submitted);

    // The reviewer sees the warning with its explanation.
    app.act_as(&w.reviewer).await;
    let page = app.get(&url).await;
    assert_eq!(
        page.text("#problems li[data-rule='cross_year.carried_over'] .explanation"),
        "说明：上年结转的 2 件已于 1 月撤回。"
    );
}

async fn the_whole_loop_from_draft_to_published(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&mut app).await;
    let url = format!("/reports/{}", w.report);
    let cell = "requests.granted.commercial";

    // The clerk fills in and submits.
    app.act_as(&w.clerk).await;
    fill(&app, w.report, &[("requests.new.commercial", "4"), (cell, "4")]).await;
    assert_eq!(
        app.post_form(&format!("{url}/submit"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    // Submitted: the clerk can no longer change it.
    let page = app.post_form(&url, &[("version", "9"), (cell, "5")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(page.text("h1"), "报告已提交，不能再修改");

    // The reviewer pins a comment to a cell and returns the report; a return needs a reason.
    app.act_as(&w.reviewer).await;
    let page = app.get(&format!("{url}?pin=cell:{cell}")).await;
    assert!(
        page.text("#comment-form")
            .contains("第三部分“（一）予以公开”行“商业企业”列")
    );
    assert_eq!(
        page.attr(&input(cell), "readonly").as_deref(),
        Some(""),
        "read-only for the reviewer"
    );
    let page = app
        .post_form(
            &format!("{url}/comments"),
            &[
                ("kind", "cell"),
                ("target", cell),
                ("body", "请核实：4 件中有 1 件为部分公开。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.post_form(&format!("{url}/return"), &[("reason", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app
        .post_form(&format!("{url}/return"), &[("reason", "请按批注修改")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, w.report).await, Status::Returned);
    // A reviewer never edits the data.
    let page = app.post_form(&url, &[("version", "99"), (cell, "1")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The clerk sees the comment right at the cell, and cannot resubmit before answering it.
    app.act_as(&w.clerk).await;
    let page = app.get(&url).await;
    let note = page.text(&format!("span.mark[data-cell='{cell}'] .review-note"));
    assert!(note.contains("请核实：4 件中有 1 件为部分公开。"), "{note}");
    assert!(page.text(".transitions").contains("请按批注修改"));
    let page = app.post_form(&format!("{url}/submit"), &[]).await;
    assert_eq!(page.text("p.field-error"), "还有 1 条审核意见未标记为已处理");
    // Fix the cell and answer the comment in one go (the button sits in the report form).
    let version = app.store.report(w.report).await.unwrap().version.to_string();
    let id = app.store.comments(w.report).await.unwrap()[0].id;
    let page = app
        .post_form(
            &format!("{url}/comments/{id}/answer"),
            &[
                ("version", &version),
                (cell, "3"),
                ("requests.partial.commercial", "1"),
                (&format!("answer:{id}"), "已改为 3 件予以公开、1 件部分公开"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        app.post_form(&format!("{url}/submit"), &[]).await.status,
        StatusCode::SEE_OTHER
    );

    // The reviewer sees exactly what changed since the return, then approves.
    app.act_as(&w.reviewer).await;
    let page = app.get(&url).await;
    let changes = page.texts("#changes tbody tr");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes[0].contains("第三部分“（一）予以公开”行“商业企业”列") && changes[0].contains("4 → 3"),
        "{changes:?}"
    );
    assert!(
        changes[1].contains("（二）部分公开") && changes[1].contains("（空） → 1"),
        "{changes:?}"
    );
    assert_eq!(
        app.post_form(&format!("{url}/approve"), &[]).await.status,
        StatusCode::SEE_OTHER
    );

    // Approval locks the report and records approver, time and the hash of the content.
    let stored = app.store.report(w.report).await.unwrap();
    assert_eq!(stored.status, Status::Approved);
    let approval = stored.approval.clone().expect("approval recorded");
    assert_eq!(approval.by, w.reviewer.display_name);
    assert_eq!(approval.sha256, nianbao::report::interchange::content_sha256(&stored.report));
    let page = app.get(&url).await;
    assert!(page.text("#approval").contains(&approval.sha256));

    app.act_as(&w.clerk).await;
    let page = app
        .post_form(&url, &[("version", &stored.version.to_string()), (cell, "9")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let api = app
        .send_json("PUT", &format!("/api/reports/{}", w.report), "{}", Some("\"1\""))
        .await;
    assert_ne!(api.status, StatusCode::OK);
    assert_eq!(
        app.store.report(w.report).await.unwrap().report,
        stored.report,
        "nothing changed"
    );

    // The clerk publishes; the reviewer can reopen with a reason, which clears the approval.
    assert_eq!(
        app.post_form(&format!("{url}/publish"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let stored = app.store.report(w.report).await.unwrap();
    assert_eq!(stored.status, Status::Published);
    assert!(stored.published_at.is_some());
    app.act_as(&w.reviewer).await;
    assert_eq!(
        app.post_form(&format!("{url}/reopen"), &[("reason", "")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = app
        .post_form(&format!("{url}/reopen"), &[("reason", "发现数据错误，需更正")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let stored = app.store.report(w.report).await.unwrap();
    assert_eq!(stored.status, Status::Returned);
    assert!(stored.approval.is_none());

    // Every transition is recorded: who, when, from, to, note.
    let transitions = app.store.transitions(w.report).await.unwrap();
    let steps: Vec<(Status, Status, &str)> = transitions
        .iter()
        .map(|t| (t.from, t.to, t.note.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (Status::Draft, Status::Submitted, ""),
            (Status::Submitted, Status::Returned, "请按批注修改"),
            (Status::Returned, Status::Submitted, ""),
            (Status::Submitted, Status::Approved, ""),
            (Status::Approved, Status::Published, ""),
            (Status::Published, Status::Returned, "发现数据错误，需更正"),
        ]
    );
    assert_eq!(transitions[1].user, w.reviewer.display_name);

    // A reviewer of another government sees none of it.
    app.act_as(&w.stranger).await;
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post_form(&format!("{url}/approve"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn actions_at_the_wrong_moment_are_refused(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&mut app).await;
    let url = format!("/reports/{}", w.report);
    app.act_as(&w.reviewer).await;
    for action in ["approve", "return", "publish"] {
        let page = app
            .post_form(&format!("{url}/{action}"), &[("reason", "x")])
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{action} on a draft");
    }
    assert_eq!(
        app.get(&format!("{url}/submit")).await.status,
        StatusCode::FORBIDDEN
    );
    app.act_as(&w.clerk).await;
    for action in ["approve", "return", "reopen"] {
        let page = app
            .post_form(&format!("{url}/{action}"), &[("reason", "x")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "a clerk cannot {action}");
    }
    let page = app
        .post_form(
            &format!("{url}/comments"),
            &[("kind", "section"), ("target", "overview"), ("body", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

async fn comments_pin_to_cells_rules_and_sections(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&mut app).await;
    let url = format!("/reports/{}", w.report);
    app.act_as(&w.clerk).await;
    fill(&app, w.report, &[("requests.new.research", "2")]).await;
    app.act_as(&w.reviewer).await;
    for (kind, target, body) in [
        ("section", "problems", "第五部分请写明上年问题的整改情况"),
        (
            "rule",
            "requests.balance@requests.new.research",
            "科研机构一列不平衡",
        ),
        ("cell", "proactive.fees.amount", "收费金额请核实单位"),
    ] {
        let page = app
            .post_form(
                &format!("{url}/comments"),
                &[("kind", kind), ("target", target), ("body", body)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}");
    }
    for (kind, target) in [
        ("cell", "requests.nope.total"),
        ("section", "nope"),
        ("rule", "nope@text.overview"),
        ("cell", ""),
    ] {
        let page = app
            .post_form(
                &format!("{url}/comments"),
                &[("kind", kind), ("target", target), ("body", "x")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}:{target}");
    }
    app.act_as(&w.clerk).await;
    let page = app.get(&url).await;
    assert!(
        page.text("#s-problems .review-note")
            .contains("第五部分请写明上年问题的整改情况")
    );
    assert!(
        page.text("span.mark[data-cell='requests.new.research'] .review-note")
            .contains("科研机构一列不平衡")
    );
    assert!(
        page.text("span.mark[data-cell='proactive.fees.amount'] .review-note")
            .contains("收费金额请核实单位")
    );
    assert_eq!(page.count("#comments li.open"), 3);
}

async fn deadlines_are_shown_with_the_days_left(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&mut app).await;
    app.act_as(&w.clerk).await;
    let page = app.get(&format!("/reports/{}", w.report)).await;
    assert!(
        page.text("p.meta").contains("法定发布期限 2026年1月31日"),
        "{}",
        page.text("p.meta")
    );
    app.act_as(&w.reviewer).await;
    let home = app.get("/desk?year=2025").await;
    let rows = home.texts("table.list tbody tr");
    assert!(
        rows.iter()
            .any(|r| r.contains("某市统计局") && r.contains("2026年1月31日")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("某市人民政府") && r.contains("2026年3月31日") && r.contains("未创建")),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|r| r.contains("另一市人民政府")));
}

/// Midnight in Beijing on a day of 2026 (16:00 UTC the day before).
const BEIJING_2026_01_21: i64 = 1_768_924_800;
const DAY: i64 = 24 * 3600;

async fn the_days_left_follow_the_date(store: Store) {
    let store = store.with_clock(nianbao::clock::Clock::fixed(BEIJING_2026_01_21));
    let mut app = TestApp::new(store.clone());
    let w = world(&mut app).await;
    // The row of an agency, its spaces taken out (the date and the days left are apart).
    let row = |home: &crate::common::Page, agency: &str| {
        home.texts("table.list tbody tr")
            .into_iter()
            .find(|r| r.contains(agency))
            .map(|r| r.split_whitespace().collect::<String>())
            .unwrap_or_else(|| panic!("no row of {agency}: {}", home.body))
    };
    app.act_as(&w.reviewer).await;
    // In January 2026 the reports being written are 2025's: the home page shows that year.
    let home = app.get("/desk").await;
    assert!(row(&home, "某市统计局").contains("2026年1月31日（还有10天）"), "{}", home.body);
    assert!(row(&home, "某市人民政府").contains("2026年3月31日（还有69天）"));

    // Sessions end after two idle hours: each day is signed in afresh.
    store.clock().advance(10 * DAY);
    app.act_as(&w.reviewer).await;
    let home = app.get("/desk").await;
    assert!(row(&home, "某市统计局").contains("（今天截止）"), "{}", home.body);
    // The last second of the day in Beijing is still the day itself.
    store.clock().advance(DAY - 1);
    app.act_as(&w.reviewer).await;
    assert!(row(&app.get("/desk").await, "某市统计局").contains("（今天截止）"));

    store.clock().advance(1 + 2 * DAY);
    app.act_as(&w.reviewer).await;
    let home = app.get("/desk").await;
    assert!(row(&home, "某市统计局").contains("（已逾期3天）"), "{}", home.body);
    app.act_as(&w.clerk).await;
    let page = app.get(&format!("/reports/{}", w.report)).await;
    assert!(page.body.contains("已逾期 3 天"), "{}", page.text("p.meta"));

    // From October on, 2026's reports are the ones being written.
    store.clock().set(1_790_784_000);
    app.act_as(&w.reviewer).await;
    let home = app.get("/desk").await;
    assert!(row(&home, "某市统计局").contains("2027年1月31日（还有122天）"), "{}", home.body);
    assert!(row(&home, "某市统计局").contains("未创建"));
}

on_both_backends!(
    the_days_left_follow_the_date,
    submit_is_refused_while_errors_stand_and_warnings_are_unexplained,
    the_whole_loop_from_draft_to_published,
    actions_at_the_wrong_moment_are_refused,
    comments_pin_to_cells_rules_and_sections,
    deadlines_are_shown_with_the_days_left,
);
