//! The roster, the supervisor's desk and its reminders, on both databases: the counts at
//! each level checked against sums this test works out from what it generated itself.

use std::collections::HashMap;

use axum::http::StatusCode;
use nianbao::account::Role;
use nianbao::account::roster;
use nianbao::report::Kind;
use nianbao::report::status::Status;
use nianbao::store::{Counts, Store, StoreError};

use nianbao::clock::Clock;

use crate::common::TestApp;

/// Midnight in Beijing on 2026-01-10, before both deadlines of 2025's reports, and on
/// 2026-02-15, after the departments' (1月31日) and before the governments' (3月31日).
const JAN_10_2026: i64 = 1_767_974_400;
const FEB_15_2026: i64 = 1_771_084_800;
use crate::common::seed::{approve, example};

/// A city, two counties with departments, and departments of the city; in an order where
/// children come before their parents, as a real roster may.
fn city_roster() -> String {
    let mut csv = String::from("名称,类型,上级\n");
    for county in ["甲县", "乙县"] {
        for dept in ["财政局", "教育局", "卫健委"] {
            csv.push_str(&format!("{county}{dept},政府部门,{county}人民政府\n"));
        }
        csv.push_str(&format!("{county}人民政府,人民政府,某市人民政府\n"));
    }
    csv.push_str("某市人民政府,人民政府,\n某市统计局,政府部门,某市人民政府\n某市教育局,政府部门,某市人民政府\n");
    csv
}

async fn load(store: &Store, bytes: &[u8]) -> Result<nianbao::store::Loaded, Vec<String>> {
    let stored = store.agencies().await.unwrap();
    match roster::plan_file(bytes, &stored) {
        Ok(plan) => Ok(store.load_roster(&plan).await.unwrap()),
        Err(problems) => Err(problems.iter().map(ToString::to_string).collect()),
    }
}

async fn a_roster_loads_once_and_a_bad_one_not_at_all(store: Store) {
    let loaded = load(&store, city_roster().as_bytes()).await.unwrap();
    assert_eq!((loaded.created, loaded.updated, loaded.unchanged), (11, 0, 0));
    let again = load(&store, city_roster().as_bytes()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 11));
    assert_eq!(store.agencies().await.unwrap().len(), 11);

    let county = store.agency_by_name("甲县人民政府").await.unwrap().unwrap();
    let bureau = store.agency_by_name("甲县财政局").await.unwrap().unwrap();
    assert_eq!(bureau.parent_id, Some(county.id));
    let city = store.agency_by_name("某市人民政府").await.unwrap().unwrap();
    assert_eq!(county.parent_id, Some(city.id));
    assert_eq!(store.subtree(city.id).await.unwrap().len(), 11);

    // GBK, with one good new row and one bad: nothing of it is loaded.
    let bad = "名称,类型,上级\n丙县人民政府,人民政府,某市人民政府\n丙县财政局,政府部门,丁县人民政府\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(bad);
    let problems = load(&store, &gbk).await.unwrap_err();
    assert_eq!(problems, ["第 3 行：“丙县财政局”的上级“丁县人民政府”既不在名册中，也未登记"]);
    assert!(store.agency_by_name("丙县人民政府").await.unwrap().is_none());

    // 机构改革: 甲县卫健委 is merged into 甲县财政局 after 2022; its years are kept.
    let csv = "名称,类型,上级,起始年度,终止年度,继任机构\n甲县卫健委,政府部门,甲县人民政府,,2022,甲县财政局\n";
    let loaded = load(&store, csv.as_bytes()).await.unwrap();
    assert_eq!((loaded.created, loaded.updated), (0, 1));
    let merged = store.agency_by_name("甲县卫健委").await.unwrap().unwrap();
    assert_eq!((merged.to_year, merged.successor_id), (Some(2022), Some(bureau.id)));
    assert!(merged.reports_for(2022) && !merged.reports_for(2023));
}

async fn an_excel_roster_reads_as_its_csv(store: Store) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in city_roster().lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let loaded = load(&store, &bytes).await.unwrap();
    assert_eq!(loaded.created, 11);
    let csv = load(&store, city_roster().as_bytes()).await.unwrap();
    assert_eq!(csv.unchanged, 11);
}

