//! The Word file: A4 portrait, the title, the stamp, each section under a real Heading 1
//! (Word's navigation pane lists them), the paragraphs with a two-character indent, and the
//! three tables as real Word tables merged exactly as the grid says (gridSpan for a colspan,
//! vMerge for a rowspan), their header rows repeated on every page a table crosses.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, Header, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run,
    RunFonts, Shading, ShdType, SpecialIndentType, Style, StyleType, Table, TableAlignmentType, TableBorder,
    TableBorderPosition, TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType,
    VMergeType, WidthType,
};

use super::glyphs::printable;
use super::{Snapshot, Stamp};
use crate::view::{CellRole, Slot, TableView};

/// A4 in twips (1/1440 inch; 1 cm = 567).
const PAGE: (u32, u32) = (11906, 16838);
/// Margins as in the PDF: 2.6 cm top, 2.4 cm bottom and left, 2.2 cm right.
const MARGIN_TOP: i32 = 1474;
const MARGIN_BOTTOM: i32 = 1361;
const MARGIN_LEFT: i32 = 1361;
const MARGIN_RIGHT: i32 = 1247;
const TEXT_WIDTH: usize = (PAGE.0 as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;
const RED: &str = "B00000";
const GREY: &str = "3C3C3C";
/// The style the section headings use.
const HEADING: &str = "Heading1";
/// The page footer's style: small, centred (the page number field takes its size).
const FOOTER: &str = "Footer";

/// Renders the Word file of a snapshot.
pub fn render(snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    let view = snapshot.view();
    let title = printable(&view.title);
    let mut doc = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(851)
                .footer(851),
        )
        .default_fonts(fonts("仿宋"))
        .default_size(24)
        .add_style(
            Style::new(HEADING, StyleType::Paragraph)
                .name("heading 1")
                .based_on("Normal")
                .next("Normal")
                .outline_lvl(0)
                .fonts(fonts("黑体"))
                .size(28)
                .line_spacing(LineSpacing::new().before(240).after(120)),
        )
        .add_style(
            Style::new(FOOTER, StyleType::Paragraph)
                .name("footer")
                .based_on("Normal")
                .size(18)
                .align(AlignmentType::Center),
        )
        .footer(footer(snapshot))
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(120))
                .add_run(Run::new().add_text(&title).fonts(fonts("宋体")).size(36).bold()),
        )
        .add_paragraph(stamp(snapshot));
    if snapshot.is_draft() {
        doc = doc.header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text(snapshot.stamp_line()).size(18).color(RED)),
            ),
        );
    }

    let mut header_rows = Vec::new();
    for section in &view.sections {
        doc = doc.add_paragraph(
            Paragraph::new()
                .style(HEADING)
                .keep_next(true)
                .add_run(Run::new().add_text(printable(section.heading))),
        );
        for text in section.text.iter().flat_map(|t| t.paragraphs()) {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Both)
                    .indent(None, Some(SpecialIndentType::FirstLine(480)), None, None)
                    .line_spacing(LineSpacing::new().line(360).line_rule(LineSpacingType::Auto))
                    .add_run(Run::new().add_text(printable(text))),
            );
        }
        if let Some(t) = &section.table {
            header_rows.push(t.head.len());
            doc = doc.add_table(table(t));
        }
    }

    let mut xml = doc.build();
    xml.document = repeat_header_rows(&xml.document, &header_rows)?;
    xml.doc_props.core = core_properties(&xml.doc_props.core, &title, &printable(&snapshot.report.agency))?;
    let mut out = Cursor::new(Vec::new());
    xml.pack(&mut out)?;
    Ok(out.into_inner())
}

/// East Asian text in `east_asia`, Latin text and digits in Times New Roman.
fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

/// The line under the title: red for a draft, small grey for an approved report.
fn stamp(snapshot: &Snapshot) -> Paragraph {
    let (size, color) = if snapshot.is_draft() {
        (21, RED)
    } else {
        (17, GREY)
    };
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(240))
        .add_run(
            Run::new()
                .add_text(printable(&snapshot.stamp_line()))
                .size(size)
                .color(color),
        )
}

/// “— 3 —” centred; an approved report also carries the start of its hash, as the PDF does.
fn footer(snapshot: &Snapshot) -> Footer {
    let mut page = Paragraph::new()
        .style(FOOTER)
        .add_run(Run::new().add_text("— "))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" —"));
    if let Stamp::Approved { sha256, .. } = &snapshot.stamp {
        page = page.add_run(
            Run::new()
                .add_text(format!("    SHA-256 {}", sha256.get(..16).unwrap_or(sha256)))
                .size(14)
                .color(GREY),
        );
    }
    Footer::new().add_paragraph(page)
}

