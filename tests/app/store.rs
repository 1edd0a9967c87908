//! The storage contract, run on SQLite and on Postgres.

use crate::common::{agency_name, display_name, username};
use nianbao::report::Kind;
use nianbao::store::{Author, Edit, Store, StoreError};

async fn draft(store: &Store) -> i64 {
    let agency = store
        .create_agency(&agency_name("某市统计局"), Kind::Department, None)
        .await
        .unwrap();
    store.create_report(agency.id, 2025).await.unwrap()
}

fn edit(format: &nianbao::format::Format, key: &str, raw: &str) -> Edit {
    assert!(format.field(key).is_some(), "no field {key}");
    Edit::new(key, raw)
}

fn raw(stored: &nianbao::store::Stored, key: &str) -> String {
    let format = stored.report.format();
    stored.report.get(format.field(key).unwrap()).to_string()
}

async fn a_new_report_is_blank_in_the_format_of_its_year(store: Store) {
    let agency = store
        .create_agency(&agency_name("某县人民政府"), Kind::Government, None)
        .await
        .unwrap();
    let new = store.create_report(agency.id, 2025).await.unwrap();
    let old = store.create_report(agency.id, 2020).await.unwrap();
    let new = store.report(new).await.unwrap();
    assert_eq!(new.report.version.as_str(), "2021");
    assert_eq!(new.report.kind, Kind::Government);
    assert_eq!(new.version, 1);
    assert!(new.report.cells.iter().all(String::is_empty));
    assert_eq!(store.report(old).await.unwrap().report.version.as_str(), "2019");
    assert!(matches!(
        store.create_report(agency.id, 2025).await,
        Err(StoreError::Duplicate)
    ));
    assert!(matches!(
        store.create_agency(&agency_name("某县人民政府"), Kind::Government, None).await,
        Err(StoreError::Duplicate)
    ));
    assert!(matches!(store.report(9999).await, Err(StoreError::NotFound)));
}

async fn a_save_keeps_what_was_typed_and_computes_totals(store: Store) {
    let id = draft(&store).await;
    let format = store.report(id).await.unwrap().report.format();
    let saved = store
        .save(
            id,
            1,
            &[
                edit(format, "requests.new.natural_person", "１２"),
                edit(format, "requests.new.commercial", "十二"),
                edit(format, "requests.new.research", "3"),
                edit(format, "text.overview", "第一段\r\n第二段"),
            ],
            Author::system("张三"),
        )
        .await
        .unwrap();
    assert_eq!(saved.stored.version, 2);
    assert_eq!(saved.applied.len(), 4);
    let stored = store.report(id).await.unwrap();
    assert_eq!(
        raw(&stored, "requests.new.natural_person"),
        "12",
        "full-width digits are stored plain"
    );
    assert_eq!(
        raw(&stored, "requests.new.commercial"),
        "十二",
        "a wrong value is kept as typed"
    );
    assert_eq!(raw(&stored, "text.overview"), "第一段\n第二段");
    // The total cannot be computed while 十二 stands; once fixed it follows.
    assert_eq!(raw(&stored, "requests.new.total"), "");
    store
        .save(
            id,
            2,
            &[edit(format, "requests.new.commercial", "2")],
            Author::system("张三"),
        )
        .await
        .unwrap();
    let stored = store.report(id).await.unwrap();
    assert_eq!(raw(&stored, "requests.new.total"), "17");
    // Totals no typed cell feeds stay blank, which reads as their (zero) sum.
    assert_eq!(raw(&stored, "requests.results_total.total"), "");
    assert_eq!(stored.version, 3);
}

async fn a_save_that_changes_nothing_keeps_the_version(store: Store) {
    let id = draft(&store).await;
    let format = store.report(id).await.unwrap().report.format();
    let saved = store
        .save(
            id,
            1,
            &[edit(format, "requests.new.research", "")],
            Author::system("张三"),
        )
        .await
        .unwrap();
    assert!(saved.applied.is_empty());
    assert_eq!(saved.stored.version, 1);
    assert_eq!(store.report(id).await.unwrap().version, 1);
}

async fn two_people_editing_different_cells_both_keep_their_work(store: Store) {
    let id = draft(&store).await;
    let format = store.report(id).await.unwrap().report.format();
    // Both loaded version 1. Each form sends all its fields, the other's cell still blank.
    let a = store
        .save(
            id,
            1,
            &[
                edit(format, "requests.new.natural_person", "5"),
                edit(format, "requests.new.commercial", ""),
            ],
            Author::system("甲"),
        )
        .await
        .unwrap();
    let b = store
        .save(
            id,
            1,
            &[
                edit(format, "requests.new.natural_person", ""),
                edit(format, "requests.new.commercial", "7"),
            ],
            Author::system("乙"),
        )
        .await
        .unwrap();
    assert!(a.conflicts.is_empty() && b.conflicts.is_empty());
    let stored = store.report(id).await.unwrap();
    assert_eq!(raw(&stored, "requests.new.natural_person"), "5");
    assert_eq!(raw(&stored, "requests.new.commercial"), "7");
    assert_eq!(raw(&stored, "requests.new.total"), "12");
    // 乙's form is told to show 甲's value.
    assert_eq!(
        b.refreshed,
        vec![format.field("requests.new.natural_person").unwrap()]
    );
}

