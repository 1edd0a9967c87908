//! The two migration folders describe the same schema: same files, same order.

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
