//! A report as a reader sees it: its sections in order, each table as rows of cells with
//! their spans and values, and what is wrong where. The edit form and the HTML export
//! render the same [`ReportView`]; the PDF, Word and Excel exports walk the same grids.

mod deadline;
mod diff;
mod marks;

pub use deadline::Deadline;
pub use diff::text_diff;
pub use marks::{ConflictView, LastYear, Mark, Marks, Note, severity_class};

use crate::format::{Body, Content, Field, Format, Grid};
use crate::report::{Report, value};

pub struct ReportView {
    pub title: String,
    pub sections: Vec<SectionView>,
}

pub struct SectionView {
    pub key: &'static str,
    pub heading: &'static str,
    /// Reviewers' comments pinned to the whole section.
    pub notes: Vec<Note>,
    pub text: Option<TextView>,
    pub table: Option<TableView>,
}

pub struct TextView {
    /// `text.overview`
    pub key: String,
    pub raw: String,
    pub hint: &'static str,
    pub mark: Mark,
}

impl TextView {
    /// The text cut into paragraphs at blank lines or line breaks, for printing.
    pub fn paragraphs(&self) -> Vec<&str> {
        self.raw
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

pub struct TableView {
    pub key: &'static str,
    pub name: &'static str,
    /// What the table is about (依申请), for a sheet name.
    pub topic: &'static str,
    pub width: u16,
    pub label_cols: u16,
    /// Column widths in per mille of the table width, for print.
    pub cols: Vec<u16>,
    /// Text size in print, in points.
    pub font_pt: f32,
    /// Printed across the page.
    pub landscape: bool,
    pub head: Vec<Vec<CellView>>,
    pub body: Vec<Vec<CellView>>,
}

/// How the table macro (`templates/_table.html`) draws a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableMode {
    /// The clerk's form: inputs.
    Form,
    /// Read-only inputs, with a link to pin a comment on each cell.
    Review,
    /// The printed values only (the HTML export, a past version).
    Print,
    /// Each value a link to where it comes from (the compiled regional report): the macro's
    /// `base` is the link without the cell's key.
    Drill,
}

impl TableMode {
    pub fn is_print(self) -> bool {
        self == TableMode::Print
    }

    pub fn is_review(self) -> bool {
        self == TableMode::Review
    }

    pub fn is_drill(self) -> bool {
        self == TableMode::Drill
    }
}

/// A grid position of a table's cell: the cell that starts there (`start`), or one that
/// reaches down into it from a row above.
pub struct Slot<'a> {
    pub col: u16,
    pub cell: &'a CellView,
    pub start: bool,
}

impl TableView {
    /// The table's rows (header rows first) as slots in column order. A view's rows follow
    /// HTML: a cell with a rowspan is not repeated in the rows below it. Word needs the
    /// covered positions (vMerge continuations), Excel the start of each merged range; both
    /// come from the placement the layout gave each cell.
    pub fn slots(&self) -> Vec<Vec<Slot<'_>>> {
        let mut rows: Vec<Vec<Slot>> = (0..self.head.len() + self.body.len())
            .map(|_| Vec::new())
            .collect();
        for cell in self.head.iter().chain(&self.body).flatten() {
            let covered = cell.row..cell.row + cell.rowspan.max(1);
            for (r, line) in rows
                .iter_mut()
                .enumerate()
                .skip(cell.row as usize)
                .take(covered.len())
            {
                line.push(Slot {
                    col: cell.col,
                    cell,
                    start: r == cell.row as usize,
                });
            }
        }
        for line in &mut rows {
            line.sort_by_key(|slot| slot.col);
        }
        rows
    }
}

/// What a printed cell is; the writers style it by this, the HTML by [`CellRole::css_class`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellRole {
    /// 表三's corner note.
    Note,
    /// A 表二 block caption.
    Caption,
    /// A header over one column.
    ColHeader,
    /// A header over several columns.
    ColGroup,
    /// A row's label.
    RowHeader,
    /// A label over several rows.
    RowGroup,
    /// A value typed in.
    Value,
    /// A value the app computes.
    Total,
}

impl CellRole {
    /// A label (`th`), not a value (`td`).
    pub fn is_header(self) -> bool {
        !matches!(self, CellRole::Value | CellRole::Total)
    }

    /// A label beside its row, set flush left.
    pub fn is_row_label(self) -> bool {
        matches!(self, CellRole::RowHeader | CellRole::RowGroup)
    }

    pub fn css_class(self) -> &'static str {
        match self {
            CellRole::Note => "note",
            CellRole::Caption => "caption",
            CellRole::ColHeader | CellRole::ColGroup => "col",
            CellRole::RowHeader => "row",
            CellRole::RowGroup => "group",
            CellRole::Value => "value",
            CellRole::Total => "total",
        }
    }

    /// The `th`'s `scope`, empty for none.
    pub fn scope(self) -> &'static str {
        match self {
            CellRole::Caption | CellRole::ColGroup => "colgroup",
            CellRole::ColHeader => "col",
            CellRole::RowHeader => "row",
            CellRole::RowGroup => "rowgroup",
            CellRole::Note | CellRole::Value | CellRole::Total => "",
        }
    }
}

/// One cell of the printed table.
pub struct CellView {
    pub role: CellRole,
    /// Where it sits in the table's grid (header rows first) and what it spans.
    pub row: u16,
    pub col: u16,
    pub colspan: u16,
    pub rowspan: u16,
    pub label: &'static str,
    pub value: Option<ValueView>,
}