/// A unit's report as the test made it: its status, or none.
struct Made {
    status: Option<Status>,
    errors: bool,
}

/// Reports for 2025 in every status across the city's roster; what was made, by name.
async fn reports(store: &Store, reviewer: i64) -> HashMap<String, Made> {
    let plan: &[(&str, Option<Status>)] = &[
        ("某市人民政府", Some(Status::Submitted)),
        ("某市统计局", Some(Status::Approved)),
        ("某市教育局", None),
        ("甲县人民政府", Some(Status::Draft)),
        ("甲县财政局", Some(Status::Approved)),
        ("甲县教育局", Some(Status::Returned)),
        ("甲县卫健委", None),
        ("乙县人民政府", Some(Status::Approved)),
        ("乙县财政局", Some(Status::Published)),
        ("乙县教育局", None),
        ("乙县卫健委", Some(Status::Draft)),
    ];
    let mut made = HashMap::new();
    for (name, status) in plan {
        let agency = store.agency_by_name(name).await.unwrap().unwrap();
        let mut errors = false;
        if let Some(status) = status {
            let mut report = example();
            report.year = 2025;
            report.agency = name.to_string();
            report.kind = agency.kind;
            let id = store.import_all(&[(agency.id, report)], false, nianbao::store::Author::system("测试")).await.unwrap()[0];
            if *status == Status::Draft {
                // A draft with a balance error.
                let key = "requests.new.commercial";
                store
                    .save(id, 2, &[nianbao::store::Edit::new(key, "999")], nianbao::store::Author::system("测试"))
                    .await
                    .unwrap();
                errors = true;
            } else {
                approve(store, id, reviewer).await;
                match status {
                    Status::Submitted | Status::Returned => reopen_to(store, id, *status).await,
                    Status::Published => {
                        store
                            .transition(id, Status::Approved, Status::Published, reviewer, "", nianbao::store::Stamp::Published)
                            .await
                            .unwrap();
                    }
                    _ => {}
                }
            }
        }
        made.insert(name.to_string(), Made { status: *status, errors });
    }
    made
}

/// Puts an approved report back into `to` straight in the database (the workflow's own
/// steps have their tests; here only the desk's counts matter).
async fn reopen_to(store: &Store, id: i64, to: Status) {
    sqlx::query("update report set status = $1, status_at = $2 where id = $3")
        .bind(to.as_str())
        .bind(store.now())
        .bind(id)
        .execute(store.pool_for_tests())
        .await
        .unwrap();
}

/// The counts of the named units, worked out from what was made.
fn expected(made: &HashMap<String, Made>, names: &[&str]) -> Counts {
    let mut c = Counts::default();
    for name in names {
        let m = &made[*name];
        c.expected += 1;
        match m.status {
            None => c.missing += 1,
            Some(Status::Draft) => c.draft += 1,
            Some(Status::Submitted) => c.submitted += 1,
            Some(Status::Returned) => c.returned += 1,
            Some(Status::Approved) => c.approved += 1,
            Some(Status::Published) => c.published += 1,
        }
        if m.errors {
            c.with_errors += 1;
        }
        // Submitted at some point (everything but drafts and missing), long before the deadline.
        if matches!(m.status, Some(s) if s != Status::Draft) {
            c.on_time += 1;
        }
    }
    c
}

