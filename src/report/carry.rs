//! What this year's report takes from last year's, as the format's cross-year rules say:
//! 上年结转 from last year's 结转下年度 (per applicant column), and 表二's 现行有效件数 as
//! the baseline of the in-force rule. A new report is prefilled from it; a clerk who finds
//! last year's figure wrong enters a 纠错说明 for one of these cells.

use super::Report;
use crate::format::{CellIx, Check, Format};

/// A value of last year's report that this year's depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    /// Last year's cell id (`requests.carried_forward.natural_person`).
    pub last: String,
    /// The cell of this year's it fills in, when it is copied (上年结转); `None` for a
    /// baseline the rules compare with (现行有效件数).
    pub this: Option<CellIx>,
    /// Last year's cell in words, for the 纠错说明 form.
    pub name: String,
}

/// The carries from a report in format `last` to one in format `this`. Totals are left
/// out: they follow their parts.
pub fn carries(this: &Format, last: &Format) -> Vec<Carry> {
    let mut out = Vec::new();
    for rule in &this.rules {
        match rule.check {
            Check::CarriedOver { table, this_row, last_row } => {
                for &ix in this.table(table).map_or(&[][..], |t| &t.cells) {
                    let def = &this.cells[ix];
                    if def.row != this_row.key || def.total.is_some() {
                        continue;
                    }
                    if let Some(last_ix) = last.cell_at(table, last_row.key, def.col) {
                        out.push(Carry {
                            last: last.cells[last_ix].id.clone(),
                            this: Some(ix),
                            name: last.cell_name(last_ix),
                        });
                    }
                }
            }
            Check::InForce { table, rows, cols, .. } => {
                for row in rows {
                    if let Some(last_ix) = last.cell_at(table, row, cols.in_force) {
                        out.push(Carry {
                            last: last.cells[last_ix].id.clone(),
                            this: None,
                            name: last.cell_name(last_ix),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Fills the blank cells of `report` that carry over from `last` (as this year uses it,
/// corrections in place). Returns the cells filled.
pub fn prefill(report: &mut Report, last: &Report) -> Vec<CellIx> {
    let (format, then) = (report.format(), last.format());
    let values = super::validate::Values::of(last);
    let mut filled = Vec::new();
    for carry in carries(format, then) {
        let (Some(ix), Some(last_ix)) = (carry.this, then.cell(&carry.last)) else {
            continue;
        };
        if !report.cells[ix].trim().is_empty() {
            continue;
        }
        if let Some(v) = values.get(last_ix) {
            report.cells[ix] = super::value::canonical(format.cells[ix].kind, v);
            filled.push(ix);
        }
    }
    if !filled.is_empty() {
        report.recompute_totals(Some(&filled));
    }
    filled
}

/// Prints the 纠错说明 of last year's figures after section 六, as the export's notes.
pub fn print_corrections(report: &mut Report, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    if let Some(other) = report.format().text("other") {
        let text = &mut report.texts[other];
        let mut out = String::from("附注（上年数据纠错说明）：");
        for (k, note) in notes.iter().enumerate() {
            out.push_str(&format!("\n{}. {note}", k + 1));
        }
        *text = if text.trim().is_empty() { out } else { format!("{text}\n\n{out}") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{self, Version};
    use crate::report::testing::example;

    #[test]
    fn a_new_report_starts_from_last_years_carry_forward() {
        let mut last = example();
        let f = last.format();
        let forward = f.cell("requests.carried_forward.natural_person").unwrap();
        last.cells[forward] = "4".into();
        last.recompute_totals(None);
        let mut this = Report::blank(Version::V2021, last.year + 1, &last.agency, last.kind);
        let filled = prefill(&mut this, &last);
        let over = f.cell("requests.carried_over.natural_person").unwrap();
        assert!(filled.contains(&over));
        assert_eq!(this.cells[over], "4");
        assert_eq!(this.cells[f.cell("requests.carried_over.total").unwrap()], "4");
        // The in-force baseline is compared with, not copied.
        let carries = carries(format::get(Version::V2021), f);
        assert!(carries.iter().any(|c| c.last == "proactive.regulations.in_force" && c.this.is_none()));
        assert_eq!(carries.iter().filter(|c| c.this.is_some()).count(), 6);
    }
}
