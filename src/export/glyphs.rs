//! The CJK font that ships with the app, and which characters it cannot draw.
//!
//! Noto Serif SC (SIL OFL 1.1, `static/fonts/OFL.txt`), Regular and Bold, cut to the GBK
//! repertoire (all 20,902 CJK Unified Ideographs U+4E00–9FA5 and more, plus Latin and
//! punctuation) with fonttools `pyftsubset`: 10.9 MB per weight instead of 14.8 MB, and it
//! still draws rare name characters such as 喆 堃 昇. Built into the binary, so a PDF comes
//! out right on a machine with no fonts installed. typst drops a glyph the font lacks
//! without a word, so every text is checked here first: a missing character is reported at
//! its field and printed as 〓 (the customary mark for a missing character), never as a blank.

use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::Font;

use crate::format::Field;
use crate::report::{Place, Report};

pub static REGULAR: &[u8] = include_bytes!("../../static/fonts/NotoSerifSC-Regular.ttf");
pub static BOLD: &[u8] = include_bytes!("../../static/fonts/NotoSerifSC-Bold.ttf");

/// The shipped fonts, parsed once.
pub static FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    [REGULAR, BOLD]
        .into_iter()
        .filter_map(|data| Font::new(Bytes::new(data), 0))
        .collect()
});

/// What prints in place of a character the font cannot draw.
pub const MISSING: char = '〓';

/// The characters the Regular font draws, as a bitset: the font's own coverage table is a
/// list of runs searched from the start, too slow for checking every keystroke's form.
static COVERED: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = Vec::new();
    if let Some(font) = FONTS.first() {
        for c in font.info().coverage.iter() {
            let word = (c / 64) as usize;
            if word >= bits.len() {
                bits.resize(word + 1, 0);
            }
            bits[word] |= 1 << (c % 64);
        }
    }
    bits
});

/// Whether `c` may reach an export's text at all.
///
/// XML 1.0 (its `Char` production) forbids the C0 controls other than tab, line feed and
/// carriage return, and U+FFFE and U+FFFF: a Word or Excel file holding one is not
/// well-formed, and Word refuses to open it (a vertical tab or form feed pasted from Word is
/// enough). It also discourages DEL, the C1 controls and the noncharacters, which HTML
/// parsers report as errors. None of them shows anything a reader could see, so every writer
/// (PDF, Word, Excel, HTML, the bulk export's 清单.csv) prints each as [`MISSING`], the mark of
/// a character the font cannot draw: the reader sees that something is there that cannot be
/// printed, which dropping it would hide. The JSON export and the data embedded in the HTML
/// keep the text as stored (JSON escapes these characters), so nothing is lost.
pub fn exportable(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fdd0}'..='\u{fdef}' => false,
        // U+FFFE and U+FFFF, and their twins at the end of every plane.
        c => (c as u32) & 0xfffe != 0xfffe,
    }
}

/// The text with every character that may not reach an export (see [`exportable`]) replaced
/// by [`MISSING`]: for the writers whose reader has fonts of its own (HTML, CSV).
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(exportable) {
        return text.into();
    }
    text.chars()
        .map(|c| if exportable(c) { c } else { MISSING })
        .collect::<String>()
        .into()
}

/// Whether the shipped font draws `c` (line breaks and spaces need no glyph). A character
/// that may not reach an export (see [`exportable`]) is never drawable, so that it is
/// flagged at its field like a character the font lacks.
pub fn drawable(c: char) -> bool {
    covered(&COVERED, c)
}

fn covered(bits: &[u64], c: char) -> bool {
    let code = c as u32;
    exportable(c)
        && (bits
            .get((code / 64) as usize)
            .is_some_and(|word| word & (1 << (code % 64)) != 0)
            || c.is_whitespace())
}

/// The characters of `text` the font cannot draw, each once, in code point order.
fn undrawable(text: &str) -> Vec<char> {
    let bits: &[u64] = &COVERED;
    let mut chars: Vec<char> = text.chars().filter(|&c| !covered(bits, c)).collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

/// The text with every character the font cannot draw replaced by [`MISSING`].
pub fn printable(text: &str) -> String {
    if text.chars().all(drawable) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if drawable(c) { c } else { MISSING })
        .collect()
}

/// A place with characters the font cannot draw, and those characters (each once).
pub type Missing = (Place, Vec<char>);

/// Fields with characters the font cannot draw, and those characters (each once).
pub fn missing(report: &Report) -> Vec<Missing> {
    missing_reusing(report, None)
}

