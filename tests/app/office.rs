//! The Word and Excel exports, read back as a reader's program reads them: every label and
//! value of every table in its row and column once merged cells are expanded.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use nianbao::export::{Snapshot, Stamp, docx, xlsx};
use nianbao::format::Version;
use nianbao::report::{Kind, Report, interchange};
use nianbao::view::{CellView, TableView};
use quick_xml::events::{BytesStart, Event};

use crate::common::seed::EXAMPLE;

fn example() -> Report {
    interchange::from_json(EXAMPLE.as_bytes()).unwrap()
}

/// The example with numbers in every table, an amount with decimals, totals recomputed.
fn busy() -> Report {
    let mut report = example();
    let format = report.format();
    for (id, v) in [
        ("proactive.regulations.issued", "3"),
        ("proactive.normative_documents.in_force", "27"),
        ("proactive.fees.amount", "4068.208"),
        ("requests.new.natural_person", "12"),
        ("requests.new.commercial", "5"),
        ("requests.new.legal_service", "1"),
        ("requests.granted.natural_person", "9"),
        ("requests.granted.commercial", "4"),
        ("requests.carried_forward.natural_person", "3"),
        ("requests.carried_forward.commercial", "1"),
        ("requests.carried_forward.legal_service", "1"),
        ("appeals.review.upheld", "2"),
        ("appeals.litigation_direct.corrected", "1"),
    ] {
        report.cells[format.cell(id).unwrap_or_else(|| panic!("{id}"))] = v.into();
    }
    report.recompute_totals(None);
    report
}

fn approved(report: Report) -> Snapshot {
    let sha256 = interchange::content_sha256(&report);
    Snapshot {
        report,
        stamp: Stamp::Approved {
            by: "王审核".into(),
            at: 1_700_000_000,
            sha256,
        },
    }
}

fn cases() -> Vec<(&'static str, Snapshot)> {
    vec![
        ("example-draft", Snapshot::draft(example())),
        ("busy-draft", Snapshot::draft(busy())),
        ("busy-approved", approved(busy())),
    ]
}

/// What a table shows at each grid position: the row and column of the cell covering it,
/// and that cell's text. Expanded from the view independently of the exporters.
type Expanded = Vec<Vec<(usize, usize, String)>>;

fn expected(t: &TableView) -> Expanded {
    expand_view(t).0
}

/// The view's grid expanded, and the positions where a value (not a label) starts.
fn expand_view(t: &TableView) -> (Expanded, HashSet<(usize, usize)>) {
    let rows: Vec<&Vec<CellView>> = t.head.iter().chain(&t.body).collect();
    let width = t.width as usize;
    let mut grid: Vec<Vec<Option<(usize, usize, String)>>> = vec![vec![None; width]; rows.len()];
    let mut values = HashSet::new();
    for (r, row) in rows.iter().enumerate() {
        let mut c = 0;
        for cell in row.iter() {
            while grid[r][c].is_some() {
                c += 1;
            }
            // The placement the layout stored is the one the spans imply.
            assert_eq!((cell.row as usize, cell.col as usize), (r, c), "{} placement", t.key);
            let text = match &cell.value {
                Some(v) => {
                    values.insert((r, c));
                    v.display.clone()
                }
                None => cell.label.to_string(),
            };
            for line in &mut grid[r..r + cell.rowspan as usize] {
                for spot in &mut line[c..c + cell.colspan as usize] {
                    *spot = Some((r, c, text.clone()));
                }
            }
            c += cell.colspan as usize;
        }
    }
    let grid = grid
        .into_iter()
        .map(|line| line.into_iter().map(Option::unwrap).collect())
        .collect();
    (grid, values)
}

fn tables(snapshot: &Snapshot) -> Vec<TableView> {
    snapshot
        .view()
        .sections
        .into_iter()
        .filter_map(|s| s.table)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Word

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut part = zip
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} is in the package"));
    let mut text = String::new();
    part.read_to_string(&mut text).unwrap();
    text
}

#[derive(Debug, Default)]
struct WordCell {
    span: usize,
    /// None, Some("restart") or Some("continue").
    vmerge: Option<String>,
    text: String,
}

#[derive(Debug, Default)]
struct WordTable {
    rows: Vec<Vec<WordCell>>,
    header_rows: usize,
}

/// The body-level paragraphs (style, text) and the tables of `word/document.xml`.
#[derive(Debug, Default)]
struct WordDocument {
    paragraphs: Vec<(String, String)>,
    tables: Vec<WordTable>,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name).unwrap().map(|a| a.value.to_string())
}

