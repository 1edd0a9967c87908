//! The one implementation of the format's rules. Pure: a report (and last year's, for
//! the cross-year rules) in, violations out. The form, the API, the CLI and the review
//! workflow all call [`validate`].

use serde::Serialize;

use super::assess;
use super::value::{self, Invalid};
use super::{Kind, Report};
use crate::format::{CellIx, Check, Claim, Field, Format, InForceCols, Node, Part, Rule, Severity, fill, spoken_list};

/// One broken rule, naming the cells involved and saying what is wrong in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub severity: Severity,
    /// The fields involved, the one to fix first.
    pub fields: Vec<Field>,
    /// The message for the problem list, with the arithmetic.
    pub message: String,
    /// A short message to show beside the (first) cell, for value errors.
    pub hint: Option<&'static str>,
}

/// The violations object of the spec: `{"violations":[{rule, severity, cells, message}]}`.
#[derive(Debug, Serialize)]
pub struct Violations {
    pub violations: Vec<ViolationJson>,
}

#[derive(Debug, Serialize)]
pub struct ViolationJson {
    pub rule: &'static str,
    pub severity: &'static str,
    pub cells: Vec<String>,
    pub message: String,
}

impl Violations {
    pub fn new(format: &Format, violations: &[Violation]) -> Violations {
        Violations {
            violations: violations
                .iter()
                .map(|v| ViolationJson {
                    rule: v.rule,
                    severity: v.severity.as_str(),
                    cells: v.fields.iter().map(|f| format.key(*f).to_string()).collect(),
                    message: v.message.clone(),
                })
                .collect(),
        }
    }
}

/// Parsed cell values of a report, parsed once per validation.
pub struct Values {
    format: &'static Format,
    parsed: Vec<Result<Option<i64>, Invalid>>,
}

impl Values {
    pub fn of(report: &Report) -> Values {
        let format = report.format();
        let parsed = format
            .cells
            .iter()
            .zip(&report.cells)
            .map(|(def, raw)| value::parse(def.kind, raw))
            .collect();
        Values { format, parsed }
    }

    /// The value a cell counts as: blank is 0, a blank total is its sum; `None` if unparseable.
    pub fn get(&self, ix: CellIx) -> Option<i64> {
        match self.parsed[ix] {
            Ok(Some(v)) => Some(v),
            Ok(None) => match &self.format.cells[ix].total {
                Some(total) => self.sum(&total.formula().parts),
                None => Some(0),
            },
            Err(_) => None,
        }
    }

    /// Σ of the cells' values, `None` if any is unparseable.
    pub fn sum(&self, parts: &[CellIx]) -> Option<i64> {
        parts.iter().try_fold(0i64, |acc, &p| Some(acc + self.get(p)?))
    }

    /// The cell's own value when one was written (not blank, parseable).
    fn printed(&self, ix: CellIx) -> Option<i64> {
        self.parsed[ix].ok().flatten()
    }

    /// Records a value computed for a cell.
    pub fn put(&mut self, ix: CellIx, v: Option<i64>) {
        self.parsed[ix] = Ok(v);
    }

    fn invalid(&self, ix: CellIx) -> Option<Invalid> {
        self.parsed[ix].err()
    }
}

/// Checks `report` against its format's rules; `last_year` enables the cross-year rules.
pub fn validate(report: &Report, last_year: Option<&Report>) -> Vec<Violation> {
    validate_with(report, &Values::of(report), last_year)
}

/// [`validate`] with the report's values already read (the live check reuses them).
pub fn validate_with(report: &Report, values: &Values, last_year: Option<&Report>) -> Vec<Violation> {
    validate_part(report, values, last_year, None)
}

/// [`validate`], and the rules that compare a report with the other units' reports of the
/// same year (`peers`: (unit's name, report)).
pub fn validate_among(report: &Report, last_year: Option<&Report>, peers: &[(&str, &Report)]) -> Vec<Violation> {
    let mut out = validate(report, last_year);
    let texts: Vec<&str> = report.format().texts.iter().map(|t| t.key).collect();
    out.extend(peer_violations(report, &assess::similar::Peers::of(peers, &texts)));
    out
}

