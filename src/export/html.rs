//! The standalone HTML export: one printable file in the official layout (semantic tables
//! with `<th scope>`, merged headers as in the format, A4 print CSS, no JavaScript), with the
//! interchange JSON embedded so that the file carries its own data.

use askama::Template;

use super::Snapshot;
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
/// their `\u` escapes mean the same.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
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
