//! The report form through the router, as a browser uses it (with and without htmx), on
//! both databases.

use axum::http::StatusCode;
use crate::common::{Page, TestApp, input, mark, output};
use nianbao::store::Store;

async fn creating_a_report_opens_it_and_reopening_finds_the_same(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    assert_eq!(app.open_report("某市统计局", "department", 2025).await, id);
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("h1"), "某市统计局2025年政府信息公开工作年度报告");
    let list = app.get("/").await;
    assert_eq!(list.text("h1"), "某市统计局 · 政府信息公开工作年度报告");
    assert_eq!(list.texts("table.list tbody td a"), ["2025 年度"]);
}

async fn a_bad_year_is_explained_beside_the_field(store: Store) {
    let mut app = TestApp::new(store);
    app.as_clerk_of("某局", "department").await;
    for (year, message) in [
        ("2018", "只支持 2019 年及以后的年度报告"),
        ("二〇二五", "请填写四位数年份，如 2025"),
        ("2999", "不能填报尚未开始的年度"),
    ] {
        let page = app.post_form("/reports", &[("year", year)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(page.text("p.field-error[data-for='year']"), message);
        assert_eq!(
            page.attr("input#year", "value").as_deref(),
            Some(year),
            "what was typed stays"
        );
    }
    assert!(app.store.reports().await.unwrap().is_empty());
}

async fn the_form_draws_the_official_tables_with_inputs_named_by_cell_id(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let page = app.get(&format!("/reports/{id}")).await;
    let headings = page.texts("section.part h2");
    assert_eq!(
        headings,
        [
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项"
        ]
    );
    // 200 cells: 34 are totals the app computes, the rest are inputs.
    assert_eq!(page.count("form#report-form table input"), 200 - 34);
    assert_eq!(page.count("form#report-form table output"), 34);
    for key in ["text.overview", "text.problems", "text.other"] {
        assert_eq!(page.count(&format!("textarea[name='{key}']")), 1);
    }
    assert_eq!(page.count(&input("requests.new.natural_person")), 1);
    assert_eq!(
        page.count(&input("requests.new.total")),
        0,
        "totals cannot be typed over"
    );
    // Merged headers as in the official layout.
    assert_eq!(
        page.attr("table.requests th.note", "rowspan").as_deref(),
        Some("3")
    );
    assert_eq!(page.text("table.requests th[colspan='7']"), "申请人情况");
    assert_eq!(page.text("table.requests th[colspan='5']"), "法人或其他组织");
    assert_eq!(page.text("table.requests th[rowspan='22']"), "三、本年度办理结果");
    assert_eq!(
        page.texts("table.appeals thead tr:first-child th"),
        ["行政复议", "行政诉讼"]
    );
    assert_eq!(page.count("table.appeals thead th[scope='col']"), 15);
}

async fn a_2020_report_uses_the_2019_format(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2020).await;
    let page = app.get(&format!("/reports/{id}")).await;
    assert!(page.text("p.meta").contains("2019 年格式"));
    assert_eq!(page.text("table.requests th[rowspan='20']"), "三、本年度办理结果");
    assert_eq!(page.count(&input("proactive.fees.change")), 1);
    assert_eq!(page.count(&input("requests.other.natural_person")), 1);
    assert_eq!(page.count(&input("requests.other_misc.natural_person")), 0);
}

async fn a_word_in_a_count_cell_is_kept_and_explained_beside_it(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");

    let page = app
        .post_form(&url, &[("version", "1"), ("requests.new.commercial", "十二")])
        .await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(&mark("requests.new.commercial")), "请填写非负整数");
    assert_eq!(
        page.attr(&input("requests.new.commercial"), "value").as_deref(),
        Some("十二")
    );
    assert!(page.texts("#problems li[data-rule='value.integer']")[0].contains("填写了“十二”"));
    let reloaded = app.get(&url).await;
    assert_eq!(
        reloaded
            .attr(&input("requests.new.commercial"), "value")
            .as_deref(),
        Some("十二")
    );
}

