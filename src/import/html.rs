//! Web pages of government CMSs, read with a real HTML parser (html5ever through
//! `scraper`): whatever the markup — navigation around the article, merged cells, labels
//! split over several `<p>`, Word-exported spans, a broken tag — the parser gives the
//! tree a browser would, and the report is read from the text of its blocks and cells.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};

use super::tokens::{At, Piece, Token, is_space};

/// Elements whose text is never part of the report.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "button", "select", "option", "textarea", "iframe",
    "svg", "form",
];

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
    "br", "center", "table", "dd", "dt", "pre",
];

pub fn tokens(html: &str) -> Vec<Token> {
    let doc = Html::parse_document(html);
    let mut out = Walker::default();
    // The page title first: it usually names the agency and the year.
    if let Some(title) = doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "title")
    {
        let text: String = title.text().collect();
        out.push_block(text);
    }
    let root = article(&doc).unwrap_or_else(|| doc.root_element());
    out.walk(*root);
    out.flush();
    out.tokens
}

/// The element holding the report: the nearest common ancestor of the text that heads
/// section 一 and the text that heads section 六, so that navigation, comment forms and
/// footers around the article are left out.
fn article(doc: &Html) -> Option<ElementRef<'_>> {
    let mut first = None;
    let mut last = None;
    for node in doc.root_element().descendants() {
        let Node::Text(text) = node.value() else {
            continue;
        };
        let squeezed: String = text.chars().filter(|c| !is_space(*c)).collect();
        if first.is_none() && squeezed.contains("总体情况") && !in_skipped(node) {
            first = Some(node);
        }
        if squeezed.contains("其他需要报告的事项") && !in_skipped(node) {
            last = Some(node);
        }
    }
    let (first, last) = (first?, last?);
    let ancestors: Vec<_> = first.ancestors().map(|n| n.id()).collect();
    last.ancestors()
        .find(|a| ancestors.contains(&a.id()))
        .and_then(ElementRef::wrap)
}

fn in_skipped(node: NodeRef<'_, Node>) -> bool {
    node.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|e| SKIPPED.contains(&e.value().name()) || hidden(e))
}

/// Hidden by its markup: `display:none`, `hidden` (a browser toolbar's 翻译 搜索 复制 sits
/// hidden inside some articles).
fn hidden(e: ElementRef<'_>) -> bool {
    let v = e.value();
    v.attr("hidden").is_some()
        || v.attr("style").is_some_and(|s| {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

#[derive(Default)]
struct Walker {
    tokens: Vec<Token>,
    /// The paragraph being read.
    text: String,
    blocks: usize,
    tables: usize,
    /// Inside a table: (table, row, cell) counters.
    table: Vec<(usize, usize, usize)>,
}

impl Walker {
    fn push_block(&mut self, text: String) {
        if text.chars().any(|c| !is_space(c)) {
            self.blocks += 1;
            self.tokens.push(Token::new(text, At::Block(self.blocks), Piece::Block));
        }
    }

    fn flush(&mut self) {
        let text = std::mem::take(&mut self.text);
        self.push_block(text);
    }

    fn walk(&mut self, node: NodeRef<'_, Node>) {
        match node.value() {
            Node::Text(t) => self.text.push_str(t),
            Node::Element(_) => {
                let Some(e) = ElementRef::wrap(node) else {
                    return;
                };
                let name = e.value().name();
                if SKIPPED.contains(&name) || hidden(e) {
                    return;
                }
                match name {
                    "table" => {
                        self.flush();
                        self.tables += 1;
                        self.table.push((self.tables, 0, 0));
                        for child in node.children() {
                            self.walk(child);
                        }
                        self.table.pop();
                    }
                    "tr" if !self.table.is_empty() => {
                        if let Some(t) = self.table.last_mut() {
                            t.1 += 1;
                            t.2 = 0;
                        }
                        for child in node.children() {
                            self.walk(child);
                        }
                    }
                    "td" | "th" if !self.table.is_empty() => {
                        let Some(&mut (table, row, ref mut col)) = self.table.last_mut() else {
                            return;
                        };
                        *col += 1;
                        let col = *col;
                        let text = cell_text(e);
                        self.tokens.push(Token::new(text, At::Cell { table, row, col }, Piece::Cell));
                    }
                    _ => {
                        let block = BLOCKS.contains(&name);
                        if block {
                            self.flush();
                        }
                        for child in node.children() {
                            self.walk(child);
                        }
                        if block {
                            self.flush();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A cell's text: its paragraphs joined without a break (`商业`/`企业` is one label),
/// hidden parts left out.
fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in cell.descendants() {
        if let Node::Text(t) = node.value()
            && !node
                .ancestors()
                .take_while(|a| a.id() != cell.id())
                .filter_map(ElementRef::wrap)
                .any(|e| SKIPPED.contains(&e.value().name()) || hidden(e))
        {
            out.push_str(t);
        }
    }
    out.trim_matches(is_space).to_string()
}
