//! The history of a report through the router, on both databases: every change listed with
//! who, when and old → new; one field's history; the report as it was; restoring a version.

use axum::http::{StatusCode, header};
use crate::common::TestApp;
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::report::status::Status;
use nianbao::store::{Author, Edit, Stamp, Store};

const CELL: &str = "requests.new.natural_person";
const OTHER: &str = "requests.new.commercial";
const TOTAL: &str = "requests.new.total";

/// A clerk's report saved twice through the form: version 2, then version 3.
async fn two_saves(app: &mut TestApp) -> i64 {
    let id = app.open_report("某市统计局", "department", 2025).await;
    let url = format!("/reports/{id}");
    let first = [
        ("version", "1"),
        (CELL, "3"),
        ("text.overview", "本年度主动公开政府信息100条。"),
    ];
    assert_eq!(app.post_form(&url, &first).await.status, StatusCode::OK);
    let second = [
        ("version", "2"),
        (CELL, "5"),
        (OTHER, "2"),
        ("text.overview", "本年度主动公开政府信息120条。"),
    ];
    assert_eq!(app.post_form(&url, &second).await.status, StatusCode::OK);
    id
}

async fn value(app: &TestApp, id: i64, key: &str) -> String {
    let stored = app.store.report(id).await.unwrap();
    let field = stored.report.format().field(key).unwrap();
    stored.report.get(field).to_string()
}

fn row(version: i64, key: &str) -> String {
    format!("tbody[data-version='{version}'] tr[data-cell='{key}']")
}

async fn the_history_lists_who_when_and_old_to_new_newest_first(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;
    let clerk = app.store.report(id).await.unwrap();
    assert_eq!(clerk.version, 3);

    let page = app.get(&format!("/reports/{id}/history")).await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let versions: Vec<String> = page
        .texts("tbody[data-version] th.version > a")
        .into_iter()
        .collect();
    assert_eq!(versions, ["第 3 版", "第 2 版"], "newest first");
    let cell = row(3, CELL);
    assert_eq!(
        page.text(&format!("{cell} th.field")),
        "第三部分“本年新收”行“自然人”列"
    );
    assert_eq!(page.text(&format!("{cell} del")), "3");
    assert_eq!(page.text(&format!("{cell} ins")), "5");
    assert_eq!(
        page.attr(&format!("{cell} th.field a"), "href").as_deref(),
        Some(format!("/reports/{id}/history?key={CELL}").as_str())
    );
    // A first value replaces a blank: nothing to strike through.
    assert_eq!(page.text(&format!("{} td.change", row(2, CELL))), "（空） → 3");
    let version = page.text("tbody[data-version='3'] th.version");
    assert!(version.contains("clerk"), "who: {version}");
    assert!(
        version.contains(&nianbao::clock::datetime(clerk.updated_at)),
        "when: {version}"
    );
    assert_eq!(
        page.attr("tbody[data-version='3'] th.version > a", "href")
            .as_deref(),
        Some(format!("/reports/{id}/versions/3").as_str())
    );
    // A text: its section, and what changed in place.
    let text = row(3, "text.overview");
    assert_eq!(page.text(&format!("{text} th.field")), "一、总体情况");
    assert_eq!(page.text(&format!("{text} del")), "0");
    assert_eq!(page.text(&format!("{text} ins")), "2");
    assert!(
        page.text(&format!("{text} p.text-diff"))
            .contains("本年度主动公开政府信息1")
    );
    // Totals follow their parts: hidden unless asked for.
    assert_eq!(page.count(&format!("tr[data-cell='{TOTAL}']")), 0);
    assert_eq!(
        page.attr("a.button[href$='totals=1']", "href").as_deref(),
        Some(format!("/reports/{id}/history?totals=1").as_str())
    );
}

