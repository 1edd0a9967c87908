//! The standalone HTML export: one printable file in the official layout (semantic tables
//! with `<th scope>`, merged headers as in the format, A4 print CSS, no JavaScript), with the
//! interchange JSON embedded so that the file carries its own data.

use askama::Template;

use super::{Snapshot, glyphs};
use crate::report::interchange;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "export/report.html")]
struct ExportPage {
    view: ReportView,
    draft: bool,
    stamp: String,
    json: String,
}

/// Renders the standalone HTML of a snapshot.
pub fn render(snapshot: &Snapshot) -> anyhow::Result<String> {
    let page = ExportPage {
        view: snapshot.view(),
        draft: snapshot.is_draft(),
        stamp: snapshot.stamp_line(),
        json: script_json(&interchange::to_json(&snapshot.report)),
    };
    Ok(page.render()?)
}

/// JSON safe to place inside `<script>`: `<`, `>` and `&` only occur in strings, where
/// their `\u` escapes mean the same. So do the characters an HTML parser reports as errors
/// (the noncharacters and C1 controls, which serde_json leaves as they are) and the line
/// separators older JavaScript cannot have in a string: the data stays exactly as stored.
fn script_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => push_escaped(&mut out, c),
            c if !glyphs::exportable(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `c` as JSON's `\uXXXX` (a surrogate pair beyond the first plane).
fn push_escaped(out: &mut String, c: char) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::example;

    #[test]
    fn the_embedded_json_cannot_close_its_script_tag() {
        let mut report = example();
        report.texts[0] = "</script><script>alert(1)</script>".into();
        let html = render(&Snapshot::draft(report)).unwrap();
        assert!(!html.contains("</script><script>alert"));
        let start = html.find(r#"id="report-data">"#).unwrap() + r#"id="report-data">"#.len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(data["text"]["overview"], "</script><script>alert(1)</script>");
    }
}