/// The rules that compare a report with its peers' (`text.similar_peer`), given their index.
pub fn peer_violations(report: &Report, peers: &assess::similar::Peers) -> Vec<Violation> {
    let mut out = Vec::new();
    let format = report.format();
    for rule in &format.rules {
        let Check::SimilarPeer { texts, passage } = rule.check else { continue };
        for key in texts {
            let (Some(ix), Some(index)) = (format.text(key), peers.index(key)) else { continue };
            let mut shared = index.shared(&report.texts[ix], passage);
            // The index holds the unit's own report among its siblings'.
            shared.retain(|(name, _)| *name != report.agency);
            if let Some((first, passage_text)) = shared.first() {
                let others: Vec<&str> = shared.iter().map(|(n, _)| *n).collect();
                let shown: String = passage_text.chars().take(80).collect();
                out.push(text_violation(
                    rule,
                    ix,
                    format!(
                        "“{}”与{}的报告有大段相同的文字（{} 家），如与{}相同的“{shown}{}”",
                        format.heading_of(Field::Text(ix)),
                        others.join("、"),
                        others.len(),
                        first,
                        if passage_text.chars().count() > 80 { "…" } else { "" }
                    ),
                    None,
                ));
            }
        }
    }
    out
}

/// [`validate_with`] running only the rules of one part (`None`: all), for the live check
/// of what is being typed in that part.
pub fn validate_part(
    report: &Report,
    values: &Values,
    last_year: Option<&Report>,
    part: Option<Part>,
) -> Vec<Violation> {
    let format = report.format();
    let mut out = Vec::new();
    let mut value_rules_done = false;
    // Last year's values are read once, for whichever cross-year rule comes first.
    let last_values = std::cell::OnceCell::new();
    let last = || {
        last_year
            .filter(|l| l.year == report.year - 1)
            .map(|l| (l, last_values.get_or_init(|| Values::of(l))))
    };
    for rule in format
        .rules
        .iter()
        .filter(|r| part.is_none_or(|p| r.check.part() == p))
    {
        match rule.check {
            Check::Value(_) => {
                // The three value rules share one pass; each violation carries its own rule id.
                if !value_rules_done {
                    value_rules_done = true;
                    check_values(format, report, values, &mut out);
                }
            }
            Check::Totals { table, down } => check_totals(format, values, rule, table, down, &mut out),
            Check::Balance { .. } => check_balance(format, values, rule, &mut out),
            Check::TextRequired(keys) => {
                for key in keys {
                    if let Some(ix) = format.text(key)
                        && report.texts[ix].trim().is_empty()
                    {
                        let heading = format.heading_of(Field::Text(ix));
                        out.push(text_violation(
                            rule,
                            ix,
                            format!("“{heading}”尚未填写"),
                            Some("请填写本部分内容"),
                        ));
                    }
                }
            }
            Check::GovernmentMentions {
                texts,
                words,
                message,
            } => {
                if report.kind == Kind::Government {
                    let all: String = report.texts.concat();
                    let missing: Vec<&str> = words.iter().copied().filter(|w| !all.contains(w)).collect();
                    if !missing.is_empty() {
                        let fields = texts
                            .iter()
                            .filter_map(|k| format.text(k).map(Field::Text))
                            .collect();
                        out.push(Violation {
                            rule: rule.id,
                            severity: rule.severity,
                            fields,
                            message: fill(
                                message,
                                &[("words", &spoken_list(words)), ("missing", &missing.join("、"))],
                            ),
                            hint: None,
                        });
                    }
                }
            }
            Check::TextMentions { text, words, missing } => {
                if let Some(ix) = format.text(text) {
                    let body = &report.texts[ix];
                    if !body.trim().is_empty() && !words.iter().any(|w| body.contains(w)) {
                        let heading = format.heading_of(Field::Text(ix));
                        out.push(text_violation(rule, ix, format!("“{heading}”{missing}"), None));
                    }
                }
            }
            Check::SimilarLastYear { texts, share, min_chars } => {
                if let Some((last, _)) = last() {
                    check_similar(format, report, last, rule, (texts, share, min_chars), &mut out);
                }
            }
            Check::Covers { text, topics, message } => {
                if let Some(ix) = format.text(text) {
                    let body = &report.texts[ix];
                    // Words as written whatever the spacing (“2022 年度”); `{上年}` is the
                    // year before the report's (针对2022年度存在的问题).
                    let squeezed: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                    let last_year = format!("{}年", report.year - 1);
                    let missing: Vec<&str> = topics
                        .iter()
                        .filter(|(_, words)| {
                            !words.iter().any(|w| squeezed.contains(&w.replace("{上年}", &last_year)))
                        })
                        .map(|(name, _)| *name)
                        .collect();
                    // An empty text is text.required's to report.
                    if !body.trim().is_empty() && !missing.is_empty() {
                        out.push(text_violation(rule, ix, fill(message, &[("missing", &missing.join("、"))]), None));
                    }
                }
            }
            Check::Plausible { factor, floor } => {
                if let Some((last, last_values)) = last() {
                    check_plausible(format, values, (last, last_values), rule, (factor, floor), &mut out);
                }
            }
            // Needs the other units' reports of the year: `validate_among`.
            Check::SimilarPeer { .. } => {}
            Check::StrayYear { texts } => {
                for ix in texts.iter().filter_map(|k| format.text(k)) {
                    let found = assess::years::stray_years(&report.texts[ix], report.year);
                    if let Some(first) = found.first() {
                        let heading = format.heading_of(Field::Text(ix));
                        let years: Vec<String> = found.iter().map(|s| s.year.to_string()).collect();
                        out.push(text_violation(
                            rule,
                            ix,
                            format!(
                                "“{heading}”提到 {} 年（本报告为 {} 年度），如“…{}…”：是否沿用了往年的文字？",
                                years.join("、"),
                                report.year,
                                first.context.trim()
                            ),
                            None,
                        ));
                    }
                }
            }
            Check::NilStated {
                texts,
                words,
                unless,
                cells,
                what,
            } => {
                let ids: Option<Vec<CellIx>> = cells.iter().map(|id| format.cell(id)).collect();
                let Some(ids) = ids else { continue };
                let Some(counted) = values.sum(&ids).filter(|n| *n > 0) else { continue };
                for ix in texts.iter().filter_map(|k| format.text(k)) {
                    if let Some(clause) = assess::nil::said_none(&report.texts[ix], words, unless).first() {
                        let mut fields = vec![Field::Text(ix)];
                        fields.extend(ids.iter().map(|&c| Field::Cell(c)));
                        out.push(Violation {
                            rule: rule.id,
                            severity: rule.severity,
                            fields,
                            message: format!(
                                "“{}”写“{clause}”，但表格中{what}共 {counted} 件",
                                format.heading_of(Field::Text(ix))
                            ),
                            hint: None,
                        });
                    }
                }
            }
            Check::Narrative { texts, claims } => check_narrative(format, report, values, rule, (texts, claims), &mut out),
            Check::CarriedOver {
                table,
                this_row,
                last_row,
            } => {
                if let Some(last) = last() {
                    check_carried_over(format, values, last, rule, table, this_row, last_row, &mut out);
                }
            }
            Check::InForce {
                table,
                rows,
                cols,
                message,
            } => {
                if let Some(last) = last() {
                    check_in_force(format, values, last, rule, (table, rows, cols, message), &mut out);
                }
            }
        }
    }
    out
}

