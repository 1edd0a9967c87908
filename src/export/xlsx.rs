//! The Excel workbook: a sheet 说明 (title, stamp, agency, year, format), one sheet per table
//! laid out like the official table (every colspan and rowspan a merged range, the header
//! rows frozen and repeated in print), and 数据清单, every cell of the format one row.
//!
//! Totals are written as the values the report prints, not as formulas: the workbook shows
//! the report's own numbers, which are what the rules check, and a total that disagrees
//! with its parts in a draft stays visible instead of being silently recomputed.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::glyphs::printable;

use super::{Snapshot, Stamp};
use crate::view::{CellRole, CellView, TableView, ValueView};

const FONT: &str = "宋体";
/// Width of a whole table in Excel's character units; `cols` share it out.
const TABLE_CHARS: f64 = 120.0;
/// Height of one line of 11 pt text, in points.
const LINE_PT: f64 = 14.25;
const HEADER_FILL: u32 = 0xEEEEEE;
const RED: u32 = 0xB00000;

/// Renders the Excel workbook of a snapshot.
pub fn render(snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    let view = snapshot.view();
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(shown(&view.title))
            .set_author(shown(&snapshot.report.agency))
            .set_keywords(match &snapshot.stamp {
                Stamp::Draft => "草稿".to_string(),
                Stamp::Approved { sha256, .. } => format!("sha256:{sha256}"),
            }),
    );
    about(book.add_worksheet(), snapshot)?;
    let mut values: HashMap<&str, &ValueView> = HashMap::new();
    for section in &view.sections {
        let Some(t) = &section.table else { continue };
        table(book.add_worksheet(), snapshot, t, section.heading)?;
        for row in t.head.iter().chain(&t.body) {
            for v in row.iter().filter_map(|c| c.value.as_ref()) {
                values.insert(&v.key, v);
            }
        }
    }
    data_list(book.add_worksheet(), snapshot, &values)?;
    Ok(book.save_to_buffer()?)
}

/// 表三 依申请: the table's number and what it is about, as a sheet name (≤ 31 characters).
fn sheet_name(t: &TableView) -> String {
    format!("{} {}", t.name, t.topic)
}

/// Most characters an Excel cell holds; rust_xlsxwriter refuses a longer string.
const CELL_CHARS: usize = 32_767;

/// Text as the workbook shows it: what the PDF font draws (see [`printable`]), and no
/// more than a cell holds (a long value is cut, never a refused export).
fn shown(text: &str) -> String {
    let text = printable(text);
    match text.char_indices().nth(CELL_CHARS - 1) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(11)
}

fn boxed() -> Format {
    base()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

/// The sheet 说明: what this workbook is.
fn about(ws: &mut Worksheet, snapshot: &Snapshot) -> Result<(), XlsxError> {
    let report = &snapshot.report;
    let format = report.format();
    ws.set_name("说明")?;
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 90)?;
    let title = base()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::VerticalCenter);
    ws.merge_range(0, 0, 0, 1, &shown(&snapshot.title()), &title)?;
    ws.set_row_height(0, 28)?;
    let stamp = match snapshot.is_draft() {
        true => base().set_font_color(Color::RGB(RED)).set_bold(),
        false => base().set_font_color(Color::RGB(0x3C3C3C)),
    };
    ws.merge_range(1, 0, 1, 1, &shown(&snapshot.stamp_line()), &stamp.set_text_wrap())?;
    ws.set_row_height(1, 30)?;
    let label = base().set_bold();
    let text = base().set_text_wrap();
    let rows = [
        ("机关", shown(&report.agency)),
        ("报告类型", report.kind.label().to_string()),
        ("年度", report.year.to_string()),
        ("表样", format!("{}年格式（{}）", format.version, format.notice)),
        (
            "说明",
            "各表按官方表样排列。合计、总计为报告所载数值，不是公式。金额单位为万元。\
             “数据清单”按单元格编号逐项列出全部数值。"
                .to_string(),
        ),
    ];
    for (i, (key, value)) in rows.iter().enumerate() {
        ws.write_string_with_format(3 + i as u32, 0, *key, &label)?;
        ws.write_string_with_format(3 + i as u32, 1, value, &text)?;
    }
    ws.set_row_height(3 + rows.len() as u32 - 1, 2.0 * LINE_PT)?;
    print_setup(ws, snapshot);
    Ok(())
}

/// A4, one page wide, page numbers below and, for a draft, 草稿 above every printed page.
fn print_setup(ws: &mut Worksheet, snapshot: &Snapshot) {
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_footer("&C— &P —");
    if snapshot.is_draft() {
        ws.set_header(format!("&C&KB00000{}", snapshot.stamp_line()));
    }
}

