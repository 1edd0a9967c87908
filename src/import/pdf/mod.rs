//! PDF text layers (WPS and Word exports): glyph runs placed by position (`layer`), put
//! into reading order here. A run is a cell, a label line or a line of prose; runs whose
//! baselines are within a few points are one line, read left to right: table values sit a
//! little below their labels, and a label wrapped over three lines carries its numbers on
//! the middle one.

mod layer;

pub use layer::PdfError;

use super::tokens::{At, Piece, Token};

/// Baselines this close are one line. The numbers of 表三 sit up to 2.5 pt below their
/// label (a larger font); the lines of a wrapped label are about 12 pt apart.
const SAME_LINE: f32 = 3.5;

pub fn tokens(bytes: &[u8]) -> Result<Vec<Token>, PdfError> {
    let mut runs: Vec<layer::Run> = layer::runs(bytes)?
        .into_iter()
        .filter(|r| !is_page_number(&r.text))
        .collect();
    runs.sort_by(|a, b| a.page.cmp(&b.page).then(a.y.total_cmp(&b.y)));
    let mut tokens = Vec::with_capacity(runs.len());
    let mut line: Vec<layer::Run> = Vec::new();
    let flush = |line: &mut Vec<layer::Run>, tokens: &mut Vec<Token>| {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        for (k, r) in line.drain(..).enumerate() {
            let at = At::Page {
                page: r.page,
                x: r.x.round() as i32,
                y: r.y.round() as i32,
            };
            let mut t = Token::new(r.text, at, Piece::Line);
            t.line_start = k == 0;
            tokens.push(t);
        }
    };
    for run in runs {
        let joins = line
            .first()
            .is_some_and(|first| first.page == run.page && (run.y - first.y).abs() <= SAME_LINE);
        if !joins {
            flush(&mut line, &mut tokens);
        }
        line.push(run);
    }
    flush(&mut line, &mut tokens);
    Ok(tokens)
}

/// A page number as WPS prints it: `-5-`, `— 5 —`, `- 5 -`.
fn is_page_number(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = t.trim_matches(|c| matches!(c, '-' | '—' | '–' | '－'));
    inner.len() < t.len() && !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit())
}