fn parse_document(xml: &str) -> WordDocument {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut doc = WordDocument::default();
    let mut in_table = false;
    let mut in_text = false;
    let mut cell: Option<WordCell> = None;
    let mut paragraph: Option<(String, String)> = None;
    loop {
        let event = reader.read_event().unwrap();
        let (start, e) = match &event {
            Event::Start(e) => (true, Some(e)),
            Event::Empty(e) => (false, Some(e)),
            _ => (false, None),
        };
        if let Some(e) = e {
            match e.name().as_ref() {
                "w:tbl" => {
                    in_table = true;
                    doc.tables.push(WordTable::default());
                }
                "w:tr" => doc.tables.last_mut().unwrap().rows.push(Vec::new()),
                "w:tblHeader" => doc.tables.last_mut().unwrap().header_rows += 1,
                "w:tc" => {
                    cell = Some(WordCell {
                        span: 1,
                        ..WordCell::default()
                    })
                }
                "w:gridSpan" => cell.as_mut().unwrap().span = attr(e, "w:val").unwrap().parse().unwrap(),
                "w:vMerge" => {
                    cell.as_mut().unwrap().vmerge =
                        Some(attr(e, "w:val").unwrap_or_else(|| "continue".into()));
                }
                "w:p" if !in_table => paragraph = Some(Default::default()),
                "w:pStyle" => {
                    if let Some(p) = paragraph.as_mut() {
                        p.0 = attr(e, "w:val").unwrap();
                    }
                }
                "w:t" => in_text = start,
                _ => {}
            }
        }
        match &event {
            Event::Text(t) if in_text => {
                let text = t.xml10_content();
                if let Some(c) = cell.as_mut() {
                    c.text.push_str(&text);
                } else if let Some(p) = paragraph.as_mut() {
                    p.1.push_str(&text);
                }
            }
            Event::GeneralRef(r) if in_text => {
                let ch = r
                    .resolve_char_ref()
                    .unwrap()
                    .unwrap_or_else(|| match &*r.xml10_content() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("entity {other}"),
                    });
                if let Some(c) = cell.as_mut() {
                    c.text.push(ch);
                } else if let Some(p) = paragraph.as_mut() {
                    p.1.push(ch);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:tc" => {
                    let c = cell.take().unwrap();
                    doc.tables.last_mut().unwrap().rows.last_mut().unwrap().push(c);
                }
                "w:tbl" => in_table = false,
                "w:p" if !in_table => doc.paragraphs.extend(paragraph.take()),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    doc
}

/// A Word table expanded: a gridSpan covers columns, a vMerge continuation the position
/// of the cell above it.
fn expand_word(t: &WordTable, width: usize) -> Expanded {
    let mut grid: Vec<Vec<(usize, usize, String)>> = Vec::new();
    let mut texts: HashMap<(usize, usize), String> = HashMap::new();
    for (r, row) in t.rows.iter().enumerate() {
        let mut line = Vec::new();
        for cell in row {
            let c = line.len();
            let origin = if cell.vmerge.as_deref() == Some("continue") {
                assert!(cell.text.is_empty(), "a continuation cell is empty");
                let above: &(usize, usize, String) = &grid[r - 1][c];
                (above.0, above.1)
            } else {
                texts.insert((r, c), cell.text.clone());
                (r, c)
            };
            for _ in 0..cell.span {
                line.push((origin.0, origin.1, texts[&origin].clone()));
            }
        }
        assert_eq!(line.len(), width, "row {r} fills the grid");
        grid.push(line);
    }
    grid
}

#[test]
fn the_word_tables_are_the_official_grids_cell_by_cell() {
    for (name, snapshot) in cases() {
        let bytes = docx::render(&snapshot).unwrap();
        let doc = parse_document(&unzip(&bytes, "word/document.xml"));
        let views = tables(&snapshot);
        assert_eq!(doc.tables.len(), views.len(), "{name}");
        for (word, view) in doc.tables.iter().zip(&views) {
            assert_eq!(
                expand_word(word, view.width as usize),
                expected(view),
                "{name} {}",
                view.name
            );
            assert_eq!(
                word.header_rows,
                view.head.len(),
                "{name} {}: repeated header rows",
                view.name
            );
        }

        // The merges of 表三 as the official table draws them.
        let requests = &doc.tables[1];
        let find = |label: &str| -> &WordCell {
            requests
                .rows
                .iter()
                .flatten()
                .find(|c| c.text == label)
                .unwrap_or_else(|| panic!("{label}"))
        };
        assert_eq!(find("申请人情况").span, 7);
        assert_eq!(find("法人或其他组织").span, 5);
        assert_eq!(find("三、本年度办理结果").vmerge.as_deref(), Some("restart"));
        let grid = expected(&views[1]);
        let results_rows = grid
            .iter()
            .filter(|line| line[0].2 == "三、本年度办理结果")
            .count();
        assert_eq!(results_rows, 22);
        assert_eq!(
            requests
                .rows
                .iter()
                .filter(|row| row[0].vmerge.as_deref() == Some("continue"))
                .count(),
            21 + 2,
            "{name}: 21 rows under 三、本年度办理结果 and 2 under the corner note"
        );
    }
}

#[test]
fn the_word_values_are_the_printed_ones() {
    let snapshot = Snapshot::draft(busy());
    let doc = parse_document(&unzip(&docx::render(&snapshot).unwrap(), "word/document.xml"));
    let requests = expand_word(&doc.tables[1], 10);
    let row = requests
        .iter()
        .find(|line| line[0].2 == "一、本年新收政府信息公开申请数量")
        .unwrap();
    let values: Vec<&str> = row[3..].iter().map(|c| c.2.as_str()).collect();
    // 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
    assert_eq!(values, ["12", "5", "0", "0", "1", "0", "18"]);
    let proactive = expand_word(&doc.tables[0], doc.tables[0].rows[0].iter().map(|c| c.span).sum());
    let fees = proactive
        .iter()
        .find(|line| line[0].2 == "行政事业性收费")
        .unwrap();
    assert_eq!(fees[1].2, "4068.208");
}

#[test]
fn the_word_file_has_headings_paragraphs_stamp_and_title() {
    for (name, snapshot) in cases() {
        let bytes = docx::render(&snapshot).unwrap();
        let doc = parse_document(&unzip(&bytes, "word/document.xml"));
        let view = snapshot.view();
        let headings: Vec<&str> = doc
            .paragraphs
            .iter()
            .filter(|(style, _)| style == "Heading1")
            .map(|(_, text)| text.as_str())
            .collect();
        let sections: Vec<&str> = view.sections.iter().map(|s| s.heading).collect();
        assert_eq!(headings, sections, "{name}");
        let texts: Vec<&str> = doc.paragraphs.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts[0], snapshot.title(), "{name}");
        assert_eq!(texts[1], snapshot.stamp_line(), "{name}");
        for p in view
            .sections
            .iter()
            .filter_map(|s| s.text.as_ref())
            .flat_map(|t| t.paragraphs())
        {
            assert!(texts.contains(&p), "{name}: paragraph {p}");
        }

        let styles = unzip(&bytes, "word/styles.xml");
        assert!(
            styles
                .contains(r#"<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1" />"#)
        );
        assert!(styles.contains(r#"<w:outlineLvl w:val="0" />"#));
        let core = unzip(&bytes, "docProps/core.xml");
        assert!(
            core.contains(&format!("<dc:title>{}</dc:title>", snapshot.title())),
            "{name}"
        );

        let header = zip::ZipArchive::new(Cursor::new(&bytes[..]))
            .unwrap()
            .by_name("word/header1.xml")
            .is_ok();
        match &snapshot.stamp {
            Stamp::Draft => assert!(unzip(&bytes, "word/header1.xml").contains("草稿"), "{name}"),
            Stamp::Approved { sha256, .. } => {
                assert!(!header, "{name}: no draft header");
                assert!(texts[1].contains(sha256.as_str()));
            }
        }
        assert!(
            unzip(&bytes, "word/footer1.xml").contains("PAGE"),
            "{name}: page numbers"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Excel

const SHEETS: [&str; 5] = [
    "说明",
    "表二 主动公开",
    "表三 依申请",
    "表四 复议诉讼",
    "数据清单",
];

fn workbook(snapshot: &Snapshot) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(xlsx::render(snapshot).unwrap())).unwrap()
}

/// A printed value as Excel holds it: a number where it is one, else text.
fn as_excel(display: &str) -> Data {
    match display.parse::<f64>() {
        Ok(n)
            if display
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') =>
        {
            Data::Float(n)
        }
        _ => Data::String(display.to_string()),
    }
}

#[test]
fn the_excel_sheets_are_the_official_grids_cell_by_cell() {
    for (name, snapshot) in cases() {
        let mut book = workbook(&snapshot);
        assert_eq!(book.sheet_names(), SHEETS, "{name}");
        let sections = snapshot.view().sections;
        let tables = sections
            .iter()
            .filter_map(|s| Some((s.heading, s.table.as_ref()?)));
        for (sheet, (heading, view)) in SHEETS[1..4].iter().zip(tables) {
            let range = book.worksheet_range(sheet).unwrap();
            // The section heading across the top, then the grid from the second row.
            assert_eq!(
                range.get_value((0, 0)),
                Some(&Data::String(heading.into())),
                "{name} {sheet}"
            );
            let (grid, values) = expand_view(view);
            let mut merges = BTreeSet::from([((0, 0), (0, u32::from(view.width) - 1))]);
            let mut origins = HashMap::new();
            for (r, line) in grid.iter().enumerate() {
                for (c, (r0, c0, _)) in line.iter().enumerate() {
                    let end = origins.entry((*r0, *c0)).or_insert((r, c));
                    *end = (end.0.max(r), end.1.max(c));
                }
            }
            for (r, line) in grid.iter().enumerate() {
                for (c, (r0, c0, text)) in line.iter().enumerate() {
                    let got = range
                        .get_value((1 + r as u32, c as u32))
                        .cloned()
                        .unwrap_or(Data::Empty);
                    if (*r0, *c0) != (r, c) {
                        assert_eq!(got, Data::Empty, "{name} {sheet} ({r},{c}) is covered by a merge");
                        continue;
                    }
                    let want = match values.contains(&(r, c)) {
                        true => as_excel(text),
                        false => Data::String(text.clone()),
                    };
                    assert_eq!(got, want, "{name} {sheet} ({r},{c})");
                    let end = origins[&(r, c)];
                    if end != (r, c) {
                        merges.insert(((1 + r as u32, c as u32), (1 + end.0 as u32, end.1 as u32)));
                    }
                }
            }
            let found: BTreeSet<((u32, u32), (u32, u32))> = book
                .merge_cells_by_sheet_name(sheet)
                .unwrap()
                .into_iter()
                .map(|d| (d.start, d.end))
                .collect();
            assert_eq!(found, merges, "{name} {sheet}: merged ranges");
        }
        // 申请人情况 across the seven applicant columns, on the second row of the table.
        let requests = book.merge_cells_by_sheet_name("表三 依申请").unwrap();
        assert!(requests.iter().any(|d| (d.start, d.end) == ((1, 3), (1, 9))));
        let range = book.worksheet_range("表三 依申请").unwrap();
        assert_eq!(range.get_value((1, 3)), Some(&Data::String("申请人情况".into())));
    }
}

#[test]
fn the_excel_numbers_are_numbers() {
    let snapshot = Snapshot::draft(busy());
    let mut book = workbook(&snapshot);
    let requests = book.worksheet_range("表三 依申请").unwrap();
    // Row 5 of the sheet: 一、本年新收; columns D.. are 自然人 … 总计.
    assert_eq!(
        requests.get_value((4, 0)),
        Some(&Data::String("一、本年新收政府信息公开申请数量".into()))
    );
    assert_eq!(requests.get_value((4, 4)), Some(&Data::Float(5.0)));
    assert_eq!(requests.get_value((4, 9)), Some(&Data::Float(18.0)));
    let list = book.worksheet_range("数据清单").unwrap();
    let fees = list
        .rows()
        .find(|row| row[0] == Data::String("proactive.fees.amount".into()))
        .unwrap();
    assert_eq!(fees[4], Data::Float(4068.208));
}

#[test]
fn a_word_in_a_count_cell_is_written_as_text() {
    let mut report = busy();
    let format = report.format();
    report.cells[format.cell("requests.new.other_org").unwrap()] = "十二".into();
    report.recompute_totals(None);
    let snapshot = Snapshot::draft(report);
    let mut book = workbook(&snapshot);
    let requests = book.worksheet_range("表三 依申请").unwrap();
    assert_eq!(requests.get_value((4, 8)), Some(&Data::String("十二".into())));
    let doc = parse_document(&unzip(&docx::render(&snapshot).unwrap(), "word/document.xml"));
    assert!(doc.tables[1].rows[3].iter().any(|c| c.text == "十二"));
}

#[test]
fn the_data_list_has_one_row_per_cell_of_the_format() {
    for (name, snapshot) in cases() {
        let format = snapshot.report.format();
        let displays: HashMap<String, String> = tables(&snapshot)
            .iter()
            .flat_map(|t| t.head.iter().chain(&t.body).flatten())
            .filter_map(|c| c.value.as_ref())
            .map(|v| (v.key.clone(), v.display.clone()))
            .collect();
        let mut book = workbook(&snapshot);
        let list = book.worksheet_range("数据清单").unwrap();
        let rows: Vec<&[Data]> = list.rows().collect();
        assert_eq!(
            rows[0],
            ["单元格编号", "部分", "项目", "栏目", "数值"].map(|s| Data::String(s.into()))
        );
        assert_eq!(rows.len() - 1, format.cells.len(), "{name}");
        assert_eq!(format.cells.len(), 200);
        for (row, cell) in rows[1..].iter().zip(&format.cells) {
            assert_eq!(row[0], Data::String(cell.id.clone()), "{name}");
            assert_eq!(row[2], Data::String(cell.row_label.into()), "{name} {}", cell.id);
            assert_eq!(row[3], Data::String(cell.col_label.into()), "{name} {}", cell.id);
            assert_eq!(row[4], as_excel(&displays[&cell.id]), "{name} {}", cell.id);
        }

        let about = book.worksheet_range("说明").unwrap();
        assert_eq!(about.get_value((0, 0)), Some(&Data::String(snapshot.title())));
        assert_eq!(
            about.get_value((1, 0)),
            Some(&Data::String(snapshot.stamp_line()))
        );
    }
}

#[test]
fn a_2019_format_report_exports_in_its_own_layout() {
    let report = Report::blank(Version::V2019, 2020, "某县人民政府办公室", Kind::Government);
    let cells = report.format().cells.len();
    let snapshot = Snapshot::draft(report);
    let views = tables(&snapshot);
    let doc = parse_document(&unzip(&docx::render(&snapshot).unwrap(), "word/document.xml"));
    assert_eq!(doc.tables.len(), 3);
    for (word, view) in doc.tables.iter().zip(&views) {
        assert_eq!(
            expand_word(word, view.width as usize),
            expected(view),
            "{}",
            view.name
        );
    }
    let mut book = workbook(&snapshot);
    assert_eq!(book.sheet_names(), SHEETS);
    assert_eq!(book.worksheet_range("数据清单").unwrap().height(), 1 + cells);
}

#[test]
fn markup_characters_in_a_name_stay_text() {
    let mut report = example();
    report.agency = "A&B<局>\"".into();
    let snapshot = Snapshot::draft(report);
    let bytes = docx::render(&snapshot).unwrap();
    let doc = parse_document(&unzip(&bytes, "word/document.xml"));
    assert_eq!(doc.paragraphs[0].1, snapshot.title());
    let core = unzip(&bytes, "docProps/core.xml");
    assert!(core.contains("<dc:title>A&amp;B&lt;局&gt;&quot;2023年"), "{core}");
    let mut book = workbook(&snapshot);
    let about = book.worksheet_range("说明").unwrap();
    assert_eq!(about.get_value((0, 0)), Some(&Data::String(snapshot.title())));
}

// ---------------------------------------------------------------------------------------
// LibreOffice

fn soffice() -> Option<PathBuf> {
    ["/usr/bin/soffice", "/usr/bin/libreoffice"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Converts with a profile of its own, so parallel runs do not share a LibreOffice instance.
fn convert(soffice: &Path, dir: &Path, file: &Path, to: &str) -> PathBuf {
    let profile = format!("file://{}", dir.join("profile").display());
    let out = Command::new(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let converted = file.with_extension(to);
    let bytes = std::fs::read(&converted).unwrap_or_else(|_| {
        panic!(
            "soffice wrote no {to}: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    converted
}

#[test]
fn libreoffice_opens_both_files() {
    let Some(soffice) = soffice() else {
        eprintln!("SKIPPED: LibreOffice (soffice) is not installed");
        return;
    };
    let dir = std::env::temp_dir().join(format!("nianbao-office-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = approved(busy());
    let word = dir.join("report.docx");
    std::fs::write(&word, docx::render(&snapshot).unwrap()).unwrap();
    let excel = dir.join("report.xlsx");
    std::fs::write(&excel, xlsx::render(&snapshot).unwrap()).unwrap();
    let pdf = convert(&soffice, &dir, &word, "pdf");
    // The text of the converted PDF has the tables' labels and values.
    if let Ok(out) = Command::new("pdftotext").arg(&pdf).arg("-").output() {
        let text = String::from_utf8_lossy(&out.stdout);
        for needle in ["申请人情况", "法人或其他组织", "4068.208", "行政复议"] {
            assert!(text.contains(needle), "{needle} in the PDF of the Word file");
        }
    }
    std::fs::remove_file(&pdf).unwrap();
    // Debian splits LibreOffice: Writer alone cannot load a workbook.
    if Path::new("/usr/lib/libreoffice/program/libsclo.so").exists() {
        convert(&soffice, &dir, &excel, "pdf");
    } else {
        eprintln!("SKIPPED: LibreOffice Calc is not installed; the workbook was not opened");
    }
    // Kept when a check above fails, to look at.
    let _ = std::fs::remove_dir_all(dir);
}