async fn totals_are_hidden_unless_asked_for(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;
    // A whole document replaced (the API's PUT) records its totals with its cells.
    let mut report = app.store.report(id).await.unwrap().report;
    let format = report.format();
    report.set(format.field(CELL).unwrap(), "9".into());
    report.set(format.field(TOTAL).unwrap(), "11".into());
    app.store
        .replace(id, 3, &report, Author::system("数据导入"))
        .await
        .unwrap();

    let page = app.get(&format!("/reports/{id}/history")).await;
    assert_eq!(page.count(&format!("tr[data-cell='{TOTAL}']")), 0);
    let version = page.text("tbody[data-version='4'] th.version");
    assert!(version.contains("数据导入"), "{version}");
    // Every total is computed on replace: the one that follows the changed cell, and the
    // ones never computed before (blank → 0).
    assert!(version.contains("个总计随之更新"), "{version}");

    let page = app.get(&format!("/reports/{id}/history?totals=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(&format!("{} del", row(4, TOTAL))), "7");
    assert_eq!(page.text(&format!("{} ins", row(4, TOTAL))), "11");
    assert!(
        page.text(&format!("{} th.field", row(4, TOTAL)))
            .contains("（自动计算）")
    );
    assert_eq!(
        page.attr("a.button[href$='/history']", "href").as_deref(),
        Some(format!("/reports/{id}/history").as_str()),
        "the toggle hides them again"
    );
    // The version before the import shows the totals as they were then.
    let then = app.get(&format!("/reports/{id}/versions/3")).await;
    assert_eq!(then.text(&format!("td[data-cell='{TOTAL}']")), "7");
}

async fn one_fields_history_has_only_that_field(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;

    let page = app.get(&format!("/reports/{id}/history?key={CELL}")).await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("h1"), "第三部分“本年新收”行“自然人”列的修改记录");
    assert_eq!(page.count("tr[data-cell]"), 2);
    assert_eq!(page.count(&format!("tr[data-cell='{CELL}']")), 2);
    assert_eq!(page.texts("td.change ins"), ["5", "3"]);
    let unknown = app.get(&format!("/reports/{id}/history?key=no.such.cell")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn a_version_shows_the_report_as_it_was(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;

    let page = app.get(&format!("/reports/{id}/versions/2")).await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let banner = page.text("#version-banner p");
    assert!(banner.contains("这是第 2 版（"), "{banner}");
    assert!(banner.contains("不是当前内容"), "{banner}");
    assert!(banner.contains("与此版有 3 处不同"), "{banner}");
    assert_eq!(page.text(&format!("td[data-cell='{CELL}']")), "3");
    assert_eq!(page.text(&format!("td[data-cell='{OTHER}']")), "0");
    assert_eq!(page.text(&format!("td[data-cell='{TOTAL}']")), "3");
    assert_eq!(
        page.text("div[data-cell='text.overview'] p"),
        "本年度主动公开政府信息100条。"
    );
    assert_eq!(
        page.count("section.part input, section.part textarea, section.part output"),
        0,
        "read-only"
    );
    assert_eq!(page.count("form.restore button"), 1);

    let current = app.get(&format!("/reports/{id}/versions/3")).await;
    assert!(current.text("#version-banner p").contains("也就是当前内容"));
    assert_eq!(current.count("form.restore"), 0);
    let first = app.get(&format!("/reports/{id}/versions/1")).await;
    assert!(first.text("#version-banner p").contains("这是第 1 版（新建于 "));
    assert_eq!(first.text(&format!("td[data-cell='{CELL}']")), "0");
    for v in ["0", "4", "x"] {
        let missing = app.get(&format!("/reports/{id}/versions/{v}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "version {v}");
    }
}

async fn a_long_history_comes_a_hundred_changes_a_page(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某市统计局", "department", 2025).await;
    let format = app.store.report(id).await.unwrap().report.format();
    let keys: Vec<&str> = format
        .cells
        .iter()
        .filter(|c| c.total.is_none())
        .map(|c| c.id.as_str())
        .take(101)
        .collect();
    let mut fields = vec![("version", "1")];
    fields.extend(keys.iter().map(|k| (*k, "1")));
    app.post_form(&format!("/reports/{id}"), &fields).await;

    let first = app.get(&format!("/reports/{id}/history")).await;
    assert_eq!(first.count("tr[data-cell]"), 100);
    let next = first.attr("a[rel='next']", "href").unwrap();
    assert_eq!(next, format!("/reports/{id}/history?page=2"));
    let second = app.get(&next).await;
    assert_eq!(second.count("tr[data-cell]"), 1);
    assert_eq!(second.count("a[rel='next']"), 0);
    assert_eq!(
        second.attr("a[rel='prev']", "href").as_deref(),
        Some(format!("/reports/{id}/history").as_str())
    );
    let beyond = app.get(&format!("/reports/{id}/history?page=3")).await;
    assert_eq!(beyond.text("#history p.muted"), "没有更早的修改。");
}

async fn restoring_a_version_brings_back_its_values_as_a_new_change(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;

    let done = app
        .post_form(&format!("/reports/{id}/versions/2/restore"), &[])
        .await;

    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.headers[header::LOCATION], format!("/reports/{id}").as_str());
    assert_eq!(app.store.report(id).await.unwrap().version, 4);
    assert_eq!(value(&app, id, CELL).await, "3");
    assert_eq!(value(&app, id, OTHER).await, "");
    assert_eq!(value(&app, id, TOTAL).await, "3", "totals follow their parts");
    assert_eq!(
        value(&app, id, "text.overview").await,
        "本年度主动公开政府信息100条。"
    );
    let history = app.get(&format!("/reports/{id}/history")).await;
    assert_eq!(history.texts("tbody[data-version] th.version > a")[0], "第 4 版");
    assert_eq!(history.text(&format!("{} del", row(4, CELL))), "5");
    assert_eq!(history.text(&format!("{} ins", row(4, CELL))), "3");
    assert!(
        history
            .text("tbody[data-version='4'] th.version")
            .contains("clerk")
    );
    // Restoring the restored version again changes nothing and adds no version.
    let again = app
        .post_form(&format!("/reports/{id}/versions/4/restore"), &[])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.report(id).await.unwrap().version, 4);
}

async fn a_reviewer_elsewhere_finds_no_history(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;
    let elsewhere = app.agency("另一市人民政府", Kind::Government, None).await;
    let stranger = app.user("waidi", Role::Reviewer, Some(elsewhere)).await;
    app.act_as(&stranger).await;

    for url in [
        format!("/reports/{id}/history"),
        format!("/reports/{id}/history?key={CELL}"),
        format!("/reports/{id}/versions/2"),
    ] {
        assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND, "{url}");
    }
    let restore = app
        .post_form(&format!("/reports/{id}/versions/2/restore"), &[])
        .await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.report(id).await.unwrap().version, 3);
}

async fn a_reviewer_reads_the_history_but_cannot_restore(store: Store) {
    let mut app = TestApp::new(store);
    let gov = app.agency("某市人民政府", Kind::Government, None).await;
    app.agency("某市统计局", Kind::Department, Some(gov)).await;
    let id = two_saves(&mut app).await;
    let reviewer = app.user("shenhe", Role::Reviewer, Some(gov)).await;
    app.act_as(&reviewer).await;

    let history = app.get(&format!("/reports/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(history.count(&format!("tr[data-cell='{CELL}']")), 2);
    let version = app.get(&format!("/reports/{id}/versions/2")).await;
    assert_eq!(version.status, StatusCode::OK);
    assert_eq!(version.text(&format!("td[data-cell='{CELL}']")), "3");
    assert_eq!(version.count("form.restore"), 0);

    let restore = app
        .post_form(&format!("/reports/{id}/versions/2/restore"), &[])
        .await;
    assert_eq!(restore.status, StatusCode::FORBIDDEN);
    assert_eq!(value(&app, id, CELL).await, "5");
}

async fn a_submitted_report_cannot_be_restored(store: Store) {
    let mut app = TestApp::new(store);
    let id = two_saves(&mut app).await;
    let clerk = app.as_clerk_of("某市统计局", "department").await;
    // Submittable: the texts filled in, and what came in carried forward (5 and 2).
    let stored = app.store.report(id).await.unwrap();
    let fixes = [
        Edit::new("text.overview", "本年度主动公开政府信息100条。"),
        Edit::new("text.problems", "无。"),
        Edit::new("text.other", "本年度未收取信息处理费。"),
        Edit::new("requests.carried_forward.natural_person", "5"),
        Edit::new("requests.carried_forward.commercial", "2"),
    ];
    app.store
        .save(id, stored.version, &fixes, Author::user(&clerk))
        .await
        .unwrap();
    app.store
        .transition(id, Status::Draft, Status::Submitted, clerk.id, "", Stamp::None)
        .await
        .unwrap();

    let version = app.get(&format!("/reports/{id}/versions/2")).await;
    assert_eq!(version.count("form.restore"), 0);
    let history = app.get(&format!("/reports/{id}/history")).await;
    assert!(history.text("#transitions li").contains("草稿 → 已提交"));
    let restore = app
        .post_form(&format!("/reports/{id}/versions/2/restore"), &[])
        .await;
    assert_eq!(restore.status, StatusCode::CONFLICT);
    assert_eq!(value(&app, id, CELL).await, "5");
}

/// Pages of `all` (newest first) as the history pages them: `per` counted changes a page,
/// the uncounted ones with the counted change before them.
fn paged(all: &[nianbao::store::Change], uncounted: &[&str], page: usize, per: usize) -> (Vec<String>, bool) {
    let mut counted_before = 0;
    let (mut rows, mut more) = (Vec::new(), false);
    for c in all {
        let on = counted_before / per + 1;
        if on > page {
            more = true;
            break;
        }
        if on == page {
            rows.push(format!("{}:{}={}", c.version, c.key, c.new));
        }
        if !uncounted.contains(&c.key.as_str()) {
            counted_before += 1;
        }
    }
    (rows, more)
}

async fn the_store_reads_one_page_of_the_history(store: Store) {
    let mut app = TestApp::new(store.clone());
    let id = app.open_report("某市统计局", "department", 2025).await;
    // Saves of one to three cells; the totals they change are recorded with them.
    let saves: [&[(&str, &str)]; 5] = [
        &[(CELL, "1")],
        &[(CELL, "2"), (OTHER, "1")],
        &[(OTHER, "4")],
        &[(CELL, "3"), (OTHER, "5"), ("requests.new.research", "1")],
        &[("requests.new.research", "2")],
    ];
    for (n, cells) in saves.iter().enumerate() {
        let version = (n + 1).to_string();
        let mut fields = vec![("version", version.as_str())];
        fields.extend_from_slice(cells);
        assert_eq!(app.post_form(&format!("/reports/{id}"), &fields).await.status, StatusCode::OK);
    }
    let all = store.changes(id, None, i64::MAX, 0).await.unwrap();
    assert!(all.iter().any(|c| c.key == TOTAL), "totals are recorded: {all:?}");
    let totals: Vec<String> = all
        .iter()
        .map(|c| c.key.clone())
        .filter(|k| k.ends_with(".total") || k.starts_with("requests.total"))
        .collect();
    let totals: Vec<&str> = totals.iter().map(String::as_str).collect();
    for uncounted in [&[][..], &totals[..]] {
        for per in 1..=4usize {
            for page in 1..=all.len() + 1 {
                let (rows, more) = store
                    .changes_page(id, None, uncounted, page as i64, per as i64)
                    .await
                    .unwrap();
                let rows: Vec<String> = rows.iter().map(|c| format!("{}:{}={}", c.version, c.key, c.new)).collect();
                assert_eq!(
                    (rows, more),
                    paged(&all, uncounted, page, per),
                    "page {page} of {per}, {} uncounted",
                    uncounted.len()
                );
            }
        }
    }
    // One field's pages.
    let of_cell = store.changes(id, Some(CELL), i64::MAX, 0).await.unwrap();
    assert_eq!(of_cell.len(), 3);
    let (rows, more) = store.changes_page(id, Some(CELL), &[], 1, 2).await.unwrap();
    assert_eq!((rows, more), (of_cell[..2].to_vec(), true));
    let (rows, more) = store.changes_page(id, Some(CELL), &[], 2, 2).await.unwrap();
    assert_eq!((rows, more), (of_cell[2..].to_vec(), false));

    // Who made a version: its last change's author and time; none for an unknown version.
    let (author, at) = store.version_author(id, 5).await.unwrap().unwrap();
    let last_of_5 = all.iter().find(|c| c.version == 5).unwrap();
    assert_eq!((author.as_str(), at), (last_of_5.author.as_str(), last_of_5.at));
    assert!(store.version_author(id, 99).await.unwrap().is_none());
}

on_both_backends!(
    the_store_reads_one_page_of_the_history,
    the_history_lists_who_when_and_old_to_new_newest_first,
    totals_are_hidden_unless_asked_for,
    one_fields_history_has_only_that_field,
    a_version_shows_the_report_as_it_was,
    a_long_history_comes_a_hundred_changes_a_page,
    restoring_a_version_brings_back_its_values_as_a_new_change,
    a_reviewer_elsewhere_finds_no_history,
    a_reviewer_reads_the_history_but_cannot_restore,
    a_submitted_report_cannot_be_restored,
);
