//! What is shown at a field beside its value: the highlight and message of a rule it breaks,
//! a conflict to settle, reviewers' comments pinned to it.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::format::{Field, Format, Severity};
use crate::report::review::{Comment, Conflict};
use crate::report::{Place, Violation};

/// What to show at a field: highlight level, the message beside it, a conflict to settle,
/// and the reviewers' comments pinned to it.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The worst rule broken here, if any.
    pub level: Option<Severity>,
    pub hint: String,
    pub conflict: Option<ConflictView>,
    pub notes: Vec<Note>,
    /// 请核对: an import could not read this value with certainty (why), until confirmed.
    pub check: Option<String>,
    /// Last year's value of this cell, shown on request, and whether this year's differs a lot.
    pub last: Option<LastYear>,
    /// Where a value that carries over came from (来自2024年度报告), always shown.
    pub carried: Option<String>,
    /// A text's length in characters (assessors count them), shown under it.
    pub length: Option<usize>,
}

/// Last year's value beside a cell.
#[derive(Clone, PartialEq, Eq)]
pub struct LastYear {
    pub year: i32,
    pub value: String,
    /// This year's value is far from it (half again or half less, and at least 10 apart).
    pub jump: bool,
}

/// A reviewer's comment as shown where it is pinned.
#[derive(Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub body: String,
    pub author: String,
    pub at: String,
    pub answered: bool,
    pub answer: String,
    /// What it is pinned to, in words (“单元格”“规则 requests.balance”“第三部分”).
    pub target: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct ConflictView {
    pub mine: String,
    pub theirs: String,
    pub author: String,
    pub at: String,
}

impl Mark {
    /// The CSS class of its level.
    pub fn class(&self) -> &'static str {
        severity_class(self.level)
    }
}

/// The CSS class of a level, as the stylesheet and the page's script know it.
pub fn severity_class(level: Option<Severity>) -> &'static str {
    match level {
        None => "",
        Some(Severity::Error) => "err",
        Some(Severity::Warning) => "warn",
    }
}

/// Marks by field, from violations and conflicts, and comments by section.
pub struct Marks {
    /// By field.
    pub(super) fields: FxHashMap<Field, Mark>,
    /// Comments pinned to a section, by section key.
    pub(super) sections: HashMap<String, Vec<Note>>,
}

impl Marks {
    pub fn new(violations: &[Violation], conflicts: &[Conflict]) -> Marks {
        let mut marks: FxHashMap<Field, Mark> = FxHashMap::default();
        for v in violations {
            for (i, field) in v.fields.iter().enumerate() {
                let mark = marks.entry(*field).or_default();
                if mark.level != Some(Severity::Error) {
                    mark.level = Some(v.severity);
                }
                if i == 0
                    && mark.hint.is_empty()
                    && let Some(hint) = v.hint
                {
                    mark.hint = hint.to_string();
                }
            }
        }
        for c in conflicts {
            marks.entry(c.field).or_default().conflict = Some(ConflictView {
                mine: c.mine.clone(),
                theirs: c.theirs.clone(),
                author: c.author.clone(),
                at: crate::clock::clock(c.at),
            });
        }
        Marks {
            fields: marks,
            sections: HashMap::new(),
        }
    }

    pub fn none() -> Marks {
        Marks {
            fields: FxHashMap::default(),
            sections: HashMap::new(),
        }
    }

    /// Adds reviewers' comments: at their cell, at the first cell of their rule violation,
    /// or at their section.
    pub fn with_comments(mut self, format: &Format, comments: &[Comment]) -> Marks {
        for c in comments {
            let note = Note {
                id: c.id,
                body: c.body.clone(),
                author: c.author.clone(),
                at: crate::clock::datetime(c.created_at),
                answered: c.answered.is_some(),
                answer: c.answer.clone(),
                target: c.target.label(format),
            };
            match c.target.field(format) {
                Some(field) => self.fields.entry(field).or_default().notes.push(note),
                None => self.sections.entry(c.target.to_string()).or_default().push(note),
            }
        }
        self
    }