fn text_violation(rule: &Rule, ix: usize, message: String, hint: Option<&'static str>) -> Violation {
    Violation {
        rule: rule.id,
        severity: rule.severity,
        fields: vec![Field::Text(ix)],
        message,
        hint,
    }
}

fn check_values(format: &Format, report: &Report, values: &Values, out: &mut Vec<Violation>) {
    for ix in 0..format.cells.len() {
        if let Some(invalid) = values.invalid(ix) {
            out.push(Violation {
                rule: invalid.rule.id(),
                severity: format.value_severity(invalid.rule),
                fields: vec![Field::Cell(ix)],
                message: format!(
                    "{}：填写了“{}”，{}",
                    format.cell_name(ix),
                    report.cells[ix].trim(),
                    invalid.hint
                ),
                hint: Some(invalid.hint),
            });
        }
    }
}

fn check_totals(
    format: &Format,
    values: &Values,
    rule: &Rule,
    table: &str,
    down: bool,
    out: &mut Vec<Violation>,
) {
    let Some(t) = format.table(table) else { return };
    for &ix in &t.cells {
        let Some(total) = &format.cells[ix].total else {
            continue;
        };
        let sum = if down { &total.down } else { &total.across };
        let Some(sum) = sum.as_ref().filter(|s| s.rule == rule.id) else {
            continue;
        };
        let (Some(printed), Some(computed)) = (values.printed(ix), values.sum(&sum.parts)) else {
            continue;
        };
        if printed == computed {
            continue;
        }
        let def = &format.cells[ix];
        let terms = terms(format, values, &sum.parts, down);
        let message = if down {
            format!(
                "{}“{}”列：{}，但{}为 {printed}",
                format.part_name(Field::Cell(ix)),
                def.col_label,
                terms,
                def.row_label
            )
        } else {
            let place = match t.grid.label_cols {
                0 => format!("“{}”", def.row_label),
                _ => format!("“{}”行", def.row_label),
            };
            format!(
                "{}{place}：{}，但{}为 {printed}",
                format.part_name(Field::Cell(ix)),
                terms,
                def.col_label
            )
        };
        let mut fields = vec![Field::Cell(ix)];
        fields.extend(sum.parts.iter().map(|&p| Field::Cell(p)));
        out.push(Violation {
            rule: rule.id,
            severity: rule.severity,
            fields,
            message,
            hint: None,
        });
    }
}