async fn bad_values_of_every_kind_get_a_message_not_an_error_page(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let cases = [
        ("requests.new.natural_person", "  ", ""),
        ("requests.new.commercial", "3.5", "请填写非负整数"),
        ("requests.new.research", "-1", "不能为负数"),
        (
            "requests.new.public_interest",
            "1000000000000",
            "数值过大（超过一千万），请核对",
        ),
        ("requests.new.legal_service", "１２", ""),
        ("requests.new.other_org", "abc", "请填写非负整数"),
        (
            "proactive.fees.amount",
            "12.3456789",
            "金额最多保留六位小数（精确到分）",
        ),
    ];
    let mut fields = vec![("version", "1")];
    fields.extend(cases.iter().map(|(k, v, _)| (*k, *v)));
    let page = app.post_form(&url, &fields).await;
    assert_eq!(page.status, StatusCode::OK);
    for (key, _, hint) in cases {
        assert_eq!(page.text(&mark(key)), hint, "{key}");
    }
    let stored = app.store.report(id).await.unwrap();
    let value = |k: &str| {
        stored
            .report
            .get(stored.report.format().field(k).unwrap())
            .to_string()
    };
    assert_eq!(
        value("requests.new.legal_service"),
        "12",
        "full-width digits are accepted"
    );
    assert_eq!(
        value("requests.new.research"),
        "-1",
        "wrong values are kept as typed"
    );
}

async fn script_in_a_text_is_shown_as_text(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let evil = "<script>alert('x')</script>";
    app.post_form(&url, &[("version", "1"), ("text.overview", evil)])
        .await;
    let page = app.get(&url).await;
    assert!(!page.body.contains(evil));
    assert_eq!(page.text("textarea[name='text.overview']"), evil);
    let export = app.get(&format!("{url}/export.html")).await;
    assert!(!export.body.contains(evil));
}

async fn a_live_save_returns_totals_marks_and_the_problem_list(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");

    let live = app
        .post_htmx(&url, &[("version", "1"), ("requests.new.commercial", "5")])
        .await;

    assert_eq!(live.status, StatusCode::OK);
    assert!(!live.body.contains("<html"), "a fragment, not a page");
    assert_eq!(live.attr("input#version", "value").as_deref(), Some("2"));
    assert!(live.text("#save-state").starts_with("已保存"));
    assert_eq!(live.text(&output("requests.new.total")), "5");
    assert_eq!(live.text(&output("requests.results_total.commercial")), "0");
    let balance = live.texts("#problems-tables li[data-rule='requests.balance']");
    assert_eq!(
        balance,
        ["第三部分“商业企业”列：本年新收 5 + 上年结转 0 = 5，但（七）总计 0 + 结转下年度 0 = 0"]
    );
    assert_eq!(
        live.attr("#problems-tables li[data-rule='requests.balance'] a", "href")
            .as_deref(),
        Some("#f-requests.new.commercial")
    );
    for key in ["requests.new.commercial", "requests.results_total.commercial"] {
        assert!(
            live.attr(&mark(key), "class").unwrap().contains("err"),
            "{key} highlighted"
        );
        assert_eq!(live.attr(&mark(key), "hx-swap-oob").as_deref(), Some("true"));
    }
    // The form's own inputs are not sent back: what the user is typing is never replaced.
    assert_eq!(live.count(&input("requests.new.commercial")), 0);

    let fixed = app
        .post_htmx(
            &url,
            &[
                ("version", "2"),
                ("requests.new.commercial", "5"),
                ("requests.granted.commercial", "5"),
            ],
        )
        .await;
    assert_eq!(
        fixed.count("#problems-tables li[data-rule='requests.balance']"),
        0
    );
    assert_eq!(
        fixed.text("#problems-tables .all-clear"),
        "表格：未发现问题，所有勾稽关系一致。"
    );
    assert_eq!(fixed.text(&output("requests.results_total.commercial")), "5");
    assert!(
        !fixed
            .attr(&mark("requests.new.commercial"), "class")
            .unwrap()
            .contains("err")
    );
    // A save redraws both parts: the texts are still blank.
    assert_eq!(fixed.count("#problems-texts li[data-rule='text.required']"), 3);
}

