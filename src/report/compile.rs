//! The government-level report of a whole region (本行政区域): each cell the sum of the
//! approved reports of the units in scope (summed by the store, see `store::region`), as a
//! [`Report`] of the government's format, so every rule, view and export treats it as any
//! report. Totals are summed as printed, not recomputed: a source whose printed total
//! disagrees with its parts shows in the compiled report as the same rule's error.

use std::collections::HashMap;

use super::{Kind, Report, value};
use crate::format::{Field, Version};

/// What the compiled report covers, printed with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Reports summed.
    pub included: i64,
    /// Units of the roster not summed, with why (their status, or 不计入 by choice).
    pub left_out: Vec<(String, String)>,
    /// How many units are left out in all (the list may be cut short).
    pub left_out_total: i64,
    /// The reviewer's reason for compiling before every unit is approved.
    pub reason: String,
}

impl Scope {
    pub fn is_complete(&self) -> bool {
        self.left_out_total == 0
    }
}

/// The regional report of `government` for `year`: `sums` by cell id.
pub fn regional(government: &str, year: i32, sums: &HashMap<String, i64>, scope: &Scope) -> Option<Report> {
    let version = Version::for_year(year)?;
    let mut report = Report::blank(version, year, format!("{government}（本行政区域）"), Kind::Government);
    let format = report.format();
    for (ix, def) in format.cells.iter().enumerate() {
        if let Some(&sum) = sums.get(&def.id) {
            report.set(Field::Cell(ix), value::canonical(def.kind, sum));
        }
    }
    if let Some(overview) = format.text("overview") {
        report.texts[overview] = note(scope);
    }
    Some(report)
}

/// A stored regional report compiled before every unit was approved prints so, with the
/// reason, before the office's own text (only ever as a draft: such a compile cannot be
/// submitted).
pub fn mark_partial(report: &mut Report, missing: i64, reason: &str) {
    if let Some(overview) = report.format().text("overview") {
        let text = &mut report.texts[overview];
        *text = format!(
            "本报告为部分汇总：本行政区域尚有 {missing} 个单位的报告未审核通过，未计入表格。部分汇总的理由：{}\n\n{text}",
            reason.trim()
        );
    }
}

/// What the compile covers, as the overview's first paragraph until the office writes it.
fn note(scope: &Scope) -> String {
    let mut note = format!("本报告表格由本行政区域内 {} 个单位经审核通过的年度报告汇总生成。", scope.included);
    if !scope.is_complete() {
        let names: Vec<String> = scope.left_out.iter().map(|(n, why)| format!("{n}（{why}）")).collect();
        note.push_str(&format!("尚有 {} 个单位未计入：{}", scope.left_out_total, names.join("、")));
        if (scope.left_out.len() as i64) < scope.left_out_total {
            note.push('等');
        }
        note.push('。');
        if !scope.reason.trim().is_empty() {
            note.push_str(&format!("部分汇总的理由：{}", scope.reason.trim()));
        }
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::validate::Values;

    #[test]
    fn each_cell_is_the_sum_and_the_scope_is_said() {
        let a = crate::report::testing::example();
        let values = Values::of(&a);
        let format = a.format();
        let sums: HashMap<String, i64> = (0..format.cells.len())
            .filter_map(|ix| Some((format.cells[ix].id.clone(), values.get(ix)? * 3)))
            .collect();
        let scope = Scope {
            included: 3,
            left_out: vec![("某县财政局".into(), "草稿".into())],
            left_out_total: 1,
            reason: "该局机构改革中".into(),
        };
        let report = regional("某市人民政府", 2023, &sums, &scope).expect("a supported year");
        let compiled = Values::of(&report);
        for ix in 0..format.cells.len() {
            assert_eq!(compiled.get(ix), values.get(ix).map(|v| v * 3), "{}", format.cells[ix].id);
        }
        let overview = &report.texts[format.text("overview").expect("overview")];
        assert!(overview.contains("3 个单位") && overview.contains("某县财政局（草稿）") && overview.contains("该局机构改革中"));
        // Three clean reports sum to a report the table rules accept.
        let tables = crate::report::validate::validate_part(&report, &compiled, None, Some(crate::format::Part::Tables));
        assert!(tables.is_empty(), "{tables:?}");
    }
}
