//! The report's skeleton in a document: its title (agency and year) and its six
//! numbered headings, in their published variants, and the texts of 一、五、六.

use super::fuzzy;
use super::tokens::{Piece, Stream, Token, fold, is_space};

/// Each section's heading without its number, and the variants published reports use
/// (spec/format-research.md §2): one list per section, in the report's order.
const HEADINGS: [(char, &[&str]); 6] = [
    ('一', &["总体情况"]),
    ('二', &["主动公开政府信息情况"]),
    ('三', &["收到和处理政府信息公开申请情况"]),
    ('四', &["政府信息公开行政复议、行政诉讼情况"]),
    (
        '五',
        &[
            "存在的主要问题及改进情况",
            "政府信息公开工作存在的主要问题及改进情况",
            "存在的主要问题及整改措施",
            "存在问题及改进情况",
        ],
    ),
    ('六', &["其他需要报告的事项"]),
];

/// Where a heading is in the stream: `start` at its number, `end` after it.
#[derive(Debug, Clone, Copy)]
pub struct Heading {
    pub start: usize,
    pub end: usize,
}

/// The six headings, in order; `None` for one not found.
pub fn headings(stream: &Stream) -> [Option<Heading>; 6] {
    let mut out = [None; 6];
    let mut pos = 0;
    for (k, (number, variants)) in HEADINGS.iter().enumerate() {
        let found = variants
            .iter()
            .filter_map(|v| numbered(stream, pos, *number, v))
            .min_by_key(|h| h.start);
        if let Some(h) = found {
            out[k] = Some(h);
            pos = h.end;
        }
    }
    out
}

/// The first occurrence of `body` after `from` that follows its number (`二、`, `二.`):
/// the preamble lists the sections' names without numbers, and must not count.
fn numbered(stream: &Stream, from: usize, number: char, body: &str) -> Option<Heading> {
    let label: Vec<char> = body.chars().map(fold).collect();
    let mut at = from;
    while let Some(found) = fuzzy::find(&stream.chars, at, stream.chars.len(), &label) {
        let s = found.start;
        if s >= 2 && stream.chars[s - 2] == number && matches!(stream.chars[s - 1], '、' | '.' | ',') {
            return Some(Heading { start: s - 2, end: found.end });
        }
        if s >= 1 && stream.chars[s - 1] == number {
            return Some(Heading { start: s - 1, end: found.end });
        }
        at = found.start + 1;
    }
    None
}

/// The report's agency and year as its title gives them: `<agency><year>年(度)政府信息公开
/// 工作年度报告`. Of every such title in the document (page title, heading, preamble) the
/// fullest agency name of the most named year is taken: 三明's page says 三明市, its
/// preamble 三明市人民政府.
pub fn title(stream: &Stream) -> Option<(String, i32)> {
    let key: Vec<char> = "政府信息公开工作年度报告".chars().collect();
    let mut found: Vec<(String, i32)> = Vec::new();
    let mut at = 0;
    while let Some(i) = stream.find("政府信息公开工作年度报告", at) {
        at = i + key.len();
        let mut j = i;
        if j >= 1 && stream.chars[j - 1] == '度' {
            j -= 1;
        }
        if j < 5 || stream.chars[j - 1] != '年' {
            continue;
        }
        let digits: String = stream.chars[j - 5..j - 1].iter().collect();
        let Ok(year) = digits.parse::<i32>() else {
            continue;
        };
        let name_end = j - 5;
        let mut name_start = name_end;
        while name_start > 0 && name_end - name_start < 40 {
            let c = stream.chars[name_start - 1];
            if !is_name_char(c) {
                break;
            }
            name_start -= 1;
        }
        let mut name: String = stream.chars[name_start..name_end].iter().collect();
        // What comes before the name on its line: a breadcrumb (首页 > … > 政府信息公开年报),
        // a preamble's verb (现公布三明市人民政府…, 向社会公布…).
        for marker in ["年报", "公开", "公布", "发布", "印发", "编制", "首页", "位置"] {
            if let Some(i) = name.rfind(marker) {
                name = name[i + marker.len()..].to_string();
            }
        }
        if name.chars().count() >= 2 {
            found.push((name, year));
        }
    }
    let year = most_named(found.iter().map(|(_, y)| *y))?;
    let name = found
        .into_iter()
        .filter(|(_, y)| *y == year)
        .map(|(n, _)| n)
        .max_by_key(|n| n.chars().count())?;
    Some((with_city(stream, name), year))
}

/// A district or county government as its signature names it, with its city: the title
/// says 洪泽区人民政府, the body 淮安市洪泽区人民政府.
fn with_city(stream: &Stream, name: String) -> String {
    let Some(region) = name.strip_suffix("人民政府") else {
        return name;
    };
    if !(region.ends_with('区') || region.ends_with('县')) || region.contains('市') {
        return name;
    }
    let len = name.chars().count();
    let mut at = 0;
    while let Some(i) = stream.find(&name, at) {
        at = i + len;
        // A city's two-character name and 市 right before (淮安市): nothing in the text
        // says where a longer name would begin (…报告由淮安市…).
        if i >= 3 && stream.chars[i - 1] == '市' && stream.chars[i - 3..i - 1].iter().all(|&c| is_name_char(c)) {
            let city: String = stream.chars[i - 3..i].iter().collect();
            return format!("{city}{name}");
        }
    }
    name
}