async fn a_live_answer_sends_only_what_differs_from_what_the_page_shows(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let all_marks = 200 + 3;
    let page = app.get(&url).await;
    let (shown, texts) = (
        page.attr("input#shown-tables", "value").unwrap(),
        page.attr("input#shown-texts", "value").unwrap(),
    );

    let first = app
        .post_htmx(
            &url,
            &[
                ("version", "1"),
                ("shown", &shown),
                ("shown", &texts),
                ("requests.new.commercial", "5"),
            ],
        )
        .await;
    // The balance of one column: four cells marked, the two totals that moved.
    let marked: Vec<String> = first.texts("span.mark[data-cell]");
    assert!((4..20).contains(&marked.len()), "{} marks sent", marked.len());
    assert_eq!(first.count(&mark("requests.carried_forward.commercial")), 1);
    assert_eq!(
        first.count(&mark("requests.new.research")),
        0,
        "an untouched clean cell is not resent"
    );
    assert_eq!(first.text(&output("requests.new.total")), "5");
    assert_eq!(
        first.count("span.mark[data-cell^='text.']"),
        0,
        "the texts are as shown"
    );
    let shown = first.attr("input#shown-tables", "value").unwrap();
    assert!(!shown.is_empty(), "the page now shows marks and a total");
    assert_eq!(first.attr("input#shown-texts", "value"), Some(texts.clone()));

    // Someone else saves; the form still on version 2 gets their value and its marks.
    app.post_htmx(&url, &[("version", "2"), ("requests.new.research", "1")])
        .await;
    let stale = app
        .post_htmx(
            &url,
            &[
                ("version", "2"),
                ("shown", &shown),
                ("shown", &texts),
                ("requests.new.commercial", "5"),
                ("requests.granted.commercial", "5"),
            ],
        )
        .await;
    assert_eq!(
        stale.attr(&input("requests.new.research"), "value").as_deref(),
        Some("1")
    );
    assert!(
        stale
            .attr(&mark("requests.new.research"), "class")
            .unwrap()
            .contains("err")
    );
    assert!(
        !stale
            .attr(&mark("requests.new.commercial"), "class")
            .unwrap()
            .contains("err"),
        "the fixed column is cleared"
    );
    assert_eq!(stale.count(&mark("requests.new.natural_person")), 0);

    // A page that does not say what it shows gets every field.
    let bare = app
        .post_htmx(&url, &[("version", "4"), ("requests.new.research", "1")])
        .await;
    assert_eq!(bare.count("span.mark[data-cell]"), all_marks);

    // A conflict shown in the form is cleared by the next save.
    app.post_htmx(&url, &[("version", "4"), ("requests.granted.research", "1")])
        .await;
    let clash = app
        .post_htmx(&url, &[("version", "4"), ("requests.granted.research", "2")])
        .await;
    assert_eq!(
        clash.count(&format!("{} .conflict", mark("requests.granted.research"))),
        1
    );
    let version = clash.attr("input#version", "value").unwrap();
    let next = app
        .post_htmx(
            &url,
            &[
                ("version", &version),
                ("requests.granted.research", "1"),
                ("shown_conflict", "requests.granted.research"),
            ],
        )
        .await;
    assert_eq!(next.count(&mark("requests.granted.research")), 1);
    assert_eq!(
        next.count(&format!("{} .conflict", mark("requests.granted.research"))),
        0
    );
}

