//! The interchange JSON of `shared/spec/README.md`: what the API returns, the CLI reads,
//! and import and export write. A document that does not fit is refused as a whole, with
//! a message naming the offending key; nothing is dropped or coerced silently.

use serde_json::{Map, Number, Value, json};

use document::{Doc, Entries, Json};

use super::{Kind, Report, clean, value};
use crate::format::{self, CellKind, Field, Version};

mod document;

/// Why a document was refused. `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not JSON at all.
    #[error("{0}")]
    Malformed(String),
    /// JSON, but not a report: an unknown key, a value of the wrong type, a missing field.
    #[error("{0}")]
    Invalid(String),
}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused::Invalid(msg.into()))
}

/// Reads one interchange document. The document is streamed straight into the report (no
/// intermediate JSON tree), and only then interpreted, so that keys may come in any order.
pub fn from_json(bytes: &[u8]) -> Result<Report, Refused> {
    // UTF-8 checked once, with SIMD, so that serde_json reads the document as `str` and does
    // not check each string again (the texts are thousands of Chinese characters). Not
    // UTF-8: serde_json's own reading says where.
    let parsed = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Doc>(text),
        Err(_) => serde_json::from_slice::<Doc>(bytes),
    };
    let doc = parsed.map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Refused::Invalid("报告应为 JSON 对象 {…}".into()),
        _ => Refused::Malformed(format!(
            "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
            e.line(),
            e.column()
        )),
    })?;
    doc.into_report()
}

impl Doc<'_> {
    fn into_report(self) -> Result<Report, Refused> {
        if let Some(key) = self.unknown {
            return refuse(format!("未知字段“{key}”"));
        }
        let version = match self.format {
            Some(Json::Str(s)) => Version::parse(&s).ok_or_else(|| {
                Refused::Invalid(format!("“format”应为 \"2019\" 或 \"2021\"，而不是 \"{s}\""))
            })?,
            Some(_) => return refuse("“format”应为字符串 \"2019\" 或 \"2021\""),
            None => return refuse("缺少字段“format”"),
        };
        let year = match self.year {
            Some(Json::Int(y)) => {
                i32::try_from(y).map_err(|_| Refused::Invalid(format!("“year”应为年份整数，而不是 {y}")))?
            }
            Some(Json::Number(n)) => return refuse(format!("“year”应为年份整数，而不是 {n}")),
            Some(_) => return refuse("“year”应为整数，如 2023"),
            None => return refuse("缺少字段“year”"),
        };
        match Version::for_year(year) {
            None => return refuse(format!("“year”为 {year}：只支持 2019 年及以后的年度报告")),
            Some(expected) if expected != version => {
                return refuse(format!(
                    "{year} 年度报告应使用 {expected} 年格式，但“format”为 \"{version}\""
                ));
            }
            Some(_) => {}
        }
        let agency = match self.agency {
            Some(Json::Str(s)) if !clean::clean(&s).trim().is_empty() => clean::clean(&s).trim().to_string(),
            Some(Json::Str(_)) => return refuse("“agency”不能为空"),
            Some(_) => return refuse("“agency”应为机关名称字符串"),
            None => return refuse("缺少字段“agency”"),
        };
        let kind = match self.kind {
            Some(Json::Str(s)) => Kind::parse(&s).ok_or_else(|| {
                Refused::Invalid(format!(
                    "“kind”应为 \"department\" 或 \"government\"，而不是 \"{s}\""
                ))
            })?,
            Some(_) => return refuse("“kind”应为字符串 \"department\" 或 \"government\""),
            None => return refuse("缺少字段“kind”"),
        };
        let mut report = Report::blank(version, year, agency, kind);
        let format = format::get(version);

        match self.text {
            Some(Entries::Not(what)) => {
                return refuse(format!(
                    "“text”应为对象，如 {{\"overview\": \"…\"}}，而不是{what}"
                ));
            }
            Some(Entries::Map(entries)) => {
                for (key, v) in entries {
                    let Some(ix) = format.text(&key) else {
                        let known: Vec<&str> = format.texts.iter().map(|t| t.key).collect();
                        return refuse(format!(
                            "“text”中有未知的部分“{key}”（应为 {}）",
                            known.join("、")
                        ));
                    };
                    report.texts[ix] = match v {
                        Json::Str(s) => clean::clean(&s).into_owned(),
                        Json::Null => String::new(),
                        _ => return refuse(format!("“text.{key}”应为字符串")),
                    };
                    if let Some(why) = clean::text_too_long(&report.texts[ix]) {
                        return refuse(format!("“text.{key}”：{why}"));
                    }
                }
            }
            None => {}
        }
        match self.cells {
            Some(Entries::Not(what)) => {
                return refuse(format!(
                    "“cells”应为对象，如 {{\"requests.new.total\": 0}}，而不是{what}"
                ));
            }
            Some(Entries::Map(entries)) => {
                for (id, v) in entries {
                    let Some(ix) = format.cell(&id) else {
                        return refuse(format!("“cells”中有未知的单元格编号“{id}”（{version} 年格式）"));
                    };
                    report.cells[ix] = clean::clean(&raw_cell(format.cells[ix].kind, &id, v)?).into_owned();
                    if let Some(why) = clean::cell_too_long(&report.cells[ix]) {
                        return refuse(format!("“{id}”：{why}"));
                    }
                }
            }
            None => {}
        }
        report.fill_missing_totals();
        Ok(report)
    }
}

