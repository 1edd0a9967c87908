//! Turns a table declaration into its cells and its printed layout: rows of cells with
//! their spans, exactly as the official table draws them. Every renderer (the form, the
//! HTML, PDF, Word and Excel exports) walks this [`Grid`]; none lays a table out itself.

use super::decl::{Block, Node, Shape, TableDecl};
use super::{CellDef, CellIx, CellKind, Sum, Table, Total};

/// A table's layout.
#[derive(Debug)]
pub struct Grid {
    /// Number of columns.
    pub width: u16,
    /// Leading columns that hold row labels (0 for 表四, which has none).
    pub label_cols: u16,
    /// Header rows, repeated when a table crosses a page.
    pub head: Vec<GridRow>,
    pub body: Vec<GridRow>,
}

#[derive(Debug)]
pub struct GridRow {
    pub cells: Vec<GridCell>,
}

/// A cell of the layout, with where it sits: `row` counts the header rows first, then the
/// body's; `col` is its first grid column. A writer that needs the grid positions (Word's
/// merged rows, Excel's ranges) reads them here instead of working them out.
#[derive(Debug)]
pub struct GridCell {
    pub content: Content,
    pub row: u16,
    pub col: u16,
    pub colspan: u16,
    pub rowspan: u16,
}

/// What a layout cell shows. The variants map onto `<th scope=…>` and `<td>`.
#[derive(Debug, Clone, Copy)]
pub enum Content {
    /// 表三's corner note on its 勾稽关系.
    Note(&'static str),
    /// A 表二 block caption (第二十条第（一）项), across the whole table.
    Caption(&'static str),
    /// A column header over one column.
    ColHeader(&'static str),
    /// A header over several columns.
    ColGroup(&'static str),
    RowHeader(&'static str),
    /// A label spanning several rows (三、本年度办理结果).
    RowGroup(&'static str),
    /// A value. `row`/`col` place it among the table's values, for pasting blocks.
    Value {
        cell: CellIx,
        row: u16,
        col: u16,
    },
}

impl GridCell {
    fn new(content: Content, (row, col): (u16, u16), colspan: u16, rowspan: u16) -> GridCell {
        GridCell {
            content,
            row,
            col,
            colspan,
            rowspan,
        }
    }
}

/// Builds one table, appending its cells to `cells`.
pub(super) fn build_table(decl: &TableDecl, section: usize, cells: &mut Vec<CellDef>) -> Table {
    let first = cells.len();
    let grid = match &decl.shape {
        Shape::Blocks { width, label, blocks } => {
            blocks_grid(decl.key, section, *width, label, blocks, cells)
        }
        Shape::Grid {
            corner,
            rows,
            columns,
        } => tree_grid(decl.key, section, corner, rows, columns, cells),
        Shape::Strip { columns } => strip_grid(decl.key, section, columns, cells),
    };
    Table {
        key: decl.key,
        name: decl.name,
        topic: decl.topic,
        print: decl.print,
        grid,
        cells: (first..cells.len()).collect(),
    }
}

/// 表二: per block a caption across the table, a header row, then its rows.
fn blocks_grid(
    table: &'static str,
    section: usize,
    width: u16,
    label: &'static str,
    blocks: &[Block],
    cells: &mut Vec<CellDef>,
) -> Grid {
    let mut body: Vec<GridRow> = Vec::new();
    let mut value_row = 0;
    for block in blocks {
        let r = body.len() as u16;
        body.push(GridRow {
            cells: vec![GridCell::new(
                Content::Caption(block.caption),
                (r, 0),
                width + 1,
                1,
            )],
        });
        let r = body.len() as u16;
        let mut header = vec![GridCell::new(Content::ColHeader(label), (r, 0), 1, 1)];
        let mut c = 1;
        for col in block.columns {
            header.push(GridCell::new(Content::ColHeader(col.label), (r, c), col.span, 1));
            c += col.span;
        }
        body.push(GridRow { cells: header });
        for row in block.rows {
            let r = body.len() as u16;
            let mut line = vec![GridCell::new(Content::RowHeader(row.label), (r, 0), 1, 1)];
            let mut c = 1;
            for (col_ix, col) in block.columns.iter().enumerate() {
                let cell = push_cell(cells, table, section, row, col.key, col.label, col.kind);
                let value = Content::Value {
                    cell,
                    row: value_row,
                    col: col_ix as u16,
                };
                line.push(GridCell::new(value, (r, c), col.span, 1));
                c += col.span;
            }
            body.push(GridRow { cells: line });
            value_row += 1;
        }
    }
    Grid {
        width: width + 1,
        label_cols: 1,
        head: Vec::new(),
        body,
    }
}

/// 表三: a row tree against a column tree, the corner note over the row labels.
fn tree_grid(
    table: &'static str,
    section: usize,
    corner: &'static str,
    rows: &'static [Node],
    columns: &'static [Node],
    cells: &mut Vec<CellDef>,
) -> Grid {
    let col_leaves = leaves(columns);
    let row_leaves = leaves(rows);
    let (col_depth, row_depth) = (depth(columns), depth(rows));
    let base = cells.len();
    let at = |r: usize, c: usize| base + r * col_leaves.len() + c;
    for (r, row) in row_leaves.iter().enumerate() {
        for (c, col) in col_leaves.iter().enumerate() {
            let ix = push_cell(
                cells,
                table,
                section,
                row.node,
                col.node.key,
                col.node.short,
                CellKind::Count,
            );
            let across = col.node.total.map(|rule| Sum {
                rule,
                parts: siblings(&col_leaves, c).map(|c2| at(r, c2)).collect(),
            });
            let down = row.node.total.map(|rule| Sum {
                rule,
                parts: siblings(&row_leaves, r).map(|r2| at(r2, c)).collect(),
            });
            if across.is_some() || down.is_some() {
                cells[ix].total = Some(Total { across, down });
            }
        }
    }
    let mut head = header_rows(columns, col_depth, row_depth);
    head[0].insert(
        0,
        GridCell::new(Content::Note(corner), (0, 0), row_depth, col_depth),
    );
    let mut body = Vec::new();
    let mut pending = Vec::new();
    let mut next_row = col_depth;
    row_lines(
        rows,
        1,
        row_depth,
        &mut next_row,
        &mut pending,
        &mut |row, label_cells| {
            let r = body.len();
            let grid_row = col_depth + r as u16;
            let mut line = std::mem::take(label_cells);
            line.extend((0..col_leaves.len()).map(|c| {
                debug_assert_eq!(cells[at(r, c)].row, row.key);
                let value = Content::Value {
                    cell: at(r, c),
                    row: r as u16,
                    col: c as u16,
                };
                GridCell::new(value, (grid_row, row_depth + c as u16), 1, 1)
            }));
            body.push(GridRow { cells: line });
        },
    );
    Grid {
        width: row_depth + col_leaves.len() as u16,
        label_cols: row_depth,
        head: head.into_iter().map(|cells| GridRow { cells }).collect(),
        body,
    }
}

/// 表四: one line of values under the column tree.
fn strip_grid(
    table: &'static str,
    section: usize,
    columns: &'static [Node],
    cells: &mut Vec<CellDef>,
) -> Grid {
    let col_leaves = leaves(columns);
    let col_depth = depth(columns);
    let base = cells.len();
    let mut values = Vec::new();
    for (c, col) in col_leaves.iter().enumerate() {
        let group = col.keyed.expect("表四 leaves sit under a keyed group");
        let ix = push_cell(
            cells,
            table,
            section,
            group,
            col.node.key,
            col.node.short,
            CellKind::Count,
        );
        if let Some(rule) = col.node.total {
            let parts = siblings(&col_leaves, c).map(|c2| base + c2).collect();
            cells[ix].total = Some(Total {
                across: Some(Sum { rule, parts }),
                down: None,
            });
        }
        let value = Content::Value {
            cell: ix,
            row: 0,
            col: c as u16,
        };
        values.push(GridCell::new(value, (col_depth, c as u16), 1, 1));
    }
    let head = header_rows(columns, col_depth, 0);
    Grid {
        width: col_leaves.len() as u16,
        label_cols: 0,
        head: head.into_iter().map(|cells| GridRow { cells }).collect(),
        body: vec![GridRow { cells: values }],
    }
}

fn push_cell(
    cells: &mut Vec<CellDef>,
    table: &'static str,
    section: usize,
    row: &Node,
    col: &'static str,
    col_label: &'static str,
    kind: CellKind,
) -> CellIx {
    cells.push(CellDef {
        id: format!("{table}.{}.{col}", row.key),
        table,
        row: row.key,
        col,
        row_label: row.short,
        col_label,
        section,
        kind,
        total: None,
    });
    cells.len() - 1
}

/// A leaf of a header tree, with where it sits.
struct Leaf {
    node: &'static Node,
    /// Child indices from the top of the tree down to this leaf.
    path: Vec<usize>,
    /// The nearest enclosing group that has a key (表四's groups).
    keyed: Option<&'static Node>,
}

/// Leaves in reading order.
fn leaves(nodes: &'static [Node]) -> Vec<Leaf> {
    fn walk(
        nodes: &'static [Node],
        path: &mut Vec<usize>,
        keyed: Option<&'static Node>,
        out: &mut Vec<Leaf>,
    ) {
        for (i, n) in nodes.iter().enumerate() {
            path.push(i);
            if n.children.is_empty() {
                out.push(Leaf {
                    node: n,
                    path: path.clone(),
                    keyed,
                });
            } else {
                walk(
                    n.children,
                    path,
                    if n.key.is_empty() { keyed } else { Some(n) },
                    out,
                );
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(nodes, &mut Vec::new(), None, &mut out);
    out
}

/// Positions of the other leaves under the same parent as leaf `me` (nested groups included).
fn siblings(leaves: &[Leaf], me: usize) -> impl Iterator<Item = usize> + '_ {
    let parent = &leaves[me].path[..leaves[me].path.len() - 1];
    leaves
        .iter()
        .enumerate()
        .filter(move |(i, l)| *i != me && l.path.starts_with(parent))
        .map(|(i, _)| i)
}

fn depth(nodes: &[Node]) -> u16 {
    nodes.iter().map(|n| 1 + depth(n.children)).max().unwrap_or(0)
}

fn leaf_count(node: &Node) -> u16 {
    if node.children.is_empty() {
        1
    } else {
        node.children.iter().map(leaf_count).sum()
    }
}

/// Header rows of a column tree, its first column at `first_col`: a group spans its
/// leaves; a leaf reaches down to the last row.
fn header_rows(nodes: &[Node], depth: u16, first_col: u16) -> Vec<Vec<GridCell>> {
    fn walk(nodes: &[Node], level: u16, depth: u16, mut col: u16, rows: &mut [Vec<GridCell>]) {
        for n in nodes {
            let row = &mut rows[level as usize];
            if n.children.is_empty() {
                row.push(GridCell::new(
                    Content::ColHeader(n.label),
                    (level, col),
                    1,
                    depth - level,
                ));
            } else {
                row.push(GridCell::new(
                    Content::ColGroup(n.label),
                    (level, col),
                    leaf_count(n),
                    1,
                ));
                walk(n.children, level + 1, depth, col, rows);
            }
            col += leaf_count(n);
        }
    }
    let mut rows: Vec<Vec<GridCell>> = (0..depth).map(|_| Vec::new()).collect();
    walk(nodes, 0, depth, first_col, &mut rows);
    rows
}

/// Walks a row tree, calling `emit` once per leaf with the label cells that open its line:
/// the labels of groups starting here (spanning their rows), then its own label, which
/// stretches over the label columns its depth leaves free. `next_row` is the grid row of
/// the next leaf's line.
fn row_lines(
    nodes: &'static [Node],
    level: u16,
    depth: u16,
    next_row: &mut u16,
    pending: &mut Vec<GridCell>,
    emit: &mut dyn FnMut(&'static Node, &mut Vec<GridCell>),
) {
    for n in nodes {
        let at = (*next_row, level - 1);
        if n.children.is_empty() {
            pending.push(GridCell::new(
                Content::RowHeader(n.label),
                at,
                depth - level + 1,
                1,
            ));
            emit(n, pending);
            *next_row += 1;
        } else {
            pending.push(GridCell::new(Content::RowGroup(n.label), at, 1, leaf_count(n)));
            row_lines(n.children, level + 1, depth, next_row, pending, emit);
        }
    }
}
