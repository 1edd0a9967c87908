//! Where a report stands, in the few numbers the supervisor's desk shows for every unit:
//! its open problems and 表四's corrections. The store keeps them with the report whenever
//! its content, its explanations or last year's report change, so the desk reads them
//! from one row instead of validating thousands of reports for every page view.

use std::collections::HashMap;

use super::review::Target;
use super::validate::{Values, validate_with};
use super::Report;
use crate::format::Severity;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub errors: i64,
    pub warnings: i64,
    /// Warnings the clerk explained (说明).
    pub explained: i64,
    /// 表四 结果纠正, review and litigation together (被纠错).
    pub corrected: i64,
    /// 表四 结果纠正 of the two litigation groups (败诉).
    pub lost: i64,
    /// The largest share (per cent) of a section's wording repeated from last year's report.
    pub copied: i64,
}

/// 表四's groups whose 结果纠正 means the agency lost in court.
const LITIGATION: [&str; 2] = ["litigation_direct", "litigation_after_review"];

impl Standing {
    /// `explanations` are the report's, by the key a warning's explanation is filed under.
    pub fn of(
        report: &Report,
        last_year: Option<&Report>,
        explanations: &HashMap<String, String>,
        tuning: &super::tuning::Tuning,
    ) -> Standing {
        let values = Values::of(report);
        let format = report.format();
        let mut standing = Standing::default();
        for v in tuning.apply(validate_with(report, &values, last_year)) {
            match v.severity {
                Severity::Error => standing.errors += 1,
                Severity::Warning => {
                    standing.warnings += 1;
                    let key = Target::of_violation(format, &v).to_string();
                    if explanations.get(&key).is_some_and(|e| !e.trim().is_empty()) {
                        standing.explained += 1;
                    }
                }
            }
        }
        let corrected = |row: &str| {
            format
                .cell_at("appeals", row, "corrected")
                .and_then(|ix| values.get(ix))
                .unwrap_or(0)
        };
        standing.lost = LITIGATION.iter().map(|row| corrected(row)).sum();
        standing.corrected = corrected("review") + standing.lost;
        if let Some(last) = last_year {
            let then = last.format();
            standing.copied = format
                .texts
                .iter()
                .enumerate()
                .filter_map(|(ix, def)| {
                    let last_ix = then.text(def.key)?;
                    Some(i64::from(super::assess::similar::overlap(&report.texts[ix], &last.texts[last_ix]).share))
                })
                .max()
                .unwrap_or(0);
        }
        standing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Field;

    #[test]
    fn counts_the_corrections_of_table_four() {
        let mut report = crate::report::testing::example();
        let format = report.format();
        for (row, n) in [("review", "2"), ("litigation_direct", "3"), ("litigation_after_review", "1")] {
            let ix = format.cell_at("appeals", row, "corrected").expect("a 表四 cell");
            report.set(Field::Cell(ix), n.to_string());
        }
        let standing = Standing::of(&report, None, &HashMap::new(), &Default::default());
        assert_eq!((standing.corrected, standing.lost), (6, 4));
    }

    #[test]
    fn an_explained_warning_is_counted_as_explained() {
        let mut report = crate::report::testing::example();
        let before = Standing::of(&report, None, &HashMap::new(), &Default::default());
        // Section 六 that does not state the 信息处理费 is a warning (text.fee_statement).
        let other = report.format().text("other").expect("section 六");
        report.texts[other] = "本年度无其他需要报告的事项。".to_string();
        let standing = Standing::of(&report, None, &HashMap::new(), &Default::default());
        assert_eq!(standing.warnings, before.warnings + 1);
        assert_eq!(standing.explained, 0);
        let warning = crate::report::validate(&report, None)
            .into_iter()
            .find(|v| v.rule == "text.fee_statement")
            .expect("the fee warning");
        let key = Target::of_violation(report.format(), &warning).to_string();
        let explanations = HashMap::from([(key, "本年度未收取费用".to_string())]);
        let explained = Standing::of(&report, None, &explanations, &Default::default());
        assert_eq!((explained.warnings, explained.explained), (standing.warnings, 1));
    }
}