/// [`missing`], taking what was found in `earlier` for each text that is the same there:
/// the live check validates the stored texts after every keystroke in a table, and a text
/// is thousands of characters.
pub fn missing_reusing(report: &Report, earlier: Option<(&Report, &[Missing])>) -> Vec<Missing> {
    let format = report.format();
    let mut found: Vec<Missing> = format
        .fields()
        .filter_map(|field| {
            let mut text = report.get(field);
            if let (Some((before, found)), Field::Text(ix)) = (earlier, field)
                && before.version == report.version
            {
                let earlier = found.iter().find(|(p, _)| *p == Place::Field(field));
                if before.texts[ix] == report.texts[ix] {
                    return earlier.cloned();
                }
                if earlier.is_none() {
                    // All of the earlier text was drawable: only what the clerk changed in it
                    // since can hold a character that is not.
                    text = edited(&before.texts[ix], text);
                }
            }
            // Cells are digits: printable ASCII, which the font draws in full (tested below).
            if text.bytes().all(|b| matches!(b, b' '..=b'~')) {
                return None;
            }
            let chars = undrawable(text);
            (!chars.is_empty()).then_some((Place::Field(field), chars))
        })
        .collect();
    if !report.agency.chars().all(drawable) {
        found.push((
            Place::Agency,
            report.agency.chars().filter(|c| !drawable(*c)).collect(),
        ));
    }
    found
}

/// The part of `now` that differs from `before`: what lies between their common start and
/// their common end, cut at character boundaries.
fn edited<'a>(before: &str, now: &'a str) -> &'a str {
    let (a, b) = (before.as_bytes(), now.as_bytes());
    let mut start = common_start(a, b);
    let room = a.len().min(b.len()) - start;
    let mut end = b.len() - common_end(a, b).min(room);
    while !now.is_char_boundary(start) {
        start -= 1;
    }
    while !now.is_char_boundary(end) {
        end += 1;
    }
    &now[start..end]
}

