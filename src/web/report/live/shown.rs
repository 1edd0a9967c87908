//! What htmx swaps into the form after a check or a save, and the `shown` protocol that
//! keeps it small.
//!
//! An answer carries only the fields whose mark or total differs from what the page shows.
//! The page says what it shows in two hidden `shown` inputs, one per part: a fingerprint per
//! field that is not blank. An answer replaces the inputs of the parts it redraws, so a
//! table check and a text check in flight at once do not undo each other's. No state is
//! kept on the server, and a page without `shown` gets every field.

use std::hash::{Hash, Hasher};

use askama::Template;

use super::super::page::SaveState;
use super::super::problems::Problems;
use crate::format::{Content, Field, Part};
use crate::report::Report;
use crate::report::validate::Values;
use crate::view::{Mark, Marks, display, value_name};

/// What htmx swaps in after a check or a save; every element carries `hx-swap-oob`.
#[derive(Template)]
#[template(path = "reports/_live.html")]
pub struct LivePartial {
    /// After a save: the new version and the save badge. A check leaves both alone.
    pub saved: Option<(i64, SaveState)>,
    pub problems: Problems,
    /// Which parts' problems to redraw: a check redraws the part typed in, a save both.
    pub tables: bool,
    pub texts: bool,
    /// The fields to redraw.
    pub fields: Vec<LiveField>,
    /// The new values of the page's `shown` inputs (those of the parts redrawn).
    pub shown: Shown,
    pub answer_base: String,
    /// Live answers are the clerk's: no reviewer links.
    pub reviewer: bool,
}

/// A field to redraw: its mark, its value when it is a total, its input when the form must
/// be given a value someone else saved.
pub struct LiveField {
    pub key: &'static str,
    /// Whether the mark (and the total) differ from what the page shows.
    pub changed: bool,
    pub mark: Mark,
    /// A total: as printed, and its name for screen readers.
    pub total: Option<(String, String)>,
    pub refresh: Option<Refresh>,
}

pub enum Refresh {
    Cell {
        raw: String,
        amount: bool,
        row: u16,
        col: u16,
        name: String,
    },
    Text {
        raw: String,
        heading: &'static str,
    },
}

/// A field as the page shows it: its mark, and its value when it is a total (`Some(None)`:
/// a total whose parts do not all parse, printed “—”). 0: blank.
fn fingerprint(mark: Option<&Mark>, total: Option<Option<i64>>) -> u32 {
    let mark = mark.filter(|m| **m != Mark::default());
    if mark.is_none() && total.is_none_or(|t| t == Some(0)) {
        return 0;
    }
    let mut h = rustc_hash::FxHasher::default();
    if let Some(mark) = mark {
        mark.level.hash(&mut h);
        mark.hint.hash(&mut h);
        if let Some(c) = &mark.conflict {
            (&c.mine, &c.theirs, &c.author, &c.at).hash(&mut h);
        }
        for n in &mark.notes {
            (n.id, n.answered, &n.answer).hash(&mut h);
        }
    }
    total.hash(&mut h);
    (h.finish() as u32).max(1)
}

/// A field's fingerprint as the report, its values and marks would draw it.
fn fingerprint_of(report: &Report, values: &Values, marks: &Marks, field: Field) -> u32 {
    let total = match field {
        Field::Cell(ix) if report.format().cells[ix].total.is_some() => Some(values.get(ix)),
        _ => None,
    };
    fingerprint(marks.peek(field), total)
}

fn encode(fps: impl Iterator<Item = u32>) -> String {
    let mut out = String::with_capacity(2048);
    for (ix, fp) in fps.enumerate().filter(|(_, fp)| *fp != 0) {
        if !out.is_empty() {
            out.push(',');
        }
        push_digits(&mut out, ix as u64, 10);
        out.push(':');
        push_digits(&mut out, u64::from(fp), 16);
    }
    out
}

/// `n` in base `radix` (≤ 16) without the formatting machinery: an answer writes a hundred.
fn push_digits(out: &mut String, mut n: u64, radix: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b"0123456789abcdef"[(n % radix) as usize];
        n /= radix;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// The page's `shown` inputs: `index:fingerprint` of each field that is not blank. Indexes
/// beyond the format's fields and pairs that do not read are ignored.
fn decode(raws: &[&str], fields: usize) -> Vec<u32> {
    let mut shown = vec![0; fields];
    for pair in raws.iter().flat_map(|raw| raw.split(',')) {
        if let Some((ix, fp)) = pair.split_once(':')
            && let (Ok(ix), Ok(fp)) = (ix.parse::<usize>(), u32::from_str_radix(fp, 16))
            && let Some(slot) = shown.get_mut(ix)
        {
            *slot = fp;
        }
    }
    shown
}

/// The page's two `shown` inputs, one per part.
pub struct Shown {
    pub tables: String,
    pub texts: String,
}

impl Shown {
    /// `fingerprints` of every field, in the format's order, split by part.
    fn of(report: &Report, fingerprints: impl Iterator<Item = u32>) -> Shown {
        let fields: Vec<(Part, u32)> = report
            .format()
            .fields()
            .map(Field::part)
            .zip(fingerprints)
            .collect();
        let of = |part| encode(fields.iter().map(|&(p, fp)| if p == part { fp } else { 0 }));
        Shown {
            tables: of(Part::Tables),
            texts: of(Part::Texts),
        }
    }
}

/// `shown` for a freshly rendered page.
pub fn shown(report: &Report, marks: &Marks) -> Shown {
    let values = Values::of(report);
    Shown::of(
        report,
        report
            .format()
            .fields()
            .map(|field| fingerprint_of(report, &values, marks, field)),
    )
}

/// What the page asked with: what it shows, and the conflicts it is showing.
pub struct PageState<'a> {
    /// Empty when the page did not say: then every field is sent.
    pub shown: Vec<&'a str>,
    pub conflicts: Vec<&'a str>,
}

