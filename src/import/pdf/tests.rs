//! The text layer of the published PDFs (`tests/fixtures/published/`) and of tiny hand-made
//! ones (`tests/fixtures/pdf/`). Expectations below were checked by eye against `pdftoppm`
//! renderings of the published PDFs and against `pdftotext -bbox` positions.

use super::{PdfError, Run, runs};

const PUBLISHED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/published");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdf");

fn load(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn published(name: &str) -> Vec<Run> {
    runs(&load(&format!("{PUBLISHED}/{name}"))).expect("published PDF reads")
}

fn page_count(runs: &[Run]) -> u32 {
    runs.iter().map(|r| r.page).max().unwrap_or(0)
}

fn find<'a>(runs: &'a [Run], text: &str) -> &'a Run {
    runs.iter()
        .find(|r| r.text == text)
        .unwrap_or_else(|| panic!("no run {text:?}"))
}

/// The runs on the same line as `anchor` (same page, baseline within 0.5 pt), left to right.
fn line_of<'a>(runs: &'a [Run], anchor: &Run) -> Vec<&'a Run> {
    let mut line: Vec<&Run> = runs
        .iter()
        .filter(|r| r.page == anchor.page && (r.y - anchor.y).abs() < 0.5)
        .collect();
    line.sort_by(|a, b| a.x.total_cmp(&b.x));
    line
}

fn texts(line: &[&Run]) -> Vec<String> {
    line.iter().map(|r| r.text.clone()).collect()
}

/// The 15 cells of table 四 come out as 15 runs on one baseline, in drawing order left to
/// right, each at its own x.
fn assert_table_four(runs: &[Run], page: u32, first_cell: &str, expected: &[&str; 15]) {
    let anchor = runs
        .iter()
        .filter(|r| r.page == page && r.text == first_cell)
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .expect("table 四 value row");
    let drawn: Vec<&Run> = runs
        .iter()
        .filter(|r| r.page == page && (r.y - anchor.y).abs() < 0.5)
        .collect();
    assert_eq!(texts(&drawn), expected.map(String::from).to_vec());
    assert!(
        drawn.windows(2).all(|w| w[0].x_end < w[1].x),
        "cells do not overlap"
    );
}

fn assert_clean(runs: &[Run]) {
    for r in runs {
        assert!(!r.text.is_empty());
        assert!(
            r.text
                .chars()
                .all(|c| !c.is_control() && !('\u{E000}'..='\u{F8FF}').contains(&c)),
            "garbage in {r:?}"
        );
        assert!(r.x < r.x_end && r.x >= 0.0 && r.x_end <= 595.5, "{r:?}");
        assert!(
            r.y > 0.0 && r.y < 842.0 && r.size > 5.0 && r.size < 30.0,
            "{r:?}"
        );
    }
}

