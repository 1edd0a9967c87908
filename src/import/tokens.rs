//! A published document as the readers hand it to the parser: its pieces of text in
//! reading order, each with the place it was read from. HTML gives a piece per paragraph
//! and per table cell, page text a piece per line, a PDF a piece per run of glyphs.

use std::fmt;

/// Where a piece of text was read, as a person would find it in the original.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// A line of page text (1-based).
    Line(usize),
    /// An HTML table cell: the table, row and cell (1-based), and the element path.
    Cell { table: usize, row: usize, col: usize },
    /// An HTML paragraph (1-based count of blocks in the article).
    Block(usize),
    /// A run of text on a PDF page: its page (1-based) and position in points from the
    /// top-left corner.
    Page { page: u32, x: i32, y: i32 },
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(n) => write!(f, "第 {n} 行"),
            At::Cell { table, row, col } => write!(f, "第 {table} 个表格第 {row} 行第 {col} 格"),
            At::Block(n) => write!(f, "正文第 {n} 段"),
            At::Page { page, x, y } => write!(f, "第 {page} 页 (x {x}, y {y})"),
        }
    }
}

/// How a piece ends: where a paragraph may break in the texts of sections 一、五、六.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A paragraph or heading of its own (HTML block).
    Block,
    /// A line that may continue the sentence before it (page text, a PDF line).
    Line,
    /// A table cell: a value when it holds a number or nothing.
    Cell,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub text: String,
    pub at: At,
    pub piece: Piece,
    /// Starts a new line of the original (PDF: the first run of a line). Lines of page
    /// text and blocks always do.
    pub line_start: bool,
}

impl Token {
    pub fn new(text: impl Into<String>, at: At, piece: Piece) -> Token {
        Token {
            text: text.into(),
            at,
            piece,
            line_start: true,
        }
    }

    /// A value by itself: a cell or line holding only a number, or a blank table cell.
    pub fn is_value(&self) -> bool {
        let t = self.text.trim_matches(is_space);
        match self.piece {
            Piece::Cell => t.is_empty() || number_like(t),
            Piece::Line | Piece::Block => number_like(t),
        }
    }
}

/// Whitespace as published pages write it, `&nbsp;` and the ideographic space included.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' || c == '\u{feff}' || c == '\u{200b}'
}

/// A piece that is a number: digits (ASCII or full width) with at most one decimal point
/// inside, thousands separators and spaces allowed. “1.” is a list number, not a value.
pub fn number_like(t: &str) -> bool {
    let mut digits = 0;
    let mut points = 0;
    let mut last = ' ';
    for c in t.chars() {
        let c = fold(c);
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            ',' => {}
            c if is_space(c) => {}
            _ => return false,
        }
        if !is_space(c) {
            last = c;
        }
    }
    digits > 0 && points <= 1 && last != '.' && !t.trim_start_matches(is_space).starts_with(['.', '．'])
}

/// Folds the full-width forms and punctuation variants reports mix, so that labels match
/// however they were typed: （一） and (一), ： and :, １ and 1, “ and ".
pub fn fold(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '（' => '(',
        '）' => ')',
        '：' => ':',
        '，' => ',',
        '．' => '.',
        '；' => ';',
        '“' | '”' | '"' | '„' | '‘' | '’' | '\'' => '"',
        '－' | '—' | '–' => '-',
        _ => c,
    }
}

/// The document's text as one string without whitespace, folded, with where each of its
/// characters came from: headings and labels are found in it whatever the line breaks.
#[derive(Debug, Default)]
pub struct Stream {
    pub chars: Vec<char>,
    /// For each char: the token and the byte offset in its text.
    pub from: Vec<(usize, usize)>,
}

impl Stream {
    /// The stream of `tokens[range]`, skipping the tokens `skip` refuses.
    pub fn of(tokens: &[Token], range: std::ops::Range<usize>, skip: impl Fn(&Token) -> bool) -> Stream {
        let mut s = Stream::default();
        for ix in range {
            let t = &tokens[ix];
            if skip(t) {
                continue;
            }
            for (off, c) in t.text.char_indices() {
                if !is_space(c) && !c.is_control() {
                    s.chars.push(fold(c));
                    s.from.push((ix, off));
                }
            }
        }
        s
    }

    pub fn find(&self, needle: &str, from: usize) -> Option<usize> {
        let n: Vec<char> = needle.chars().filter(|c| !is_space(*c)).map(fold).collect();
        if n.is_empty() || from >= self.chars.len() {
            return None;
        }
        (from..=self.chars.len().saturating_sub(n.len())).find(|&i| self.chars[i..i + n.len()] == n[..])
    }

    /// The token holding char `i`, or the end of the tokens it was made from.
    pub fn token_at(&self, i: usize) -> Option<usize> {
        self.from.get(i).map(|&(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_told_from_list_numbers_and_labels() {
        for yes in ["0", "12", "１２", "18651.06", "1,234", " 7 "] {
            assert!(number_like(yes), "{yes}");
        }
        for no in ["1.", "3.其他", "", "—", "2件", "1.2.3", ".5"] {
            assert!(!number_like(no), "{no}");
        }
    }
}
