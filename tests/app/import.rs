//! Import of published reports: every original in `tests/fixtures/published/` read and
//! compared, cell by cell and text by text, with its expected file written by hand from
//! the original; the command line's exits; and the files it must refuse.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nianbao::import::{self, Certainty, NotRead, Source};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn originals() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures().join("published"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "html" | "pdf")))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every cell and text of every original, against what a person read from it. A cell the
/// original alone does not decide (digits run together with more than one split that
/// fits) is marked for confirming, offers the right value among its ways, and proposes it.
#[test]
fn every_cell_and_text_of_every_published_original_is_read_as_a_person_reads_it() {
    let originals = originals();
    assert_eq!(originals.len(), 15, "the fixtures hold the 15 originals");
    let mut failures = Vec::new();
    let (mut cells, mut exact, mut offered) = (0, 0, 0);
    for (stem, path) in &originals {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_file_name(format!("{stem}.expected.json"))).unwrap())
                .unwrap();
        let imported = import::read(&std::fs::read(path).unwrap(), None, None)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let report = &imported.report;
        for (key, got) in [
            ("format", report.version.as_str().to_string()),
            ("year", report.year.to_string()),
            ("agency", report.agency.clone()),
            ("kind", report.kind.as_str().to_string()),
        ] {
            let want = match &expected[key] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            if want != got {
                failures.push(format!("{stem} {key}: expected {want}, read {got}"));
            }
        }
        let format = report.format();
        let expected_cells = expected["cells"].as_object().unwrap();
        assert_eq!(expected_cells.len(), format.cells.len(), "{stem}: the expected file names every cell");
        for (ix, def) in format.cells.iter().enumerate() {
            cells += 1;
            let want = match &expected_cells[&def.id] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let got = if report.cells[ix].is_empty() { "0".to_string() } else { report.cells[ix].clone() };
            let reading = &imported.cells[ix];
            if let Certainty::Unsure { ways, .. } = &reading.certainty {
                // Undecided by the original alone: the right value must be among the ways
                // offered; the one proposed is the likeliest by the table's sums and text.
                assert!(ways.contains(&want), "{stem} {}: {want} not among {ways:?}", def.id);
                offered += 1;
            }
            if got == want {
                exact += 1;
            } else {
                failures.push(format!("{stem} {}: expected {want}, read {got} ({:?})", def.id, reading.certainty));
            }
        }
        for def in &format.texts {
            let want = squeeze(expected["text"][def.key].as_str().unwrap());
            let got = squeeze(&report.texts[format.text(def.key).unwrap()]);
            if want != got {
                let at = want.chars().zip(got.chars()).take_while(|(a, b)| a == b).count();
                let near: String = want.chars().skip(at.saturating_sub(10)).take(30).collect();
                let read: String = got.chars().skip(at.saturating_sub(10)).take(30).collect();
                failures.push(format!("{stem} text.{}: differs at char {at}: expected …{near}…, read …{read}…", def.key));
            }
        }
    }
    assert!(failures.is_empty(), "{exact} of {cells} cells exact ({offered} to confirm):\n{}", failures.join("\n"));
    assert_eq!(cells, 15 * 200);
}

