//! Rules a jurisdiction tunes without a release: an admin sets a rule's severity or turns
//! it off for a government and year; the reports under it are checked so at once (their
//! problem list, the submit gate, the desk's counts); each change is recorded; the
//! official arithmetic cannot be changed.

use axum::http::StatusCode;
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::store::Store;

use crate::common::TestApp;

async fn an_admin_tunes_a_rule_and_the_reports_under_the_government_change(store: Store) {
    let mut app = TestApp::new(store);
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let bureau = app.agency("某市统计局", Kind::Department, Some(city)).await;
    let clerk = app.user("tongji", Role::Clerk, Some(bureau)).await;
    let admin = app.user("guanli", Role::Admin, None).await;
    let id = app.store.open_report(bureau, 2024).await.unwrap();
    app.act_as(&clerk).await;
    // Last year's text left in: 2023 in a 2024 report.
    let version = app.store.report(id).await.unwrap().version.to_string();
    app.post_form(
        &format!("/reports/{id}"),
        &[
            ("version", &version),
            ("text.overview", "2023年，我局主动公开、依申请公开、政府信息管理、平台建设、监督保障有序推进。"),
        ],
    )
    .await;
    let year_warning = |page: &crate::common::Page| {
        let css = "#problems li[data-rule='text.year']";
        (page.count(css) > 0).then(|| page.attr(css, "class")).flatten()
    };
    assert_eq!(year_warning(&app.get(&format!("/reports/{id}")).await).as_deref(), Some("warn"));

    // The admin makes it an error for the city's 2024 reports.
    app.act_as(&admin).await;
    let page = app.get(&format!("/admin/rules?government={city}&year=2024")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.count("select[name='rule:requests.balance']"), 0, "the arithmetic is not offered");
    let saved = app
        .post_form("/admin/rules", &[("government", &city.to_string()), ("year", "2024"), ("rule:text.year", "error")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // The arithmetic cannot be turned off, even by a crafted form.
    let refused = app
        .post_form("/admin/rules", &[("government", &city.to_string()), ("year", "2024"), ("rule:requests.balance", "off")])
        .await;
    assert_ne!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.store.tuning_for(bureau, 2024).await.unwrap().setting("requests.balance"), None);

    app.act_as(&clerk).await;
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(year_warning(&page).as_deref(), Some("err"));
    assert!(page.text("#tuning").contains("text.year"), "the page says which settings apply");
    let submit = app.post_form(&format!("/reports/{id}/submit"), &[]).await;
    assert_eq!(submit.status, StatusCode::UNPROCESSABLE_ENTITY, "an error now blocks submitting");
    let errors = app.store.reports_of(bureau).await.unwrap().into_iter().find(|r| r.id == id).map_or(-1, |r| r.errors);
    assert!(errors >= 1, "the desk counts it: {errors}");

    // Off: the rule says nothing; another year is untouched.
    app.act_as(&admin).await;
    app.post_form("/admin/rules", &[("government", &city.to_string()), ("year", "2024"), ("rule:text.year", "off")]).await;
    app.act_as(&clerk).await;
    assert_eq!(year_warning(&app.get(&format!("/reports/{id}")).await), None);
    assert!(app.store.tuning_for(bureau, 2025).await.unwrap().is_default());

    // Every change is recorded: who, from what, to what.
    app.act_as(&admin).await;
    let page = app.get(&format!("/admin/rules?government={city}&year=2024")).await;
    let changes = page.texts("#rule-changes li");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes[0].contains("text.year") && changes[0].contains("关闭") && changes[0].contains("guanli的名字"), "{changes:?}");
    assert!(changes[1].contains("按年报格式 → 错误"), "{changes:?}");
    // Only admins tune rules.
    app.act_as(&clerk).await;
    assert_eq!(app.get("/admin/rules").await.status, StatusCode::FORBIDDEN);
}

on_both_backends!(an_admin_tunes_a_rule_and_the_reports_under_the_government_change);