/// “自然人 5 + 商业企业 0 = 5”. Long sums list only their non-zero terms.
fn terms(format: &Format, values: &Values, parts: &[CellIx], down: bool) -> String {
    let label = |p: CellIx| {
        let c = &format.cells[p];
        if down { c.row_label } else { c.col_label }
    };
    let total: i64 = parts.iter().filter_map(|&p| values.get(p)).sum();
    let shown: Vec<String> = parts
        .iter()
        .filter(|&&p| parts.len() <= 6 || values.get(p) != Some(0))
        .map(|&p| format!("{} {}", label(p), values.get(p).unwrap_or(0)))
        .collect();
    match shown.len() {
        0 => format!("各项之和为 {total}"),
        _ if parts.len() > 6 => format!("各项之和 {} = {total}", shown.join(" + ")),
        _ => format!("{} = {total}", shown.join(" + ")),
    }
}

fn check_balance(format: &Format, values: &Values, rule: &Rule, out: &mut Vec<Violation>) {
    let mut found = Vec::new();
    for (lc, rc) in format.balance(rule.id) {
        // Most columns balance: sum first, spell the terms out only for a message.
        let (Some(ls), Some(rs)) = (values.sum(lc), values.sum(rc)) else {
            continue;
        };
        if ls == rs {
            continue;
        }
        let words = |cells: &[CellIx]| -> Vec<String> {
            cells
                .iter()
                .map(|&ix| format!("{} {}", format.cells[ix].row_label, values.get(ix).unwrap_or(0)))
                .collect()
        };
        let (lw, rw) = (words(lc), words(rc));
        let col_label = format.cells[lc[0]].col_label;
        let computed = format.cells[lc[0]].total.is_some();
        found.push((
            computed,
            Violation {
                rule: rule.id,
                severity: rule.severity,
                fields: lc.iter().chain(rc).map(|&ix| Field::Cell(ix)).collect(),
                message: format!(
                    "{}“{col_label}”列：{} = {ls}，但{} = {rs}",
                    format.part_name(Field::Cell(lc[0])),
                    lw.join(" + "),
                    rw.join(" + ")
                ),
                hint: None,
            },
        ));
    }
    push_by_column(found, out);
}