#[test]
fn hongze_2023() {
    let runs = published("2023-hongze.pdf");
    assert_clean(&runs);
    assert_eq!(page_count(&runs), 5);
    assert!(runs.iter().all(|r| (1..=5).contains(&r.page)));

    let title = find(&runs, "2023年政府信息公开工作年度报告");
    assert_eq!((title.page, title.size.round()), (1, 22.0));

    // The typo of the original is kept, as its own run (a table 三 row label).
    let typo = find(&runs, "2.其他法律行政止公开");
    assert_eq!(typo.page, 3);
    // Its seven cells share (within 2 pt) the label's line, but not its exact baseline:
    // numbers are set in a larger font and sit 1–2 pt lower.
    let cells: Vec<&Run> = runs
        .iter()
        .filter(|r| r.page == 3 && r.x > typo.x_end && (r.y - typo.y).abs() < 3.0)
        .collect();
    assert_eq!(texts(&cells), ["0"; 7]);

    let new_apps = find(&runs, "一、本年新收政府信息公开申请数量");
    let row: Vec<String> = runs
        .iter()
        .filter(|r| r.page == 3 && r.x > new_apps.x_end && (r.y - new_apps.y).abs() < 3.0)
        .map(|r| r.text.clone())
        .collect();
    assert_eq!(row, ["21", "0", "0", "0", "0", "0", "21"]);

    assert_table_four(
        &runs,
        4,
        "10",
        &[
            "10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0",
        ],
    );

    // Bold table headers are drawn fill+stroke (`2 Tr`), so hayro reports each glyph twice;
    // whole, undoubled cells prove the duplicates are dropped.
    assert_eq!(
        texts(&line_of(&runs, find(&runs, "本年制发件数"))),
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    );
    assert_eq!(
        find(
            &runs,
            "（一）主动公开情况。主要通过政府门户网站主动公开政府"
        )
        .page,
        1
    );

    // Table 二 cells on one line are separate runs.
    let rule = find(&runs, "行政规范性文件");
    assert_eq!(
        texts(&line_of(&runs, rule)),
        ["行政规范性文件", "0", "5", "5"]
    );
    assert_eq!(find(&runs, "7730.28").page, 3);

    // The group label of table 三 is set vertically: one run per character, same x.
    let column: Vec<&Run> = runs
        .iter()
        .filter(|r| r.page == 3 && (r.x - 85.6).abs() < 0.5)
        .collect();
    assert_eq!(
        column.iter().map(|r| r.text.as_str()).collect::<String>(),
        "三、本年度办理结果"
    );
    assert!(column.windows(2).all(|w| w[0].y < w[1].y));

    // Page numbers are drawn first on each page, at the foot.
    for page in 1..=5 {
        let first = runs.iter().find(|r| r.page == page).expect("page has runs");
        assert_eq!(first.text, format!("-{page}-"));
        assert!(first.y > 790.0);
    }
}

#[test]
fn hongze_2024() {
    let runs = published("2024-hongze.pdf");
    assert_clean(&runs);
    assert_eq!(page_count(&runs), 5);
    assert_eq!(find(&runs, "2.其他法律行政止公开").page, 3);
    assert_eq!(find(&runs, "（六）其他处理").page, 4);
    assert_table_four(
        &runs,
        4,
        "1",
        &[
            "1", "1", "0", "0", "2", "1", "0", "0", "0", "1", "2", "0", "1", "0", "3",
        ],
    );
}

#[test]
fn huaian_2024() {
    let runs = published("2024-huaian.pdf");
    assert_clean(&runs);
    assert_eq!(page_count(&runs), 6);

    // Wrapped labels come out one run per printed line.
    let first = find(&runs, "（六）其");
    let second = find(&runs, "他处理");
    assert_eq!((first.page, second.page), (5, 5));
    assert!((first.x - second.x).abs() < 0.5 && second.y > first.y);

    // Sub-row numbered `1、` whose label wraps over three lines with its numbers on the middle one.
    let top = find(&runs, "1、申请人无正当理由逾期不补");
    let middle = find(&runs, "正、行政机关不再处理其政府信");
    assert_eq!(
        texts(&line_of(&runs, find(&runs, "67"))),
        ["67", "3", "0", "0", "1", "0", "71"]
    );
    assert!(top.y < middle.y && (middle.y - find(&runs, "67").y).abs() < 3.0);

    let permits = find(&runs, "行政许可");
    assert_eq!(texts(&line_of(&runs, permits)), ["行政许可", "447228"]);

    assert_table_four(
        &runs,
        5,
        "72",
        &[
            "72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20",
        ],
    );

    // A group label can even be split by a page break.
    assert_eq!(
        (find(&runs, "（四）无").page, find(&runs, "法提供").page),
        (4, 5)
    );

    let footer = find(&runs, "-5-");
    assert!(footer.page == 5 && footer.y > 790.0);
}

