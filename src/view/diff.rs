//! Two versions of a text side by side, for the history and the conflict panel.

/// A readable diff of two texts, character by character (Chinese has no spaces to split
/// words at): runs of (kind, text) with kind `same`, `del`, `ins`, or `gap` where a long
/// unchanged stretch is cut down to its ends.
pub fn text_diff(old: &str, new: &str) -> Vec<(&'static str, String)> {
    const CONTEXT: usize = 24;
    let diff = similar::TextDiff::from_chars(old, new);
    let mut runs: Vec<(&'static str, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => "same",
            similar::ChangeTag::Delete => "del",
            similar::ChangeTag::Insert => "ins",
        };
        match runs.last_mut() {
            Some((k, text)) if *k == kind => text.push_str(change.value()),
            _ => runs.push((kind, change.value().to_string())),
        }
    }
    let last = runs.len().saturating_sub(1);
    let mut out = Vec::new();
    for (i, (kind, text)) in runs.into_iter().enumerate() {
        let chars: Vec<char> = text.chars().collect();
        if kind != "same" || chars.len() <= CONTEXT * 2 {
            out.push((kind, text));
            continue;
        }
        let head: String = if i == 0 {
            String::new()
        } else {
            chars[..CONTEXT].iter().collect()
        };
        let tail: String = if i == last {
            String::new()
        } else {
            chars[chars.len() - CONTEXT..].iter().collect()
        };
        if !head.is_empty() {
            out.push(("same", head));
        }
        out.push(("gap", "…".into()));
        if !tail.is_empty() {
            out.push(("same", tail));
        }
    }
    out
}
