//! What htmx swaps into the form while a clerk types.
//!
//! Two requests keep the form live: the check (`POST /reports/{id}/check`, shortly after
//! each keystroke) validates the form as typed without saving, and the save (`POST
//! /reports/{id}`, after a longer pause) stores it. Both answer with the same out-of-band
//! fragments: the totals, the marks beside the cells and the problem list. A check is about
//! one part of the report, the one typed in: after a keystroke in a table it sends the
//! inputs (~7 KB), after one in a text that text (~9 KB for the longest of a real report),
//! and redraws that part only. The save sends and redraws everything.
//!
//! An answer carries only the fields whose mark or total differs from what the page shows.
//! The page says what it shows in two hidden `shown` inputs, one per part: a fingerprint per
//! field that is not blank. An answer replaces the inputs of the parts it redraws, so a
//! table check and a text check in flight at once do not undo each other's. No state is
//! kept on the server, and a page without `shown` gets every field.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};

use super::access::report_for;
use super::auth::CurrentUser;
use super::reports::{Problems, SaveState, report_id};
use super::{AppState, body};
use crate::web::error::AppError;
use crate::export::glyphs;
use crate::format::{Content, Field, Part};
use crate::report::Report;
use crate::report::validate::{Values, validate_part};
use crate::store::{LiveContext, ReportId};
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
pub struct Page<'a> {
    /// Empty when the page did not say: then every field is sent.
    pub shown: Vec<&'a str>,
    pub conflicts: Vec<&'a str>,
}

impl<'a> Page<'a> {
    pub fn of<K: AsRef<str>, V: AsRef<str>>(form: &'a [(K, V)]) -> Page<'a> {
        let mut page = Page {
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
    page: &Page,
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

/// Which part a check is about: `?part=texts` after typing in a text, the tables otherwise.
#[derive(serde::Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    part: Option<String>,
}

impl CheckQuery {
    fn part(&self) -> Part {
        match self.part.as_deref() {
            Some("texts") => Part::Texts,
            _ => Part::Tables,
        }
    }
}

/// POST /reports/{id}/check: the marks, totals and problems of one part of the form as
/// typed. Nothing is saved (the save follows after a pause); nothing is read from the
/// database when the session and the report's context are cached.
pub async fn check(
    State(app): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<CheckQuery>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let id = report_id(&id)?;
    let context = app.store.live_context(id).await?;
    if !me.user.fills_in(context.agency_id) {
        // Not the clerk's own: whoever may see the report may check it.
        report_for(&app, &me.user, id).await?;
    }
    let bytes = body::bytes(raw)?;
    let answer = check_answer(&context, id, query.part(), &bytes).map_err(anyhow::Error::from)?;
    Ok(Html(answer).into_response())
}

/// What a check answers: `part` of the form as typed in `body`, validated against the
/// report's live context. Pure, so that benches/live.rs can measure it without HTTP.
///
/// After a keystroke in a table the page sends its inputs (all of them: the cells start
/// blank); after one in a text, that text only. Each is checked with the rules of its part
/// (no rule reads both), and the answer redraws that part's fields and problems only: the
/// other part may have been typed in since the last save.
pub fn check_answer(
    context: &LiveContext,
    id: ReportId,
    part: Part,
    body: &[u8],
) -> Result<String, askama::Error> {
    let form = body::pairs(body);
    let stored = &context.report;
    let mut report = SCRATCH
        .with(|scratch| scratch.borrow_mut().take())
        .filter(|r| r.version == stored.version)
        .unwrap_or_else(|| Report::blank(stored.version, stored.year, "", stored.kind));
    (report.year, report.kind) = (stored.year, stored.kind);
    report.agency.clone_from(&stored.agency);
    // The texts not sent are the stored ones. The cells not sent are blank: a table check
    // sends every input, and a text check reads no cell.
    report.texts.clone_from(&stored.texts);
    for cell in &mut report.cells {
        cell.clear();
    }
    let format = report.format();
    let mut guess = 0;
    // A field sent twice counts with its first value, as in the save (`Store::save`).
    let mut taken = vec![false; format.cells.len() + format.texts.len()];
    for (key, raw) in &form {
        let Some(field) = format.field_guessing(key, guess) else {
            continue;
        };
        if field.part() != part {
            continue;
        }
        let slot = match field {
            Field::Cell(ix) => ix,
            Field::Text(ix) => format.cells.len() + ix,
        };
        if std::mem::replace(&mut taken[slot], true) {
            continue;
        }
        if let Field::Cell(ix) = field {
            guess = format.next_input(ix);
            if format.cells[ix].total.is_some() {
                continue;
            }
        }
        report.set_typed(field, raw);
    }
    let values = report.recompute_all_totals();
    let violations = validate_part(&report, &values, context.last_year.as_ref(), Some(part));
    let stored_glyphs = context.glyphs.get_or_init(|| glyphs::missing(stored));
    let mut missing = glyphs::missing_reusing(&report, Some((stored, stored_glyphs)));
    missing.retain(|(place, _)| place.part() == part);
    let marks = Marks::new(&violations, &[])
        .with_comments(format, &context.comments)
        .with_glyphs(&missing);
    let (fields, shown) = answer(
        &report,
        &values,
        &marks,
        &Page::of(&form),
        (Some(part), true),
        &[],
    );
    let rendered = LivePartial {
        saved: None,
        problems: Problems::new(format, &violations, &context.explanations).with_glyphs(format, &missing),
        tables: part == Part::Tables,
        texts: part == Part::Texts,
        fields,
        shown,
        answer_base: format!("/reports/{id}/comments/"),
        reviewer: false,
    }
    .render();
    SCRATCH.with(|scratch| *scratch.borrow_mut() = Some(report));
    rendered
}

thread_local! {
    /// A report per thread to fill with each check's form: its strings keep their buffers, so
    /// reading ~170 values allocates nothing (it starts cleared: every field as blank).
    static SCRATCH: RefCell<Option<Report>> = const { RefCell::new(None) };
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