/// Per-column findings: the 总计 column only when no applicant column is at fault, since
/// it then only repeats them.
fn push_by_column(found: Vec<(bool, Violation)>, out: &mut Vec<Violation>) {
    let leaves_at_fault = found.iter().any(|(computed, _)| !computed);
    out.extend(
        found
            .into_iter()
            .filter(|(computed, _)| !computed || !leaves_at_fault)
            .map(|(_, v)| v),
    );
}

#[allow(clippy::too_many_arguments)]
fn check_carried_over(
    format: &Format,
    values: &Values,
    (last, last_values): (&Report, &Values),
    rule: &Rule,
    table: &str,
    this_row: &Node,
    last_row: &Node,
    out: &mut Vec<Violation>,
) {
    let last_format = last.format();
    let mut found = Vec::new();
    for &ix in format.table(table).map_or(&[][..], |t| &t.cells) {
        let def = &format.cells[ix];
        if def.row != this_row.key {
            continue;
        }
        let Some(last_ix) = last_format.cell_at(table, last_row.key, def.col) else {
            continue;
        };
        let (Some(now), Some(then)) = (values.get(ix), last_values.get(last_ix)) else {
            continue;
        };
        if now != then {
            found.push((
                def.total.is_some(),
                Violation {
                    rule: rule.id,
                    severity: rule.severity,
                    fields: vec![Field::Cell(ix)],
                    message: format!(
                        "{}“{}”列：本年“{}”为 {now}，但{}年报告“{}”为 {then}",
                        format.part_name(Field::Cell(ix)),
                        def.col_label,
                        def.row_label,
                        last.year,
                        last_row.unnumbered(),
                    ),
                    hint: None,
                },
            ));
        }
    }
    push_by_column(found, out);
}

fn check_in_force(
    format: &Format,
    values: &Values,
    (last, last_values): (&Report, &Values),
    rule: &Rule,
    (table, rows, cols, message): (&str, &[&str], InForceCols, &str),
    out: &mut Vec<Violation>,
) {
    let last_format = last.format();
    for row in rows {
        let cells = (
            format.cell_at(table, row, cols.issued),
            format.cell_at(table, row, cols.repealed),
            format.cell_at(table, row, cols.in_force),
            // The 2019 format counts 对外公开总数量, which is not comparable: no cell, no check.
            last_format.cell_at(table, row, cols.in_force),
        );
        let (Some(issued), Some(repealed), Some(in_force), Some(last_in_force)) = cells else {
            continue;
        };
        let (Some(i), Some(r), Some(now), Some(then)) = (
            values.get(issued),
            values.get(repealed),
            values.get(in_force),
            last_values.get(last_in_force),
        ) else {
            continue;
        };
        if then + i - r != now {
            let arithmetic = fill(
                message,
                &[
                    ("then", &then),
                    ("issued", &i),
                    ("repealed", &r),
                    ("sum", &(then + i - r)),
                    ("now", &now),
                ],
            );
            out.push(Violation {
                rule: rule.id,
                severity: rule.severity,
                fields: vec![Field::Cell(in_force), Field::Cell(issued), Field::Cell(repealed)],
                message: format!(
                    "{}“{}”：{arithmetic}",
                    format.part_name(Field::Cell(in_force)),
                    format.cells[in_force].row_label,
                ),
                hint: None,
            });
        }
    }
}