/// How many bytes `a` and `b` start with in common, compared 16 at a time.
fn common_start(a: &[u8], b: &[u8]) -> usize {
    let same = a
        .chunks_exact(16)
        .zip(b.chunks_exact(16))
        .take_while(|(x, y)| x == y)
        .count()
        * 16;
    same + a[same..]
        .iter()
        .zip(&b[same..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` end with in common, compared 16 at a time.
fn common_end(a: &[u8], b: &[u8]) -> usize {
    let same = a
        .rchunks_exact(16)
        .zip(b.rchunks_exact(16))
        .take_while(|(x, y)| x == y)
        .count()
        * 16;
    same + a[..a.len() - same]
        .iter()
        .rev()
        .zip(b[..b.len() - same].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The warning shown at a field with characters the font lacks, before anyone exports.
pub fn message(format: &crate::format::Format, place: Place, chars: &[char]) -> String {
    let place = match place {
        Place::Agency => "机关名称".to_string(),
        Place::Field(Field::Cell(ix)) => format.cell_name(ix),
        Place::Field(field @ Field::Text(_)) => format!("“{}”", format.heading_of(field)),
    };
    // A control character or a lone mark shows as nothing (or breaks the line): name it.
    let mut list = String::new();
    for &c in chars {
        if exportable(c) && !c.is_control() && !invisible(c) {
            list.push(c);
        } else {
            if !list.is_empty() && !list.ends_with(' ') {
                list.push(' ');
            }
            list.push_str(&format!("U+{:04X} ", c as u32));
        }
    }
    let list = list.trim_end();
    format!(
        "{place}中有字库无法显示的字符「{list}」，导出的 PDF、Word 中将显示为 {MISSING}，请核对或改用常用字"
    )
}

/// Combining marks of the common blocks (alone they show as a dotted circle or nothing) and
/// the invisible format characters (soft hyphen, zero-width and direction marks, BOM).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{300}'..='\u{36f}'
            | '\u{61c}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe20}'..='\u{fe2f}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_draws_common_and_rare_name_characters() {
        for c in "政府信息公开工作年度报告喆堃昇（）《》、“”：；0123456789abcABC".chars()
        {
            assert!(drawable(c), "{c}");
        }
        assert!(
            (b' '..=b'~').all(|b| drawable(char::from(b))),
            "all of printable ASCII"
        );
    }

    #[test]
    fn the_bitset_agrees_with_the_fonts_coverage() {
        let coverage = &FONTS[0].info().coverage;
        for code in (0..0x3_0000u32).step_by(7) {
            if let Some(c) = char::from_u32(code).filter(|&c| !c.is_whitespace() && exportable(c)) {
                assert_eq!(drawable(c), coverage.contains(code), "U+{code:04X}");
            }
        }
    }

    #[test]
    fn what_xml_cannot_carry_is_never_drawn_and_is_named_where_it_is() {
        for c in [
            '\0',
            '\u{8}',
            '\u{b}',
            '\u{c}',
            '\u{1f}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            assert!(!exportable(c) && !drawable(c), "U+{:04X}", c as u32);
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            '甲',
            '\u{a0}',
            '\u{fffd}',
            '\u{10000}',
            '\u{20000}',
        ] {
            assert!(exportable(c), "U+{:04X}", c as u32);
        }
        assert_eq!(printable("甲\u{b}乙\u{0}\t丙"), "甲〓乙〓\t丙");
        assert_eq!(visible("\u{20000}\u{c}\u{301}"), "\u{20000}〓\u{301}");
        assert!(matches!(visible("甲乙"), std::borrow::Cow::Borrowed(_)));

        let mut report = crate::report::testing::example();
        report.texts[0] = "甲\u{b}\u{301}喆\u{20000}".into();
        let found = missing(&report);
        assert_eq!(
            found,
            vec![(
                Place::Field(Field::Text(0)),
                vec!['\u{b}', '\u{301}', '\u{20000}']
            )]
        );
        let text = message(report.format(), Place::Field(Field::Text(0)), &found[0].1);
        assert!(text.contains("「U+000B U+0301 \u{20000}」"), "{text}");
    }

    #[test]
    fn characters_beyond_the_font_are_marked_not_dropped() {
        // U+20000 (CJK Extension B) is outside the GBK cut.
        let rare = "张\u{20000}三";
        assert!(!drawable('\u{20000}'));
        assert_eq!(printable(rare), "张〓三");
        let mut report = crate::report::testing::example();
        report.texts[0] = format!("负责人：{rare}");
        let found = missing(&report);
        assert_eq!(found, vec![(Place::Field(Field::Text(0)), vec!['\u{20000}'])]);
    }

    #[test]
    fn reusing_an_earlier_answer_finds_the_same() {
        let mut earlier = crate::report::testing::example();
        earlier.texts[0] = "甲\u{20000}".to_string();
        earlier.texts[1] = "乙\u{20001}".to_string();
        let found = missing(&earlier);
        let mut now = earlier.clone();
        now.texts[1] = "乙".to_string();
        now.texts[2] = "丙\u{20002}".to_string();
        now.cells[0] = "\u{20003}".to_string();
        let reused = missing_reusing(&now, Some((&earlier, &found)));
        assert_eq!(reused, missing(&now));
        assert_eq!(reused.len(), 3, "{reused:?}");
        // A drawable text edited anywhere: at its start, inside, at its end, shortened,
        // replaced, and with the edit next to the same character (the common start and end
        // overlap).
        let before = "政府信息公开工作年度报告";
        let mut earlier = crate::report::testing::example();
        earlier.texts[0] = before.to_string();
        let found = missing(&earlier);
        assert!(
            found.iter().all(|(p, _)| *p != Place::Field(Field::Text(0))),
            "{found:?}"
        );
        for now in [
            "\u{20000}政府信息公开工作年度报告",
            "政府信息\u{20000}公开工作年度报告",
            "政府信息公开工作年度报告\u{20000}",
            "政府信息公开",
            "",
            "\u{20000}",
            "政府信息信息公开工作年度报告\u{20001}告",
            "政府信\u{20000}信息公开工作年度报告",
        ] {
            let mut report = earlier.clone();
            report.texts[0] = now.to_string();
            assert_eq!(
                missing_reusing(&report, Some((&earlier, &found))),
                missing(&report),
                "{now}"
            );
        }
    }

    #[test]
    fn an_edit_is_found_between_the_common_start_and_end() {
        assert_eq!(edited("甲乙丙", "甲丁丙"), "丁");
        assert_eq!(edited("甲乙丙", "甲乙丙丁"), "丁");
        assert_eq!(edited("甲乙丙", "丁甲乙丙"), "丁");
        assert_eq!(edited("甲乙丙", "甲乙"), "");
        // Cut back to whole characters, the common start (甲 and 乙's first byte) leaves 丙.
        assert_eq!(edited("甲乙丙", "甲丙"), "丙");
        assert_eq!(edited("乙乙", "乙乙乙"), "乙");
        // 乙 (E4 B9 99) and 丙 (E4 B8 99) share bytes: the cut stays on whole characters.
        assert_eq!(edited("甲乙", "甲丙"), "丙");
        assert_eq!(edited("", "丙"), "丙");
    }
}