#[test]
fn helvetica_fixture_positions() {
    // Hand-made one-page PDF: `BT /F1 12 Tf 10 50 Td (Hello 42) Tj ET`, page 200×100 pt,
    // Helvetica not embedded.
    let runs = runs(&load(&format!("{FIXTURES}/hello.pdf"))).expect("reads");
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!((r.page, r.text.as_str()), (1, "Hello 42"));
    assert!((r.x - 10.0).abs() < 0.01 && (r.y - 50.0).abs() < 0.01 && (r.size - 12.0).abs() < 0.01);
}

#[test]
fn no_text_layer() {
    let err = runs(&load(&format!("{FIXTURES}/notext.pdf"))).unwrap_err();
    assert_eq!(err, PdfError::NoText);
    assert!(err.to_string().contains("OCR"));
}

#[test]
fn encrypted_with_password() {
    let err = runs(&load(&format!("{FIXTURES}/enc-user.pdf"))).unwrap_err();
    assert_eq!(err, PdfError::Encrypted);
    assert_eq!(
        err.to_string(),
        "PDF 已加密，无法读取其文字；请上传未加密的文件"
    );
}

#[test]
fn permission_only_encryption_still_reads() {
    // An empty user password with copy/print restrictions: every viewer opens it, so do we.
    let runs = runs(&load(&format!("{FIXTURES}/enc-owner.pdf"))).expect("reads");
    assert_eq!(runs[0].text, "Hello 42");
}

#[test]
fn not_a_pdf() {
    assert_eq!(runs(b"").unwrap_err(), PdfError::NotPdf);
    assert_eq!(runs(b"<html>hello</html>").unwrap_err(), PdfError::NotPdf);
    assert_eq!(
        runs(&load(&format!("{PUBLISHED}/README.md"))).unwrap_err(),
        PdfError::NotPdf
    );
}

#[test]
fn truncated_upload_is_an_error() {
    let bytes = load(&format!("{PUBLISHED}/2023-hongze.pdf"));
    for cut in [
        10,
        1000,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 100,
    ] {
        let err = runs(&bytes[..cut]).unwrap_err();
        assert!(matches!(err, PdfError::Broken(_)), "cut at {cut}: {err:?}");
    }
}

/// Tiny deterministic generator so the test needs no extra crate.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_never_panic() {
    for seed in 1..50u64 {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend(noise(seed, 5000));
        assert!(matches!(runs(&bytes), Err(PdfError::Broken(_))));
        // Also with a plausible tail, so hayro's own parser (and its repair path) runs.
        bytes.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n");
        assert!(matches!(
            runs(&bytes),
            Err(PdfError::Broken(_) | PdfError::NoText)
        ));
    }
}

#[test]
fn damaged_real_file_never_panics() {
    // Cut a real file at many points and re-append %%EOF, or overwrite a stretch of it with
    // noise: every outcome is acceptable except a panic.
    let bytes = load(&format!("{PUBLISHED}/2024-hongze.pdf"));
    for (i, cut) in (1000..bytes.len()).step_by(bytes.len() / 40).enumerate() {
        let mut cut_file = bytes[..cut].to_vec();
        cut_file.extend_from_slice(b"\n%%EOF\n");
        let _ = runs(&cut_file);

        let mut garbled = bytes.clone();
        let end = (cut + 4000).min(garbled.len());
        garbled[cut..end].copy_from_slice(&noise(i as u64 + 7, end - cut));
        let _ = runs(&garbled);
    }
}

#[test]
fn non_embedded_cjk_font_without_to_unicode() {
    // How iText-based CMS exports look: STSong-Light, UniGB-UCS2-H, no font file and no
    // ToUnicode. Needs hayro-interpret's default `embed-cmaps` feature (the UCS2 CMap).
    let runs = runs(&load(&format!("{FIXTURES}/stsong.pdf"))).expect("reads");
    assert_eq!(
        texts(&runs.iter().collect::<Vec<_>>()),
        ["政府信息公开", "2024"]
    );
    assert!((runs[0].y - 50.0).abs() < 0.01 && (runs[1].y - 70.0).abs() < 0.01);
}