/// One of the report's tables as a Word table. Column widths are the view's per mille of
/// the text width; a cell another reaches down into is a vMerge continuation of it.
fn table(t: &TableView) -> Table {
    let mut grid: Vec<usize> = t.cols.iter().map(|&w| TEXT_WIDTH * w as usize / 1000).collect();
    // Rounding leaves a few twips over: the last column takes them, so the table fills the line.
    let spare = TEXT_WIDTH.saturating_sub(grid.iter().sum());
    if let Some(last) = grid.last_mut() {
        *last += spare;
    }
    let size = (t.font_pt * 2.0).round() as usize;
    let rows = t
        .slots()
        .into_iter()
        .map(|row| {
            let cells = row.iter().map(|slot| cell(slot, &grid, size)).collect();
            // A row is never split across pages; header rows are marked to repeat on
            // every page by `repeat_header_rows`.
            TableRow::new(cells).cant_split()
        })
        .collect();
    Table::new(rows)
        .set_grid(grid)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
        .set_borders(borders())
        .margins(TableCellMargins::new().margin(28, 57, 28, 57))
}

/// Half-point lines, as printed tables have.
fn borders() -> TableBorders {
    [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |b, position| {
        b.set(TableBorder::new(position).size(4))
    })
}

fn cell(slot: &Slot, grid: &[usize], size: usize) -> TableCell {
    let span = slot.cell.colspan as usize;
    let width = grid.iter().skip(slot.col as usize).take(span).sum();
    let mut tc = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if span > 1 {
        tc = tc.grid_span(span);
    }
    if !slot.start {
        return tc
            .vertical_merge(VMergeType::Continue)
            .add_paragraph(cell_paragraph(AlignmentType::Center));
    }
    if slot.cell.rowspan > 1 {
        tc = tc.vertical_merge(VMergeType::Restart);
    }
    let c = slot.cell;
    let (text, align) = match &c.value {
        Some(v) => (printable(&v.display), AlignmentType::Center),
        None if c.role.is_row_label() => (printable(c.label), AlignmentType::Left),
        None => (printable(c.label), AlignmentType::Center),
    };
    let mut run = Run::new()
        .add_text(text)
        .fonts(fonts("宋体"))
        .size(if c.role == CellRole::Note {
            size.saturating_sub(2)
        } else {
            size
        });
    if c.role == CellRole::Caption {
        run = run.bold();
        tc = tc.shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill("EEEEEE"),
        );
    }
    tc.add_paragraph(cell_paragraph(align).add_run(run))
}

fn cell_paragraph(align: AlignmentType) -> Paragraph {
    Paragraph::new().align(align).line_spacing(
        LineSpacing::new()
            .before(0)
            .after(0)
            .line(240)
            .line_rule(LineSpacingType::Auto),
    )
}

/// docx-rs 0.4.22 cannot write `<w:tblHeader/>`, so it is added here: every row is built
/// with `cant_split`, and the first `header_rows[i]` rows of the i-th table get the mark
/// beside it. Word, WPS and LibreOffice then repeat them on every page the table crosses.
fn repeat_header_rows(document: &[u8], header_rows: &[usize]) -> anyhow::Result<Vec<u8>> {
    const TABLE: &str = "<w:tbl>";
    const KEEP: &str = "<w:cantSplit />";
    let xml = std::str::from_utf8(document)?;
    // Text is escaped, so `<w:tbl>` only ever starts one of our (never nested) tables.
    let mut parts = xml.split(TABLE);
    let mut out = parts.next().unwrap_or_default().to_string();
    let mut tables = 0;
    for (part, &n) in parts.zip(header_rows.iter().chain(std::iter::repeat(&0))) {
        anyhow::ensure!(
            part.matches(KEEP).count() >= n,
            "a Word table has fewer rows than its header"
        );
        out.push_str(TABLE);
        out.push_str(&part.replacen(KEEP, "<w:cantSplit /><w:tblHeader />", n));
        tables += 1;
    }
    anyhow::ensure!(
        tables == header_rows.len(),
        "expected {} tables, wrote {tables}",
        header_rows.len()
    );
    Ok(out.into_bytes())
}

/// docx-rs 0.4.22 has no setter for the core properties' title and author: write them in.
fn core_properties(core: &[u8], title: &str, author: &str) -> anyhow::Result<Vec<u8>> {
    let xml = std::str::from_utf8(core)?;
    let end = "</cp:coreProperties>";
    anyhow::ensure!(xml.contains(end), "unexpected core properties from docx-rs");
    let creator = format!("<dc:creator>{}</dc:creator>", escape(author));
    Ok(xml
        .replacen("<dc:creator>unknown</dc:creator>", &creator, 1)
        .replacen(end, &format!("<dc:title>{}</dc:title>{end}", escape(title)), 1)
        .into_bytes())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