/// One table as its own sheet: the section heading across the top, then the grid.
fn table(ws: &mut Worksheet, snapshot: &Snapshot, t: &TableView, heading: &str) -> anyhow::Result<()> {
    ws.set_name(sheet_name(t))?;
    let widths: Vec<f64> = t
        .cols
        .iter()
        .map(|&w| TABLE_CHARS * f64::from(w) / 1000.0)
        .collect();
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let last_col = t.width.saturating_sub(1);
    let title = base()
        .set_bold()
        .set_font_size(13)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    ws.merge_range(0, 0, 0, last_col, &shown(heading), &title)?;
    ws.set_row_height(0, 24)?;

    // The grid starts on the second row.
    const TOP: u32 = 1;
    let slots = t.slots();
    let mut heights = vec![LINE_PT + 4.0; slots.len()];
    for (r, row) in slots.iter().enumerate() {
        for slot in row.iter().filter(|s| s.start) {
            let (first_row, first_col) = (TOP + r as u32, slot.col);
            let (last_row, last_col) = (
                first_row + u32::from(slot.cell.rowspan.max(1)) - 1,
                first_col + slot.cell.colspan.max(1) - 1,
            );
            let fmt = cell_format(slot.cell);
            let text = match &slot.cell.value {
                Some(v) => shown(&v.display),
                None => shown(slot.cell.label),
            };
            if (first_row, first_col) != (last_row, last_col) {
                // The merged range gets the format (and borders) everywhere; the value is
                // then written over its top-left cell.
                ws.merge_range(first_row, first_col, last_row, last_col, "", &fmt)?;
            }
            match &slot.cell.value {
                Some(v) => write_value(ws, first_row, first_col, v, &fmt)?,
                None => {
                    ws.write_string_with_format(first_row, first_col, &text, &fmt)?;
                }
            }
            let span_width: f64 = widths
                .iter()
                .skip(slot.col as usize)
                .take(slot.cell.colspan as usize)
                .sum();
            let rowspan = f64::from(slot.cell.rowspan.max(1));
            let needed = lines(&text, span_width) as f64 * LINE_PT + 4.0;
            for h in heights.iter_mut().skip(r).take(rowspan as usize) {
                *h = h.max(needed / rowspan);
            }
        }
    }
    // Excel does not grow a row for wrapped text in merged cells, so every row is sized here.
    for (r, h) in heights.iter().enumerate() {
        ws.set_row_height(TOP + r as u32, *h)?;
    }

    let head = t.head.len() as u32;
    ws.set_freeze_panes(TOP + head, t.label_cols)?;
    if head > 0 {
        ws.set_repeat_rows(TOP, TOP + head - 1)?;
    }
    print_setup(ws, snapshot);
    if t.landscape {
        ws.set_landscape();
    }
    Ok(())
}

/// Labels: a light fill, column headers bold, row labels left. Values: centred.
fn cell_format(c: &CellView) -> Format {
    let fmt = boxed();
    if c.value.is_some() {
        return fmt.set_align(FormatAlign::Center);
    }
    let fmt = fmt.set_background_color(Color::RGB(HEADER_FILL));
    match c.role {
        CellRole::RowHeader | CellRole::RowGroup => fmt.set_align(FormatAlign::Left),
        CellRole::Note => fmt.set_align(FormatAlign::Center).set_font_size(9),
        CellRole::Caption | CellRole::ColHeader | CellRole::ColGroup | CellRole::Value | CellRole::Total => {
            fmt.set_align(FormatAlign::Center).set_bold()
        }
    }
}

/// How many lines `text` takes in a column `width` characters wide (a Chinese character
/// is two units wide).
fn lines(text: &str, width: f64) -> usize {
    let units: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let per_line = (width - 1.0).max(2.0);
    ((units as f64 / per_line).ceil() as usize).max(1)
}

/// The printed value as an Excel number where it is one, with as many decimals shown as
/// the report prints (4068.208 as 4068.208, 12 as 12); anything else (a draft's 十二) as text.
fn write_value(ws: &mut Worksheet, row: u32, col: u16, v: &ValueView, fmt: &Format) -> Result<(), XlsxError> {
    match number(&v.display) {
        Some((n, decimals)) => {
            let pattern = match decimals {
                0 => "0".to_string(),
                d => format!("0.{}", "0".repeat(d)),
            };
            ws.write_number_with_format(row, col, n, &fmt.clone().set_num_format(pattern))?;
        }
        None => {
            ws.write_string_with_format(row, col, shown(&v.display), fmt)?;
        }
    }
    Ok(())
}

/// A plain decimal as Excel's number and its count of decimals. Excel keeps numbers as
/// doubles; this is the only place one is made, only to hand it to Excel, never to compute.
fn number(display: &str) -> Option<(f64, usize)> {
    let digits = display.strip_prefix('-').unwrap_or(display);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !plain(int) || !plain(frac) || (digits.contains('.') && frac.is_empty()) {
        return None;
    }
    Some((display.parse().ok()?, frac.len()))
}

/// 数据清单: every cell of the format in order, one row each, with the value the tables print.
fn data_list(
    ws: &mut Worksheet,
    snapshot: &Snapshot,
    values: &HashMap<&str, &ValueView>,
) -> anyhow::Result<()> {
    let format = snapshot.report.format();
    ws.set_name("数据清单")?;
    let head = base()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL))
        .set_border(FormatBorder::Thin);
    for (c, (label, width)) in [
        ("单元格编号", 36.0),
        ("部分", 34.0),
        ("项目", 30.0),
        ("栏目", 24.0),
        ("数值", 14.0),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, label, &head)?;
        ws.set_column_width(c as u16, width)?;
    }
    let text = base();
    let value = base().set_align(FormatAlign::Right);
    for (ix, cell) in format.cells.iter().enumerate() {
        let row = 1 + ix as u32;
        let section = &format.sections[cell.section];
        ws.write_string_with_format(row, 0, &cell.id, &text)?;
        ws.write_string_with_format(row, 1, shown(section.heading), &text)?;
        ws.write_string_with_format(row, 2, shown(cell.row_label), &text)?;
        ws.write_string_with_format(row, 3, shown(cell.col_label), &text)?;
        let v = values
            .get(cell.id.as_str())
            .ok_or_else(|| anyhow::anyhow!("cell {} is in no table", cell.id))?;
        write_value(ws, row, 4, v, &value)?;
    }
    ws.set_freeze_panes(1, 1)?;
    ws.autofilter(0, 0, format.cells.len() as u32, 4)?;
    ws.set_repeat_rows(0, 0)?;
    print_setup(ws, snapshot);
    Ok(())
}