#[test]
fn each_reading_says_where_it_was_read() {
    let read = |name: &str| import::read(&std::fs::read(fixtures().join("published").join(name)).unwrap(), None, None).unwrap();
    let format_of = |i: &import::Imported| i.report.format();
    let html = read("2024-putian-chengguan.html");
    let ix = format_of(&html).cell("requests.new.natural_person").unwrap();
    assert!(matches!(html.cells[ix].at, Some(import::At::Cell { table: 2, .. })), "{:?}", html.cells[ix].at);
    assert_eq!(html.source, Source::Html);
    let pdf = read("2024-huaian.pdf");
    let ix = format_of(&pdf).cell("appeals.review.upheld").unwrap();
    assert!(matches!(pdf.cells[ix].at, Some(import::At::Page { page: 5, .. })), "{:?}", pdf.cells[ix].at);
    let text = read("2022-sanming.txt");
    let ix = format_of(&text).cell("requests.new.total").unwrap();
    assert!(matches!(text.cells[ix].at, Some(import::At::Line(_))));
    assert_eq!(text.cells[ix].certainty, Certainty::Read);
    // Run together: cut the only way its 总计 allows, and the digits as written kept.
    let runs = read("2024-pingtan.txt");
    let ix = format_of(&runs).cell("requests.new.natural_person").unwrap();
    assert_eq!(runs.cells[ix].certainty, Certainty::Split { written: "21710000218".into() });
    // The printed 0 totals of 洪泽 2023's 表四 are kept and reported, not corrected.
    let hongze = read("2023-hongze.pdf");
    let ix = format_of(&hongze).cell("appeals.review.total").unwrap();
    assert_eq!(hongze.report.cells[ix], "0");
    let contradictions = hongze.contradictions();
    assert_eq!(contradictions.len(), 2, "{contradictions:?}");
    assert!(contradictions.iter().all(|v| v.rule == "appeals.total"));
    // The 2019-style single （六）其他处理 row is read into 3.其他.
    let ix = format_of(&read("2024-hongze.pdf")).cell("requests.other_misc.total").unwrap();
    assert_eq!(read("2024-hongze.pdf").cells[ix].certainty, Certainty::Read);
}

