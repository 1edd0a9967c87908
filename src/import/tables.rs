//! Reading the three tables out of a document's pieces. Every line of a table is looked
//! for by its label, in the format's order (labels from the format declaration, so both
//! versions read the same way); what lies between a label and the next one are its values.
//! A value is a piece of its own (an HTML cell, a line, a PDF run) or, where the archive
//! ran the cells together, a digit string cut by [`split`].

use super::fuzzy;
use super::split;
use super::tokens::{At, Stream, Token, is_space};
use super::{Certainty, Reading};
use crate::format::{BodyDecl, CellIx, Format, FormatDecl, Node, Shape, TableDecl};
use crate::report::value;

/// Labels reports are known to shorten (spec/format-research.md §11): tried when the
/// official label is not found.
const VARIANTS: &[(&str, &[&str])] = &[("行政规范性文件", &["规范性文件"])];

/// A line of a table to look for.
struct Line {
    /// The row key; empty for a group label.
    row: &'static str,
    label: Vec<char>,
    variants: Vec<Vec<char>>,
    /// For a group: the row its own values belong to when the group has no lines of its
    /// own in the document (a 2019-style single （六）其他处理 inside a 2021 table goes to
    /// 3.其他, its last line).
    last_child: &'static str,
}

/// Where a line was found in the table's label stream.
#[derive(Clone, Copy)]
struct Place {
    line: usize,
    start: usize,
    end: usize,
}

/// The label without its list number or trailing note, folded: what is looked for.
/// （二）部分公开（区分处理的…） → 部分公开; 一、本年新收… → 本年新收…; 1.属于国家秘密 → 属于国家秘密.
fn core(label: &str) -> Vec<char> {
    let folded: Vec<char> = label.chars().filter(|c| !is_space(*c)).map(super::tokens::fold).collect();
    let mut start = 0;
    if let Some(p) = folded.iter().position(|&c| c == '、' || c == '.')
        && p <= 3
        && folded[..p].iter().all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
    {
        start = p + 1;
    }
    if folded.get(start) == Some(&'(')
        && let Some(close) = folded[start..].iter().position(|&c| c == ')')
        && close <= 4
    {
        start += close + 1;
    }
    let mut end = folded.len();
    if let Some(open) = folded[start..].iter().position(|&c| c == '(') {
        end = start + open;
    }
    folded[start..end].to_vec()
}

fn lines_of(nodes: &'static [Node], out: &mut Vec<Line>) {
    for node in nodes {
        let label = core(node.label);
        let variants = VARIANTS
            .iter()
            .filter(|(official, _)| *official == node.label)
            .flat_map(|(_, vs)| vs.iter().map(|v| core(v)))
            .collect();
        if node.children.is_empty() {
            out.push(Line {
                row: node.key,
                label,
                variants,
                last_child: "",
            });
        } else {
            out.push(Line {
                row: "",
                label,
                variants,
                last_child: node.children.last().map_or("", |c| c.key),
            });
            lines_of(node.children, out);
        }
    }
}

