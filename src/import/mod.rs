//! Reading a published report — a CMS web page, a page's archived text or a PDF's text
//! layer — into a report, with where every cell was read and how sure the reading is.
//!
//! Each reader (`html`, `text`, `pdf`) turns its file into [`tokens::Token`]s: pieces of
//! text in reading order with their place in the original. From there one parser finds the
//! headings (`sections`), reads the tables by their labels (`tables`, labels from the format
//! declaration) and cuts the text of sections 一、五、六. A printed total is kept as
//! printed: when it disagrees with its parts the rules report it, as for any report.

mod fuzzy;
mod html;
mod pdf;
mod sections;
mod split;
mod tables;
mod text;
mod tokens;

use serde_json::{Map, Value, json};

pub use tokens::At;

use crate::format::{self, CellIx, Version};
use crate::report::{Kind, Report, interchange, validate};

/// The largest file read: a published report is a few hundred KB; a PDF with scanned
/// pages a few MB.
pub const LIMIT: usize = 20 * 1024 * 1024;

/// The most text a table's part may hold: the real ones hold 300–3,000 characters.
const TABLE_CHARS: usize = 50_000;

/// What kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Html,
    Text,
    Pdf,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Html => "html",
            Source::Text => "text",
            Source::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        [Source::Html, Source::Text, Source::Pdf].into_iter().find(|k| k.as_str() == s)
    }

    /// What the file's content says it is.
    pub fn sniff(bytes: &[u8]) -> Source {
        let head = &bytes[..bytes.len().min(4096)];
        let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        if head[start..].starts_with(b"%PDF") {
            return Source::Pdf;
        }
        let lower = head.to_ascii_lowercase();
        let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
        if has(b"<html") || has(b"<!doctype html") || has(b"<body") || has(b"<table") || has(b"<p>") || has(b"<div") {
            Source::Html
        } else {
            Source::Text
        }
    }
}

/// How sure the reading of a cell is.
#[derive(Debug, Clone, PartialEq)]
pub enum Certainty {
    /// A value by itself in the original.
    Read,
    /// A blank cell, read as 0.
    Blank,
    /// The document has no such line (a missing 规章 row): 0.
    Absent,
    /// Cut from digits run together, the only way the line's own sums allow.
    Split { written: String },
    /// A person must confirm: why, and the values the original allows (the first proposed).
    Unsure { why: String, ways: Vec<String> },
}

impl Certainty {
    pub fn is_certain(&self) -> bool {
        !matches!(self, Certainty::Unsure { .. })
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// As read ("" for blank).
    pub raw: String,
    pub at: Option<At>,
    pub certainty: Certainty,
}

/// A report read from a published document.
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: Report,
    pub source: Source,
    /// By cell index.
    pub cells: Vec<Reading>,
    /// Where each text section begins, by text index.
    pub texts: Vec<Option<At>>,
    /// The SHA-256 of the file, in hex.
    pub sha256: String,
    /// What was noticed while reading (a title naming another year, the format guessed).
    pub notes: Vec<String>,
}