async fn the_desk_counts_every_level_as_the_sum_of_its_units(store: Store) {
    let store = store.with_clock(Clock::fixed(JAN_10_2026));
    load(&store, city_roster().as_bytes()).await.unwrap();
    let city = store.agency_by_name("某市人民政府").await.unwrap().unwrap();
    let app = TestApp::new(store.clone());
    let reviewer = app.user("shi", Role::Reviewer, Some(city.id)).await;
    let made = reports(&store, reviewer.id).await;

    let (branches, total) = store.branch_counts(city.id, 2025).await.unwrap();
    let names: Vec<&str> = made.keys().map(String::as_str).collect();
    // Nothing is overdue on 10 January.
    let all = expected(&made, &names);
    assert_eq!(total, all);
    for county in ["甲县", "乙县"] {
        let id = store.agency_by_name(&format!("{county}人民政府")).await.unwrap().unwrap().id;
        let units: Vec<String> = ["人民政府", "财政局", "教育局", "卫健委"].iter().map(|u| format!("{county}{u}")).collect();
        let units: Vec<&str> = units.iter().map(String::as_str).collect();
        assert_eq!(branches[&id], expected(&made, &units), "{county}");
    }
    assert_eq!(branches.len(), 2, "only the lower governments are branches");

    // On 15 February the departments' deadline has passed: every department not published
    // is overdue, no government is.
    store.clock().set(FEB_15_2026);
    let (_, total) = store.branch_counts(city.id, 2025).await.unwrap();
    let departments_unpublished = names
        .iter()
        .filter(|n| !n.ends_with("人民政府") && made[**n].status != Some(Status::Published))
        .count() as i64;
    assert_eq!(total.overdue, departments_unpublished);

    // A county's reviewer sees the county only.
    let county = store.agency_by_name("甲县人民政府").await.unwrap().unwrap();
    let (_, county_total) = store.branch_counts(county.id, 2025).await.unwrap();
    assert_eq!(county_total.expected, 4);

    // The merged unit stops being expected after its last year.
    sqlx::query("update agency set to_year = 2024 where name = '甲县卫健委'")
        .execute(store.pool_for_tests())
        .await
        .unwrap();
    let (_, total) = store.branch_counts(city.id, 2025).await.unwrap();
    assert_eq!(total.expected, all.expected - 1);
    assert_eq!(total.missing, all.missing - 1);
}