/// The table declaration of `key`.
fn table_decl(decl: &'static FormatDecl, key: &str) -> Option<&'static TableDecl> {
    decl.sections.iter().find_map(|s| match &s.body {
        BodyDecl::Table(t) if t.key == key => Some(t),
        _ => None,
    })
}

/// Reads table `key` from `labels[span]` (the document's label text; `values` are the
/// value pieces and where each sits in it) into `cells`.
#[allow(clippy::too_many_arguments)]
pub fn read(
    format: &'static Format,
    decl: &'static FormatDecl,
    key: &str,
    tokens: &[Token],
    labels: &Stream,
    values: &[(usize, usize)],
    span: std::ops::Range<usize>,
    narrative: &[i64],
    cells: &mut [Option<Reading>],
) {
    let (Some(table), Some(laid)) = (table_decl(decl, key), format.table(key)) else {
        return;
    };
    let values: Vec<(usize, usize)> = values
        .iter()
        .copied()
        .filter(|&(_, p)| p >= span.start && p <= span.end)
        .collect();
    let row_cells = |row: &str| -> Vec<CellIx> {
        laid.cells
            .iter()
            .copied()
            .filter(|&ix| format.cells[ix].row == row)
            .collect()
    };
    let mut lines = Vec::new();
    match &table.shape {
        Shape::Strip { .. } => {
            // 表四 has no row labels: its 15 values in order, after its headers.
            let pieces = gather(tokens, labels, &values, span.start, span.end, span.start, true);
            assign(format, &laid.cells, pieces, narrative, cells);
            return;
        }
        Shape::Blocks { blocks, .. } => blocks.iter().for_each(|b| lines_of(b.rows, &mut lines)),
        Shape::Grid { rows, .. } => lines_of(rows, &mut lines),
    }
    read_lines(format, &lines, tokens, labels, &values, span, &row_cells, narrative, cells);
    if matches!(table.shape, Shape::Grid { .. }) {
        settle(format, &laid.cells, cells);
    }
}

#[allow(clippy::too_many_arguments)]
fn read_lines(
    format: &'static Format,
    lines: &[Line],
    tokens: &[Token],
    labels: &Stream,
    values: &[(usize, usize)],
    span: std::ops::Range<usize>,
    row_cells: &dyn Fn(&str) -> Vec<CellIx>,
    narrative: &[i64],
    cells: &mut [Option<Reading>],
) {
    let places = locate(lines, &labels.chars, span.clone());
    let end = span.end;
    for (k, place) in places.iter().enumerate() {
        let line = &lines[place.line];
        let next = places.get(k + 1).map_or(end, |p| p.start);
        let pieces = gather(tokens, labels, values, place.start, next, place.end, false);
        if !line.row.is_empty() {
            assign(format, &row_cells(line.row), pieces, narrative, cells);
        } else if !pieces.is_empty() && pieces.iter().any(|p| !p.text.trim().is_empty()) {
            // A group with values of its own: only when none of its lines was found.
            let last = lines.iter().position(|l| l.row == line.last_child).unwrap_or(place.line);
            let children_found = places.iter().any(|p| p.line > place.line && p.line <= last);
            if !children_found && !line.last_child.is_empty() {
                assign(format, &row_cells(line.last_child), pieces, narrative, cells);
            }
        }
    }
    // Lines not in the document: their cells read as 0, and say so.
    for line in lines.iter().filter(|l| !l.row.is_empty()) {
        for ix in row_cells(line.row) {
            if cells[ix].is_none() {
                cells[ix] = Some(Reading {
                    raw: String::new(),
                    at: None,
                    certainty: Certainty::Absent,
                });
            }
        }
    }
}

/// Finds the lines in order. A line that is not found, or that is found only after the
/// line following it (a missing 规章 row), is skipped.
fn locate(lines: &[Line], text: &[char], span: std::ops::Range<usize>) -> Vec<Place> {
    let text = &text[..span.end.min(text.len())];
    let mut places = Vec::new();
    let mut pos = span.start;
    for (i, line) in lines.iter().enumerate() {
        let Some((start, end)) = find_line(line, text, pos) else {
            continue;
        };
        // A later line found first means this one is missing and matched something further on.
        let overtaken = lines[i + 1..]
            .iter()
            .take(2)
            .filter(|l| l.label.len() >= 4)
            .filter_map(|l| find_line(l, text, pos))
            .any(|(s, _)| s < start);
        if overtaken {
            continue;
        }
        places.push(Place { line: i, start, end });
        pos = end;
    }
    places
}

fn find_line(line: &Line, text: &[char], from: usize) -> Option<(usize, usize)> {
    let found = std::iter::once(&line.label)
        .chain(&line.variants)
        .filter_map(|label| fuzzy::find(text, from, text.len(), label))
        .min_by_key(|f| (f.start, f.distance))?;
    Some((extend_back(text, found.start, from), extend_forward(text, found.end)))
}

/// Takes in the list number before a label (`2.`, `（三）`, `一、`): in run-together text
/// the number would otherwise end the previous row's digits (`40000042.其他…`).
fn extend_back(text: &[char], start: usize, floor: usize) -> usize {
    let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    let mut s = start;
    if s >= floor + 2 && matches!(text[s - 1], '.' | '、') && numeral(text[s - 2]) {
        s -= 2;
    }
    if s >= floor + 3 && text[s - 1] == ')' && text[s - 3] == '(' && numeral(text[s - 2]) {
        s -= 3;
    }
    s
}

/// Takes in a note in brackets after a label (（区分处理的，只计这一情形，不计其他情形）).
fn extend_forward(text: &[char], end: usize) -> usize {
    if text.get(end) == Some(&'(')
        && let Some(close) = text[end..].iter().take(40).position(|&c| c == ')')
    {
        return end + close + 1;
    }
    end
}

/// One value as found, before it is given a column.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    at: At,
    /// Cut out of digits run together in the original (not a piece of its own).
    run: bool,
}

