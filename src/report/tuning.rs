//! How a jurisdiction tunes the rules for a year, without a release: a rule's severity
//! changed, or the rule off. The official format's arithmetic and value rules stay as the
//! format declares them. A report is checked with the settings of the governments above it
//! (and its own, for a government), the nearest one's winning for each rule.

use super::Violation;
use crate::format::{Format, Severity};

/// What a rule is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Severity(Severity),
    Off,
}

impl Setting {
    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Severity(Severity::Error) => "error",
            Setting::Severity(Severity::Warning) => "warning",
            Setting::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Setting> {
        match s {
            "error" => Some(Setting::Severity(Severity::Error)),
            "warning" => Some(Setting::Severity(Severity::Warning)),
            "off" => Some(Setting::Off),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Setting::Severity(Severity::Error) => "错误（阻止提交）",
            Setting::Severity(Severity::Warning) => "提醒（提交时须说明）",
            Setting::Off => "关闭",
        }
    }
}

/// The rules no jurisdiction changes: the tables' 勾稽 and what a value must be.
pub fn fixed(rule: &str) -> bool {
    rule.starts_with("value.")
        || matches!(rule, "requests.row_total" | "requests.results_total" | "requests.balance" | "appeals.total")
}

/// The settings a report is checked with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tuning {
    /// Per rule: its setting and the government that set it.
    pub rules: Vec<(String, Setting, String)>,
}

impl Tuning {
    pub fn is_default(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn setting(&self, rule: &str) -> Option<Setting> {
        self.rules.iter().find(|(r, _, _)| r == rule).map(|&(_, s, _)| s)
    }

    /// The violations as this jurisdiction counts them: a rule turned off says nothing,
    /// a rule set to another severity says it with that one.
    pub fn apply(&self, violations: Vec<Violation>) -> Vec<Violation> {
        if self.is_default() {
            return violations;
        }
        violations
            .into_iter()
            .filter_map(|mut v| match self.setting(v.rule) {
                _ if fixed(v.rule) => Some(v),
                Some(Setting::Off) => None,
                Some(Setting::Severity(s)) => {
                    v.severity = s;
                    Some(v)
                }
                None => Some(v),
            })
            .collect()
    }

    /// In words, for the report page: which rules differ from the format, and whose.
    pub fn described(&self, format: &Format) -> Vec<String> {
        self.rules
            .iter()
            .filter(|(r, _, _)| !fixed(r))
            .map(|(rule, setting, by)| {
                let about = format.rules.iter().find(|x| x.id == rule).map_or("", |x| x.summary);
                format!("{rule}（{about}）：{}，{by}设置", setting.label())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::example;
    use crate::report::validate::validate;

    #[test]
    fn a_rule_turned_off_or_made_an_error_and_the_arithmetic_kept() {
        let mut r = example();
        let f = r.format();
        r.cells[f.cell("requests.new.commercial").unwrap()] = "5".into();
        r.recompute_totals(None);
        let ix = f.text("other").unwrap();
        r.texts[ix] = "2022年，无。".into();
        let found = validate(&r, None);
        let rules: Vec<&str> = found.iter().map(|v| v.rule).collect();
        assert!(rules.contains(&"requests.balance") && rules.contains(&"text.year"), "{rules:?}");
        let tuning = Tuning {
            rules: vec![
                ("text.year".into(), Setting::Off, "某市".into()),
                ("text.fee_statement".into(), Setting::Severity(Severity::Error), "某市".into()),
                ("requests.balance".into(), Setting::Off, "某市".into()),
            ],
        };
        let tuned = tuning.apply(found);
        assert!(tuned.iter().all(|v| v.rule != "text.year"));
        assert!(tuned.iter().any(|v| v.rule == "requests.balance"), "the arithmetic cannot be turned off");
        assert!(tuned.iter().any(|v| v.rule == "text.fee_statement" && v.severity == Severity::Error));
    }
}
