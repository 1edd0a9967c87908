//! Page text: the archived text of a page, a line per piece. One cell per line (三明),
//! or a whole page run together on one line (平潭): the parser copes with both.

use super::tokens::{At, Piece, Token, is_space};

pub fn tokens(text: &str) -> Vec<Token> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.chars().any(|c| !is_space(c)))
        .map(|(n, l)| Token::new(l.trim_matches(is_space), At::Line(n + 1), Piece::Line))
        .collect()
}
