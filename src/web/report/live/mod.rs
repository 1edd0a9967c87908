//! The live check: `POST /reports/{id}/check`, shortly after each keystroke, validates the
//! form as typed without saving; the save (`POST /reports/{id}`, after a longer pause,
//! `edit.rs`) stores it. Both answer with the same out-of-band fragments (`shown.rs`): the
//! totals, the marks beside the cells and the problem list. A check is about one part of
//! the report, the one typed in: after a keystroke in a table it sends the inputs (~7 KB),
//! after one in a text that text (~9 KB for the longest of a real report), and redraws that
//! part only. The save sends and redraws everything.
//!
//! **The fast path.** A check answers at about half a static file's throughput
//! (docs/benchmarks.md, `benches/live.rs`). What exists only for that lives here, behind
//! this module:
//! - `decode.rs`: the form decoder (borrowed keys, SIMD UTF-8) where other forms use
//!   `form_urlencoded`;
//! - `shown.rs`: the fingerprint protocol, so an answer carries only what changed;
//! - the report's context from the store's few-second cache (`Store::context`), and here
//!   the characters its stored texts lack in the PDF font, kept by revision;
//! - a scratch report per thread ([`check_answer`]), whose strings keep their buffers.
//!
//! The domain offers three helpers for it, documented as such: `Format::field_guessing` and
//! `Format::next_input` (finding each key's cell in form order), `Report::set_typed` with
//! `Report::recompute_all_totals`, and `glyphs::missing_reusing`.

pub mod decode;
pub mod shown;

use std::cell::RefCell;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use shown::{LivePartial, PageState, answer};

use super::problems::Findings;
use crate::account::ReportId;
use crate::export::glyphs;
use crate::format::{Field, Part};
use crate::report::Report;
use crate::report::context::Context;
use crate::report::validate::validate_part;
use crate::store::cache::Ttl;
use crate::web::AppState;
use crate::web::access::report_for;
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::{ReportPath, bytes};
use crate::web::page::HtmlPage;

/// Characters the PDF font lacks in a report's stored texts, by report and revision: a text
/// is thousands of characters, and most checks keep the stored texts.
#[derive(Default)]
pub struct StoredGlyphs(Ttl<(ReportId, i64), Arc<Vec<glyphs::Missing>>>);

impl StoredGlyphs {
    pub fn of(&self, id: ReportId, context: &Context) -> Arc<Vec<glyphs::Missing>> {
        let key = (id, context.revision);
        if let Some(missing) = self.0.get(&key) {
            return missing;
        }
        let missing = Arc::new(glyphs::missing(&context.report));
        self.0.put(key, missing.clone());
        missing
    }
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
    ReportPath(id): ReportPath,
    Query(query): Query<CheckQuery>,
    raw: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let context = app.store.context(id).await?;
    if !me.user.fills_in(context.agency_id) {
        // Not the clerk's own: whoever may see the report may check it.
        report_for(&app, &me.user, id).await?;
    }
    let body = bytes(raw)?;
    let stored_glyphs = app.glyphs.of(id, &context);
    Ok(HtmlPage(check_answer(&context, &stored_glyphs, id, query.part(), &body)).into_response())
}

/// What a check answers: `part` of the form as typed in `body`, validated against the
/// report's live context. Pure, so that benches/live.rs can measure it without HTTP.
///
/// After a keystroke in a table the page sends its inputs (all of them: the cells start
/// blank); after one in a text, that text only. Each is checked with the rules of its part
/// (no rule reads both), and the answer redraws that part's fields and problems only: the
/// other part may have been typed in since the last save.
pub fn check_answer(
    context: &Context,
    stored_glyphs: &[glyphs::Missing],
    id: ReportId,
    part: Part,
    body: &[u8],
) -> LivePartial {
    let form = decode::pairs(body);
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
    let mut violations = validate_part(&report, &values, context.last_year.as_ref(), Some(part));
    if part == Part::Texts {
        violations.extend(crate::report::validate::peer_violations(&report, &context.peers));
    }
    let violations = context.tuning.apply(violations);
    let mut missing = glyphs::missing_reusing(&report, Some((stored, stored_glyphs)));
    missing.retain(|(place, _)| place.part() == part);
    let (marks, problems) = Findings {
        violations: &violations,
        conflicts: &[],
        comments: &context.comments,
        explanations: &context.explanations,
        glyphs: &missing,
        refused: &[],
        unsure: &context.unsure,
        years: context.last_year.as_ref().map(|last| (&report, last)),
        report: &report,
    }
    .annotate(format);
    let (fields, shown) = answer(
        &report,
        &values,
        &marks,
        &PageState::of(&form),
        (Some(part), true),
        &[],
    );
    let partial = LivePartial {
        saved: None,
        problems,
        tables: part == Part::Tables,
        texts: part == Part::Texts,
        fields,
        shown,
        answer_base: format!("/reports/{id}/comments/"),
        reviewer: false,
    };
    SCRATCH.with(|scratch| *scratch.borrow_mut() = Some(report));
    partial
}

thread_local! {
    /// A report per thread to fill with each check's form: its strings keep their buffers, so
    /// reading ~170 values allocates nothing (it starts cleared: every field as blank).
    static SCRATCH: RefCell<Option<Report>> = const { RefCell::new(None) };
}