/// The values of the line whose label spans `start..label_end`, up to the next line at
/// `next`: the value pieces placed after its first character, or else the digits left in
/// the label text after the label.
fn gather(
    tokens: &[Token],
    labels: &Stream,
    values: &[(usize, usize)],
    start: usize,
    next: usize,
    label_end: usize,
    from_start: bool,
) -> Vec<Piece> {
    let own: Vec<Piece> = values
        .iter()
        .filter(|&&(_, p)| (p > start || from_start && p == start) && p <= next)
        .map(|&(t, _)| Piece {
            text: tokens[t].text.trim_matches(is_space).to_string(),
            at: tokens[t].at.clone(),
            run: false,
        })
        .collect();
    if !own.is_empty() {
        return own;
    }
    // Run-together text: the digits between the label and the next line, as written
    // (spaces kept: they separate cells where the archive kept them).
    let mut runs = Vec::new();
    let mut i = label_end;
    let stop = next.min(labels.chars.len());
    while i < stop {
        if !labels.chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let first = i;
        while i < stop && (labels.chars[i].is_ascii_digit() || labels.chars[i] == '.' || labels.chars[i] == ',') {
            i += 1;
        }
        let (tok, from) = labels.from[first];
        let to = labels.from.get(i - 1).map_or(from, |&(t, off)| {
            if t == tok {
                off + tokens[t].text[off..].chars().next().map_or(0, char::len_utf8)
            } else {
                tokens[tok].text.len()
            }
        });
        let written = &tokens[tok].text[from..to];
        for group in written.split(is_space).filter(|g| !g.is_empty()) {
            runs.push(Piece {
                text: group.to_string(),
                at: tokens[tok].at.clone(),
                run: true,
            });
        }
        // Digits split by a space in the original were one stream run: kept apart above.
    }
    runs
}

/// Orders the ways to cut a line, the likeliest first: values the report's text names
/// (“制发规范性文件62件”), then the last value the largest (现行有效件数 holds the years
/// before), then values of like length, then the first no smaller than the second.
fn rank(ways: &mut [Vec<String>], narrative: &[i64]) {
    let key = |w: &Vec<String>| {
        let v: Vec<i64> = w.iter().map(|p| p.parse().unwrap_or(0)).collect();
        let named = v.iter().filter(|x| **x > 9 && narrative.contains(x)).count();
        let last_largest = v.last().is_some_and(|l| v.iter().all(|x| x <= l));
        let lens: Vec<usize> = w.iter().map(String::len).collect();
        let spread = lens.iter().max().unwrap_or(&0) - lens.iter().min().unwrap_or(&0);
        let ordered = v.len() < 2 || v[0] >= v[1];
        (std::cmp::Reverse(named), !last_largest, spread, !ordered)
    };
    ways.sort_by_key(key);
}

/// Gives the pieces found for a line to its cells.
fn assign(
    format: &'static Format,
    row: &[CellIx],
    pieces: Vec<Piece>,
    narrative: &[i64],
    cells: &mut [Option<Reading>],
) {
    let n = row.len();
    let fits = |v: &[i64]| sums_hold(format, row, v);
    let runs = pieces.iter().any(|p| p.run);
    if pieces.len() == n {
        for (&ix, p) in row.iter().zip(&pieces) {
            let certainty = if p.text.is_empty() { Certainty::Blank } else { Certainty::Read };
            cells[ix] = Some(Reading {
                raw: p.text.clone(),
                at: Some(p.at.clone()),
                certainty,
            });
        }
        return;
    }
    if runs && pieces.len() < n && pieces.iter().all(|p| p.text.chars().all(|c| c.is_ascii_digit())) {
        let groups: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        let ways = split::splits(&groups, n, &fits, 64);
        let at = pieces[0].at.clone();
        let written = groups.join(" ");
        match ways.as_slice() {
            [one] => {
                for (&ix, v) in row.iter().zip(one) {
                    cells[ix] = Some(Reading {
                        raw: v.clone(),
                        at: Some(at.clone()),
                        certainty: Certainty::Split { written: written.clone() },
                    });
                }
            }
            [] => {
                let why = format!("“{written}”连在一起，无法按本行的合计拆成 {n} 格，请核对");
                let naive = split::splits(&groups, n, &|_| true, 1);
                let guess = naive.into_iter().next().unwrap_or_else(|| vec![String::new(); n]);
                for (&ix, v) in row.iter().zip(guess) {
                    cells[ix] = Some(Reading {
                        raw: v,
                        at: Some(at.clone()),
                        certainty: Certainty::Unsure { why: why.clone(), ways: Vec::new() },
                    });
                }
            }
            many => {
                let why = format!("“{written}”连在一起，可拆成 {} 种分法，请核对", many.len());
                let mut many = many.to_vec();
                rank(&mut many, narrative);
                for (k, &ix) in row.iter().enumerate() {
                    let ways: Vec<String> = many.iter().map(|w| w[k].clone()).collect();
                    cells[ix] = Some(Reading {
                        raw: many[0][k].clone(),
                        at: Some(at.clone()),
                        certainty: Certainty::Unsure { why: why.clone(), ways },
                    });
                }
            }
        }
        return;
    }
    // A count that does not match the line: read in order, and ask.
    let why = format!("本行应有 {n} 个数，读到 {} 个，请核对", pieces.len());
    for (k, &ix) in row.iter().enumerate() {
        let p = pieces.get(k);
        cells[ix] = Some(Reading {
            raw: p.map(|p| p.text.clone()).unwrap_or_default(),
            at: p.map(|p| p.at.clone()),
            certainty: Certainty::Unsure { why: why.clone(), ways: Vec::new() },
        });
    }
}