/// The raw text of a JSON cell value: counts are numbers (a fraction or a negative is kept,
/// for the rules to report), amounts are decimal strings. A count written as a string is
/// refused when it is a number (no silent coercion of `"12"`), and kept as typed when it is
/// not: that is how a draft's wrong value (“十二”, `1e3`) comes back from [`to_json`].
fn raw_cell(kind: CellKind, id: &str, v: Json) -> Result<String, Refused> {
    match (kind, v) {
        (_, Json::Null) => Ok(String::new()),
        (CellKind::Count | CellKind::Signed, Json::Int(n)) => Ok(n.to_string()),
        (CellKind::Count | CellKind::Signed, Json::Number(n)) => Ok(n),
        (CellKind::Count | CellKind::Signed, Json::Str(s)) => match value::parse(kind, &s) {
            Err(_) => Ok(s.into_owned()),
            Ok(_) => refuse(format!("“{id}”是件数，应为 JSON 整数，不能是字符串")),
        },
        (CellKind::Amount(_), Json::Str(s)) => Ok(s.into_owned()),
        (CellKind::Amount(unit), Json::Int(_) | Json::Number(_)) => refuse(format!(
            "“{id}”是金额（{}），应写成字符串，如 \"12.5\"",
            unit.label()
        )),
        (CellKind::Count | CellKind::Signed, Json::Other(what)) => {
            refuse(format!("“{id}”应为 JSON 整数，而不是{what}"))
        }
        (CellKind::Amount(_), Json::Other(what)) => {
            refuse(format!("“{id}”应为金额字符串，如 \"12.5\"，而不是{what}"))
        }
    }
}

/// Writes the interchange document: every cell, blanks as 0, keys in the format's order.
/// Amounts are written as typed (their decimals kept). A count that is not valid (a draft
/// may hold “十二”, `1e3`, `12.50`) is written as typed: as a JSON number only when that
/// number's JSON spelling is exactly what was typed (`-1`, `3.5`), else as the string
/// typed, so that reading the document back gives the same report.
pub fn to_json(report: &Report) -> Value {
    let format = report.format();
    let text: Map<String, Value> = format
        .texts
        .iter()
        .zip(&report.texts)
        .map(|(def, t)| (def.key.to_string(), Value::String(t.clone())))
        .collect();
    let mut cells = Map::new();
    for (def, raw) in format.cells.iter().zip(&report.cells) {
        let v = match (def.kind, value::parse(def.kind, raw)) {
            (CellKind::Amount(_), Ok(Some(fen))) if def.total.is_some() => {
                Value::String(value::canonical(def.kind, fen))
            }
            (CellKind::Amount(_), Ok(Some(_))) => Value::String(value::tidy(def.kind, raw)),
            (CellKind::Amount(_), Ok(None)) => Value::String("0".into()),
            (CellKind::Amount(_), Err(_)) => Value::String(raw.clone()),
            (_, Ok(v)) => Value::from(v.unwrap_or(0)),
            (_, Err(_)) => written_number(raw).unwrap_or_else(|| Value::String(raw.clone())),
        };
        cells.insert(def.id.clone(), v);
    }
    json!({
        "format": report.version.as_str(),
        "year": report.year,
        "agency": report.agency,
        "kind": report.kind.as_str(),
        "text": text,
        "cells": cells,
    })
}

/// A wrong but numeric value (“3.5”, “-1”, “1000000000000”) stays a JSON number when
/// JSON spells it back exactly as typed (`1e3` would come back as `1000.0`).
fn written_number(raw: &str) -> Option<Value> {
    let number = serde_json::from_str::<Number>(raw).ok()?;
    (number.to_string() == raw).then_some(Value::Number(number))
}