pub struct ValueView {
    /// The cell id.
    pub key: String,
    /// As typed.
    pub raw: String,
    /// As printed: canonical, blank as 0, totals computed.
    pub display: String,
    pub computed: bool,
    pub amount: bool,
    /// Position among the table's values, for pasting blocks.
    pub row: u16,
    pub col: u16,
    /// “本年新收 · 商业企业”, for screen readers and tooltips.
    pub name: String,
    pub mark: Mark,
}

impl ReportView {
    pub fn new(report: &Report, marks: &Marks) -> ReportView {
        let format = report.format();
        let values = crate::report::validate::Values::of(report);
        let sections = format
            .sections
            .iter()
            .map(|s| match &s.body {
                Body::Text(ix) => SectionView {
                    key: s.key,
                    heading: s.heading,
                    notes: marks.sections.get(s.key).cloned().unwrap_or_default(),
                    text: Some(TextView {
                        key: format.texts[*ix].id.clone(),
                        raw: report.texts[*ix].clone(),
                        hint: format.texts[*ix].hint,
                        mark: marks.get(Field::Text(*ix)),
                    }),
                    table: None,
                },
                Body::Table(t) => SectionView {
                    key: s.key,
                    heading: s.heading,
                    notes: marks.sections.get(s.key).cloned().unwrap_or_default(),
                    text: None,
                    table: Some(TableView {
                        key: t.key,
                        name: t.name,
                        topic: t.topic,
                        width: t.grid.width,
                        label_cols: t.grid.label_cols,
                        cols: column_widths(t.grid.width, t.print.label_widths),
                        font_pt: t.print.font_pt,
                        landscape: t.print.landscape,
                        head: rows(format, &t.grid, true, report, &values, marks),
                        body: rows(format, &t.grid, false, report, &values, marks),
                    }),
                },
            })
            .collect();
        ReportView {
            title: title(report),
            sections,
        }
    }
}

/// How a printed table shares the page width (per mille): the label columns as the table
/// declares them, the values share the rest.
pub fn column_widths(width: u16, labels: &[u16]) -> Vec<u16> {
    let labels = &labels[..labels.len().min(width as usize)];
    let values = width - labels.len() as u16;
    let rest = 1000 - labels.iter().sum::<u16>();
    let each = rest / values.max(1);
    let mut cols = labels.to_vec();
    cols.extend((0..values).map(|i| {
        if i + 1 == values {
            rest - each * (values - 1)
        } else {
            each
        }
    }));
    cols
}

/// 平顶山市科学技术局2023年政府信息公开工作年度报告
pub fn title(report: &Report) -> String {
    format!("{}{}年政府信息公开工作年度报告", report.agency, report.year)
}

/// A cell as printed: canonical, blank as 0, totals computed, “—” for a total whose parts
/// do not all parse, an amount with the decimals it was typed with, and a wrong value as
/// typed.
pub fn display(report: &Report, values: &crate::report::validate::Values, ix: usize) -> String {
    let def = &report.format().cells[ix];
    let raw = &report.cells[ix];
    match (value::parse(def.kind, raw), values.get(ix)) {
        (Err(_), _) => raw.trim().to_string(),
        (Ok(Some(_)), Some(_)) if def.kind.is_amount() && def.total.is_none() => value::tidy(def.kind, raw),
        (Ok(_), Some(v)) => value::canonical(def.kind, v),
        (Ok(_), None) => "—".to_string(),
    }
}

/// “本年新收 · 商业企业”, for screen readers and tooltips.
pub fn value_name(format: &Format, ix: usize) -> String {
    let def = &format.cells[ix];
    format!("{} · {}", def.row_label, def.col_label)
}

fn rows(
    format: &Format,
    grid: &Grid,
    head: bool,
    report: &Report,
    values: &crate::report::validate::Values,
    marks: &Marks,
) -> Vec<Vec<CellView>> {
    let rows = if head { &grid.head } else { &grid.body };
    rows.iter()
        .map(|row| {
            row.cells
                .iter()
                .map(|cell| {
                    let (role, label) = match cell.content {
                        Content::Note(l) => (CellRole::Note, l),
                        Content::Caption(l) => (CellRole::Caption, l),
                        Content::ColHeader(l) => (CellRole::ColHeader, l),
                        Content::ColGroup(l) => (CellRole::ColGroup, l),
                        Content::RowHeader(l) => (CellRole::RowHeader, l),
                        Content::RowGroup(l) => (CellRole::RowGroup, l),
                        Content::Value { .. } => (CellRole::Value, ""),
                    };
                    let value = match cell.content {
                        Content::Value { cell: ix, row, col } => {
                            let def = &format.cells[ix];
                            Some(ValueView {
                                key: def.id.clone(),
                                raw: report.cells[ix].clone(),
                                display: display(report, values, ix),
                                computed: def.total.is_some(),
                                amount: def.kind.is_amount(),
                                row,
                                col,
                                name: value_name(format, ix),
                                mark: marks.get(Field::Cell(ix)),
                            })
                        }
                        _ => None,
                    };
                    let role = match &value {
                        Some(v) if v.computed => CellRole::Total,
                        _ => role,
                    };
                    CellView {
                        role,
                        row: cell.row,
                        col: cell.col,
                        colspan: cell.colspan,
                        rowspan: cell.rowspan,
                        label,
                        value,
                    }
                })
                .collect()
        })
        .collect()
}