fn check_plausible(
    format: &Format,
    values: &Values,
    (last, last_values): (&Report, &Values),
    rule: &Rule,
    (factor, floor): (i64, i64),
    out: &mut Vec<Violation>,
) {
    let then = last.format();
    for (ix, def) in format.cells.iter().enumerate() {
        // Typed cells only: a total follows its parts, the part is the one to explain.
        if def.total.is_some() || def.kind.is_amount() {
            continue;
        }
        let Some(last_ix) = then.cell_at(def.table, def.row, def.col) else { continue };
        let (Some(now), Some(was)) = (values.get(ix), last_values.get(last_ix)) else { continue };
        if now >= was.max(1) * factor && now - was >= floor {
            out.push(Violation {
                rule: rule.id,
                severity: rule.severity,
                fields: vec![Field::Cell(ix)],
                message: format!(
                    "{}为 {now}，是{}年（{was}）的 {} 倍以上：请核对，确实如此请说明原因",
                    format.cell_name(ix),
                    last.year,
                    now / was.max(1)
                ),
                hint: Some("与上年相比异常大，请核对"),
            });
        }
    }
}

fn check_similar(
    format: &Format,
    report: &Report,
    last: &Report,
    rule: &Rule,
    (texts, share, min_chars): (&[&str], u32, usize),
    out: &mut Vec<Violation>,
) {
    let last_format = last.format();
    for key in texts {
        let (Some(ix), Some(last_ix)) = (format.text(key), last_format.text(key)) else {
            continue;
        };
        let overlap = assess::similar::overlap(&report.texts[ix], &last.texts[last_ix]);
        if overlap.chars < min_chars || overlap.share <= share {
            continue;
        }
        let heading = format.heading_of(Field::Text(ix));
        let passages: Vec<String> = overlap
            .passages
            .iter()
            .take(2)
            .map(|p| {
                let shown: String = p.chars().take(60).collect();
                format!("“{shown}{}”", if p.chars().count() > 60 { "…" } else { "" })
            })
            .collect();
        out.push(text_violation(
            rule,
            ix,
            format!(
                "“{heading}”与{}年报告的同一部分重复 {}%，如{}",
                last.year,
                overlap.share,
                passages.join("、")
            ),
            None,
        ));
    }
}

fn check_narrative(
    format: &Format,
    report: &Report,
    values: &Values,
    rule: &Rule,
    (texts, claims): (&[&str], &[Claim]),
    out: &mut Vec<Violation>,
) {
    for ix in texts.iter().filter_map(|k| format.text(k)) {
        for q in assess::numbers::quoted(&report.texts[ix], claims) {
            let claim = &claims[q.claim];
            // Each sum the words may mean, with its cells; a sum over a cell this format
            // lacks is no sum.
            let sums: Vec<(Vec<CellIx>, Option<i64>)> = claim
                .means
                .iter()
                .filter_map(|ids| {
                    let cells: Option<Vec<CellIx>> = ids.iter().map(|id| format.cell(id)).collect();
                    let cells = cells?;
                    let sum = values.sum(&cells);
                    Some((cells, sum))
                })
                .collect();
            let Some((first, table)) = sums.first().map(|(c, s)| (c.clone(), *s)) else {
                continue;
            };
            if sums.iter().any(|(_, s)| *s == Some(q.value)) {
                continue;
            }
            let Some(table) = table else { continue };
            let mut fields = vec![Field::Text(ix)];
            fields.extend(first.iter().map(|&c| Field::Cell(c)));
            out.push(Violation {
                rule: rule.id,
                severity: rule.severity,
                fields,
                message: format!(
                    "“{}”写“{}”，但表格中{}为 {table}",
                    format.heading_of(Field::Text(ix)),
                    q.words.trim(),
                    claim.what
                ),
                hint: None,
            });
        }
    }
}

#[cfg(test)]
mod tests;
