//! The command line, run as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common::seed::EXAMPLE;

fn nianbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("nianbao-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn write(&self, name: &str, body: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn with(cells: &[(&str, Value)]) -> String {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    for (k, v) in cells {
        doc["cells"][*k] = v.clone();
    }
    doc.to_string()
}

#[test]
fn check_exits_0_on_a_clean_report_and_1_on_an_error() {
    let dir = Dir::new("check");
    let clean = dir.write("clean.json", EXAMPLE);
    let out = nianbao(&["check", &clean]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 个错误"));

    let broken = dir.write("broken.json", &with(&[("requests.new.commercial", json!(5))]));
    let out = nianbao(&["check", &broken]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("requests.balance"));

    // Warnings alone do not fail the check.
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["kind"] = json!("government");
    let warned = dir.write("warned.json", &doc.to_string());
    let out = nianbao(&["check", &warned]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("text.government_extras"));
}

#[test]
fn check_json_prints_the_violations_object() {
    let dir = Dir::new("json");
    let broken = dir.write("broken.json", &with(&[("appeals.review.upheld", json!(2))]));
    let out = nianbao(&["check", "--json", &broken]);
    assert_eq!(out.status.code(), Some(1));
    let object: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(object["violations"][0]["rule"], "appeals.total");
    assert_eq!(object["violations"][0]["cells"][0], "appeals.review.total");
    assert_eq!(
        object.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["violations"]
    );
}

#[test]
fn check_exits_2_naming_the_file_and_key_it_refuses() {
    let dir = Dir::new("refused");
    let bad = dir.write("bad.json", &with(&[("requests.new.unknown", json!(1))]));
    let out = nianbao(&["check", &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("requests.new.unknown"),
        "{err}"
    );

    let out = nianbao(&["check", "/nonexistent/report.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/report.json"));

    let garbage = dir.write("garbage.json", "not json");
    assert_eq!(nianbao(&["check", &garbage]).status.code(), Some(2));
}

#[test]
fn check_compares_consecutive_years_of_one_agency() {
    let dir = Dir::new("years");
    let mut last: Value = serde_json::from_str(EXAMPLE).unwrap();
    last["year"] = json!(2022);
    last["cells"]["requests.new.research"] = json!(1);
    last["cells"]["requests.new.total"] = json!(1);
    last["cells"]["requests.carried_forward.research"] = json!(1);
    last["cells"]["requests.carried_forward.total"] = json!(1);
    let last = dir.write("2022.json", &last.to_string());
    let this = dir.write("2023.json", EXAMPLE);
    let out = nianbao(&["check", "--json", &last, &this]);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["violations"][0]["rule"], "cross_year.carried_over");
    assert_eq!(
        lines[1]["violations"][0]["cells"],
        json!(["requests.carried_over.research"])
    );
}

#[test]
fn export_html_writes_the_standalone_file_with_its_data() {
    let dir = Dir::new("export");
    let input = dir.write("in.json", EXAMPLE);
    let output = dir.0.join("out.html");
    let out = nianbao(&[
        "export",
        "--format",
        "html",
        &input,
        "-o",
        &output.display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&output).unwrap();
    assert!(html.contains("<title>平顶山市科学技术局2023年政府信息公开工作年度报告</title>"));
    assert!(!html.contains("<script src"), "no scripts in the export");
    let start = html.find(r#"id="report-data">"#).unwrap() + r#"id="report-data">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(data, serde_json::from_str::<Value>(EXAMPLE).unwrap());
}

#[test]
fn export_writes_every_format_from_a_file() {
    let dir = Dir::new("formats");
    let input = dir.write("in.json", EXAMPLE);
    for (format, magic) in [
        ("pdf", &b"%PDF-"[..]),
        ("docx", b"PK"),
        ("xlsx", b"PK"),
        ("json", b"{"),
    ] {
        let output = dir.0.join(format!("out.{format}"));
        let out = nianbao(&[
            "export",
            "--format",
            format,
            &input,
            "-o",
            &output.display().to_string(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::read(&output).unwrap().starts_with(magic), "{format}");
    }
    let out = nianbao(&[
        "export",
        "--format",
        "pdf",
        "/nonexistent.json",
        "-o",
        "/tmp/x.pdf",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn export_of_a_stored_report_carries_its_approval() {
    use crate::common::{agency_name, display_name, username};
    use nianbao::store::{Author, Store};

    let dir = Dir::new("stored");
    let url = format!("sqlite://{}/cli.db", dir.0.display());
    let id = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let agency = store
            .create_agency(&agency_name("平顶山市科学技术局"), nianbao::report::Kind::Department, None)
            .await
            .unwrap();
        let hash = nianbao::account::hash_password("reviewer-pass").unwrap();
        let reviewer = store
            .create_user(
                &username("r"),
                &display_name("王审核"),
                &hash,
                nianbao::account::Role::Reviewer,
                Some(agency.id),
            )
            .await
            .unwrap();
        let report = nianbao::report::interchange::from_json(EXAMPLE.as_bytes()).unwrap();
        let id = store
            .import(agency.id, &report, Author::system("导入"))
            .await
            .unwrap();
        let sha = crate::common::seed::approve(&store, id, reviewer.id).await;
        store.close().await;
        (id, sha)
    });
    let output = dir.0.join("stored.html");
    let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["export", "--format", "html", "--report", &id.0.to_string(), "-o"])
        .arg(&output)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&output).unwrap();
    assert!(
        html.contains(&id.1) && html.contains("王审核"),
        "the approval stamp is in the export"
    );
    assert!(!html.contains("<div class=\"draft-banner\""), "no draft banner");
    let missing = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "export",
            "--format",
            "pdf",
            "--report",
            "999",
            "-o",
            "/tmp/none.pdf",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("没有编号为 999 的报告"));
}

fn in_db(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_jurisdiction_starts_from_its_roster_and_its_past_reports() {
    let dir = Dir::new("roster");
    let url = format!("sqlite://{}", dir.0.join("db.sqlite").display());
    let roster = "名称,类型,上级\n某县人民政府,人民政府,\n某县财政局,政府部门,某县人民政府\n某县教育局,政府部门,某县人民政府\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(roster);
    let file = dir.0.join("名册.csv");
    std::fs::write(&file, &gbk).unwrap();
    let file = file.display().to_string();
    let out = in_db(&url, &["admin", "import-agencies", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("新建 3 个机构"), "{}", stdout(&out));
    let again = in_db(&url, &["admin", "import-agencies", &file]);
    assert!(stdout(&again).contains("新建 0 个机构") && stdout(&again).contains("3 个未变"));
    let bad = dir.write("bad.csv", "名称,类型,上级\n某县卫健委,部门,某县人民政府\n某县公安局,政府部门,某市人民政府\n");
    let out = in_db(&url, &["admin", "import-agencies", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("第 3 行") && stderr(&out).contains("某市人民政府"), "{}", stderr(&out));

    // Past reports, approved; one for an unknown agency refuses the whole batch.
    let doc = |agency: &str, year: i32| {
        let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
        doc["agency"] = json!(agency);
        doc["year"] = json!(year);
        doc["cells"]["requests.new.natural_person"] = json!(4);
        doc["cells"]["requests.granted.natural_person"] = json!(4);
        doc.to_string()
    };
    let a = dir.write("a.json", &doc("某县财政局", 2024));
    let b = dir.write("b.json", &doc("某县教育局", 2024));
    let unknown = dir.write("c.json", &doc("某市财政局", 2024));
    let out = in_db(&url, &["admin", "import-reports", "--status", "approved", &a, &b, &unknown]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("找不到机构“某市财政局”"), "{}", stderr(&out));
    let out = in_db(&url, &["admin", "import-reports", "--status", "approved", &a, &b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("已导入 2 份报告（已通过）"), "{}", stdout(&out));

    // The county's compile: two of three units, so exit 3, and the sum in the document.
    let out = in_db(&url, &["summary", "--government", "某县人民政府", "--year", "2024", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("未计入：某县人民政府（未创建）"), "{}", stderr(&out));
    let compiled: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(compiled["cells"]["requests.new.total"], json!(8));
    assert_eq!(compiled["agency"], json!("某县人民政府（本行政区域）"));
    let out = in_db(&url, &["summary", "--government", "某县财政局", "--year", "2024"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("只有人民政府"));
}
