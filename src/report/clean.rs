//! What a field keeps of what was typed or pasted, and how long it may be.
//!
//! Text copied from Word, WPS or a web page carries characters nobody can see and no writer
//! can keep: NUL (which Postgres refuses), other C0 and C1 controls, DEL, and the
//! noncharacters U+FFFE/U+FFFF (which XML forbids). They are removed wherever a value enters
//! (forms, the API, imports, the store), and the page shows the value as kept. Word's manual
//! line break (vertical tab) and page break (form feed) become line breaks, as do `\r\n`
//! and a lone `\r`; tab and newline stay.

use std::borrow::Cow;

/// The longest text section accepted, in characters: a real report's whole text is
/// 3,000–5,000 characters (`shared/examples/published`), a section a fraction of that.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The longest value kept in a cell, in characters (a wrong value is kept as typed).
pub const MAX_CELL_CHARS: usize = 100;

/// `raw` without the characters described above; borrowed when it has none.
pub fn clean(raw: &str) -> Cow<'_, str> {
    if is_clean(raw) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{0B}' | '\u{0C}' => out.push('\n'),
            '\t' | '\n' => out.push(c),
            c if dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether a character is removed.
fn dropped(c: char) -> bool {
    c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Whether `clean` would change nothing. Looks at bytes: every character it changes starts
/// with a byte below 0x20, 0x7F, 0xC2 (C1 controls) or 0xEF (U+FFFE/U+FFFF), and the check
/// runs after every keystroke on texts of thousands of characters.
fn is_clean(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let controls = bytes.iter().fold(false, |any, &b| {
        any | ((b < 0x20 && b != b'\t' && b != b'\n') | (b == 0x7F))
    });
    if controls {
        return false;
    }
    let c1 = memchr::memchr_iter(0xC2, bytes).any(|i| matches!(bytes.get(i + 1), Some(0x80..=0x9F)));
    let nonchar = memchr::memchr_iter(0xEF, bytes)
        .any(|i| bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)));
    !(c1 || nonchar)
}

/// A text over [`MAX_TEXT_CHARS`]: the message shown beside it.
pub fn text_too_long(text: &str) -> Option<String> {
    too_long(text, MAX_TEXT_CHARS, "本部分")
}

/// A cell value over [`MAX_CELL_CHARS`]: the message shown beside it.
pub fn cell_too_long(raw: &str) -> Option<String> {
    too_long(raw, MAX_CELL_CHARS, "单元格内容")
}

fn too_long(s: &str, max: usize, what: &str) -> Option<String> {
    // Bytes bound characters from above: most values are far below the limit.
    if s.len() <= max {
        return None;
    }
    let n = s.chars().count();
    (n > max).then(|| format!("{what}共 {n} 字，超过上限 {max} 字，未保存；请删减后再保存"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_removed_and_breaks_become_newlines() {
        assert_eq!(clean("一\u{0}二"), "一二");
        assert_eq!(clean("a\u{7}b\u{1B}c\u{7F}d\u{85}e\u{9F}f"), "abcdef");
        assert_eq!(
            clean("行一\r\n行二\r行三\u{0B}行四\u{0C}行五"),
            "行一\n行二\n行三\n行四\n行五"
        );
        assert_eq!(clean("x\u{FFFE}y\u{FFFF}z"), "xyz");
        assert_eq!(clean("tab\there\nnewline"), "tab\there\nnewline");
    }

    #[test]
    fn what_is_kept_is_not_copied() {
        for s in [
            "",
            "plain",
            "一、总体情况（二）",
            "·《》——",
            "\u{20000}𠀀",
            "©®\u{A0}",
            "\u{FFFD}",
        ] {
            assert!(matches!(clean(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn the_byte_check_agrees_with_the_character_rule() {
        let samples: Vec<char> = (0u32..0x300)
            .chain(0xFF00..0x10000)
            .chain([0x20000, 0x2A6DF, 0x10FFFF])
            .filter_map(char::from_u32)
            .collect();
        for &c in &samples {
            let s = format!("中{c}文");
            let changes = clean(&s) != s.as_str();
            let by_rule = (dropped(c) && c != '\t' && c != '\n') || c == '\r';
            assert_eq!(changes, by_rule, "{:?} U+{:04X}", c, c as u32);
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert_eq!(text_too_long(&"字".repeat(MAX_TEXT_CHARS)), None);
        let message = text_too_long(&"字".repeat(MAX_TEXT_CHARS + 1)).unwrap();
        assert!(
            message.contains("20001") && message.contains("20000"),
            "{message}"
        );
        assert_eq!(cell_too_long(&"9".repeat(MAX_CELL_CHARS)), None);
        assert!(cell_too_long(&"9".repeat(MAX_CELL_CHARS + 1)).is_some());
    }
}
