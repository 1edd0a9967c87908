//! The two migration folders describe the same schema: same files, same order, and the same
//! tables and columns once applied.

use std::path::Path;

fn names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("migrations/sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("migrations/postgres"));
    for name in &sqlite {
        assert!(
            name.ends_with(".sql") && name.chars().take(14).all(|c| c.is_ascii_digit()),
            "{name}"
        );
    }
}

#[test]
fn every_table_is_created_on_both_backends() {
    let tables = |dir: &str| -> Vec<String> {
        let mut found: Vec<String> = names(dir)
            .iter()
            .flat_map(|n| {
                let sql =
                    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(n)).unwrap();
                sql.lines()
                    .filter_map(|l| {
                        l.trim()
                            .strip_prefix("create table ")
                            .map(|r| r.split_whitespace().next().unwrap_or("").to_string())
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        found.sort();
        found
    };
    assert_eq!(tables("migrations/sqlite"), tables("migrations/postgres"));
}

/// (table, column) of every table the migrations made, on the live database.
async fn columns(store: &nianbao::store::Store, postgres: bool) -> Vec<(String, String)> {
    let sql = if postgres {
        "select table_name::text, column_name::text from information_schema.columns
          where table_schema = current_schema() and table_name not like '\\_sqlx%'
          order by 1, 2"
    } else {
        "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p
          where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\'
            and m.name not like '\\_sqlx%' escape '\\'
          order by 1, 2"
    };
    let mut found: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(store.pool_for_tests()).await.unwrap();
    // In Rust: the two databases collate differently.
    found.sort();
    found
}

#[tokio::test]
async fn both_backends_end_with_the_same_tables_and_columns() {
    let sqlite = crate::common::TestDb::sqlite().await;
    let Some(postgres) = crate::common::TestDb::postgres().await else {
        return;
    };
    let lite = columns(&sqlite.store(), false).await;
    let pg = columns(&postgres.store(), true).await;
    assert!(lite.iter().any(|(t, c)| t == "report" && c == "data"), "{lite:?}");
    assert_eq!(lite, pg, "a column on one backend only");
    sqlite.finish().await;
    postgres.finish().await;
}
