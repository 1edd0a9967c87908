//! The PDF: typst as a library with a world of our own (one template, the shipped fonts, the
//! report as JSON), A4 portrait in the official layout, header rows repeated on every page a
//! table crosses, page numbers, text that is real and searchable.

use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, Duration, IntoValue};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use super::glyphs::{FONTS, printable};
use super::{Snapshot, Stamp};
use crate::view::{CellRole, SectionView, TableView};

const TEMPLATE: &str = include_str!("../../templates/export/report.typ");

/// The parts of the world that never change: fonts and the font book.
static BOOK: LazyLock<LazyHash<FontBook>> =
    LazyLock::new(|| LazyHash::new(FontBook::from_fonts(FONTS.iter())));

struct ReportWorld {
    library: LazyHash<Library>,
    source: Source,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &BOOK
    }
    fn main(&self) -> FileId {
        self.source.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.get(index).cloned()
    }
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// How many PDFs the process typesets at once: one per core. Typesetting a long report
/// takes hundreds of megabytes while it runs, so without a bound four downloads at once
/// took 2.4 GB. Every render waits its turn here: the single download, each bulk export's
/// workers and the command line alike.
static RENDERS: LazyLock<Limiter> =
    LazyLock::new(|| Limiter::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// The process-wide bound on PDF renders.
pub fn renders() -> &'static Limiter {
    &RENDERS
}

/// A counting semaphore that lets waiters in in the order they came (a bulk export's
/// workers cannot starve a single download queued behind them).
pub struct Limiter {
    limit: usize,
    state: Mutex<Queue>,
    turn: Condvar,
}

struct Queue {
    /// Tickets handed out, and tickets let in: `issued - admitted` are waiting.
    issued: u64,
    admitted: u64,
    running: usize,
}

/// A place among the running renders, given back when dropped.
pub struct Permit<'a>(&'a Limiter);

impl Limiter {
    pub fn new(limit: usize) -> Limiter {
        Limiter {
            limit: limit.max(1),
            state: Mutex::new(Queue {
                issued: 0,
                admitted: 0,
                running: 0,
            }),
            turn: Condvar::new(),
        }
    }

    /// The counters are plain numbers that no panic can leave half-updated: a poisoned
    /// lock is still good.
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a place, in turn.
    pub fn acquire(&self) -> Permit<'_> {
        let mut q = self.queue();
        let ticket = q.issued;
        q.issued += 1;
        while ticket != q.admitted || q.running >= self.limit {
            q = self.turn.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
        q.admitted += 1;
        q.running += 1;
        drop(q);
        // The next ticket may fit too.
        self.turn.notify_all();
        Permit(self)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Renders running now.
    pub fn running(&self) -> usize {
        self.queue().running
    }

    /// Renders waiting for a place.
    pub fn waiting(&self) -> usize {
        let q = self.queue();
        (q.issued - q.admitted) as usize
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.queue().running -= 1;
        self.0.turn.notify_all();
    }
}

/// Renders the PDF of a snapshot, when its turn comes (see [`renders`]).
pub fn render(snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    render_within(&RENDERS, snapshot)
}

/// Renders within the bound of `limiter`: the process-wide one in [`render`], a test's own
/// where the shared one would be disturbed by other renders of the same process.
pub fn render_within(limiter: &Limiter, snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    let pdf = {
        let _place = limiter.acquire();
        typeset(snapshot)
    };
    if limiter.running() == 0 && limiter.waiting() == 0 {
        // Nothing else is typesetting: drop all of typst's memo (the layouts of the last
        // documents, which for a long report are most of the memory it took). Keeping it
        // gains nothing: every report is a new document.
        typst::comemo::evict(0);
    }
    pdf
}

fn typeset(snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    let data = document(snapshot).to_string();
    let mut inputs = Dict::new();
    inputs.insert("data".into(), data.into_value());
    let world = ReportWorld {
        library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        source: Source::detached(TEMPLATE),
    };
    let document = typst::compile::<PagedDocument>(&world).output.map_err(|errors| {
        anyhow::anyhow!(
            "typesetting failed: {:?}",
            errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        )
    })?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        anyhow::anyhow!(
            "PDF export failed: {:?}",
            errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        )
    })?;
    // A long-running server would otherwise keep every compilation's memo forever; the last
    // few renders' memo stays, for what the next report shares with them (a bulk export's
    // reports share most of their layout).
    typst::comemo::evict(10);
    Ok(pdf)
}

/// The JSON the template draws: the same sections and grids as every other export.
fn document(snapshot: &Snapshot) -> Value {
    let view = snapshot.view();
    let (stamp, footer) = match &snapshot.stamp {
        Stamp::Draft => (String::new(), "草稿".to_string()),
        Stamp::Approved { sha256, .. } => (
            printable(&snapshot.stamp_line()),
            format!("SHA-256 {}", sha256.get(..16).unwrap_or(sha256)),
        ),
    };
    json!({
        "title": printable(&view.title),
        "agency": printable(&snapshot.report.agency),
        "keywords": match &snapshot.stamp {
            Stamp::Draft => vec!["草稿".to_string()],
            Stamp::Approved { sha256, .. } => vec![format!("sha256:{sha256}")],
        },
        "draft": snapshot.is_draft(),
        "stamp": stamp,
        "footer": footer,
        "sections": view.sections.iter().map(section).collect::<Vec<_>>(),
    })
}

fn section(s: &SectionView) -> Value {
    json!({
        "heading": s.heading,
        "paragraphs": s.text.as_ref().map(|t| t.paragraphs().into_iter().map(printable).collect::<Vec<_>>()).unwrap_or_default(),
        "table": s.table.as_ref().map(table),
    })
}

fn table(t: &TableView) -> Value {
    let rows = |rows: &Vec<Vec<crate::view::CellView>>| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|c| {
                        let (text, kind) = match &c.value {
                            Some(v) => (printable(&v.display), "value"),
                            None => (
                                c.label.to_string(),
                                match c.role {
                                    CellRole::RowHeader | CellRole::RowGroup => "row",
                                    CellRole::Caption => "caption",
                                    CellRole::Note => "note",
                                    CellRole::ColHeader
                                    | CellRole::ColGroup
                                    | CellRole::Value
                                    | CellRole::Total => "col",
                                },
                            ),
                        };
                        json!({ "t": text, "cs": c.colspan, "rs": c.rowspan, "k": kind })
                    })
                    .collect()
            })
            .collect()
    };
    json!({
        "cols": t.cols,
        "size": t.font_pt,
        "head": rows(&t.head),
        "body": rows(&t.body),
    })
}