async fn a_stale_form_gets_a_conflict_showing_both_values(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let cell = "requests.granted.natural_person";
    // Two clerks opened version 1; the first saves 3, the second then saves 4.
    app.post_htmx(
        &url,
        &[("version", "1"), (cell, "3"), ("requests.new.natural_person", "")],
    )
    .await;
    let second = app
        .post_htmx(
            &url,
            &[
                ("version", "1"),
                (cell, "4"),
                ("requests.new.natural_person", "2"),
            ],
        )
        .await;

    assert!(second.text("#save-state").contains("冲突"));
    let conflict = second.text(&format!("{} .conflict", mark(cell)));
    assert!(conflict.contains("“3”") && conflict.contains("“4”"), "{conflict}");
    // The input shows what is stored, the choice keeps the user's value at hand.
    assert_eq!(second.attr(&input(cell), "value").as_deref(), Some("3"));
    assert_eq!(
        second
            .attr(&format!("button[name='keep:{cell}']"), "value")
            .as_deref(),
        Some("4")
    );
    // The other cell was not contested and is saved.
    let stored = app.store.report(id).await.unwrap();
    let value = |k: &str| {
        stored
            .report
            .get(stored.report.format().field(k).unwrap())
            .to_string()
    };
    assert_eq!(value(cell), "3");
    assert_eq!(value("requests.new.natural_person"), "2");

    // Choosing “mine” applies it.
    let version = second.attr("input#version", "value").unwrap();
    let settled = app
        .post_htmx(
            &url,
            &[("version", &version), (&format!("keep:{cell}"), "4"), (cell, "3")],
        )
        .await;
    assert!(settled.text("#save-state").starts_with("已保存"));
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(
        stored.report.get(stored.report.format().field(cell).unwrap()),
        "4"
    );
}

async fn without_javascript_the_save_button_re_renders_the_page(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let page = app
        .post_form(
            &url,
            &[
                ("version", "1"),
                ("requests.new.commercial", "5"),
                ("text.overview", "总体情况"),
            ],
        )
        .await;
    assert!(page.body.starts_with("<!doctype html>"));
    assert_eq!(page.attr("input#version", "value").as_deref(), Some("2"));
    assert_eq!(page.text(&output("requests.new.total")), "5");
    assert_eq!(page.count("#problems li[data-rule='requests.balance']"), 1);
    assert_eq!(page.text("textarea[name='text.overview']"), "总体情况");
    assert_eq!(page.attr("form#report-form", "method").as_deref(), Some("post"));
}

