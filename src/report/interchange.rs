//! The interchange JSON of `shared/spec/README.md`: what the API returns, the CLI reads,
//! and import and export write. A document that does not fit is refused as a whole, with
//! a message naming the offending key; nothing is dropped or coerced silently.

use serde_json::{Map, Number, Value, json};

use super::{Kind, Report, value};
use crate::format::{self, CellKind, Field, Version};

/// Why a document was refused. `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(msg.into()))
}

/// Reads one interchange document.
pub fn from_json(bytes: &[u8]) -> Result<Report, Refused> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        Refused(format!(
            "不是有效的 JSON（第 {} 行第 {} 列）：{}",
            e.line(),
            e.column(),
            e
        ))
    })?;
    from_value(&doc)
}

/// Reads one interchange document already parsed as JSON.
pub fn from_value(doc: &Value) -> Result<Report, Refused> {
    let Some(doc) = doc.as_object() else {
        return refuse("报告应为 JSON 对象 {…}");
    };
    for key in doc.keys() {
        if !["format", "year", "agency", "kind", "text", "cells"].contains(&key.as_str()) {
            return refuse(format!("未知字段“{key}”"));
        }
    }
    let version = match doc.get("format") {
        Some(Value::String(s)) => Version::parse(s)
            .ok_or_else(|| Refused(format!("“format”应为 \"2019\" 或 \"2021\"，而不是 \"{s}\"")))?,
        Some(_) => return refuse("“format”应为字符串 \"2019\" 或 \"2021\""),
        None => return refuse("缺少字段“format”"),
    };
    let year = match doc.get("year") {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(|| Refused(format!("“year”应为年份整数，而不是 {n}")))?,
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
    let agency = match doc.get("agency") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) => return refuse("“agency”不能为空"),
        Some(_) => return refuse("“agency”应为机关名称字符串"),
        None => return refuse("缺少字段“agency”"),
    };
    let kind = match doc.get("kind") {
        Some(Value::String(s)) => Kind::parse(s).ok_or_else(|| {
            Refused(format!(
                "“kind”应为 \"department\" 或 \"government\"，而不是 \"{s}\""
            ))
        })?,
        Some(_) => return refuse("“kind”应为字符串 \"department\" 或 \"government\""),
        None => return refuse("缺少字段“kind”"),
    };
    let mut report = Report::blank(version, year, agency, kind);
    let format = format::get(version);

    if let Some(text) = doc.get("text") {
        let Some(text) = text.as_object() else {
            return refuse("“text”应为对象，如 {\"overview\": \"…\"}");
        };
        for (key, v) in text {
            let Some(ix) = format.text(key) else {
                return refuse(format!(
                    "“text”中有未知的部分“{key}”（应为 overview、problems、other）"
                ));
            };
            report.texts[ix] = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                _ => return refuse(format!("“text.{key}”应为字符串")),
            };
        }
    }
    if let Some(cells) = doc.get("cells") {
        let Some(cells) = cells.as_object() else {
            return refuse("“cells”应为对象，如 {\"requests.new.total\": 0}");
        };
        for (id, v) in cells {
            let Some(ix) = format.cell(id) else {
                return refuse(format!("“cells”中有未知的单元格编号“{id}”（{version} 年格式）"));
            };
            report.cells[ix] = raw_cell(format.cells[ix].kind, id, v)?;
        }
    }
    report.fill_missing_totals();
    Ok(report)
}

/// The raw text of a JSON cell value: counts are numbers (a fraction or a negative is kept,
/// for the rules to report), amounts are decimal strings.
fn raw_cell(kind: CellKind, id: &str, v: &Value) -> Result<String, Refused> {
    match (kind, v) {
        (_, Value::Null) => Ok(String::new()),
        (CellKind::Count | CellKind::Signed, Value::Number(n)) => Ok(number_text(n)),
        (CellKind::Count | CellKind::Signed, Value::String(_)) => {
            refuse(format!("“{id}”是件数，应为 JSON 整数，不能是字符串"))
        }
        (CellKind::Amount, Value::String(s)) => Ok(s.clone()),
        (CellKind::Amount, Value::Number(_)) => {
            refuse(format!("“{id}”是金额（万元），应写成字符串，如 \"12.5\""))
        }
        (CellKind::Count | CellKind::Signed, _) => refuse(format!("“{id}”应为 JSON 整数")),
        (CellKind::Amount, _) => refuse(format!("“{id}”应为金额字符串，如 \"12.5\"")),
    }
}

/// A JSON number as text, without going through floating point where it is an integer.
fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        // A fraction or an exponent: keep the literal for the value rules to report.
        n.to_string()
    }
}

/// Writes the interchange document: every cell, blanks as 0, keys in the format's order.
/// A value that is not a number (a draft may hold “十二”) is written as the string typed,
/// so nothing is lost; such a document is refused on import until it is fixed.
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
            (CellKind::Amount, Ok(Some(yuan))) => Value::String(value::wan(yuan)),
            (CellKind::Amount, Ok(None)) => Value::String("0".into()),
            (CellKind::Amount, Err(_)) => Value::String(raw.clone()),
            (_, Ok(v)) => Value::from(v.unwrap_or(0)),
            (_, Err(_)) => written_number(raw.trim()).unwrap_or_else(|| Value::String(raw.clone())),
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

/// A wrong but numeric value (“3.5”, “-1”, “1000000000000”) stays a JSON number.
fn written_number(raw: &str) -> Option<Value> {
    serde_json::from_str::<Number>(raw).ok().map(Value::Number)
}

/// The canonical bytes of a report: compact interchange JSON with keys in the format's
/// order. Approval hashes these bytes, so the same content always gives the same hash.
pub fn canonical_bytes(report: &Report) -> Vec<u8> {
    serde_json::to_vec(&to_json(report)).unwrap_or_default()
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
        from_json(doc.as_bytes()).unwrap_err().0
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
