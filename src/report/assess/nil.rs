//! 零报告: a text saying nothing happened (“本年度未收到政府信息公开申请”, “未发生政府信息
//! 公开行政复议、行政诉讼”) while the table counts some. A clause says “none” when it
//! holds a negation and the thing's word, and not the word of another thing (“无因政府
//! 信息公开申请提起行政复议” is about 复议, not about 申请).

const NONE: &[&str] = &["未收到", "没有收到", "未发生", "没有发生", "未有", "没有", "无", "零"];

/// The clauses of `text` that say there was none of what `words` names (and none of
/// `unless` appears in them), as written.
pub fn said_none<'t>(text: &'t str, words: &[&str], unless: &[&str]) -> Vec<&'t str> {
    text.split(['。', '；', ';', '\n', '，', ','])
        .filter(|clause| {
            NONE.iter().any(|n| clause.contains(n))
                && words.iter().any(|w| clause.contains(w))
                && !unless.iter().any(|u| clause.contains(u))
                // A clause that counts something is no nil return.
                && !counts(clause)
        })
        .map(str::trim)
        .collect()
}

/// Whether a clause gives a count: digits followed by a unit (3件, 2 条, 100元).
fn counts(clause: &str) -> bool {
    let chars: Vec<char> = clause.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && "件条个元万份次".contains(w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nil_statement_is_told_from_a_clause_about_something_else() {
        let text = "2024年度未收到政府信息公开申请。本年度无因政府信息公开申请提起行政复议、行政诉讼的情况。";
        assert_eq!(said_none(text, &["申请"], &["复议", "诉讼"]), ["2024年度未收到政府信息公开申请"]);
        assert_eq!(said_none(text, &["复议", "诉讼"], &[]).len(), 1);
        assert!(said_none("全年收到政府信息公开申请218件。", &["申请"], &["复议", "诉讼"]).is_empty());
    }
}
