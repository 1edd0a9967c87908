//! A report's content and what can be said about it, independent of storage and HTTP.

pub mod assess;
pub mod carry;
pub mod clean;
pub mod compile;
pub mod context;
pub mod interchange;
pub mod review;
pub mod standing;
pub mod tuning;
pub mod status;
pub mod validate;
pub mod value;
pub mod workflow;

use crate::format::{self, CellIx, Field, Format, Part, Version};

pub use validate::{Violation, validate};

/// A place in a report where something was typed: a field, or the name of its agency
/// (which is no field: the agency is named once, for all its reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Field(Field),
    Agency,
}

impl Place {
    pub fn field(self) -> Option<Field> {
        match self {
            Place::Field(field) => Some(field),
            Place::Agency => None,
        }
    }

    /// The half of the report the place is shown with: the agency's name with the texts.
    pub fn part(self) -> Part {
        self.field().map_or(Part::Texts, Field::part)
    }
}

/// A stored word this binary does not know (a status, a kind, a role): reading it is an
/// error, never a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct Unknown(pub String);

/// Whose report it is: the government-level report carries extra duties (条例第五十条第四项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 政府部门
    Department,
    /// 人民政府 (any level)
    Government,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Department => "department",
            Kind::Government => "government",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "department" => Some(Kind::Department),
            "government" => Some(Kind::Government),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Department => "政府部门",
            Kind::Government => "人民政府",
        }
    }
}

impl TryFrom<String> for Kind {
    type Error = Unknown;
    fn try_from(s: String) -> Result<Kind, Unknown> {
        Kind::parse(&s).ok_or(Unknown(s))
    }
}

/// One agency's report for one year: what was typed, exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub version: Version,
    pub year: i32,
    pub agency: String,
    pub kind: Kind,
    /// Raw cell values by [`CellIx`]; blank is "".
    pub cells: Vec<String>,
    /// Raw texts by [`format::TextIx`].
    pub texts: Vec<String>,
}

impl Report {
    /// An empty report in the given format.
    pub fn blank(version: Version, year: i32, agency: impl Into<String>, kind: Kind) -> Report {
        let format = format::get(version);
        Report {
            version,
            year,
            agency: agency.into(),
            kind,
            cells: vec![String::new(); format.cells.len()],
            texts: vec![String::new(); format.texts.len()],
        }
    }

    pub fn format(&self) -> &'static Format {
        format::get(self.version)
    }

    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Cell(ix) => &self.cells[ix],
            Field::Text(ix) => &self.texts[ix],
        }
    }

    pub fn set(&mut self, field: Field, raw: String) {
        match field {
            Field::Cell(ix) => self.cells[ix] = raw,
            Field::Text(ix) => self.texts[ix] = raw,
        }
    }

    /// A value as typed into the form, as it is stored: cells in canonical form when
    /// valid (full-width digits become plain), texts with `\n` line ends, and neither with
    /// the invisible characters [`clean`] removes.
    pub fn typed(&self, field: Field, raw: &str) -> String {
        let raw = clean::clean(raw);
        match field {
            Field::Cell(ix) => value::tidy(self.format().cells[ix].kind, &raw),
            Field::Text(_) => raw.into_owned(),
        }
    }

    /// Sets a field to a value as typed (see [`Report::typed`]), into the field's own buffer:
    /// the live check refills one report per thread with every keystroke's form.
    pub fn set_typed(&mut self, field: Field, raw: &str) {
        let raw = clean::clean(raw);
        match field {
            Field::Cell(ix) => value::tidy_into(self.format().cells[ix].kind, &raw, &mut self.cells[ix]),
            Field::Text(ix) => {
                self.texts[ix].clear();
                self.texts[ix].push_str(&raw);
            }
        }
    }

    /// The same report with every value as [`Report::typed`] keeps it and the totals
    /// computed: what any write path stores, whatever it was given.
    pub fn tidied(&self) -> Report {
        let mut out = self.clone();
        out.agency = clean::clean(&self.agency).into_owned();
        for field in self.format().fields() {
            let kept = self.typed(field, self.get(field));
            out.set(field, kept);
        }
        out.recompute_totals(None);
        out
    }

    /// Recomputes the totals that depend on any of `changed` (all totals when `None`).
    /// Returns the totals whose stored value changed. A total whose parts do not all
    /// parse is left blank: the form shows “—” until the parts are fixed.
    pub fn recompute_totals(&mut self, changed: Option<&[CellIx]>) -> Vec<CellIx> {
        self.recompute(changed).0
    }

    /// Recomputes every total; returns the report's values as they now are (what
    /// `Values::of` would read again).
    pub fn recompute_all_totals(&mut self) -> validate::Values {
        self.recompute(None).1
    }

    fn recompute(&mut self, changed: Option<&[CellIx]>) -> (Vec<CellIx>, validate::Values) {
        let format = self.format();
        let mut values = validate::Values::of(self);
        let mut dirty: Vec<CellIx> = changed.map(<[_]>::to_vec).unwrap_or_default();
        let mut updated = Vec::new();
        let mut fresh = String::new();
        for &ix in &format.computed {
            let Some(total) = &format.cells[ix].total else {
                continue;
            };
            let parts = &total.formula().parts;
            if changed.is_some() && !parts.iter().any(|p| dirty.contains(p)) {
                continue;
            }
            let sum = values.sum(parts);
            values.put(ix, sum);
            fresh.clear();
            if let Some(v) = sum {
                value::push_canonical(&mut fresh, format.cells[ix].kind, v);
            }
            if self.cells[ix] != fresh {
                self.cells[ix].clone_from(&fresh);
                updated.push(ix);
            }
            dirty.push(ix);
        }
        (updated, values)
    }

    /// Sets every blank total to its computed value (imported documents may omit them).
    pub fn fill_missing_totals(&mut self) {
        let format = self.format();
        let values = validate::Values::of(self);
        let filled: Vec<(CellIx, i64)> = format
            .computed
            .iter()
            .filter(|&&ix| self.cells[ix].trim().is_empty())
            .filter_map(|&ix| Some((ix, values.get(ix)?)))
            .collect();
        for (ix, v) in filled {
            self.cells[ix] = value::canonical(format.cells[ix].kind, v);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! The real example report, for tests across the crate.
    use super::Report;

    pub const EXAMPLE_JSON: &str = include_str!("../../data/2023-pingdingshan-kejiju.json");

    pub fn example() -> Report {
        super::interchange::from_json(EXAMPLE_JSON.as_bytes()).expect("the example report reads")
    }
}
