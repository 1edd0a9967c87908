//! Every writer handles every character a user can type, with no database in between (a
//! file on the command line, or old data stored before the boundary refused control
//! characters): each control character, U+FFFE/U+FFFF, a lone combining mark, direction
//! marks, characters beyond the PDF font, markup of every kind. Characters XML 1.0 forbids
//! never reach a file; every format prints each as 〓 (as it prints a character the font
//! cannot draw) and the JSON keeps the text exactly.

use std::io::{Cursor, Read};
use std::process::Command;
use std::sync::atomic::AtomicUsize;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use nianbao::export::{self, Kind, Snapshot, Stamp, bundle, glyphs};
use nianbao::report::{Report, interchange};
use quick_xml::events::{BytesStart, Event};
use scraper::{Html, Selector};

const EXAMPLE: &[u8] = crate::common::seed::EXAMPLE.as_bytes();

/// Every C0 control but the line breaks, between two characters: tab stays, the 29 others
/// become 〓 (9 before the tab, 20 after it).
fn controls() -> String {
    let mut s = String::from("甲");
    s.extend((0u8..0x20).filter(|&b| b != b'\n' && b != b'\r').map(char::from));
    s.push('乙');
    s
}

fn controls_printed() -> String {
    format!("甲{}\t{}乙", "〓".repeat(9), "〓".repeat(20))
}

/// The paragraphs of the hostile text, one kind of trouble each.
fn paragraphs() -> Vec<String> {
    vec![
        controls(),
        // A lone combining mark, at the start and after a character it cannot combine with.
        "\u{301}丙\u{20dd}".into(),
        // Direction marks, an override and an isolate.
        "丁\u{200f}\u{202e}abc\u{202c}\u{200e}\u{2067}戊\u{2069}\u{61c}".into(),
        // Beyond the GBK cut of the font (CJK Extension B, C, G) and an emoji.
        "己\u{20000}\u{2a6d6}\u{30000}😀庚".into(),
        // Markup of XML, HTML, typst, askama, and Excel's own escape.
        r#"辛<&>"' ]]> &amp; <w:t> #set text(red) $x$ *b* _i_ @ref <lbl> {{ x }} _x000B_ 壬"#.into(),
        // What XML forbids or discourages beyond C0, and invisible characters it allows.
        "癸\u{fffe}\u{ffff}\u{7f}\u{80}\u{85}\u{9f}\u{fdd0}\u{1fffe}\u{10ffff}\u{feff}\u{ad}子".into(),
    ]
}

/// The paragraphs joined by every kind of line break.
fn hostile() -> String {
    let p = paragraphs();
    format!("{}\n{}\r\n{}\r{}\n\n{}\n{}", p[0], p[1], p[2], p[3], p[4], p[5])
}

/// The example with the hostile text in every text, in its agency's name, in a count cell
/// (kept as typed), approved by someone whose name holds control characters too.
fn snapshot() -> Snapshot {
    let mut report: Report = interchange::from_json(EXAMPLE).unwrap();
    for text in &mut report.texts {
        *text = hostile();
    }
    report.agency = format!("某局{}", paragraphs().concat());
    let format = report.format();
    report.cells[format.cell("requests.new.other_org").unwrap()] = controls();
    report.recompute_totals(None);
    let sha256 = interchange::content_sha256(&report);
    Snapshot {
        report,
        stamp: Stamp::Approved {
            by: "王\u{0}审\u{b}核<&>".into(),
            at: 1_700_000_000,
            sha256,
        },
    }
}

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Reads `xml` to its end as a strict reader would: well-formed, every character of the text
/// and of every attribute (entities and character references resolved) one XML allows.
/// Returns the text of the `text_tag` elements, one string per element.
fn strict_xml(part: &str, xml: &str, text_tag: &str) -> Vec<String> {
    for c in xml.chars() {
        assert!(xml_char(c), "{part}: U+{:04X} written as it is", c as u32);
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut texts = Vec::new();
    let mut inside = false;
    let check = |what: &str, s: &str| {
        for c in s.chars() {
            assert!(xml_char(c), "{part}: U+{:04X} in {what}", c as u32);
        }
    };
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("{part} is not well-formed: {e}"))
        {
            Event::Start(e) => {
                attributes(part, &e);
                if e.name().as_ref() == text_tag {
                    inside = true;
                    texts.push(String::new());
                }
            }
            Event::Empty(e) => attributes(part, &e),
            Event::Text(t) => {
                let text = t.xml10_content();
                check("text", &text);
                if inside {
                    texts.last_mut().unwrap().push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().unwrap_or_else(|e| panic!("{part}: {e}")) {
                    Some(c) => c,
                    None => match &*r.xml10_content() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("{part}: entity {other}"),
                    },
                };
                assert!(xml_char(c), "{part}: U+{:04X} as a character reference", c as u32);
                if inside {
                    texts.last_mut().unwrap().push(c);
                }
            }
            Event::CData(t) => check("CDATA", &t.xml10_content()),
            Event::End(e) if e.name().as_ref() == text_tag => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    texts
}

/// Every attribute value of `e`, resolved, holds only characters XML allows.
fn attributes(part: &str, e: &BytesStart) {
    for a in e.attributes() {
        let a = a.unwrap_or_else(|e| panic!("{part}: {e}"));
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap_or_else(|e| panic!("{part}: {e}"));
        for c in value.chars() {
            assert!(xml_char(c), "{part}: U+{:04X} in an attribute", c as u32);
        }
    }
}

/// Every XML part of an Office package, checked with [`strict_xml`]; the text of the
/// `text_tag` elements of each part, by part name.
fn office_package(bytes: &[u8], text_tag: &str) -> Vec<(String, Vec<String>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut xml = String::new();
        file.read_to_string(&mut xml).unwrap();
        let texts = strict_xml(&name, &xml, text_tag);
        parts.push((name, texts));
    }
    assert!(!parts.is_empty());
    parts
}