async fn unknown_reports_and_oversized_forms_get_a_chinese_page(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    for url in [
        "/reports/999",
        "/reports/abc",
        "/reports/999/export.html",
        "/nothing",
    ] {
        let page = app.get(url).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(page.text("h1"), "找不到该页面或报告");
    }
    let page = app.post_form("/reports/999", &[("version", "1")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    let huge = "长".repeat(1_000_000);
    let page = app
        .post_form(
            &format!("/reports/{id}"),
            &[("version", "1"), ("text.overview", &huge)],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(page.text("h1"), "提交的内容过大");
    assert!(app.store.report(id).await.unwrap().report.texts[0].is_empty());
}

async fn cross_year_rules_use_last_years_report(store: Store) {
    let mut app = TestApp::new(store);
    let last = app.open_report("某市统计局", "department", 2024).await;
    app.post_form(
        &format!("/reports/{last}"),
        &[
            ("version", "1"),
            ("requests.new.natural_person", "2"),
            ("requests.carried_forward.natural_person", "2"),
        ],
    )
    .await;
    let id = app.open_report("某市统计局", "department", 2025).await;
    // A new report starts from last year's carry-forward: nothing to warn of.
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(page.attr(&input("requests.carried_over.natural_person"), "value").as_deref(), Some("2"));
    assert_eq!(page.count("#problems li[data-rule='cross_year.carried_over']"), 0);
    let version = app.store.report(id).await.unwrap().version.to_string();
    app.post_form(
        &format!("/reports/{id}"),
        &[("version", &version), ("requests.carried_over.natural_person", "0")],
    )
    .await;
    let page = app.get(&format!("/reports/{id}")).await;
    let warning = page.text("#problems li[data-rule='cross_year.carried_over']");
    assert!(
        warning.contains("2024年报告“结转下年度继续办理”为 2"),
        "{warning}"
    );
    assert_eq!(
        page.attr("#problems li[data-rule='cross_year.carried_over']", "class")
            .as_deref(),
        Some("warn")
    );
}

/// What the page sends shortly after a keystroke in a table: the version, what it shows of
/// the tables, the cells.
async fn check(app: &TestApp, url: &str, shown: &str, cells: &[(&str, &str)]) -> Page {
    let mut fields = vec![("version", "1"), ("shown", shown)];
    fields.extend_from_slice(cells);
    app.post_htmx(&format!("{url}/check?part=tables"), &fields).await
}

async fn a_check_validates_the_form_as_typed_without_saving(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let shown = app.get(&url).await.attr("input#shown-tables", "value").unwrap();

    let first = check(&app, &url, &shown, &[("requests.new.commercial", "5")]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.text(&output("requests.new.total")), "5");
    assert!(
        first
            .attr(&mark("requests.new.commercial"), "class")
            .unwrap()
            .contains("err")
    );
    assert_eq!(
        first.count("#problems-tables li[data-rule='requests.balance']"),
        1
    );
    // A table check redraws the tables only: the texts may have been typed in since the save.
    assert_eq!(first.count("#problems-texts"), 0);
    assert_eq!(first.count("input#shown-texts"), 0);
    assert_eq!(first.count("span.mark[data-cell^='text.']"), 0);
    // A check neither saves nor touches the version or the save badge.
    assert_eq!(first.count("input#version"), 0);
    assert_eq!(first.count("#save-state"), 0);
    let page = app.get(&url).await;
    assert_eq!(page.attr("input#version", "value").as_deref(), Some("1"));
    assert_eq!(
        page.attr(&input("requests.new.commercial"), "value").as_deref(),
        Some("")
    );

    // The same form again: nothing differs from what the page now shows.
    let shown = first.attr("input#shown-tables", "value").unwrap();
    let again = check(&app, &url, &shown, &[("requests.new.commercial", "5")]).await;
    assert_eq!(again.count("span.mark[data-cell]"), 0);
    assert_eq!(again.count("output[data-cell]"), 0);
    assert_eq!(
        again.count("#problems-tables li[data-rule='requests.balance']"),
        1
    );
    // Fixed (with a full-width digit): the marks go, the total follows.
    let fixed = check(
        &app,
        &url,
        &shown,
        &[
            ("requests.new.commercial", "5"),
            ("requests.granted.commercial", "５"),
        ],
    )
    .await;
    assert!(
        !fixed
            .attr(&mark("requests.new.commercial"), "class")
            .unwrap()
            .contains("err")
    );
    assert_eq!(fixed.text(&output("requests.results_total.commercial")), "5");
    assert_eq!(
        fixed.count("#problems-tables li[data-rule='requests.balance']"),
        0
    );
    // A conflict the page shows is left alone by a check, which knows nothing of it.
    let kept = check(
        &app,
        &url,
        "",
        &[
            ("requests.new.commercial", "5"),
            ("shown_conflict", "requests.new.commercial"),
        ],
    )
    .await;
    assert_eq!(kept.count(&mark("requests.new.commercial")), 0);
    assert_eq!(
        kept.count(&mark("requests.carried_forward.commercial")),
        1,
        "the rest of the column is marked"
    );
}

async fn a_text_check_sends_and_redraws_that_text_only(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    // A column that does not balance, saved: the tables have a problem the text check must
    // not touch (what the page shows of them may be newer than the save).
    app.post_htmx(&url, &[("version", "1"), ("requests.new.commercial", "5")])
        .await;
    let page = app.get(&url).await;
    assert_eq!(page.count("#problems-texts li[data-rule='text.required']"), 3);
    let texts = page.attr("input#shown-texts", "value").unwrap();

    // What the page sends after a keystroke in the overview: that text and what it shows of
    // the texts; no cell.
    let typed = "本年度，我局坚持公开为常态，主动公开、依申请公开、政府信息管理、平台建设、监督保障有序推进。\u{20000}";
    let answer = app
        .post_htmx(
            &format!("{url}/check?part=texts"),
            &[("shown", &texts), ("text.overview", typed)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    // The overview is no longer blank; the other two still are; a character the PDF font
    // lacks is flagged at once.
    let required = answer.texts("#problems-texts li[data-rule='text.required']");
    assert_eq!(required.len(), 2, "{required:?}");
    assert!(required.iter().all(|r| !r.contains("总体情况")), "{required:?}");
    assert_eq!(answer.count("#problems-texts li[data-rule='export.glyph']"), 1);
    assert!(answer.text(&mark("text.overview")).contains("字库"));
    // Nothing of the tables: no group, no marks, no totals, their `shown` left as it is.
    assert_eq!(answer.count("#problems-tables"), 0);
    assert_eq!(answer.count("input#shown-tables"), 0);
    assert_eq!(answer.count("span.mark[data-cell^='requests.']"), 0);
    assert_eq!(answer.count("output[data-cell]"), 0);
    let texts = answer.attr("input#shown-texts", "value").unwrap();

    // The same keystroke again: nothing to redraw but the texts' problem list.
    let again = app
        .post_htmx(
            &format!("{url}/check?part=texts"),
            &[("shown", &texts), ("text.overview", typed)],
        )
        .await;
    assert_eq!(again.count("span.mark[data-cell]"), 0);
    assert_eq!(again.count("#problems-texts li"), 3);

    // Nothing was saved; the table's problem is still the page's.
    let page = app.get(&url).await;
    assert_eq!(page.text("textarea[name='text.overview']"), "");
    assert_eq!(page.attr("input#version", "value").as_deref(), Some("2"));
    assert_eq!(page.count("#problems-tables li[data-rule='requests.balance']"), 1);
    // A table check sent with a text (a page cannot, but a client may) ignores the text.
    let tables = app
        .post_htmx(
            &format!("{url}/check?part=tables"),
            &[("requests.new.commercial", "5"), ("text.overview", typed)],
        )
        .await;
    assert_eq!(
        tables.count("#problems-tables li[data-rule='requests.balance']"),
        1
    );
    assert_eq!(tables.count("#problems-texts"), 0);
    assert_eq!(tables.count("span.mark[data-cell^='text.']"), 0);
}

async fn a_check_is_for_those_who_may_see_the_report(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let check = format!("/reports/{id}/check");
    app.as_clerk_of("某市交通局", "department").await;
    let other = app
        .post_htmx(&check, &[("version", "1"), ("requests.new.commercial", "5")])
        .await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&other.status),
        "{}",
        other.status
    );
    assert!(!other.body.contains("requests.new.commercial"));
    let missing = app.post_htmx("/reports/99999/check", &[("version", "1")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    creating_a_report_opens_it_and_reopening_finds_the_same,
    a_bad_year_is_explained_beside_the_field,
    the_form_draws_the_official_tables_with_inputs_named_by_cell_id,
    a_2020_report_uses_the_2019_format,
    a_word_in_a_count_cell_is_kept_and_explained_beside_it,
    bad_values_of_every_kind_get_a_message_not_an_error_page,
    script_in_a_text_is_shown_as_text,
    a_live_save_returns_totals_marks_and_the_problem_list,
    a_live_answer_sends_only_what_differs_from_what_the_page_shows,
    a_check_validates_the_form_as_typed_without_saving,
    a_text_check_sends_and_redraws_that_text_only,
    a_check_is_for_those_who_may_see_the_report,
    a_stale_form_gets_a_conflict_showing_both_values,
    without_javascript_the_save_button_re_renders_the_page,
    unknown_reports_and_oversized_forms_get_a_chinese_page,
    cross_year_rules_use_last_years_report,
);
