//! The vocabulary the format files are written in: plain `const` data.

use super::{CellKind, Rule, Version};

/// A format as its declaration file writes it.
pub struct FormatDecl {
    pub version: Version,
    pub notice: &'static str,
    pub sections: &'static [SectionDecl],
    /// Groups of rules, concatenated in order (shared rules first).
    pub rules: &'static [&'static [Rule]],
}

pub struct SectionDecl {
    pub key: &'static str,
    pub number: &'static str,
    pub heading: &'static str,
    pub body: BodyDecl,
}

pub enum BodyDecl {
    /// Free text; the hint says what the official format expects in it.
    Text {
        hint: &'static str,
    },
    Table(TableDecl),
}

pub struct TableDecl {
    pub key: &'static str,
    /// 表二 / 表三 / 表四.
    pub name: &'static str,
    /// What the table is about, in a few words (a sheet name: 表三 依申请).
    pub topic: &'static str,
    pub print: Print,
    pub shape: Shape,
}

/// How a table is printed.
#[derive(Debug, Clone, Copy)]
pub struct Print {
    /// Widths of the label columns in per mille of the table width: room for a label to stay
    /// on one or two lines. The value columns share the rest equally.
    pub label_widths: &'static [u16],
    /// Text size in points: as large as lets the table fit the width of an A4 page.
    pub font_pt: f32,
    /// Printed across the page where a sheet of it would be too wide (表四's 15 columns).
    pub landscape: bool,
}

/// The three layouts the official tables use.
pub enum Shape {
    /// 表二: captioned blocks (第二十条第（一）项 …), each with its own columns.
    /// `width` is the number of value columns of the grid the blocks share; `label` heads
    /// the label column of every block (信息内容).
    Blocks {
        width: u16,
        label: &'static str,
        blocks: &'static [Block],
    },
    /// 表三: a row tree against a column tree, with a note in the top-left corner.
    Grid {
        corner: &'static str,
        rows: &'static [Node],
        columns: &'static [Node],
    },
    /// 表四: one line of cells under a column tree. The keyed groups of the tree
    /// play the part of rows in the cell ids (`appeals.review.upheld`).
    Strip { columns: &'static [Node] },
}

/// One captioned block of 表二.
pub struct Block {
    pub caption: &'static str,
    pub columns: &'static [Col],
    pub rows: &'static [Node],
}

/// A value column of a 表二 block.
pub struct Col {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: CellKind,
    /// How many grid columns it spans.
    pub span: u16,
}

/// A node of a header tree: a row or column, or a group of them.
#[derive(Debug)]
pub struct Node {
    /// Part of the cell id; empty for a group that only labels its children.
    pub key: &'static str,
    pub label: &'static str,
    /// The name used in messages.
    pub short: &'static str,
    pub children: &'static [Node],
    /// `Some(rule)`: the app computes this line as the sum of its siblings, and `rule` checks printed values.
    pub total: Option<&'static str>,
}

impl Node {
    /// The label without its list number (四、结转下年度继续办理 → 结转下年度继续办理), as
    /// a message quotes the line.
    pub fn unnumbered(&self) -> &'static str {
        match self.label.split_once('、') {
            Some((number, rest)) if number.chars().all(|c| "一二三四五六七八九十".contains(c)) => {
                rest
            }
            _ => self.label,
        }
    }
}

pub const fn leaf(key: &'static str, label: &'static str, short: &'static str) -> Node {
    Node {
        key,
        label,
        short,
        children: &[],
        total: None,
    }
}

pub const fn total(key: &'static str, label: &'static str, short: &'static str, rule: &'static str) -> Node {
    Node {
        key,
        label,
        short,
        children: &[],
        total: Some(rule),
    }
}

pub const fn group(label: &'static str, children: &'static [Node]) -> Node {
    Node {
        key: "",
        label,
        short: label,
        children,
        total: None,
    }
}

pub const fn keyed_group(
    key: &'static str,
    label: &'static str,
    short: &'static str,
    children: &'static [Node],
) -> Node {
    Node {
        key,
        label,
        short,
        children,
        total: None,
    }
}

pub const fn col(key: &'static str, label: &'static str, kind: CellKind, span: u16) -> Col {
    Col {
        key,
        label,
        kind,
        span,
    }
}

/// A number the texts quote for the tables (`text.numbers`): the words that introduce it,
/// and the sums it may mean — each a list of cell ids added up. “受理政府信息公开申请 N 件”
/// may count the new applications, or those with last year's carried over, or those
/// handled.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// What it is about, for the message (本年收到的申请).
    pub what: &'static str,
    pub words: &'static [&'static str],
    pub means: &'static [&'static [&'static str]],
}