impl<'a> PageState<'a> {
    pub fn of<K: AsRef<str>, V: AsRef<str>>(form: &'a [(K, V)]) -> PageState<'a> {
        let mut page = PageState {
            shown: Vec::new(),
            conflicts: Vec::new(),
        };
        for (name, value) in form {
            match name.as_ref() {
                "shown" => page.shown.push(value.as_ref()),
                "shown_conflict" => page.conflicts.push(value.as_ref()),
                _ => {}
            }
        }
        page
    }
}

/// Where a cell's input sits in its table, for pasting blocks.
fn position(report: &Report, ix: usize) -> (u16, u16) {
    let format = report.format();
    format
        .table(format.cells[ix].table)
        .into_iter()
        .flat_map(|t| t.grid.body.iter().flat_map(|r| &r.cells))
        .find_map(|c| match c.content {
            Content::Value { cell, row, col } if cell == ix => Some((row, col)),
            _ => None,
        })
        .unwrap_or_default()
}

/// The fields to redraw and the page's `shown` after the answer: those of `part` (`None`:
/// all) whose mark or total differs from what the page shows, and those in `refresh`. A
/// conflict the page shows is redrawn by a save (settled, it goes away) and left alone by a
/// check (`keep_conflicts`), which knows nothing of conflicts.
pub fn answer(
    report: &Report,
    values: &Values,
    marks: &Marks,
    page: &PageState,
    (part, keep_conflicts): (Option<Part>, bool),
    refresh: &[Field],
) -> (Vec<LiveField>, Shown) {
    let format = report.format();
    let count = format.fields().count();
    let was = (!page.shown.is_empty()).then(|| decode(&page.shown, count));
    let mut after = Vec::with_capacity(count);
    let mut fields = Vec::new();
    for (ix, field) in format.fields().enumerate() {
        let key = format.key(field);
        let before = was.as_ref().map(|was| was[ix]);
        let conflict = page.conflicts.contains(&key);
        if (conflict && keep_conflicts) || part.is_some_and(|p| field.part() != p) {
            // Not this answer's to redraw: the page keeps what it shows.
            after.push(before.unwrap_or(0));
            continue;
        }
        let fp = fingerprint_of(report, values, marks, field);
        after.push(fp);
        let changed = before != Some(fp) || conflict;
        let refreshed = refresh.contains(&field);
        if !changed && !refreshed {
            continue;
        }
        fields.push(LiveField {
            key,
            changed,
            mark: marks.get(field),
            total: match field {
                Field::Cell(ix) if format.cells[ix].total.is_some() => {
                    Some((display(report, values, ix), value_name(format, ix)))
                }
                _ => None,
            },
            refresh: refreshed.then(|| match field {
                Field::Cell(ix) => {
                    let (row, col) = position(report, ix);
                    Refresh::Cell {
                        raw: report.cells[ix].clone(),
                        amount: format.cells[ix].kind.is_amount(),
                        row,
                        col,
                        name: value_name(format, ix),
                    }
                }
                Field::Text(ix) => Refresh::Text {
                    raw: report.texts[ix].clone(),
                    heading: format.heading_of(Field::Text(ix)),
                },
            }),
        });
    }
    (fields, Shown::of(report, after.into_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_reads_back_what_it_wrote() {
        let fps = [0, 1, 0xffff_ffff, 0, 0x2a, 7, 0];
        let written = encode(fps.into_iter());
        assert_eq!(written, "1:1,2:ffffffff,4:2a,5:7");
        assert_eq!(decode(&[&written], fps.len()), fps);
        // The two parts' inputs read as one.
        assert_eq!(decode(&["1:1,4:2a", "2:ffffffff,5:7"], fps.len()), fps);
        // What a page cannot have sent is ignored, not a panic.
        assert_eq!(decode(&["9:1,x:2,3:zz,,1"], 4), [0; 4]);
    }
}