impl Imported {
    /// The cells a person must confirm, in reading order.
    pub fn unsure(&self) -> impl Iterator<Item = (CellIx, &Reading)> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.certainty.is_certain())
    }

    /// The printed totals that disagree with their parts, and the other broken 勾稽 rules:
    /// what the report published, kept as it is.
    pub fn contradictions(&self) -> Vec<validate::Violation> {
        validate::validate(&self.report, None)
            .into_iter()
            .filter(|v| v.rule.starts_with("requests.") || v.rule.starts_with("appeals."))
            .collect()
    }

    /// The interchange document, with where each cell was read under `import`.
    pub fn to_json(&self, file: &str) -> Value {
        let format = self.report.format();
        let mut doc = interchange::to_json(&self.report);
        let mut cells = Map::new();
        for (def, r) in format.cells.iter().zip(&self.cells) {
            let mut entry = Map::new();
            entry.insert("at".into(), r.at.as_ref().map_or(Value::Null, |a| Value::String(a.to_string())));
            entry.insert("certain".into(), Value::Bool(r.certainty.is_certain()));
            let how = match &r.certainty {
                Certainty::Read => json!("read"),
                Certainty::Blank => json!("blank"),
                Certainty::Absent => json!("absent"),
                Certainty::Split { written } => json!({"split": written}),
                Certainty::Unsure { why, ways } => json!({"unsure": why, "ways": ways}),
            };
            entry.insert("how".into(), how);
            cells.insert(def.id.clone(), Value::Object(entry));
        }
        let texts: Map<String, Value> = format
            .texts
            .iter()
            .zip(&self.texts)
            .map(|(def, at)| (def.key.to_string(), at.as_ref().map_or(Value::Null, |a| json!(a.to_string()))))
            .collect();
        let contradictions: Vec<Value> = self
            .contradictions()
            .iter()
            .map(|v| json!({"rule": v.rule, "message": v.message}))
            .collect();
        if let Value::Object(map) = &mut doc {
            map.insert(
                "import".into(),
                json!({
                    "file": file,
                    "sha256": self.sha256,
                    "read_as": self.source.as_str(),
                    "unsure": self.unsure().map(|(ix, _)| format.cells[ix].id.clone()).collect::<Vec<_>>(),
                    "printed_contradictions": contradictions,
                    "notes": self.notes,
                    "texts": texts,
                    "cells": cells,
                }),
            );
        }
        doc
    }
}

/// Why a file could not be read as a report. `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotRead {
    #[error("文件是空的")]
    Empty,
    #[error("文件过大（{0} MB）：最多读取 {limit} MB", limit = LIMIT / 1024 / 1024)]
    TooLarge(usize),
    #[error("{0}")]
    Pdf(String),
    #[error("无法识别文件的文字编码（不是 UTF-8、UTF-16 或 GBK）")]
    Encoding,
    #[error("不是政府信息公开工作年度报告：{0}")]
    NotAReport(String),
}

/// Reads a published report. `source` forces a reader (else the content decides);
/// `report_of` names the agency when the document's own name should not be used.
pub fn read(bytes: &[u8], source: Option<Source>, report_of: Option<&str>) -> Result<Imported, NotRead> {
    if bytes.len() > LIMIT {
        return Err(NotRead::TooLarge(bytes.len().div_ceil(1024 * 1024)));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(NotRead::Empty);
    }
    let source = source.unwrap_or_else(|| Source::sniff(bytes));
    let tokens = match source {
        Source::Pdf => pdf::tokens(bytes).map_err(|e| NotRead::Pdf(e.to_string()))?,
        Source::Html => html::tokens(&decode(bytes, true)?),
        Source::Text => text::tokens(&decode(bytes, false)?),
    };
    let mut imported = parse(&tokens, source, report_of)?;
    imported.sha256 = sha256(bytes);
    Ok(imported)
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or GBK/GB18030 as
/// older CMSs and Windows tools write it (an HTML page saying so in its `charset`, or any
/// file that is not UTF-8 but decodes as GB18030 without a fault).
fn decode(bytes: &[u8], html: bool) -> Result<String, NotRead> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _, faults) = encoding.decode(&bytes[bom..]);
        return if faults { Err(NotRead::Encoding) } else { Ok(text.into_owned()) };
    }
    let declared_gbk = html && {
        let head = bytes[..bytes.len().min(2048)].to_ascii_lowercase();
        [&b"charset=gb"[..], b"charset=\"gb", b"charset='gb"]
            .iter()
            .any(|n| head.windows(n.len()).any(|w| w == *n))
    };
    if !declared_gbk && let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, faults) = encoding_rs::GB18030.decode(bytes);
    if faults { Err(NotRead::Encoding) } else { Ok(text.into_owned()) }
}