/// The numbers the text counts something with (`62件`, `218条`): where digits run
/// together in a table, what the narrative says decides between ways to cut them.
pub fn counted(stream: &Stream) -> Vec<i64> {
    let mut out = Vec::new();
    let chars = &stream.chars;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if chars.get(i).is_some_and(|c| "件条个份篇项次".contains(*c))
            && let Ok(n) = chars[start..i].iter().collect::<String>().parse::<i64>()
        {
            out.push(n);
        }
    }
    out
}

fn most_named(years: impl Iterator<Item = i32>) -> Option<i32> {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for y in years {
        match counts.iter_mut().find(|(v, _)| *v == y) {
            Some((_, n)) => *n += 1,
            None => counts.push((y, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(y, _)| y)
}

fn is_name_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The text of the stream between two positions, as the original wrote it: whole pieces
/// in between, the parts of the first and last. A paragraph breaks at every block, and at
/// a line that ends a sentence; a line broken inside a sentence is joined.
pub fn text(tokens: &[Token], stream: &Stream, start: usize, end: usize) -> String {
    if start >= end || start >= stream.from.len() {
        return String::new();
    }
    let (first_tok, first_off) = stream.from[start];
    let (last_tok, last_off) = match stream.from.get(end) {
        Some(&at) => at,
        None => (tokens.len() - 1, usize::MAX),
    };
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for (t, tok) in tokens.iter().enumerate().take(last_tok.saturating_add(1)).skip(first_tok) {
        let from = if t == first_tok { first_off } else { 0 };
        let to = if t == last_tok { last_off.min(tok.text.len()) } else { tok.text.len() };
        if from >= to {
            continue;
        }
        let piece = tok.text[from..to].trim_matches(is_space);
        if piece.is_empty() {
            continue;
        }
        let breaks = match tok.piece {
            Piece::Block | Piece::Cell => true,
            Piece::Line => tok.line_start && (current.ends_with(sentence_end) || starts_point(piece)),
        };
        if breaks && !current.is_empty() {
            paragraphs.push(std::mem::take(&mut current));
        }
        if !breaks && !tok.line_start && !current.is_empty() {
            current.push(' ');
        }
        current.push_str(piece);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.iter().map(|p| points_apart(p)).collect::<Vec<_>>().join("\n")
}

/// A paragraph that runs numbered points together (page text that lost its line breaks:
/// “…发展。（一）主动公开方面。…”): each point from a line of its own.
fn points_apart(paragraph: &str) -> String {
    let mut out = String::with_capacity(paragraph.len());
    let mut chars = paragraph.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        out.push(c);
        if matches!(c, '。' | '；' | '：') && starts_point(paragraph[i + c.len_utf8()..].trim_start_matches(is_space)) {
            out.push('\n');
            while chars.peek().is_some_and(|&(_, n)| is_space(n)) {
                chars.next();
            }
        }
    }
    out
}

fn sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '：' | ':' | ';')
}

/// A line opening a numbered point: （一）…, 一是…, 1.…
fn starts_point(s: &str) -> bool {
    let mut cs = s.chars().map(fold);
    match (cs.next(), cs.next(), cs.next()) {
        (Some('('), Some(n), Some(')')) => "一二三四五六七八九十".contains(n),
        (Some(n), Some('是'), _) => "一二三四五六七八九十".contains(n),
        _ => false,
    }
}

/// Section 六's text without what follows the report on the page: the signature (the
/// agency's name, the date), 此件主动公开, and page furniture (附件下载, 打印本页).
pub fn without_tail(text: &str) -> String {
    const FURNITURE: &[&str] = &["附件下载", "附件：", "【打印本页】", "【关闭窗口】", "打印本页", "关闭窗口", "扫一扫在手机打开当前页"];
    let mut paragraphs: Vec<String> = text.lines().map(str::to_string).collect();
    while let Some(last) = paragraphs.last_mut() {
        let mut trimmed = last.trim_matches(is_space).to_string();
        for f in FURNITURE {
            if let Some(i) = trimmed.find(f) {
                trimmed.truncate(i);
            }
        }
        let trimmed = trimmed.trim_matches(is_space).to_string();
        if trimmed.is_empty() || is_signature(&trimmed) {
            paragraphs.pop();
            continue;
        }
        *last = trimmed;
        break;
    }
    paragraphs.join("\n")
}

/// A line that signs the report: a date, a short agency name, （此件主动公开）.
fn is_signature(line: &str) -> bool {
    let chars: Vec<char> = line.chars().filter(|c| !is_space(*c)).map(fold).collect();
    let s: String = chars.iter().collect();
    if chars.len() > 40 || s.contains('。') {
        return false;
    }
    let date = s.ends_with('日') && s.contains('年') && s.contains('月') && s.chars().filter(char::is_ascii_digit).count() >= 5;
    let note = s.starts_with('(') && s.ends_with(')') && s.contains("公开");
    let agency = ["局", "政府", "委员会", "管委会", "办公室", "中心", "院", "厅", "委", "办"].iter().any(|e| s.ends_with(e));
    date || note || agency
}
