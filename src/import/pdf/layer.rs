//! Reads the text layer of a PDF: every glyph with its Unicode text and position, grouped
//! into runs of adjacent glyphs on one baseline.
//!
//! Built on `hayro-interpret`/`hayro-syntax` (pure Rust), the same crates typst already pulls
//! in (measured against pdf_oxide, pdf-extract and lopdf: docs/benchmarks.md, "Issue 13"). hayro interprets the content streams for us
//! (text state, CTM, form `XObject`s, CID fonts and their `ToUnicode` `CMap`s, vertical writing);
//! we only collect what it hands to [`Device::draw_glyph`].

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_interpret::font::Glyph;
use hayro_interpret::hayro_cmap::BfString;
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image, InterpreterCache,
    InterpreterSettings, Paint, PathDrawMode, SoftMask, interpret_page,
};
use hayro_syntax::{LoadPdfError, Pdf};
use kurbo::{Affine, BezPath, Point, Rect, Vec2};

/// One run of text on a page, as the text layer places it: consecutive glyphs on one
/// baseline with no large gap between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// 1-based page number.
    pub page: u32,
    /// Left edge of the first glyph, in points from the page's left edge.
    pub x: f32,
    /// Right edge (origin plus advance) of the last glyph.
    pub x_end: f32,
    /// Baseline, in points from the page's TOP edge, so reading order is increasing `y`.
    pub y: f32,
    /// Font size in points as rendered (text matrix and CTM included).
    pub size: f32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// Not a PDF at all (no `%PDF-` header).
    NotPdf,
    /// Looks like a PDF but cannot be read; the string is a technical detail for logs.
    Broken(String),
    /// Protected by a password we do not have.
    Encrypted,
    /// Readable, but no page carries any text: a scan that needs OCR.
    NoText,
}

impl fmt::Display for PdfError {
    // These messages are shown to the clerk who uploaded the file, so they say what to do
    // next rather than what went wrong inside the parser.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::NotPdf => f.write_str("这个文件不是 PDF；请上传 PDF 格式的年度报告"),
            PdfError::Broken(detail) => write!(
                f,
                "PDF 文件已损坏或不完整，无法读取（{detail}）；请重新导出或重新下载后再上传"
            ),
            PdfError::Encrypted => f.write_str("PDF 已加密，无法读取其文字；请上传未加密的文件"),
            PdfError::NoText => {
                f.write_str("这个 PDF 没有文字层（可能是扫描件），需要先做文字识别（OCR）")
            }
        }
    }
}

impl std::error::Error for PdfError {}

/// Reads all text runs of all pages, in the order the glyphs are drawn on each page.
///
/// # Errors
///
/// [`PdfError::NotPdf`] without a `%PDF-` header, [`PdfError::Encrypted`] when a password is
/// needed, [`PdfError::Broken`] for truncated or unparseable files, and [`PdfError::NoText`]
/// when no page yields a single character (scans, or text whose fonts have no Unicode map).
pub fn runs(bytes: &[u8]) -> Result<Vec<Run>, PdfError> {
    let glyphs = glyphs(bytes)?;
    let runs = group_runs(&glyphs);
    if runs.is_empty() {
        return Err(PdfError::NoText);
    }
    Ok(runs)
}

/// One drawn glyph, already in page coordinates (points, origin top-left).
#[derive(Debug, Clone)]
struct PlacedGlyph {
    page: u32,
    x: f32,
    x_end: f32,
    y: f32,
    size: f32,
    text: String,
}

impl PlacedGlyph {
    fn is_blank(&self) -> bool {
        self.text.chars().all(char::is_whitespace)
    }
}

fn glyphs(bytes: &[u8]) -> Result<Vec<PlacedGlyph>, PdfError> {
    check_envelope(bytes)?;
    // hayro is written not to panic on bad input, but it is a young parser and a panic here
    // would take down the request handler; a malformed upload must only ever be an error.
    catch_unwind(AssertUnwindSafe(|| read_glyphs(bytes)))
        .unwrap_or_else(|_| Err(PdfError::Broken("解析器内部错误".into())))
}

/// Cheap structural checks hayro does not make: it repairs files silently, so a truncated
/// upload would otherwise come back as a partial document instead of an error.
fn check_envelope(bytes: &[u8]) -> Result<(), PdfError> {
    // The spec allows junk before the header; readers accept it within the first 1 KB.
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_none() {
        return Err(PdfError::NotPdf);
    }
    // Every complete PDF (also after incremental updates) ends with %%EOF; readers tolerate
    // trailing junk within the last 1 KB. A cut-off upload loses it.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(PdfError::Broken("文件结尾缺失，可能没有完整上传".into()));
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn read_glyphs(bytes: &[u8]) -> Result<Vec<PlacedGlyph>, PdfError> {
    let pdf = match Pdf::new(bytes.to_vec()) {
        Ok(pdf) => pdf,
        // hayro already tries the empty user password, so files that are only
        // "permission-protected" (no copying/printing) open fine; only a real password stops us.
        Err(LoadPdfError::Decryption(_)) => return Err(PdfError::Encrypted),
        Err(LoadPdfError::Invalid) => return Err(PdfError::Broken("无法解析文件结构".into())),
    };
    let pages = pdf.pages();
    if pages.is_empty() {
        return Err(PdfError::Broken("文件中没有页面".into()));
    }

    let settings = InterpreterSettings {
        // Annotation appearances (stamps, form fields) are not part of the report's text.
        render_annotations: false,
        ..InterpreterSettings::default()
    };
    // One cache per document: fonts are shared across pages and parsing them dominates.
    let cache = InterpreterCache::new();
    let mut out = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        let page_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        // invert_y = true gives a y-down space with the origin at the top-left of the
        // (cropped, rotated) page, exactly the coordinates `Run` promises.
        let initial = Affine::new(page.initial_transform(true).as_coeffs());
        let (w, h) = page.render_dimensions();
        let bbox = Rect::new(0.0, 0.0, f64::from(w), f64::from(h));
        let mut context = Context::new(initial, bbox, &cache, pdf.xref(), settings.clone());
        let mut collector = Collector {
            page: page_no,
            glyphs: Vec::new(),
        };
        interpret_page(page, &mut context, &mut collector);
        out.append(&mut collector.glyphs);
    }
    Ok(out)
}

