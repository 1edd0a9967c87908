//! What is wrong with a report, as the clerk and the reviewer read it: the problem list
//! beside the form and the marks at the fields, built together from the same findings.

use std::collections::HashMap;

use crate::format::{Field, Format, Part, Severity};
use crate::report::review::{Comment, Conflict, Target};
use crate::report::{Place, Violation};
use crate::view::Marks;

/// What a report's annotations are made from.
pub struct Findings<'a> {
    pub violations: &'a [Violation],
    pub conflicts: &'a [Conflict],
    pub comments: &'a [Comment],
    pub explanations: &'a HashMap<String, String>,
    /// Characters the PDF font lacks, by place.
    pub glyphs: &'a [(Place, Vec<char>)],
    /// Values the store did not keep, with why.
    pub refused: &'a [(Field, String)],
    /// Values an import left to confirm (请核对), by key, with why.
    pub unsure: &'a [(String, String)],
    /// This year's report and last year's as it uses it: last year's value beside each cell.
    pub years: Option<(&'a crate::report::Report, &'a crate::report::Report)>,
    /// The report as shown: each text's length beside it.
    pub report: &'a crate::report::Report,
}

impl Findings<'_> {
    /// The marks at the fields and the problem list, from the same findings.
    pub fn annotate(&self, format: &Format) -> (Marks, Problems) {
        let marks = Marks::new(self.violations, self.conflicts)
            .with_comments(format, self.comments)
            .with_glyphs(self.glyphs)
            .with_refused(self.refused)
            .with_unsure(format, self.unsure)
            .with_lengths(self.report);
        let marks = match self.years {
            Some((now, then)) => marks.with_last_year(now, Some(then)),
            None => marks,
        };
        let problems = Problems::new(format, self.violations, self.explanations)
            .with_glyphs(format, self.glyphs)
            .with_unsure(format, self.unsure);
        (marks, problems)
    }
}

/// A line of the problem list.
pub struct Problem {
    pub level: Severity,
    pub rule: &'static str,
    pub message: String,
    /// The first field involved, as an anchor (`f-requests.new.total`).
    pub anchor: String,
    /// `rule@first-field`: how a warning's explanation is filed.
    pub key: String,
    /// The clerk's explanation of a warning.
    pub explanation: String,
}

/// The problem list beside the form: the tables' problems and the texts', each errors first.
/// The two are drawn apart because the live check after a keystroke redraws only the part
/// typed in (a keystroke in a text sends that text, not the tables).
pub struct Problems {
    pub tables: ProblemGroup,
    pub texts: ProblemGroup,
}

#[derive(Default)]
pub struct ProblemGroup {
    pub items: Vec<Problem>,
    pub errors: usize,
    pub warnings: usize,
}

impl ProblemGroup {
    fn push(&mut self, problem: Problem) {
        if problem.level == Severity::Error {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
        self.items.push(problem);
    }
}

/// How a warning's explanation is filed: its rule and first field.
pub fn warning_key(format: &Format, v: &Violation) -> String {
    Target::of_violation(format, v).to_string()
}

impl Problem {
    /// The CSS class of its level.
    pub fn class(&self) -> &'static str {
        crate::view::severity_class(Some(self.level))
    }
}

impl Problems {
    /// Every problem: the tables', then the texts'.
    pub fn into_items(self) -> impl Iterator<Item = Problem> {
        self.tables.items.into_iter().chain(self.texts.items)
    }

    fn group(&mut self, first: Option<Field>) -> &mut ProblemGroup {
        // A problem without a field (the agency's name) is with the texts.
        match first.map(Field::part) {
            Some(Part::Tables) => &mut self.tables,
            _ => &mut self.texts,
        }
    }

    /// Adds the export warnings (characters the PDF font lacks) after the rules' problems.
    pub fn with_glyphs(mut self, format: &Format, missing: &[(Place, Vec<char>)]) -> Problems {
        for (place, chars) in missing {
            let anchor = place
                .field()
                .map_or_else(String::new, |f| format.key(f).to_string());
            self.group(place.field()).push(Problem {
                level: Severity::Warning,
                rule: "export.glyph",
                message: crate::export::glyphs::message(format, *place, chars),
                anchor,
                key: String::new(),
                explanation: String::new(),
            });
        }
        self
    }

    /// Adds the values an import left to confirm, after the rules' problems.
    pub fn with_unsure(mut self, format: &Format, unsure: &[(String, String)]) -> Problems {
        for (key, why) in unsure {
            let Some(field) = format.field(key) else { continue };
            let name = match field {
                Field::Cell(ix) => format.cell_name(ix),
                Field::Text(_) => format.heading_of(field).to_string(),
            };
            self.group(Some(field)).push(Problem {
                level: Severity::Warning,
                rule: "import.unsure",
                message: format!("请核对{name}：导入时{why}"),
                anchor: key.clone(),
                key: String::new(),
                explanation: String::new(),
            });
        }
        self
    }

    pub fn new(
        format: &Format,
        violations: &[Violation],
        explanations: &HashMap<String, String>,
    ) -> Problems {
        let mut problems = Problems {
            tables: ProblemGroup::default(),
            texts: ProblemGroup::default(),
        };
        // Errors first, in the rules' order.
        for errors in [true, false] {
            for v in violations
                .iter()
                .filter(|v| (v.severity == Severity::Error) == errors)
            {
                let key = warning_key(format, v);
                let first = v.fields.first().copied();
                problems.group(first).push(Problem {
                    level: v.severity,
                    rule: v.rule,
                    message: v.message.clone(),
                    anchor: first.map(|f| format.key(f).to_string()).unwrap_or_default(),
                    explanation: explanations.get(&key).cloned().unwrap_or_default(),
                    key,
                });
            }
        }
        problems
    }
}