/// The canonical bytes of a report: compact interchange JSON with keys in the format's
/// order. Approval hashes these bytes, so the same content always gives the same hash.
pub fn canonical_bytes(report: &Report) -> Vec<u8> {
    serde_json::to_vec(&to_json(report)).unwrap_or_default()
}

/// The SHA-256 of the canonical bytes, in hex: what approval records and every export prints.
pub fn content_sha256(report: &Report) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(canonical_bytes(report))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of a field as the interchange JSON spells it.
pub fn key(report: &Report, field: Field) -> String {
    report.format().key(field).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{EXAMPLE_JSON, example};

    #[test]
    fn the_example_report_reads_and_writes_back_the_same() {
        let report = example();
        assert_eq!(report.agency, "平顶山市科学技术局");
        assert_eq!(report.year, 2023);
        assert_eq!(report.kind, Kind::Department);
        let original: Value = serde_json::from_str(EXAMPLE_JSON).unwrap();
        assert_eq!(to_json(&report), original);
    }

    fn refused(doc: &str) -> String {
        from_json(doc.as_bytes()).unwrap_err().to_string()
    }

    const HEAD: &str = r#""format":"2021","year":2023,"agency":"某局","kind":"department""#;

    #[test]
    fn a_bad_document_is_refused_naming_the_key() {
        assert!(refused("{").contains("不是有效的 JSON"));
        assert!(refused("[]").contains("JSON 对象"));
        assert!(
            refused(&format!(r#"{{{HEAD},"cells":{{"requests.new.foo":1}}}}"#)).contains("requests.new.foo")
        );
        assert!(
            refused(&format!(r#"{{{HEAD},"cells":{{"requests.new.total":"3"}}}}"#))
                .contains("requests.new.total")
        );
        assert!(
            refused(&format!(r#"{{{HEAD},"cells":{{"requests.new.total":{{}}}}}}"#))
                .contains("requests.new.total")
        );
        assert!(
            refused(&format!(r#"{{{HEAD},"cells":{{"proactive.fees.amount":1.5}}}}"#))
                .contains("proactive.fees.amount")
        );
        assert!(refused(&format!(r#"{{{HEAD},"extra":1}}"#)).contains("extra"));
        assert!(refused(&format!(r#"{{{HEAD},"text":{{"summary":"x"}}}}"#)).contains("summary"));
        assert!(
            refused(r#"{"format":"2021","year":2020,"agency":"某局","kind":"department"}"#).contains("2019")
        );
        assert!(refused(r#"{"format":"2021","year":2023,"agency":"某局"}"#).contains("kind"));
        assert!(
            refused(r#"{"format":"2021","year":2018,"agency":"某局","kind":"department"}"#).contains("2019")
        );
        // 2019-only cells are unknown in the 2021 format.
        assert!(
            refused(&format!(r#"{{{HEAD},"cells":{{"requests.other.total":1}}}}"#))
                .contains("requests.other.total")
        );
    }

    #[test]
    fn fractions_and_negatives_are_kept_for_the_rules_to_report() {
        let report = from_json(
            format!(r#"{{{HEAD},"cells":{{"requests.new.commercial":3.5,"requests.new.research":-1}}}}"#)
                .as_bytes(),
        )
        .unwrap();
        let format = report.format();
        let commercial = format.cell("requests.new.commercial").unwrap();
        assert_eq!(report.cells[commercial], "3.5");
        let json = to_json(&report);
        assert_eq!(json["cells"]["requests.new.commercial"], json!(3.5));
        assert_eq!(json["cells"]["requests.new.research"], json!(-1));
    }

    #[test]
    fn missing_cells_read_as_zero_and_missing_totals_are_computed() {
        let report = from_json(
            format!(r#"{{{HEAD},"cells":{{"requests.new.commercial":5,"requests.new.natural_person":2}}}}"#)
                .as_bytes(),
        )
        .unwrap();
        let json = to_json(&report);
        assert_eq!(json["cells"]["requests.new.total"], json!(7));
        assert_eq!(json["cells"]["requests.carried_over.total"], json!(0));
        assert_eq!(json["cells"]["proactive.fees.amount"], json!("0"));
    }

    #[test]
    fn text_that_is_not_a_number_survives_export_as_a_string() {
        let mut report = example();
        let ix = report.format().cell("requests.new.commercial").unwrap();
        report.cells[ix] = "十二".into();
        assert_eq!(
            to_json(&report)["cells"]["requests.new.commercial"],
            json!("十二")
        );
    }
}