async fn a_reviewer_filters_reminds_and_the_clerk_sees_it(store: Store) {
    let store = store.with_clock(Clock::fixed(FEB_15_2026));
    load(&store, city_roster().as_bytes()).await.unwrap();
    let city = store.agency_by_name("某市人民政府").await.unwrap().unwrap();
    let mut app = TestApp::new(store.clone());
    let reviewer = app.user("shi", Role::Reviewer, Some(city.id)).await;
    let made = reports(&store, reviewer.id).await;
    app.act_as(&reviewer).await;

    // The tree: the city itself, its departments, and the two counties folded.
    let desk = app.get("/desk?year=2025").await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
    let names = desk.texts("table.desk tbody tr:not(.rollup) td:nth-child(2)");
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.iter().any(|n| n.contains("甲县人民政府")));
    assert!(!names.iter().any(|n| n.contains("甲县财政局")), "a county's departments are folded: {names:?}");
    assert_eq!(desk.count("tr.rollup"), 2);
    let rollups = desk.texts("tr.rollup");
    assert!(rollups[0].contains("辖区 4 个单位"), "{rollups:?}");
    // 15 February: of 乙县's four, only its government (due 3月31日) submitted in time.
    let yi = rollups.iter().find(|r| r.contains("乙县人民政府辖区")).expect("乙县 folded");
    assert!(yi.contains("按期提交率 25.0%") && yi.contains("已发布 1"), "{yi}");

    // Filters reach into the counties.
    let drafts = app.get("/desk?year=2025&status=draft").await;
    let rows = drafts.texts("table.desk tbody tr");
    let want = made.values().filter(|m| m.status == Some(Status::Draft)).count();
    assert_eq!(rows.len(), want, "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("乙县卫健委")));
    let missing = app.get("/desk?year=2025&status=none&q=%E5%8D%AB%E5%81%A5").await;
    assert_eq!(missing.texts("table.desk tbody tr").len(), 1, "甲县卫健委 only (乙县卫健委 has a draft)");
    let with_errors = app.get("/desk?year=2025&errors=1").await;
    assert_eq!(with_errors.texts("table.desk tbody tr").len(), made.values().filter(|m| m.errors).count());

    // The list as shown, as CSV: a header and one line per unit.
    let csv = app.get("/desk/list.csv?year=2025&status=draft").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap());
    assert_eq!(&reader.headers().unwrap()[0], "机关");
    assert_eq!(reader.records().count(), want);

    // 催报 to the units not started.
    let target = store.agency_by_name("甲县卫健委").await.unwrap().unwrap();
    let sent = app
        .post_form(
            "/desk/remind",
            &[("year", "2025"), ("agency", &target.id.to_string()), ("body", "请于本周内提交")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let back = app.get(sent.headers["location"].to_str().unwrap()).await;
    assert!(back.text("p.notice").contains("已向 1 个单位发送催报"), "{}", back.text("p.notice"));

    let clerk = app.user("weijian", Role::Clerk, Some(target.id)).await;
    app.act_as(&clerk).await;
    let home = app.get("/").await;
    let reminders = home.text("section.reminders");
    assert!(reminders.contains("请于本周内提交") && reminders.contains("shi的名字"), "{reminders}");
    // A clerk has no desk; a unit outside the jurisdiction cannot be reminded.
    assert_eq!(app.get("/desk").await.status, StatusCode::FORBIDDEN);
    let county = store.agency_by_name("乙县人民政府").await.unwrap().unwrap();
    let county_reviewer = app.user("yixian", Role::Reviewer, Some(county.id)).await;
    app.act_as(&county_reviewer).await;
    let refused = app.post_form("/desk/remind", &[("year", "2025"), ("agency", &target.id.to_string())]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(store.reminders(target.id).await.unwrap().len(), 1);
}

async fn imported_reports_need_a_known_agency_and_a_free_year(store: Store) {
    load(&store, city_roster().as_bytes()).await.unwrap();
    let agency = store.agency_by_name("某市统计局").await.unwrap().unwrap();
    let mut report = example();
    report.agency = agency.name.clone();
    report.kind = Kind::Department;
    let ids = store
        .import_all(&[(agency.id, report.clone())], true, nianbao::store::Author::system("导入"))
        .await
        .unwrap();
    let stored = store.report(ids[0]).await.unwrap();
    assert_eq!(stored.status, Status::Approved);
    assert!(stored.approval.is_some());
    // The same year again, beside a good one: neither is loaded.
    let other = store.agency_by_name("某市教育局").await.unwrap().unwrap();
    let mut second = report.clone();
    second.agency = other.name.clone();
    let again = store
        .import_all(&[(other.id, second), (agency.id, report)], false, nianbao::store::Author::system("导入"))
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    assert!(store.reports_of(other.id).await.unwrap().is_empty());
}


/// The example report of `name`, with `n` applications from natural persons, all granted,
/// and `n` administrative reviews upheld: a clean report whose cells the test can sum.
fn with_requests(name: &str, kind: Kind, year: i32, n: i64) -> nianbao::report::Report {
    let mut report = example();
    report.agency = name.to_string();
    report.kind = kind;
    report.year = year;
    let format = report.format();
    for key in ["requests.new.natural_person", "requests.granted.natural_person", "appeals.review.upheld"] {
        let field = format.field(key).unwrap();
        report.set(field, n.to_string());
    }
    report
}

async fn the_regional_report_is_the_sum_of_the_approved_reports(store: Store) {
    load(&store, city_roster().as_bytes()).await.unwrap();
    let city = store.agency_by_name("某市人民政府").await.unwrap().unwrap();
    let mut app = TestApp::new(store.clone());
    let reviewer = app.user("shi", Role::Reviewer, Some(city.id)).await;
    // Every unit but 乙县教育局 reports; 甲县财政局's stays a draft.
    let mut sum = 0;
    let mut approved = 0;
    let mut ids = HashMap::new();
    for (i, agency) in store.agencies().await.unwrap().into_iter().enumerate() {
        if agency.name == "乙县教育局" {
            continue;
        }
        let n = (i as i64 + 1) * 7;
        let report = with_requests(&agency.name, agency.kind, 2025, n);
        let id = store
            .import_all(&[(agency.id, report)], false, nianbao::store::Author::system("测试"))
            .await
            .unwrap()[0];
        if agency.name != "甲县财政局" {
            approve(&store, id, reviewer.id).await;
            sum += n;
            approved += 1;
        }
        ids.insert(agency.name.clone(), (id, n));
    }
    // Last year: one unit, three times this year's whole sum.
    let tongji = store.agency_by_name("某市统计局").await.unwrap().unwrap();
    store
        .import_all(
            &[(tongji.id, with_requests(&tongji.name, Kind::Department, 2024, sum * 3))],
            true,
            nianbao::store::Author::system("测试"),
        )
        .await
        .unwrap();
    app.act_as(&reviewer).await;
    let page = app.get("/desk/region?year=2025").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let yoy = page.texts("table.yoy tbody tr");
    let line = yoy.iter().find(|r| r.contains("“本年新收”行“自然人”列")).expect("a large change");
    assert!(line.contains(&(sum * 3).to_string()) && line.contains("-66%"), "{line}");
    let total = page.text("td[data-cell='requests.new.total'] a");
    assert_eq!(total, sum.to_string());
    assert_eq!(page.text("td[data-cell='appeals.review.total'] a"), sum.to_string());
    assert!(page.text("p.meta").contains(&format!("已汇总 {approved} 个单位")), "{}", page.text("p.meta"));
    let missing = page.text("section[aria-label='尚未审核通过的单位']");
    assert!(missing.contains("乙县教育局") && missing.contains("未创建"), "{missing}");
    assert!(missing.contains("甲县财政局") && missing.contains("草稿"), "{missing}");

    // Drill-down: who contributed, each linked to its report.
    let drill = app.get("/desk/region?year=2025&cell=requests.new.natural_person").await;
    let lines = drill.texts("section#drill tbody tr");
    assert_eq!(lines.len(), approved as usize);
    let (tongji, n) = ids["某市统计局"];
    let line = lines.iter().find(|l| l.contains("某市统计局")).unwrap();
    assert!(line.contains(&n.to_string()), "{line}");
    assert_eq!(drill.count(&format!("section#drill a[href='/reports/{tongji}']")), 1);

    // Left out by choice: the sum drops by its part, and it is listed to restore.
    let county = store.agency_by_name("某市统计局").await.unwrap().unwrap();
    let less = app.get(&format!("/desk/region?year=2025&exclude={}", county.id)).await;
    assert_eq!(less.text("td[data-cell='requests.new.total'] a"), (sum - n).to_string());
    assert!(less.text("section[aria-label='不计入的单位']").contains("某市统计局"));

    // A partial compile exports as a draft only with a reason, which it prints.
    let refused = app.get("/desk/region/export?year=2025&format=json").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text("p.field-error[data-for='reason']").contains("须填写理由"));
    let json = app.get("/desk/region/export?year=2025&format=json&reason=%E4%B9%99%E5%8E%BF%E6%95%99%E8%82%B2%E5%B1%80%E6%9C%BA%E6%9E%84%E6%94%B9%E9%9D%A9").await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    let doc = json.json();
    assert_eq!(doc["cells"]["requests.new.total"], serde_json::json!(sum));
    assert!(doc["text"]["overview"].as_str().unwrap().contains("乙县教育局机构改革"));

    // Saved as the regional report while partial: its own exports say so, with the reason.
    let saved = app
        .post_form("/desk/region/compile", &[("year", "2025"), ("chosen", "1"), ("reason", "乙县教育局机构改革")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let compile = store.region_report(city.id, 2025).await.unwrap().expect("stored");
    assert_eq!(compile.missing, 2);
    let exported = app.get(&format!("/reports/{}/export.json", compile.report)).await.json();
    let overview = exported["text"]["overview"].as_str().unwrap();
    assert!(overview.starts_with("本报告为部分汇总") && overview.contains("乙县教育局机构改革"), "{overview}");

    // After the draft is approved the compile is complete and includes it.
    let (draft, n) = ids["甲县财政局"];
    approve(&store, draft, reviewer.id).await;
    let complete = app.get("/desk/region?year=2025").await;
    assert_eq!(complete.text("td[data-cell='requests.new.total'] a"), (sum + n).to_string());
    // A county's own compile covers the county only.
    let yi = store.agency_by_name("乙县人民政府").await.unwrap().unwrap();
    let county_sum: i64 = ["乙县人民政府", "乙县财政局", "乙县卫健委"].iter().map(|u| ids[*u].1).sum();
    let county_page = app.get(&format!("/desk/region?year=2025&under={}", yi.id)).await;
    assert_eq!(county_page.text("td[data-cell='requests.new.total'] a"), county_sum.to_string());
    // A department has no region.
    let dept = store.agency_by_name("乙县财政局").await.unwrap().unwrap();
    assert_eq!(app.get(&format!("/desk/region?year=2025&under={}", dept.id)).await.status, StatusCode::NOT_FOUND);
}


async fn a_saved_compile_is_a_report_that_knows_when_it_is_stale(store: Store) {
    load(&store, city_roster().as_bytes()).await.unwrap();
    let city = store.agency_by_name("某市人民政府").await.unwrap().unwrap();
    let mut app = TestApp::new(store.clone());
    let reviewer = app.user("shi", Role::Reviewer, Some(city.id)).await;
    let office = app.user("bangong", Role::Clerk, Some(city.id)).await;
    let mut sum = 0;
    let mut ids = HashMap::new();
    for (i, agency) in store.agencies().await.unwrap().into_iter().enumerate() {
        let n = (i as i64 + 2) * 3;
        let report = with_requests(&agency.name, agency.kind, 2025, n);
        let id = store
            .import_all(&[(agency.id, report)], false, nianbao::store::Author::system("测试"))
            .await
            .unwrap()[0];
        approve(&store, id, reviewer.id).await;
        sum += n;
        ids.insert(agency.name.clone(), id);
    }
    app.act_as(&reviewer).await;
    let saved = app.post_form("/desk/region/compile", &[("year", "2025"), ("chosen", "1")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let compile = store.region_report(city.id, 2025).await.unwrap().expect("stored");
    let regional = store.report(compile.report).await.unwrap();
    let format = regional.report.format();
    let total = format.field("requests.new.total").unwrap();
    assert_eq!(regional.report.get(total), sum.to_string());
    assert_eq!(regional.report.agency, "某市人民政府（本行政区域）");
    // Not a unit of the roster: the desk's counts are unchanged.
    assert_eq!(store.branch_counts(city.id, 2025).await.unwrap().1.expected, 11);
    let page = app.get("/desk/region?year=2025").await;
    assert!(page.text("#saved").contains("报告表格为最新"), "{}", page.text("#saved"));

    // The government's clerk finds it on their home page, writes the texts; the tables
    // cannot be typed into.
    app.act_as(&office).await;
    let url = format!("/reports/{}", compile.report);
    let home = app.get("/").await;
    assert_eq!(home.count(&format!("table.list a[href='{url}']")), 1, "{}", home.body);
    let form = app.get(&url).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.attr("input[name='requests.new.natural_person']", "readonly").is_some());
    let version = regional.version.to_string();
    let posted = app
        .post_form(
            &url,
            &[
                ("version", version.as_str()),
                ("text.overview", "本行政区域各单位全面推进政务公开。工作考核、社会评议和责任追究情况良好。"),
                ("text.problems", "部分单位解读不足，将加强。"),
                ("text.other", "本年度全区未收取信息处理费。"),
                ("requests.new.natural_person", "99999"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let after = store.report(compile.report).await.unwrap();
    assert!(after.report.texts[format.text("overview").unwrap()].contains("全面推进"));
    assert_eq!(after.report.get(total), sum.to_string(), "a compiled table is not typed over");

    // A contributing report is reopened: the compile says so, and cannot be submitted.
    app.act_as(&reviewer).await;
    let reopened = ids["某市统计局"];
    let page = app.post_form(&format!("/reports/{reopened}/reopen"), &[("reason", "数据需更正")]).await;
    assert!(page.status.is_redirection() || page.status.is_success(), "{}", page.status);
    let page = app.get("/desk/region?year=2025").await;
    let saved = page.text("#saved");
    assert!(saved.contains("报告表格已过期") && saved.contains("某市统计局：已计入，现为“已退回”"), "{saved}");
    let refused = store
        .transition(compile.report, Status::Draft, Status::Submitted, office.id, "", nianbao::store::Stamp::None)
        .await;
    assert!(matches!(&refused, Err(StoreError::Refused(why)) if why.contains("缺 1 个单位") || why.contains("重新汇总")), "{refused:?}");

    // Re-approved with a change, then recompiled: current again, and the history says who.
    let bureau = store.report(reopened).await.unwrap();
    let key = "requests.new.natural_person";
    let value: i64 = bureau.report.get(bureau.report.format().field(key).unwrap()).parse().unwrap();
    store
        .save(
            reopened,
            bureau.version,
            &[
                nianbao::store::Edit::new(key, (value + 10).to_string()),
                nianbao::store::Edit::new("requests.granted.natural_person", (value + 10).to_string()),
            ],
            nianbao::store::Author::system("测试"),
        )
        .await
        .unwrap();
    let sha = nianbao::report::interchange::content_sha256(&store.report(reopened).await.unwrap().report);
    store.transition(reopened, Status::Returned, Status::Submitted, reviewer.id, "", nianbao::store::Stamp::None).await.unwrap();
    store
        .transition(reopened, Status::Submitted, Status::Approved, reviewer.id, "", nianbao::store::Stamp::Approved { sha256: &sha })
        .await
        .unwrap();
    let page = app.get("/desk/region?year=2025").await;
    assert!(page.text("#saved").contains("某市统计局：重新审核通过，内容已变化"), "{}", page.text("#saved"));
    let again = app.post_form("/desk/region/compile", &[("year", "2025"), ("chosen", "1")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let recompiled = store.report(compile.report).await.unwrap();
    assert_eq!(recompiled.report.get(total), (sum + 10).to_string());
    assert!(recompiled.report.texts[format.text("overview").unwrap()].contains("全面推进"), "the office's text is kept");
    let history = store.changes(compile.report, None, 100, 0).await.unwrap();
    assert!(history.iter().any(|c| c.key == "requests.new.total" && c.author == "shi的名字"), "{history:?}");
    assert!(app.get("/desk/region?year=2025").await.text("#saved").contains("报告表格为最新"));
    // Complete and current: it goes through review like any report.
    store
        .transition(compile.report, Status::Draft, Status::Submitted, office.id, "", nianbao::store::Stamp::None)
        .await
        .expect("a complete, current compile is submitted");

    // Parent-equals-sum: a county's regional report that no longer equals its units.
    let county = store.agency_by_name("甲县人民政府").await.unwrap().unwrap();
    let county_reviewer = app.user("jiaxian", Role::Reviewer, Some(county.id)).await;
    app.act_as(&county_reviewer).await;
    let saved = app.post_form("/desk/region/compile", &[("year", "2025"), ("chosen", "1")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    app.act_as(&reviewer).await;
    assert!(app.get("/desk/region?year=2025").await.texts("section[aria-label='下级政府汇总核对']").is_empty());
    let county_unit = store.report(ids["甲县财政局"]).await.unwrap();
    sqlx::query("update report_value set value = value + 5 where report_id = $1 and cell = 'requests.new.natural_person'")
        .bind(county_unit.id)
        .execute(store.pool_for_tests())
        .await
        .unwrap();
    let check = app.get("/desk/region?year=2025").await.text("section[aria-label='下级政府汇总核对']");
    assert!(check.contains("甲县人民政府（本行政区域）") && check.contains("“本年新收”行“自然人”列"), "{check}");
}

on_both_backends!(
    a_roster_loads_once_and_a_bad_one_not_at_all,
    an_excel_roster_reads_as_its_csv,
    the_desk_counts_every_level_as_the_sum_of_its_units,
    a_reviewer_filters_reminds_and_the_clerk_sees_it,
    imported_reports_need_a_known_agency_and_a_free_year,
    the_regional_report_is_the_sum_of_the_approved_reports,
    a_saved_compile_is_a_report_that_knows_when_it_is_stale,
);