/// What the PDF font prints of `text`: 〓 for what it cannot draw.
fn printed(text: &str) -> String {
    glyphs::printable(text)
}

#[test]
fn the_word_file_is_well_formed_and_shows_every_text() {
    let snapshot = snapshot();
    let bytes = export::render(Kind::Docx, &snapshot).unwrap();
    let parts = office_package(&bytes, "w:t");
    let document: String = parts
        .iter()
        .find(|(name, _)| name == "word/document.xml")
        .unwrap()
        .1
        .join("\n");
    // Each paragraph of every text, and the count cell, as printed.
    assert!(document.contains(&controls_printed()), "{document}");
    for p in paragraphs() {
        assert!(document.contains(&printed(&p)), "{p:?} in {document}");
    }
    assert!(document.contains("王〓审〓核<&>"), "the approver in the stamp");
    assert!(document.contains(r#"辛<&>"' ]]> &amp; <w:t> #set text(red)"#));
    assert!(document.contains("己〓〓〓〓庚"), "characters beyond the font");
    let core = parts
        .iter()
        .find(|(name, _)| name == "docProps/core.xml")
        .unwrap();
    assert!(core.0.ends_with("core.xml"));
}

#[test]
fn the_workbook_is_well_formed_and_shows_every_text() {
    let snapshot = snapshot();
    let bytes = export::render(Kind::Xlsx, &snapshot).unwrap();
    office_package(&bytes, "t");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let about = book.worksheet_range("说明").unwrap();
    assert_eq!(
        about.get_value((0, 0)),
        Some(&Data::String(printed(&snapshot.title())))
    );
    assert!(
        matches!(about.get_value((1, 0)), Some(Data::String(s)) if s.contains("王〓审〓核<&>")),
        "{:?}",
        about.get_value((1, 0))
    );
    assert_eq!(
        about.get_value((3, 1)),
        Some(&Data::String(printed(&snapshot.report.agency)))
    );
    let requests = book.worksheet_range("表三 依申请").unwrap();
    assert_eq!(
        requests.get_value((4, 8)),
        Some(&Data::String(controls_printed()))
    );
    let list = book.worksheet_range("数据清单").unwrap();
    let row = list
        .rows()
        .find(|row| row[0] == Data::String("requests.new.other_org".into()))
        .unwrap();
    assert_eq!(row[4], Data::String(controls_printed()));
}

#[test]
fn the_pdf_typesets_and_prints_every_text() {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftotext is missing and CI is set"
        );
        eprintln!("SKIPPED: pdftotext missing (apt-get install poppler-utils)");
        return;
    }
    let snapshot = snapshot();
    let bytes = export::render(Kind::Pdf, &snapshot).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let path = std::env::temp_dir().join(format!("nianbao-characters-{}.pdf", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text: String = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect();
    let squeeze = |s: &str| -> String { s.split_whitespace().collect() };
    assert!(text.contains(&squeeze(&controls_printed())), "{text}");
    assert!(text.contains("王〓审〓核<&>"), "the approver in the stamp");
    assert!(text.contains(&squeeze(
        r#"辛<&>"' ]]> &amp; <w:t> #set text(red) $x$ *b* _i_ @ref <lbl> {{ x }} _x000B_ 壬"#
    )));
    assert!(
        text.contains("己〓〓〓〓庚"),
        "characters beyond the font: {text}"
    );
    assert!(text.contains(&format!("癸{}", "〓".repeat(9))), "{text}");
    // The count cell, in its table.
    assert!(
        text.matches(&squeeze(&controls_printed())).count() >= 4,
        "three texts and the cell"
    );
}

#[test]
fn the_web_page_shows_every_text_and_carries_it_exactly() {
    let snapshot = snapshot();
    let html = String::from_utf8(export::render(Kind::Html, &snapshot).unwrap()).unwrap();
    for c in html.chars() {
        assert!(
            glyphs::exportable(c),
            "U+{:04X} written into the page as it is",
            c as u32
        );
    }
    let page = Html::parse_document(&html);
    let select = |css: &str| -> Vec<String> {
        page.select(&Selector::parse(css).unwrap())
            .map(|e| e.text().collect())
            .collect()
    };
    assert_eq!(
        select("h1"),
        [format!("某局{}2023年政府信息公开工作年度报告", visible_concat())]
    );
    let paragraphs: Vec<String> = select("section p");
    // The page's reader has fonts of its own: only what XML forbids becomes 〓.
    let want: Vec<String> = [
        controls_printed(),
        "\u{301}丙\u{20dd}".into(),
        "丁\u{200f}\u{202e}abc\u{202c}\u{200e}\u{2067}戊\u{2069}\u{61c}".into(),
        "己\u{20000}\u{2a6d6}\u{30000}😀庚".into(),
        r#"辛<&>"' ]]> &amp; <w:t> #set text(red) $x$ *b* _i_ @ref <lbl> {{ x }} _x000B_ 壬"#.into(),
        format!("癸{}\u{feff}\u{ad}子", "〓".repeat(9)),
    ]
    .to_vec();
    assert_eq!(paragraphs.len(), 3 * want.len(), "{paragraphs:?}");
    for chunk in paragraphs.chunks(want.len()) {
        assert_eq!(chunk, want);
    }
    assert!(select("td").contains(&controls_printed()));
    assert!(select("p.stamp")[0].contains("王〓审〓核<&>"));

    // The embedded data is the report exactly, every character included.
    let data = page
        .select(&Selector::parse("script#report-data").unwrap())
        .next()
        .unwrap()
        .inner_html();
    let json: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(json["text"]["overview"], hostile());
    assert_eq!(json["agency"], snapshot.report.agency);
    assert_eq!(json["cells"]["requests.new.other_org"], controls());
}

/// The agency's name as the page shows it.
fn visible_concat() -> String {
    glyphs::visible(&paragraphs().concat()).into_owned()
}

#[test]
fn the_json_keeps_every_character() {
    let snapshot = snapshot();
    let bytes = export::render(Kind::Json, &snapshot).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for key in ["overview", "problems", "other"] {
        assert_eq!(json["text"][key], hostile(), "{key}");
    }
    assert_eq!(json["agency"], snapshot.report.agency);
    assert_eq!(json["cells"]["requests.new.other_org"], controls());
}

#[test]
fn the_bulk_zip_names_and_lists_every_report_safely() {
    let names = [
        "甲\u{0}乙\u{b}丙\u{c}丁",
        "甲_乙_丙_丁",
        "\u{fffe}\u{ffff}",
        "换\n行\r局",
        "\u{202e}exe.局",
    ];
    let snapshots: Vec<Snapshot> = names
        .iter()
        .map(|name| {
            let mut s = snapshot();
            s.report.agency = name.to_string();
            s
        })
        .collect();
    let done = AtomicUsize::new(0);
    let kinds = [Kind::Json, Kind::Html, Kind::Json];
    let zip = bundle::write_zip(Cursor::new(Vec::new()), &snapshots, &kinds, &done).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(zip.into_inner())).unwrap();
    let mut entries: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    entries.sort();
    let mut want = [
        "_exe.局/_exe.局2023年政府信息公开工作年度报告.html",
        "_exe.局/_exe.局2023年政府信息公开工作年度报告.json",
        "__/〓〓2023年政府信息公开工作年度报告.html",
        "__/〓〓2023年政府信息公开工作年度报告.json",
        "换_行_局/换_行_局2023年政府信息公开工作年度报告.html",
        "换_行_局/换_行_局2023年政府信息公开工作年度报告.json",
        "清单.csv",
        "甲_乙_丙_丁/甲〓乙〓丙〓丁2023年政府信息公开工作年度报告.html",
        "甲_乙_丙_丁/甲〓乙〓丙〓丁2023年政府信息公开工作年度报告.json",
        "甲_乙_丙_丁（2）/甲_乙_丙_丁2023年政府信息公开工作年度报告.html",
        "甲_乙_丙_丁（2）/甲_乙_丙_丁2023年政府信息公开工作年度报告.json",
    ];
    want.sort();
    assert_eq!(entries, want);
    let mut manifest = Vec::new();
    zip.by_name("清单.csv")
        .unwrap()
        .read_to_end(&mut manifest)
        .unwrap();
    let body = manifest.strip_prefix("\u{feff}".as_bytes()).expect("a BOM");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(body)
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), names.len());
    assert_eq!(&rows[0][0], "甲〓乙〓丙〓丁");
    assert_eq!(&rows[0][2], "王〓审〓核<&>");
    assert_eq!(
        &rows[3][0], "换\n行\r局",
        "a line break stays inside its quoted field"
    );
    assert_eq!(
        &rows[0][5],
        "甲_乙_丙_丁/甲〓乙〓丙〓丁2023年政府信息公开工作年度报告.json"
    );
    assert_eq!(rows[0].len(), 7, "one column per format asked for, once each");
}
