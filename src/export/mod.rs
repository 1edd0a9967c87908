//! The publication formats. Every export renders one [`Snapshot`]: the report's content and
//! its stamp (草稿, or who approved it, when, and the SHA-256 of the approved content), so a
//! PDF, a Word file and a web page of the same approved report carry the same hash.

pub mod bundle;
pub mod docx;
pub mod glyphs;
pub mod html;
pub mod pdf;
pub mod xlsx;

use std::borrow::Cow;

use crate::report::review::Approval;
use crate::report::{Report, interchange};
use crate::view::{ReportView, title};
use glyphs::visible;

/// What an export says about the report's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// Not approved: every page says 草稿.
    Draft,
    Approved {
        by: String,
        at: i64,
        sha256: String,
    },
}

/// The content every format of one export is made from.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub report: Report,
    pub stamp: Stamp,
}

impl Snapshot {
    /// A report with its approval, if any: approved if the approval still matches its content.
    pub fn of(report: &Report, approval: Option<&Approval>) -> Snapshot {
        let stamp = match approval {
            Some(a) if a.sha256 == interchange::content_sha256(report) => Stamp::Approved {
                by: a.by.clone(),
                at: a.at,
                sha256: a.sha256.clone(),
            },
            Some(_) => {
                tracing::error!(
                    agency = %report.agency,
                    year = report.year,
                    "approved content does not match its hash; exported as a draft"
                );
                Stamp::Draft
            }
            None => Stamp::Draft,
        };
        Snapshot {
            report: report.clone(),
            stamp,
        }
    }

    /// A report from a file: no approval to show.
    pub fn draft(report: Report) -> Snapshot {
        Snapshot {
            report,
            stamp: Stamp::Draft,
        }
    }

    pub fn is_draft(&self) -> bool {
        self.stamp == Stamp::Draft
    }

    /// The line every format prints under the title.
    pub fn stamp_line(&self) -> String {
        match &self.stamp {
            Stamp::Draft => "草稿 · 未经审核，不得发布".into(),
            Stamp::Approved { by, at, sha256 } => {
                format!(
                    "审核通过：{} · {} · 内容 SHA-256：{sha256}",
                    visible(by),
                    crate::clock::datetime(*at)
                )
            }
        }
    }

    /// The title as every format prints it (and names its file).
    pub fn title(&self) -> String {
        visible(&title(&self.report)).into_owned()
    }

    /// The report as printed: sections, paragraphs, tables with their spans. Every text in it
    /// is [`visible`]: no writer is handed a character XML cannot carry.
    pub fn view(&self) -> ReportView {
        let mut view = ReportView::new(&self.report, &crate::view::Marks::none());
        let scrub = |s: &mut String| {
            if let Cow::Owned(clean) = visible(s) {
                *s = clean;
            }
        };
        scrub(&mut view.title);
        for section in &mut view.sections {
            if let Some(text) = &mut section.text {
                scrub(&mut text.raw);
                // A carriage return on its own (old Mac text) ends a line, as it does on
                // screen: every format breaks the paragraph there, none keeps it as a character.
                if text.raw.contains('\r') {
                    text.raw = text.raw.replace("\r\n", "\n").replace('\r', "\n");
                }
            }
            if let Some(table) = &mut section.table {
                for cell in table.head.iter_mut().chain(&mut table.body).flatten() {
                    if let Some(value) = &mut cell.value {
                        scrub(&mut value.raw);
                        scrub(&mut value.display);
                    }
                }
            }
        }
        view
    }
}

/// The formats a report is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Kind {
    Pdf,
    Docx,
    Xlsx,
    Html,
    Json,
}

impl Kind {
    /// Each kind once, first mention first: `pdf,docx,pdf` is the PDF and the Word file, and the
    /// zip gets no entry twice (which its writer refuses).
    pub fn each_once(kinds: &[Kind]) -> Vec<Kind> {
        let mut once: Vec<Kind> = Vec::with_capacity(kinds.len());
        for &kind in kinds {
            if !once.contains(&kind) {
                once.push(kind);
            }
        }
        once
    }


    pub const ALL: [Kind; 5] = [Kind::Pdf, Kind::Docx, Kind::Xlsx, Kind::Html, Kind::Json];

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Html => "html",
            Kind::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.extension() == s)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Json => "application/json; charset=utf-8",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF",
            Kind::Docx => "Word",
            Kind::Xlsx => "Excel",
            Kind::Html => "HTML",
            Kind::Json => "JSON",
        }
    }
}

/// Renders a snapshot in a format.
pub fn render(kind: Kind, snapshot: &Snapshot) -> anyhow::Result<Vec<u8>> {
    Ok(match kind {
        Kind::Pdf => pdf::render(snapshot)?,
        Kind::Docx => docx::render(snapshot)?,
        Kind::Xlsx => xlsx::render(snapshot)?,
        Kind::Html => html::render(snapshot)?.into_bytes(),
        Kind::Json => serde_json::to_vec_pretty(&interchange::to_json(&snapshot.report))?,
    })
}

/// A file name for an export: 平顶山市科学技术局2023年政府信息公开工作年度报告.pdf, made one
/// safe path segment as the bulk export's entries are (see [`bundle::segment`]).
pub fn file_name(snapshot: &Snapshot, kind: Kind) -> String {
    bundle::file_name(snapshot, kind)
}
