//! A report as a reader sees it: its sections in order, each table as rows of cells with
//! their spans and values, and what is wrong where. The edit form and the HTML export
//! render the same [`ReportView`]; the PDF, Word and Excel exports walk the same grids.

mod diff;
mod marks;

pub use diff::text_diff;
pub use marks::{ConflictView, Mark, Marks, Note, severity_class};

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
    pub width: u16,
    pub label_cols: u16,
    /// Column widths in per mille of the table width, for print.
    pub cols: Vec<u16>,
    pub head: Vec<Vec<CellView>>,
    pub body: Vec<Vec<CellView>>,
}

/// Where a table's cell sits: its first grid column, and whether the row is the one it
/// starts in (`start`) or one it reaches down into from above.
pub struct Slot<'a> {
    pub col: u16,
    pub cell: &'a CellView,
    pub start: bool,
}

impl TableView {
    /// The table's rows (header rows first) as slots in column order. A view's rows follow
    /// HTML: a cell with a rowspan is not repeated in the rows below it, so where each cell
    /// goes is found by tracking which grid positions are taken. Word needs the covered
    /// positions (vMerge continuations), Excel the start of each merged range.
    pub fn slots(&self) -> anyhow::Result<Vec<Vec<Slot<'_>>>> {
        let t = self;
        let rows: Vec<&Vec<CellView>> = t.head.iter().chain(&t.body).collect();
        let width = t.width as usize;
        // Which cell covers each position, and the row and column it starts at.
        type Cover<'a> = Option<(&'a CellView, usize, usize)>;
        let mut taken: Vec<Vec<Cover>> = vec![vec![None; width]; rows.len()];
        for (r, row) in rows.iter().enumerate() {
            let mut c = 0;
            for cell in row.iter() {
                while c < width && taken[r][c].is_some() {
                    c += 1;
                }
                let (colspan, rowspan) = (cell.colspan.max(1) as usize, cell.rowspan.max(1) as usize);
                anyhow::ensure!(
                    c + colspan <= width && r + rowspan <= rows.len(),
                    "{}: a cell in row {r} does not fit the grid",
                    t.name
                );
                for line in &mut taken[r..r + rowspan] {
                    for spot in &mut line[c..c + colspan] {
                        anyhow::ensure!(spot.is_none(), "{}: cells overlap in row {r}", t.name);
                        *spot = Some((cell, r, c));
                    }
                }
                c += colspan;
            }
        }
        taken
            .iter()
            .enumerate()
            .map(|(r, line)| {
                line.iter()
                    .enumerate()
                    .filter_map(|(c, spot)| match spot {
                        Some((cell, r0, c0)) if *c0 == c => Some(Ok(Slot {
                            col: c as u16,
                            cell,
                            start: *r0 == r,
                        })),
                        Some(_) => None,
                        None => Some(Err(anyhow::anyhow!(
                            "{}: row {r} has a gap at column {c}",
                            t.name
                        ))),
                    })
                    .collect()
            })
            .collect()
    }
}

/// One cell of the printed table.
pub struct CellView {
    /// `th` for labels, `td` for values.
    pub header: bool,
    /// `col`, `colgroup`, `row`, `rowgroup`, or empty.
    pub scope: &'static str,
    pub colspan: u16,
    pub rowspan: u16,
    /// CSS class: note, caption, col, row, group, value, total.
    pub class: &'static str,
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
                        width: t.grid.width,
                        label_cols: t.grid.label_cols,
                        cols: column_widths(t.grid.width, t.grid.label_cols),
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

/// How printed tables share the page width (per mille): labels get room to stay on one or
/// two lines, the values share the rest. 表三's three label columns follow published reports.
pub fn column_widths(width: u16, label_cols: u16) -> Vec<u16> {
    let labels: &[u16] = match label_cols {
        0 => &[],
        1 => &[250],
        2 => &[120, 260],
        _ => &[60, 80, 250],
    };
    let labels = &labels[..labels.len().min(label_cols as usize)];
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
                    let (header, scope, class, label) = match cell.content {
                        Content::Note(l) => (true, "", "note", l),
                        Content::Caption(l) => (true, "colgroup", "caption", l),
                        Content::ColHeader(l) => (true, "col", "col", l),
                        Content::ColGroup(l) => (true, "colgroup", "col", l),
                        Content::RowHeader(l) => (true, "row", "row", l),
                        Content::RowGroup(l) => (true, "rowgroup", "group", l),
                        Content::Value { .. } => (false, "", "value", ""),
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
                    let class = match &value {
                        Some(v) if v.computed => "total",
                        _ => class,
                    };
                    CellView {
                        header,
                        scope,
                        colspan: cell.colspan,
                        rowspan: cell.rowspan,
                        class,
                        label,
                        value,
                    }
                })
                .collect()
        })
        .collect()
}