async fn the_later_save_of_the_same_cell_is_a_conflict_not_an_overwrite(store: Store) {
    let id = draft(&store).await;
    let format = store.report(id).await.unwrap().report.format();
    let cell = "requests.granted.natural_person";
    store
        .save(id, 1, &[edit(format, cell, "3")], Author::system("甲"))
        .await
        .unwrap();
    let b = store
        .save(id, 1, &[edit(format, cell, "4")], Author::system("乙"))
        .await
        .unwrap();
    assert_eq!(b.conflicts.len(), 1);
    let conflict = &b.conflicts[0];
    assert_eq!((conflict.mine.as_str(), conflict.theirs.as_str()), ("4", "3"));
    assert_eq!(conflict.author, "甲");
    assert_eq!(raw(&store.report(id).await.unwrap(), cell), "3");

    // 乙 keeps their value, knowingly.
    let mine = Edit {
        keep_mine: true,
        ..edit(format, cell, "4")
    };
    let settled = store
        .save(id, b.stored.version, &[mine], Author::system("乙"))
        .await
        .unwrap();
    assert!(settled.conflicts.is_empty());
    assert_eq!(raw(&store.report(id).await.unwrap(), cell), "4");
}

async fn concurrent_saves_of_one_report_are_serialised(store: Store) {
    let id = draft(&store).await;
    let format = store.report(id).await.unwrap().report.format();
    let cells = [
        "requests.new.natural_person",
        "requests.new.commercial",
        "requests.new.research",
        "requests.new.public_interest",
        "requests.new.legal_service",
        "requests.new.other_org",
    ];
    let saves = cells.iter().enumerate().map(|(i, cell)| {
        let store = store.clone();
        let e = edit(format, cell, &(i + 1).to_string());
        async move { store.save(id, 1, &[e], Author::system("并发")).await }
    });
    for result in futures_join(saves).await {
        assert!(result.unwrap().conflicts.is_empty());
    }
    let stored = store.report(id).await.unwrap();
    assert_eq!(raw(&stored, "requests.new.total"), "21");
    assert_eq!(stored.version, 1 + cells.len() as i64);
}

async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn replacing_needs_the_current_version_and_records_history(store: Store) {
    let agency = store
        .create_agency(&agency_name("平顶山市科学技术局"), Kind::Department, None)
        .await
        .unwrap();
    let example = crate::common::seed::example();
    let id = store
        .import(agency.id, &example, Author::system("导入"))
        .await
        .unwrap();
    let stored = store.report(id).await.unwrap();
    assert_eq!(stored.report, example);
    assert_eq!(stored.version, 2);

    let mut changed = example.clone();
    changed.texts[0] = "新的总体情况".into();
    assert!(matches!(
        store.replace(id, 1, &changed, Author::system("接口")).await,
        Err(StoreError::Stale { current: 2 })
    ));
    assert_eq!(
        store
            .replace(id, 2, &changed, Author::system("接口"))
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.report(id).await.unwrap().report.texts[0], "新的总体情况");
    assert!(matches!(
        store.replace(4242, 1, &changed, Author::system("接口")).await,
        Err(StoreError::NotFound)
    ));

    // The history knows the old text: a form still on version 2 that did not touch the
    // overview does not put it back.
    let format = example.format();
    let saved = store
        .save(
            id,
            2,
            &[edit(format, "text.overview", &example.texts[0])],
            Author::system("旧表单"),
        )
        .await
        .unwrap();
    assert!(saved.conflicts.is_empty() && saved.applied.is_empty());
    assert_eq!(saved.refreshed, vec![format.field("text.overview").unwrap()]);
    assert_eq!(store.report(id).await.unwrap().report.texts[0], "新的总体情况");
}

async fn last_year_is_found_for_the_cross_year_rules(store: Store) {
    let agency = store.create_agency(&agency_name("某局"), Kind::Department, None).await.unwrap();
    let this = store.create_report(agency.id, 2025).await.unwrap();
    let stored = store.report(this).await.unwrap();
    assert!(store.last_year(&stored).await.unwrap().is_none());
    store.create_report(agency.id, 2024).await.unwrap();
    assert_eq!(store.last_year(&stored).await.unwrap().unwrap().year, 2024);
}

async fn idle_sessions_are_swept(store: Store) {
    let hash = nianbao::account::hash_password("pw-for-sweep").unwrap();
    let user = store
        .create_user(
            &username("u"),
            &display_name("U"),
            &hash,
            nianbao::account::Role::Admin,
            None,
        )
        .await
        .unwrap();
    let token = store.start_session(user.id).await.unwrap();
    assert!(store.session(&token, 3600).await.unwrap().is_some());
    store.sweep(3600).await.unwrap();
    assert!(
        store.session(&token, 3600).await.unwrap().is_some(),
        "a live session stays"
    );
    store.sweep(-1).await.unwrap();
    assert!(
        store.session(&token, 3600).await.unwrap().is_none(),
        "an idle one is gone"
    );
}

on_both_backends!(
    idle_sessions_are_swept,
    a_new_report_is_blank_in_the_format_of_its_year,
    a_save_keeps_what_was_typed_and_computes_totals,
    a_save_that_changes_nothing_keeps_the_version,
    two_people_editing_different_cells_both_keep_their_work,
    the_later_save_of_the_same_cell_is_a_conflict_not_an_overwrite,
    concurrent_saves_of_one_report_are_serialised,
    replacing_needs_the_current_version_and_records_history,
    last_year_is_found_for_the_cross_year_rules,
);