fn parse(tokens: &[tokens::Token], source: Source, report_of: Option<&str>) -> Result<Imported, NotRead> {
    use tokens::{Stream, Token};
    let all = Stream::of(tokens, 0..tokens.len(), |_| false);
    let heads = sections::headings(&all);
    let missing: Vec<&str> = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
        .into_iter()
        .zip(&heads[1..4])
        .filter(|(_, h)| h.is_none())
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        return Err(NotRead::NotAReport(format!("没有找到{}", missing.join("、"))));
    }
    let mut notes = Vec::new();
    let (found_agency, year) = match sections::title(&all) {
        Some(t) => t,
        None => return Err(NotRead::NotAReport("没有找到标题中的机关名称和年度（“……2024年度政府信息公开工作年度报告”）".into())),
    };
    let agency = match report_of {
        Some(name) if !name.trim().is_empty() => {
            notes.push(format!("机关名称按指定为“{}”（文件中为“{found_agency}”）", name.trim()));
            name.trim().to_string()
        }
        _ => found_agency,
    };
    let Some(version) = Version::for_year(year) else {
        return Err(NotRead::NotAReport(format!("{year} 年度：只支持 2019 年及以后的年度报告")));
    };
    let kind = kind_of(&agency);
    let format = format::get(version);
    let decl = format::decl(version);

    // Positions of the full stream in the label stream (the text without value pieces).
    let labels = Stream::of(tokens, 0..tokens.len(), Token::is_value);
    let values: Vec<(usize, usize)> = (0..tokens.len())
        .filter(|&t| tokens[t].is_value())
        .map(|t| (t, labels.from.partition_point(|&(tok, _)| tok < t)))
        .collect();
    let in_labels = |pos: usize| -> usize {
        match all.from.get(pos) {
            Some(&at) => labels.from.partition_point(|&f| f < at),
            None => labels.chars.len(),
        }
    };
    let start_of = |k: usize| heads[k].map(|h| h.start);
    let end_of = |k: usize| heads[k].map(|h| h.end);
    let next_start = |k: usize| (k + 1..6).find_map(start_of).unwrap_or(all.chars.len());

    let narrative = sections::counted(&all);
    let mut cells: Vec<Option<Reading>> = vec![None; format.cells.len()];
    for (k, key) in [(1, "proactive"), (2, "requests"), (3, "appeals")] {
        let Some(end) = end_of(k) else { continue };
        let span = in_labels(end)..in_labels(next_start(k));
        // A real table is a few thousand characters; labels are looked for in it one by one
        // (edit distance), so a made-up “table” of megabytes is refused, not searched.
        if span.len() > TABLE_CHARS {
            return Err(NotRead::NotAReport(format!(
                "{}部分有 {} 个字，不像年度报告的表格",
                ["", "第二", "第三", "第四"][k],
                span.len()
            )));
        }
        tables::read(format, decl, key, tokens, &labels, &values, span, &narrative, &mut cells);
    }
    let cells: Vec<Reading> = cells
        .into_iter()
        .map(|c| {
            c.unwrap_or(Reading {
                raw: String::new(),
                at: None,
                certainty: Certainty::Absent,
            })
        })
        .collect();

    let mut report = Report::blank(version, year, agency, kind);
    for (ix, r) in cells.iter().enumerate() {
        report.set_typed(format::Field::Cell(ix), &r.raw);
    }
    report.fill_missing_totals();
    let mut texts = vec![None; format.texts.len()];
    for (k, key) in [(0, "overview"), (4, "problems"), (5, "other")] {
        let (Some(ix), Some(end)) = (format.text(key), end_of(k)) else { continue };
        let stop = if k == 5 { all.chars.len() } else { next_start(k) };
        let body = sections::text(tokens, &all, end, stop);
        let body = if k == 5 { sections::without_tail(&body) } else { body };
        report.set_typed(format::Field::Text(ix), &body);
        texts[ix] = all.token_at(end).map(|t| tokens[t].at.clone());
    }
    for (k, name) in [(0, "一、总体情况"), (4, "五、存在的主要问题及改进情况"), (5, "六、其他需要报告的事项")] {
        if heads[k].is_none() {
            notes.push(format!("没有找到“{name}”"));
        }
    }
    Ok(Imported {
        report,
        source,
        cells,
        texts,
        sha256: String::new(),
        notes,
    })
}

/// A government (人民政府, or a region reporting as a whole: 平潭综合实验区, 三明市) or a department.
fn kind_of(agency: &str) -> Kind {
    let region = ["人民政府", "政府", "市", "县", "区", "省", "自治州", "旗", "镇", "乡", "街道办事处", "盟"];
    if region.iter().any(|s| agency.ends_with(s)) {
        Kind::Government
    } else {
        Kind::Department
    }
}
