//! Turns a table declaration into its cells and its printed layout: rows of cells with
//! their spans, exactly as the official table draws them. Every renderer (the form, the
//! HTML, PDF, Word and Excel exports) walks this [`Grid`]; none lays a table out itself.

use super::decl::{Node, Shape, TableDecl};
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

#[derive(Debug)]
pub struct GridCell {
    pub content: Content,
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
    fn new(content: Content, colspan: u16, rowspan: u16) -> GridCell {
        GridCell {
            content,
            colspan,
            rowspan,
        }
    }
}

/// Builds one table, appending its cells to `cells`.
pub(super) fn build_table(decl: &TableDecl, section: usize, cells: &mut Vec<CellDef>) -> Table {
    let first = cells.len();
    let grid = match &decl.shape {
        Shape::Blocks { width, blocks } => {
            let mut body = Vec::new();
            let mut value_row = 0;
            for block in blocks.iter() {
                body.push(GridRow {
                    cells: vec![GridCell::new(Content::Caption(block.caption), width + 1, 1)],
                });
                let mut header = vec![GridCell::new(Content::ColHeader("信息内容"), 1, 1)];
                header.extend(
                    block
                        .columns
                        .iter()
                        .map(|c| GridCell::new(Content::ColHeader(c.label), c.span, 1)),
                );
                body.push(GridRow { cells: header });
                for row in block.rows {
                    let mut line = vec![GridCell::new(Content::RowHeader(row.label), 1, 1)];
                    for (col_ix, col) in block.columns.iter().enumerate() {
                        let cell = push_cell(cells, decl.key, section, row, col.key, col.label, col.kind);
                        line.push(GridCell::new(
                            Content::Value {
                                cell,
                                row: value_row,
                                col: col_ix as u16,
                            },
                            col.span,
                            1,
                        ));
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
        Shape::Grid {
            corner,
            rows,
            columns,
        } => {
            let col_leaves = leaves(columns);
            let row_leaves = leaves(rows);
            let (col_depth, row_depth) = (depth(columns), depth(rows));
            let base = cells.len();
            let at = |r: usize, c: usize| base + r * col_leaves.len() + c;
            for (r, row) in row_leaves.iter().enumerate() {
                for (c, col) in col_leaves.iter().enumerate() {
                    let ix = push_cell(
                        cells,
                        decl.key,
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
            let mut head = header_rows(columns, col_depth);
            head[0].insert(0, GridCell::new(Content::Note(corner), row_depth, col_depth));
            let mut body = Vec::new();
            let mut pending = Vec::new();
            row_lines(rows, 1, row_depth, &mut pending, &mut |row, label_cell| {
                let r = body.len();
                let mut line = std::mem::take(label_cell);
                line.extend((0..col_leaves.len()).map(|c| {
                    debug_assert_eq!(cells[at(r, c)].row, row.key);
                    GridCell::new(
                        Content::Value {
                            cell: at(r, c),
                            row: r as u16,
                            col: c as u16,
                        },
                        1,
                        1,
                    )
                }));
                body.push(GridRow { cells: line });
            });
            Grid {
                width: row_depth + col_leaves.len() as u16,
                label_cols: row_depth,
                head: head.into_iter().map(|cells| GridRow { cells }).collect(),
                body,
            }
        }
        Shape::Strip { columns } => {
            let col_leaves = leaves(columns);
            let base = cells.len();
            let mut values = Vec::new();
            for (c, col) in col_leaves.iter().enumerate() {
                let group = col.keyed.expect("表四 leaves sit under a keyed group");
                let ix = push_cell(
                    cells,
                    decl.key,
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
                values.push(GridCell::new(
                    Content::Value {
                        cell: ix,
                        row: 0,
                        col: c as u16,
                    },
                    1,
                    1,
                ));
            }
            let head = header_rows(columns, depth(columns));
            Grid {
                width: col_leaves.len() as u16,
                label_cols: 0,
                head: head.into_iter().map(|cells| GridRow { cells }).collect(),
                body: vec![GridRow { cells: values }],
            }
        }
    };
    Table {
        key: decl.key,
        name: decl.name,
        grid,
        cells: (first..cells.len()).collect(),
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

/// Header rows of a column tree: a group spans its leaves; a leaf reaches down to the last row.
fn header_rows(nodes: &[Node], depth: u16) -> Vec<Vec<GridCell>> {
    fn walk(nodes: &[Node], level: u16, depth: u16, rows: &mut [Vec<GridCell>]) {
        for n in nodes {
            let row = &mut rows[level as usize];
            if n.children.is_empty() {
                row.push(GridCell::new(Content::ColHeader(n.label), 1, depth - level));
            } else {
                row.push(GridCell::new(Content::ColGroup(n.label), leaf_count(n), 1));
                walk(n.children, level + 1, depth, rows);
            }
        }
    }
    let mut rows: Vec<Vec<GridCell>> = (0..depth).map(|_| Vec::new()).collect();
    walk(nodes, 0, depth, &mut rows);
    rows
}

/// Walks a row tree, calling `emit` once per leaf with the label cells that open its line:
/// the labels of groups starting here (spanning their rows), then its own label, which
/// stretches over the label columns its depth leaves free.
fn row_lines(
    nodes: &'static [Node],
    level: u16,
    depth: u16,
    pending: &mut Vec<GridCell>,
    emit: &mut dyn FnMut(&'static Node, &mut Vec<GridCell>),
) {
    for n in nodes {
        if n.children.is_empty() {
            pending.push(GridCell::new(Content::RowHeader(n.label), depth - level + 1, 1));
            emit(n, pending);
        } else {
            pending.push(GridCell::new(Content::RowGroup(n.label), 1, leaf_count(n)));
            row_lines(n.children, level + 1, depth, pending, emit);
        }
    }
}
