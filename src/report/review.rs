//! What the review of a report leaves on record: status changes, approvals, reviewers'
//! comments and what they are pinned to, and the conflicts two people's edits make. The
//! store keeps them; the pages and the exports show them.

use std::fmt;

use super::status::Status;
use crate::format::{Field, Format};

/// One recorded status change.
#[derive(Debug, Clone)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    /// The report's revision it moved.
    pub version: i64,
    pub user: String,
    pub note: String,
    pub at: i64,
}

/// Who approved a report, when, and the SHA-256 of the content they approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub by: String,
    pub at: i64,
    pub sha256: String,
}

/// A field both this user and someone else changed since this user's form was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub field: Field,
    pub mine: String,
    pub theirs: String,
    pub author: String,
    pub at: i64,
}

/// A reviewer's comment.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub target: Target,
    pub body: String,
    pub author: String,
    pub created_at: i64,
    /// Who marked it answered, and when.
    pub answered: Option<(String, i64)>,
    pub answer: String,
}

/// What a comment is pinned to: a cell, a rule as broken at a field, or a section. Stored
/// as a kind (`cell`, `rule`, `section`) and a key; a rule's key is `rule@field`, the way a
/// warning's explanation is filed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Cell(String),
    Rule { rule: String, field: String },
    Section(String),
}

impl Target {
    /// Reads a stored or submitted target; `None` for a kind this binary does not know or
    /// a rule target without its field.
    pub fn parse(kind: &str, key: &str) -> Option<Target> {
        match kind {
            "cell" => Some(Target::Cell(key.to_string())),
            "rule" => {
                let (rule, field) = key.split_once('@')?;
                Some(Target::Rule {
                    rule: rule.to_string(),
                    field: field.to_string(),
                })
            }
            "section" => Some(Target::Section(key.to_string())),
            _ => None,
        }
    }

    /// The target of a broken rule's comment or explanation: the rule at its first field.
    pub fn of_violation(format: &Format, violation: &super::Violation) -> Target {
        Target::Rule {
            rule: violation.rule.to_string(),
            field: violation
                .fields
                .first()
                .map_or("", |f| format.key(*f))
                .to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Target::Cell(_) => "cell",
            Target::Rule { .. } => "rule",
            Target::Section(_) => "section",
        }
    }

    /// The field it is pinned at, when it is pinned at one.
    pub fn field(&self, format: &Format) -> Option<Field> {
        match self {
            Target::Cell(key) | Target::Rule { field: key, .. } => format.field(key),
            Target::Section(_) => None,
        }
    }

    /// Whether the report's format has what it points at.
    pub fn exists_in(&self, format: &Format) -> bool {
        match self {
            Target::Cell(key) => format.cell(key).is_some(),
            Target::Rule { rule, field } => {
                format.rules.iter().any(|r| r.id == rule.as_str()) && format.field(field).is_some()
            }
            Target::Section(key) => format.sections.iter().any(|s| s.key == key.as_str()),
        }
    }

    /// What it is pinned to, as a clerk reads it (“本年新收 · 商业企业”“规则“…””“第三部分”).
    pub fn label(&self, format: &Format) -> String {
        match self {
            Target::Cell(key) => match format.cell(key) {
                Some(ix) => format.cell_name(ix),
                None => key.clone(),
            },
            Target::Rule { rule, .. } => {
                let summary = format
                    .rules
                    .iter()
                    .find(|r| r.id == rule.as_str())
                    .map_or("", |r| r.summary);
                format!("规则“{summary}”")
            }
            Target::Section(key) => format
                .sections
                .iter()
                .find(|s| s.key == key.as_str())
                .map_or_else(|| key.clone(), |s| s.heading.to_string()),
        }
    }

    /// The page anchor of what it points at (`s-overview`, `f-requests.new.total`).
    pub fn anchor(&self) -> String {
        match self {
            Target::Section(key) => format!("s-{key}"),
            Target::Cell(key) | Target::Rule { field: key, .. } => format!("f-{key}"),
        }
    }
}

/// The stored key: a cell's or section's key, or `rule@field`.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Cell(key) | Target::Section(key) => f.write_str(key),
            Target::Rule { rule, field } => write!(f, "{rule}@{field}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_reads_back_what_it_writes() {
        for (kind, key) in [
            ("cell", "requests.new.total"),
            ("rule", "requests.balance@requests.new.total"),
            ("section", "overview"),
        ] {
            let target = Target::parse(kind, key).unwrap();
            assert_eq!((target.kind(), target.to_string().as_str()), (kind, key));
        }
        assert_eq!(Target::parse("rule", "no-field"), None);
        assert_eq!(Target::parse("ministry", "x"), None);
    }
}
