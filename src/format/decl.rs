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
    pub shape: Shape,
}

/// The three layouts the official tables use.
pub enum Shape {
    /// 表二: captioned blocks (第二十条第（一）项 …), each with its own columns.
    /// `width` is the number of value columns of the grid the blocks share.
    Blocks { width: u16, blocks: &'static [Block] },
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