    /// Adds export warnings: characters the shipped font cannot draw, at their field.
    pub fn with_glyphs(mut self, missing: &[(Place, Vec<char>)]) -> Marks {
        // The agency's name is no field of the form: the problem list names it.
        for (field, chars) in missing
            .iter()
            .filter_map(|(place, chars)| Some((place.field()?, chars)))
        {
            let mark = self.fields.entry(field).or_default();
            if mark.level.is_none() {
                mark.level = Some(Severity::Warning);
            }
            if mark.hint.is_empty() {
                mark.hint = format!("字库无法显示「{}」", chars.iter().collect::<String>());
            }
        }
        self
    }

    /// Each non-empty text's length, under it.
    pub fn with_lengths(mut self, report: &crate::report::Report) -> Marks {
        for (ix, text) in report.texts.iter().enumerate() {
            let n = text.chars().filter(|c| !c.is_whitespace()).count();
            if n > 0 {
                self.fields.entry(Field::Text(ix)).or_default().length = Some(n);
            }
        }
        self
    }

    /// Marks the values an import left to confirm (请核对), by key, with why.
    pub fn with_unsure(mut self, format: &Format, unsure: &[(String, String)]) -> Marks {
        for (key, why) in unsure {
            if let Some(field) = format.field(key) {
                let mark = self.fields.entry(field).or_default();
                if mark.level.is_none() {
                    mark.level = Some(Severity::Warning);
                }
                mark.check = Some(why.clone());
            }
        }
        self
    }

    /// Last year's value at every cell of this year's that has one (same table, row and
    /// column in last year's format).
    pub fn with_last_year(mut self, report: &crate::report::Report, last: Option<&crate::report::Report>) -> Marks {
        let Some(last) = last else {
            return self;
        };
        let (format, then) = (report.format(), last.format());
        let now_values = crate::report::validate::Values::of(report);
        let then_values = crate::report::validate::Values::of(last);
        for (ix, def) in format.cells.iter().enumerate() {
            let Some(last_ix) = then.cell_at(def.table, def.row, def.col) else {
                continue;
            };
            let value = match then_values.get(last_ix) {
                Some(v) => crate::report::value::canonical(then.cells[last_ix].kind, v),
                None => last.cells[last_ix].clone(),
            };
            let jump = match (now_values.get(ix), then_values.get(last_ix)) {
                (Some(now), Some(was)) => {
                    let (lo, hi) = (now.min(was), now.max(was));
                    let apart = if def.kind.is_amount() { 10 * 1_000_000 } else { 10 };
                    hi - lo >= apart && 2 * hi >= 3 * lo
                }
                _ => false,
            };
            self.fields.entry(Field::Cell(ix)).or_default().last = Some(LastYear {
                year: last.year,
                value,
                jump,
            });
        }
        for carry in crate::report::carry::carries(format, then) {
            let Some(last_ix) = then.cell(&carry.last) else { continue };
            let Some(was) = then_values.get(last_ix) else { continue };
            let shown = crate::report::value::canonical(then.cells[last_ix].kind, was);
            match carry.this {
                Some(ix) if now_values.get(ix) == Some(was) => {
                    self.fields.entry(Field::Cell(ix)).or_default().carried = Some(format!("来自{}年度报告", last.year));
                }
                Some(_) => {}
                // The baseline of the in-force rule, beside this year's 现行有效件数.
                None => {
                    let def = &then.cells[last_ix];
                    if let Some(ix) = format.cell_at(def.table, def.row, def.col) {
                        self.fields.entry(Field::Cell(ix)).or_default().carried =
                            Some(format!("上年现行有效 {shown}（来自{}年度报告）", last.year));
                    }
                }
            }
        }
        self
    }

    /// Marks values the store did not keep (too long) with why: an error at the field.
    pub fn with_refused(mut self, refused: &[(Field, String)]) -> Marks {
        for (field, why) in refused {
            let mark = self.fields.entry(*field).or_default();
            mark.level = Some(Severity::Error);
            mark.hint.clone_from(why);
        }
        self
    }

    /// Every comment, oldest first.
    pub fn all_notes(self) -> Vec<Note> {
        let mut notes: Vec<Note> = self
            .fields
            .into_values()
            .flat_map(|m| m.notes)
            .chain(self.sections.into_values().flatten())
            .collect();
        notes.sort_by_key(|n| n.id);
        notes
    }

    pub fn get(&self, field: Field) -> Mark {
        self.fields.get(&field).cloned().unwrap_or_default()
    }

    /// The mark at a field, when there is one.
    pub fn peek(&self, field: Field) -> Option<&Mark> {
        self.fields.get(&field)
    }
}