/// Whether the values of `row` keep the sums the format declares within it (a 总计 equal
/// to the cells before it).
fn sums_hold(format: &Format, row: &[CellIx], values: &[i64]) -> bool {
    row.iter().enumerate().all(|(k, &ix)| {
        let Some(sum) = format.cells[ix].total.as_ref().and_then(|t| t.across.as_ref()) else {
            return true;
        };
        let parts: Option<i64> = sum
            .parts
            .iter()
            .map(|p| row.iter().position(|r| r == p).map(|at| values[at]))
            .sum();
        parts.is_none_or(|s| s == values[k])
    })
}

/// Lines split more than one way: the one that keeps the table's column sums (（七）总计,
/// and 一 + 二 = 三 + 四) is proposed. It is still a proposal; a person confirms it.
fn settle(format: &'static Format, table: &[CellIx], cells: &mut [Option<Reading>]) {
    let unsure: Vec<Vec<CellIx>> = {
        let mut rows: Vec<Vec<CellIx>> = Vec::new();
        for &ix in table {
            if let Some(Reading { certainty: Certainty::Unsure { ways, .. }, .. }) = &cells[ix]
                && ways.len() > 1
            {
                match rows.last_mut() {
                    Some(r) if format.cells[r[0]].row == format.cells[ix].row => r.push(ix),
                    _ => rows.push(vec![ix]),
                }
            }
        }
        rows
    };
    if unsure.is_empty() {
        return;
    }
    let value = |cells: &[Option<Reading>], ix: CellIx| -> i64 {
        cells[ix]
            .as_ref()
            .and_then(|r| value::parse(format.cells[ix].kind, &r.raw).ok().flatten())
            .unwrap_or(0)
    };
    // Broken column sums with every line's choice in place.
    let broken = |cells: &[Option<Reading>]| -> usize {
        table
            .iter()
            .filter(|&&ix| {
                format.cells[ix]
                    .total
                    .as_ref()
                    .and_then(|t| t.down.as_ref())
                    .is_some_and(|down| down.parts.iter().map(|&p| value(cells, p)).sum::<i64>() != value(cells, ix))
            })
            .count()
            + format
                .balance("requests.balance")
                .iter()
                .filter(|(left, right)| {
                    left.iter().map(|&p| value(cells, p)).sum::<i64>()
                        != right.iter().map(|&p| value(cells, p)).sum::<i64>()
                })
                .count()
    };
    // Each unsure line in turn takes the way that breaks the fewest sums, twice over.
    for _ in 0..2 {
        for row in &unsure {
            let Some(Reading { certainty: Certainty::Unsure { ways, .. }, .. }) = &cells[row[0]] else {
                continue;
            };
            let count = ways.len();
            let mut best = (usize::MAX, 0);
            for way in 0..count {
                let mut trial = cells.to_vec();
                for &ix in row {
                    if let Some(r) = trial[ix].as_mut()
                        && let Certainty::Unsure { ways, .. } = &r.certainty
                    {
                        r.raw = ways[way].clone();
                    }
                }
                let b = broken(&trial);
                if b < best.0 {
                    best = (b, way);
                }
            }
            for &ix in row {
                if let Some(r) = cells[ix].as_mut()
                    && let Certainty::Unsure { ways, .. } = &r.certainty
                {
                    r.raw = ways[best.1].clone();
                }
            }
        }
    }
}
