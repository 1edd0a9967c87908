//! 文表不符: numbers the texts quote (“共受理政府信息公开申请 302 件”, “行政诉讼 7 件”,
//! “现行有效规范性文件 393 件”) against the cells they describe. What a phrase describes
//! is declared with the format ([`Claim`]); a number that equals none of the sums the
//! phrase may mean is reported.

use crate::format::Claim;

/// A number a text quotes for a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    pub claim: usize,
    pub value: i64,
    /// The words as the text writes them, for the message.
    pub words: String,
}

/// Characters allowed between a claim's words and its number: “行政诉讼案件 7 件”,
/// “申请共计 81 件”.
const FILLER: &[&str] = &["案件", "共计", "总计", "合计", "共", "为", "达", ":", "：", "数"];

/// Every number the text quotes for one of `claims`, in the text's order.
pub fn quoted(text: &str, claims: &[Claim]) -> Vec<Quoted> {
    let mut out = Vec::new();
    for (k, claim) in claims.iter().enumerate() {
        for words in claim.words {
            let mut from = 0;
            while let Some(found) = text[from..].find(words) {
                let start = from + found;
                let mut rest = &text[start + words.len()..];
                from = start + words.len();
                loop {
                    let trimmed = rest.trim_start();
                    match FILLER.iter().find(|f| trimmed.starts_with(*f)) {
                        Some(f) => rest = &trimmed[f.len()..],
                        None => {
                            rest = trimmed;
                            break;
                        }
                    }
                }
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if digits.is_empty() {
                    continue;
                }
                let unit = rest[digits.len()..].trim_start();
                if !["件", "份", "个"].iter().any(|u| unit.starts_with(u)) {
                    continue;
                }
                let Ok(value) = digits.parse::<i64>() else { continue };
                let end = text.len() - unit.len() + unit.chars().next().map_or(0, char::len_utf8);
                out.push(Quoted {
                    claim: k,
                    value,
                    words: text[start..end].to_string(),
                });
            }
        }
    }
    out.sort_by_key(|q| text.find(&q.words).unwrap_or(0));
    out.dedup();
    out
}