fn nianbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao")).args(args).output().expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nianbao-import-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_command_writes_the_document_and_exits_by_how_sure_it_is() {
    let dir = scratch("cli");
    let out_path = dir.join("out.json");
    let original = fixtures().join("published/2024-putian-chengguan.html");
    let out = nianbao(&["import", original.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The document is interchange JSON that the rest of the CLI reads.
    let check = nianbao(&["check", out_path.to_str().unwrap()]);
    assert_ne!(check.status.code(), Some(2), "{}", String::from_utf8_lossy(&check.stderr));
    let doc: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(doc["agency"], "莆田市城市管理局");
    assert_eq!(doc["import"]["read_as"], "html");
    assert_eq!(doc["import"]["sha256"].as_str().unwrap().len(), 64);
    assert!(doc["import"]["cells"]["requests.new.total"]["at"].as_str().unwrap().contains("表格"));

    // Some cells undecided: exit 3, each listed on stderr; stdout holds the document.
    let pingtan = fixtures().join("published/2024-pingtan.txt");
    let out = nianbao(&["import", pingtan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("请核对 proactive.normative_documents.issued"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["import"]["unsure"].as_array().unwrap().len(), 3);

    // The agency overridden.
    let out = nianbao(&["import", original.to_str().unwrap(), "--report-of", "莆田市城管局"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["agency"], "莆田市城管局");

    // A forced reader that does not fit: not a report, nothing written.
    let refused = dir.join("refused.json");
    let out = nianbao(&["import", original.to_str().unwrap(), "--format", "pdf", "-o", refused.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!refused.exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PDF"));
}

fn refusal(bytes: &[u8]) -> NotRead {
    import::read(bytes, None, None).expect_err("refused")
}

#[test]
fn files_that_are_not_readable_reports_are_refused_with_the_reason() {
    assert_eq!(refusal(b""), NotRead::Empty);
    assert_eq!(refusal(b"  \n\r\n"), NotRead::Empty);
    let not_report = "关于2024年政务公开工作要点的通知\n各部门：现将有关事项通知如下。一、总体要求……";
    assert!(matches!(refusal(not_report.as_bytes()), NotRead::NotAReport(_)));
    // Another report of the same site: a 政府信息公开指南 page.
    let guide = "<html><body><div class=TRS_Editor><p>政府信息公开指南</p><p>一、主动公开</p><p>二、依申请公开</p></div></body></html>";
    let msg = refusal(guide.as_bytes()).to_string();
    assert!(msg.contains("不是政府信息公开工作年度报告"), "{msg}");
    // A scanned PDF (no text layer), an encrypted one, a cut-off upload.
    let pdf = |name: &str| std::fs::read(fixtures().join("pdf").join(name)).unwrap();
    let scanned = refusal(&pdf("notext.pdf")).to_string();
    assert!(scanned.contains("OCR"), "{scanned}");
    assert!(refusal(&pdf("enc-user.pdf")).to_string().contains("加密"));
    let whole = std::fs::read(fixtures().join("published/2024-hongze.pdf")).unwrap();
    assert!(refusal(&whole[..whole.len() / 2]).to_string().contains("损坏"));
    assert!(matches!(refusal(b"%PDF-1.7\n garbage \n%%EOF"), NotRead::Pdf(_)));
    // Headings around megabytes of made-up table: refused, not searched label by label.
    let mut huge = String::from("一、总体情况\n总体。\n二、主动公开政府信息情况\n");
    huge.push_str(&"规章行政许可1".repeat(20_000));
    huge.push_str("\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n某市2024年度政府信息公开工作年度报告");
    assert!(matches!(refusal(huge.as_bytes()), NotRead::NotAReport(_)));
    // Over the limit, refused before it is parsed.
    let big = vec![b'a'; import::LIMIT + 1];
    assert!(matches!(refusal(&big), NotRead::TooLarge(_)));
    // Neither UTF-8 nor GBK.
    assert_eq!(refusal(&[0xff, 0xfe, 0x00, 0xd8, 0x00]), NotRead::Encoding);
}

#[test]
fn a_gbk_page_reads_like_its_utf8_original() {
    let utf8 = std::fs::read_to_string(fixtures().join("published/2024-putian-shenjiju.html")).unwrap();
    let declared = utf8.replacen("<head>", "<head><meta charset=\"gbk\">", 1);
    let (gbk, _, faults) = encoding_rs::GBK.encode(&declared);
    assert!(!faults);
    let from_gbk = import::read(&gbk, None, None).unwrap();
    let from_utf8 = import::read(utf8.as_bytes(), None, None).unwrap();
    assert_eq!(from_gbk.report, from_utf8.report);
}

#[test]
fn the_command_refuses_a_50_mb_file_and_writes_nothing() {
    let dir = scratch("big");
    let big = dir.join("big.html");
    std::fs::write(&big, vec![b' '; 50 * 1024 * 1024]).unwrap();
    let out_path = dir.join("out.json");
    let out = nianbao(&["import", big.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("文件过大"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out_path.exists());
    std::fs::remove_dir_all(dir).ok();
}

/// The assessor checks on the real reports: the three cases the issue names are found, and
/// the shares of text repeated from the unit's own last year are as measured.
#[test]
fn the_assessor_checks_find_the_real_cases_in_the_published_reports() {
    use nianbao::report::assess::similar::overlap;
    use nianbao::report::validate::validate;
    let read = |name: &str| import::read(&std::fs::read(fixtures().join("published").join(name)).unwrap(), None, None).unwrap().report;
    let messages = |name: &str, rule: &str| -> Vec<String> {
        validate(&read(name), None).into_iter().filter(|v| v.rule == rule).map(|v| v.message).collect()
    };
    let hongze = messages("2024-hongze.pdf", "text.numbers");
    assert!(hongze.iter().any(|m| m.contains("17件") && m.contains("95")), "{hongze:?}");
    let sanming = messages("2023-sanming.txt", "text.numbers");
    assert!(sanming.iter().any(|m| m.contains("行政诉讼7件") && m.contains("为 8")), "{sanming:?}");
    let pingtan = messages("2023-pingtan.txt", "text.numbers");
    assert!(pingtan.iter().any(|m| m.contains("393件") && m.contains("470")), "{pingtan:?}");
    // Where the texts agree with the tables, nothing is said.
    for name in ["2022-sanming.txt", "2024-pingtan.txt", "2024-putian-chengguan.html", "2024-huaian.pdf"] {
        assert_eq!(messages(name, "text.numbers"), Vec::<String>::new(), "{name}");
    }
    for name in ["2024-pingtan.txt", "2024-putian-shenjiju.html", "2024-huaian.pdf", "2023-sanming.txt"] {
        assert_eq!(messages(name, "text.year"), Vec::<String>::new(), "{name}");
    }

    // 科技局 2024 says it received no applications, and its table agrees; with 3 typed in,
    // the text and the table disagree.
    assert_eq!(messages("2024-putian-kejiju.html", "requests.nil"), Vec::<String>::new());
    let mut kejiju = read("2024-putian-kejiju.html");
    let f = kejiju.format();
    kejiju.cells[f.cell("requests.new.natural_person").unwrap()] = "3".into();
    kejiju.recompute_totals(None);
    let nil: Vec<String> = validate(&kejiju, None).into_iter().filter(|v| v.rule == "requests.nil").map(|v| v.message).collect();
    assert!(nil.len() == 1 && nil[0].contains("未收到政府信息公开申请") && nil[0].contains("共 3 件"), "{nil:?}");

    // 雷同 with the unit's own last year, per section (一, 五): consecutive real reports.
    let mut shares = Vec::new();
    for (this, last) in [
        ("2022-pingtan.txt", "2021-pingtan.txt"),
        ("2023-pingtan.txt", "2022-pingtan.txt"),
        ("2024-pingtan.txt", "2023-pingtan.txt"),
        ("2023-sanming.txt", "2022-sanming.txt"),
        ("2024-sanming.txt", "2023-sanming.txt"),
        ("2024-hongze.pdf", "2023-hongze.pdf"),
        ("2024-putian-chengguan.html", "2023-putian-chengguan.html"),
    ] {
        let (a, b) = (read(this), read(last));
        let f = a.format();
        let share = |key: &str| overlap(&a.texts[f.text(key).unwrap()], &b.texts[f.text(key).unwrap()]).share;
        shares.push(format!("{this}: 一 {}%, 五 {}%", share("overview"), share("problems")));
        assert!(share("overview") < 60 && share("problems") < 60, "{this}");
    }
    eprintln!("repeated from last year:\n{}", shares.join("\n"));
    // Last year's overview pasted into this year's: the warning, with the passages.
    let mut copied = read("2024-pingtan.txt");
    let last = read("2023-pingtan.txt");
    let ix = copied.format().text("overview").unwrap();
    copied.texts[ix] = last.texts[ix].clone();
    let warned: Vec<String> = validate(&copied, Some(&last)).into_iter().filter(|v| v.rule == "text.similar_last_year").map(|v| v.message).collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("重复 100%") && warned[0].contains("如“"), "{warned:?}");

    // Between units of a year: the real 2024 reports share no long passage; a unit whose
    // overview takes 城管局's does.
    let units: Vec<nianbao::report::Report> =
        ["2024-pingtan.txt", "2024-sanming.txt", "2024-putian-chengguan.html", "2024-putian-kejiju.html", "2024-huaian.pdf"]
            .into_iter()
            .map(read)
            .collect();
    let peer_warnings = |r: &nianbao::report::Report| -> Vec<String> {
        let peers: Vec<(&str, &nianbao::report::Report)> =
            units.iter().filter(|p| p.agency != r.agency).map(|p| (p.agency.as_str(), p)).collect();
        nianbao::report::validate::validate_among(r, None, &peers)
            .into_iter()
            .filter(|v| v.rule == "text.similar_peer")
            .map(|v| v.message)
            .collect()
    };
    for unit in &units {
        assert_eq!(peer_warnings(unit), Vec::<String>::new(), "{}", unit.agency);
    }
    let mut borrowed = read("2024-putian-shenjiju.html");
    let ix = borrowed.format().text("overview").unwrap();
    borrowed.texts[ix] = format!("{}\n{}", borrowed.texts[ix], units[2].texts[ix]);
    let found = peer_warnings(&borrowed);
    assert!(found.len() == 1 && found[0].contains("莆田市城市管理局"), "{found:?}");
}
