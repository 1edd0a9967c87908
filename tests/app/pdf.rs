//! The PDF, read back with poppler (pdftotext, pdfinfo) as a reader would: every label and
//! value is real text, nothing leaves the page, tables repeat their headers across pages.

use std::path::PathBuf;
use std::process::Command;

use nianbao::export::{self, Snapshot, Stamp};
use nianbao::report::{Report, interchange};

const EXAMPLE: &[u8] = crate::common::seed::EXAMPLE.as_bytes();

/// Whether poppler is installed; missing: a notice (or a failure when CI is set).
fn poppler() -> bool {
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "pdftotext is missing and CI is set: apt-get install poppler-utils"
    );
    eprintln!("SKIPPED: pdftotext missing (apt-get install poppler-utils)");
    false
}

struct Pdf {
    path: PathBuf,
}

impl Pdf {
    fn of(snapshot: &Snapshot, name: &str) -> Pdf {
        let bytes = export::pdf::render(snapshot).expect("the PDF renders");
        assert!(bytes.starts_with(b"%PDF-"));
        let path = std::env::temp_dir().join(format!("nianbao-{}-{name}.pdf", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        Pdf { path }
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let out = Command::new(tool)
            .args(args)
            .arg(&self.path)
            .arg("-")
            .output()
            .expect("poppler runs");
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The text in content order, without any whitespace (table cells wrap their lines).
    fn squeezed(&self) -> String {
        self.run("pdftotext", &["-raw"]).split_whitespace().collect()
    }

    fn info(&self) -> String {
        let out = Command::new("pdfinfo").arg(&self.path).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pages(&self) -> usize {
        self.info()
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    }

    /// Text of each page.
    fn page_texts(&self) -> Vec<String> {
        self.run("pdftotext", &["-layout"])
            .split('\u{c}')
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Pdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn example() -> Report {
    interchange::from_json(EXAMPLE).unwrap()
}

/// The example with a distinct number in every typed cell (101, 102, …).
fn numbered() -> Report {
    let mut report = example();
    let format = report.format();
    let mut n = 100;
    for (ix, def) in format.cells.iter().enumerate() {
        if def.total.is_none() {
            n += 1;
            report.cells[ix] = n.to_string();
        }
    }
    report.cells[format.cell("proactive.fees.amount").unwrap()] = "4068.208".into();
    report.recompute_totals(None);
    report
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn every_label_and_value_is_searchable_text() {
    if !poppler() {
        return;
    }
    for (name, report) in [("example", example()), ("numbered", numbered())] {
        let snapshot = Snapshot::draft(report.clone());
        let pdf = Pdf::of(&snapshot, name);
        let text = pdf.squeezed();
        assert!(
            text.contains("平顶山市科学技术局2023年政府信息公开工作年度报告"),
            "{name}"
        );
        let view = snapshot.view();
        for section in &view.sections {
            assert!(
                text.contains(&squeeze(section.heading)),
                "{name}: {}",
                section.heading
            );
            if let Some(t) = &section.text {
                for p in t.paragraphs() {
                    assert!(text.contains(&squeeze(p)), "{name}: paragraph {p}");
                }
            }
            let Some(table) = &section.table else { continue };
            for cell in table.head.iter().chain(&table.body).flatten() {
                if cell.value.is_none() {
                    assert!(
                        text.contains(&squeeze(cell.label)),
                        "{name}: label {}",
                        cell.label
                    );
                }
            }
        }
        // Every value, as a separate word of the page.
        let words: Vec<String> = pdf
            .run("pdftotext", &["-raw"])
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let format = report.format();
        for (ix, def) in format.cells.iter().enumerate() {
            let shown = nianbao::report::validate::Values::of(&report).get(ix).unwrap();
            let shown = nianbao::report::value::canonical(def.kind, shown);
            assert!(words.contains(&shown), "{name}: {} = {shown}", def.id);
        }
    }
}

#[test]
fn nothing_leaves_the_page_or_crosses_the_margins() {
    if !poppler() {
        return;
    }
    let pdf = Pdf::of(&Snapshot::draft(numbered()), "bounds");
    let xml = pdf.run("pdftotext", &["-bbox"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (mut words, mut pages) = (0, 0);
    let (mut width, mut height) = (0.0, 0.0);
    for tag in xml
        .split('<')
        .filter(|t| t.starts_with("page ") || t.starts_with("word "))
    {
        if tag.starts_with("page ") {
            pages += 1;
            (width, height) = (attr(tag, "width"), attr(tag, "height"));
            continue;
        }
        words += 1;
        let text = tag.split('>').nth(1).unwrap_or("");
        let (x0, x1, y0, y1) = (
            attr(tag, "xMin"),
            attr(tag, "xMax"),
            attr(tag, "yMin"),
            attr(tag, "yMax"),
        );
        assert!(
            x0 >= 0.0 && y0 >= 0.0 && x1 <= width && y1 <= height,
            "“{text}” off the page: {tag}"
        );
        if !text.contains('草') && !text.contains('稿') {
            // Margins: 2.4 cm left, 2.2 cm right (the watermark is the only thing allowed across).
            // A line-final 。，、 or line-initial 〔（“ is set half-width with its ink on the inner
            // side: its em box (what pdftotext reports) may reach half an em (6 pt) past the
            // edge, its ink does not.
            let slack = 6.5;
            assert!(
                x0 >= 2.4 / 2.54 * 72.0 - slack && x1 <= width - 2.2 / 2.54 * 72.0 + slack,
                "“{text}” crosses a margin: {tag}"
            );
        }
    }
    assert!(words > 300 && pages >= 3, "{words} words on {pages} pages");
}

#[test]
fn page_counts_follow_the_length_of_the_report() {
    if !poppler() {
        return;
    }
    assert_eq!(Pdf::of(&Snapshot::draft(example()), "short").pages(), 3);
    let mut long = example();
    long.texts[0] = long.texts[0].repeat(6);
    let pages = Pdf::of(&Snapshot::draft(long), "long").pages();
    assert!((6..=9).contains(&pages), "{pages} pages");
}

#[test]
fn a_table_crossing_a_page_repeats_its_header_rows() {
    if !poppler() {
        return;
    }
    // A longer overview pushes 表三 across a page break.
    for extra in 1..6 {
        let mut report = numbered();
        report.texts[0] = format!("{}{}", report.texts[0], "补充说明。".repeat(extra * 60));
        let pdf = Pdf::of(&Snapshot::draft(report), &format!("header{extra}"));
        let pages = pdf.page_texts();
        let with_new = pages
            .iter()
            .position(|p| p.contains("一、本年新收政府信息公开申请数量"));
        let with_end = pages.iter().position(|p| p.contains("四、结转下年度继续办理"));
        if let (Some(start), Some(end)) = (with_new, with_end)
            && end > start
        {
            for page in &pages[start..=end] {
                assert!(
                    page.contains("申请人情况") && page.contains("法人或其他组织"),
                    "header missing on a page:\n{page}"
                );
            }
            return;
        }
    }
    panic!("no layout put 表三 across a page break");
}

#[test]
fn draft_and_approved_say_so_on_every_page() {
    if !poppler() {
        return;
    }
    let draft = Pdf::of(&Snapshot::draft(example()), "draft");
    for page in draft.page_texts().iter().filter(|p| !p.trim().is_empty()) {
        assert!(page.contains("草稿 · 未经审核，不得发布"), "{page}");
    }
    let sha256 = "ab".repeat(32);
    let approved = Snapshot {
        report: example(),
        stamp: Stamp::Approved {
            by: "王审核".into(),
            at: 1_769_900_000,
            sha256: sha256.clone(),
        },
    };
    let pdf = Pdf::of(&approved, "approved");
    let text = pdf.squeezed();
    assert!(!text.contains("草稿"), "no draft mark on an approved report");
    assert!(text.contains("审核通过：王审核"));
    assert!(text.contains(&sha256), "the full hash is printed");
    assert!(
        pdf.info().contains(&format!("sha256:{sha256}")),
        "and kept in the metadata"
    );
}

#[test]
fn characters_the_font_lacks_are_marked_not_blank() {
    if !poppler() {
        return;
    }
    let mut report = example();
    report.texts[2] = "联系人：张\u{20000}三。".into();
    let text = Pdf::of(&Snapshot::draft(report), "glyph").squeezed();
    assert!(
        text.contains("联系人：张〓三。"),
        "the missing character shows as 〓"
    );
}