/// A [`Device`] that ignores all painting and records where glyphs land.
struct Collector {
    page: u32,
    glyphs: Vec<PlacedGlyph>,
}

impl Collector {
    fn push(&mut self, glyph: &Glyph<'_>, transform: Affine, glyph_transform: Affine) {
        let Some(text) = glyph.as_unicode().map(|u| match u {
            BfString::Char(c) => c.to_string(),
            BfString::String(s) => s,
        }) else {
            return;
        };
        let text = clean_text(&text);
        if text.is_empty() {
            return;
        }
        // Glyph space is 1000 units per em; (0,0) is the glyph origin on the baseline (hayro
        // already applies the vertical-writing origin displacement).
        let full = transform * glyph_transform;
        let origin = full * Point::ORIGIN;
        let up: Vec2 = full * Point::new(0.0, 1000.0) - origin;
        let size = up.hypot() as f32;
        // Vertical (Identity-V) fonts report a zero horizontal advance; CJK glyphs there are
        // one em wide, which is what we want as the column's extent.
        let advance = match glyph {
            Glyph::Outline(o) => o.advance_width().filter(|a| *a > 0.0).unwrap_or(1000.0),
            Glyph::Type3(_) => 1000.0,
        };
        let end = full * Point::new(f64::from(advance), 0.0);
        if !(origin.x.is_finite() && origin.y.is_finite() && size.is_finite()) {
            return;
        }
        let (x, x_end) = if end.x >= origin.x {
            (origin.x, end.x)
        } else {
            (end.x, origin.x)
        };
        let placed = PlacedGlyph {
            page: self.page,
            x: x as f32,
            x_end: x_end as f32,
            y: origin.y as f32,
            size,
            text,
        };
        // Fill-and-stroke text (render mode 2, how WPS fakes bold) reaches us twice, once
        // per paint operation, at the identical position.
        if let Some(last) = self.glyphs.last()
            && last.text == placed.text
            && (last.x - placed.x).abs() < 0.05 * size.max(1.0)
            && (last.y - placed.y).abs() < 0.05 * size.max(1.0)
        {
            return;
        }
        self.glyphs.push(placed);
    }
}

/// Drops control characters and private-use code points (unmapped glyphs some exporters
/// put in `ToUnicode`), and folds any whitespace to a plain space.
fn clean_text(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || is_private_use(c) || c == '\u{FFFD}' {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF_0000..=0xF_FFFD | 0x10_0000..=0x10_FFFD)
}

impl<'a> Device<'a> for Collector {
    fn set_soft_mask(&mut self, _: Option<SoftMask<'a>>) {}
    fn set_blend_mode(&mut self, _: BlendMode) {}
    fn draw_path(&mut self, _: &BezPath, _: Affine, _: &Paint<'a>, _: &PathDrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph(
        &mut self,
        glyph: &Glyph<'a>,
        transform: Affine,
        glyph_transform: Affine,
        _: &Paint<'a>,
        _: &GlyphDrawMode,
    ) {
        // Invisible text (render mode 3) is kept on purpose: it is how OCR'd scans carry
        // their text layer.
        self.push(glyph, transform, glyph_transform);
    }
    fn draw_image(&mut self, _: Image<'a, '_>, _: Affine) {}
    fn pop_clip_path(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

/// A gap wider than this many ems between two glyphs ends a run: table cells on one line
/// are separated by far more, justified prose by far less.
const MAX_GAP_EM: f32 = 0.8;
/// Glyphs whose baselines differ by more than this many ems are on different lines.
const BASELINE_TOLERANCE_EM: f32 = 0.2;
/// A glyph this far left of the previous one (in ems) starts a new run even on the same
/// baseline: the content stream jumped back, e.g. to a new table cell.
const MAX_BACKSTEP_EM: f32 = 0.6;

/// Merges glyphs, in drawing order, into runs. Whitespace glyphs never widen a run by
/// themselves: a row of cells padded with spaces must still split at the padding.
fn group_runs(glyphs: &[PlacedGlyph]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    // Whitespace seen since the last visible glyph of the current run.
    let mut pending_space = false;
    let mut open = false;
    for g in glyphs {
        if g.is_blank() {
            pending_space = open;
            continue;
        }
        let joins = open
            && runs.last().is_some_and(|run| {
                let em = run.size.max(g.size).max(1.0);
                let gap = g.x - run.x_end;
                run.page == g.page
                    && (g.y - run.y).abs() <= BASELINE_TOLERANCE_EM * em
                    && gap <= MAX_GAP_EM * em
                    && gap >= -MAX_BACKSTEP_EM * em
            });
        match runs.last_mut() {
            Some(run) if joins => {
                if pending_space {
                    run.text.push(' ');
                }
                run.text.push_str(&g.text);
                run.x_end = run.x_end.max(g.x_end);
            }
            _ => runs.push(Run {
                page: g.page,
                x: g.x,
                x_end: g.x_end,
                y: g.y,
                size: g.size,
                text: g.text.clone(),
            }),
        }
        open = true;
        pending_space = false;
    }
    runs
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
