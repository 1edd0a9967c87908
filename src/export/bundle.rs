//! Many reports in one zip, for a supervisor's bulk export: every report in every chosen
//! format, rendered on all cores, with a manifest (清单.csv) listing each report's stamp, hash
//! and the entries that hold its files.
//!
//! Entry names come from agency names, which anyone with the admin page can type: each is
//! made one safe path segment (see [`segment`]) and unique within the zip, so unpacking it
//! writes only inside the folder it is unpacked into, on Windows, macOS and Linux alike.

use std::collections::HashSet;
use std::io::{Seek, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::glyphs::visible;
use super::{Kind, Snapshot, Stamp, render};

/// The manifest's entry name, at the top of the zip beside the folders.
pub const MANIFEST: &str = "清单.csv";

/// Longest entry-name segment, in characters and in bytes: a folder and a file name stay
/// well inside Windows' 260-character path with the folder the zip is unpacked into, and
/// inside the 255 bytes (ext4) or UTF-16 units (NTFS) one name may have.
const MAX_CHARS: usize = 80;
const MAX_BYTES: usize = 240;

/// Where one report's files go: each chosen format's entry name, `folder/file`.
#[derive(Debug, Clone)]
pub struct Entries {
    pub folder: String,
    pub files: Vec<(Kind, String)>,
}

/// Writes the zip; `done` counts finished reports as they are written.
pub fn write_zip<W: Write + Seek>(
    out: W,
    snapshots: &[Snapshot],
    kinds: &[Kind],
    done: &AtomicUsize,
) -> anyhow::Result<W> {
    fill(ZipWriter::new(out), snapshots, kinds, done)
}

/// [`write_zip`] to a writer that only goes forward (each entry's sizes follow its data):
/// the zip can be passed on piece by piece as it is made, never held whole.
pub fn write_zip_stream<W: Write>(
    out: W,
    snapshots: &[Snapshot],
    kinds: &[Kind],
    done: &AtomicUsize,
) -> anyhow::Result<W> {
    Ok(fill(ZipWriter::new_stream(out), snapshots, kinds, done)?.into_inner())
}

fn fill<W: Write + Seek>(
    mut zip: ZipWriter<W>,
    snapshots: &[Snapshot],
    kinds: &[Kind],
    done: &AtomicUsize,
) -> anyhow::Result<W> {
    // A format asked for twice would be the same entry twice.
    let mut kinds = kinds.to_vec();
    let mut seen = HashSet::new();
    kinds.retain(|k| seen.insert(*k));
    let kinds = &kinds[..];
    let entries = entries(snapshots, kinds);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(snapshots.len().max(1));
    let next = AtomicUsize::new(0);
    type Rendered = anyhow::Result<Vec<(String, Kind, Vec<u8>)>>;
    let (send, receive) = mpsc::sync_channel::<Rendered>(workers * 2);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..workers {
            let send = send.clone();
            let (next, entries) = (&next, &entries);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(snapshot), Some(entries)) = (snapshots.get(i), entries.get(i)) else {
                        break;
                    };
                    let files = entries
                        .files
                        .iter()
                        .map(|(kind, path)| render(*kind, snapshot).map(|bytes| (path.clone(), *kind, bytes)))
                        .collect();
                    if send.send(files).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for files in receive {
            for (path, kind, bytes) in files? {
                // PDF, Word and Excel are compressed already.
                let method = match kind {
                    Kind::Html | Kind::Json => CompressionMethod::Deflated,
                    _ => CompressionMethod::Stored,
                };
                zip.start_file(path, SimpleFileOptions::default().compression_method(method))?;
                zip.write_all(&bytes)?;
            }
            done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    })?;
    zip.start_file(MANIFEST, SimpleFileOptions::default())?;
    zip.write_all(&manifest(snapshots, kinds, &entries)?)?;
    Ok(zip.finish()?)
}

/// Every report's folder and file names: one folder per report, named after its agency,
/// unique even where two agencies' names come out the same once made safe (or differ only
/// in case, which Windows and macOS do not tell apart): the later ones get （2）, （3）, ….
pub fn entries(snapshots: &[Snapshot], kinds: &[Kind]) -> Vec<Entries> {
    let mut taken: HashSet<String> = HashSet::from([MANIFEST.to_lowercase()]);
    snapshots
        .iter()
        .map(|snapshot| {
            let base = segment(&snapshot.report.agency, MAX_CHARS);
            let base = if base.is_empty() {
                "未命名机关".to_string()
            } else {
                base
            };
            let mut folder = base.clone();
            let mut n = 1;
            while !taken.insert(folder.to_lowercase()) {
                n += 1;
                let suffix = format!("（{n}）");
                folder = format!("{}{suffix}", truncate(&base, MAX_CHARS - suffix.chars().count()));
            }
            let files = kinds
                .iter()
                .map(|&kind| (kind, format!("{folder}/{}", file_name(snapshot, kind))))
                .collect();
            Entries { folder, files }
        })
        .collect()
}

/// A report's file name: its title, （草稿） when it is not approved, the format's
/// extension; the title cut short where it is too long, never the rest.
pub(super) fn file_name(snapshot: &Snapshot, kind: Kind) -> String {
    let draft = if snapshot.is_draft() { "（草稿）" } else { "" };
    let tail = format!("{draft}.{}", kind.extension());
    let stem = segment(&snapshot.title(), MAX_CHARS - tail.chars().count());
    format!("{stem}{tail}")
}

/// `name` as one path segment that means the same on every system that unpacks a zip:
/// - no separator (`/`, `\`), nothing Windows forbids in a name (`<>:"|?*`), no control
///   character, no direction override or other invisible mark that could disguise a name
///   (`报告\u{202e}fdp.exe`): each becomes `_`;
/// - no leading dot (a hidden file, or `..`), space, or `-` `+` `=` `@` (read as an option
///   by command-line tools, as a formula by spreadsheets), and no trailing dot or space
///   (Windows drops them): trimmed;
/// - not a Windows device name (`CON`, `nul.txt`, `COM1`, …): prefixed with `_`;
/// - at most `max_chars` characters and [`MAX_BYTES`] bytes, cut at a character boundary.
///
/// Empty when nothing of `name` is left.
pub fn segment(name: &str, max_chars: usize) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c if c.is_control() || !super::glyphs::exportable(c) || invisible(c) => '_',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    let mut cut = truncate(
        replaced.trim_start_matches([' ', '.', '-', '+', '=', '@']),
        max_chars,
    )
    .trim_end_matches([' ', '.'])
    .to_string();
    if reserved_on_windows(&cut) {
        cut.insert(0, '_');
        cut = truncate(&cut, max_chars).trim_end_matches([' ', '.']).to_string();
    }
    cut
}

/// At most `max_chars` characters and [`MAX_BYTES`] bytes of `s`.
fn truncate(s: &str, max_chars: usize) -> &str {
    let mut end = 0;
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n == max_chars || i + c.len_utf8() > MAX_BYTES {
            break;
        }
        end = i + c.len_utf8();
    }
    &s[..end]
}

/// Windows' device names, which it treats as devices with any extension (`nul.txt`).
fn reserved_on_windows(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || (stem.len() == 4
        && (stem.starts_with("COM") || stem.starts_with("LPT"))
        && stem.as_bytes()[3].is_ascii_digit())
        || ["COM", "LPT"]
            .iter()
            .any(|p| stem.strip_prefix(p).is_some_and(|d| matches!(d, "¹" | "²" | "³")))
}

/// Invisible characters that change how a name reads: zero-width characters, direction
/// marks, overrides and isolates, the BOM.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
    )
}

/// 清单.csv: a row per report (agency, year, approver, time, content hash, and the entry of
/// each chosen format), written by the `csv` crate with every field quoted, after a BOM so
/// that Excel reads it as UTF-8.
fn manifest(snapshots: &[Snapshot], kinds: &[Kind], entries: &[Entries]) -> anyhow::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut csv = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let mut head = vec!["机关", "年度", "审核人", "审核时间", "内容SHA-256"];
        head.extend(kinds.iter().map(|k| k.label()));
        csv.write_record(&head)?;
        for (s, entries) in snapshots.iter().zip(entries) {
            let (by, at, sha) = match &s.stamp {
                Stamp::Approved { by, at, sha256 } => {
                    (by.as_str(), crate::clock::datetime(*at), sha256.as_str())
                }
                Stamp::Draft => ("", String::new(), "草稿"),
            };
            let mut row = vec![
                cell(&s.report.agency),
                s.report.year.to_string(),
                cell(by),
                cell(&at),
                cell(sha),
            ];
            row.extend(entries.files.iter().map(|(_, path)| cell(path)));
            csv.write_record(&row)?;
        }
        csv.flush()?;
    }
    Ok(out)
}

/// A manifest field as a spreadsheet shows it and never runs it: a field that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (or a full-width `＝＋－＠`, which Excel
/// takes as the same with a Chinese input method) would be read as a formula, so it starts
/// with `'`, which Excel and LibreOffice show as text. Characters no export carries become
/// 〓, as in every other format.
fn cell(field: &str) -> String {
    let field = visible(field);
    match field.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
        true => format!("'{field}"),
        false => field.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_becomes_one_safe_segment() {
        for (name, want) in [
            ("某市统计局", "某市统计局"),
            (
                "x/../../../../../../tmp/zipslip",
                "x_.._.._.._.._.._.._tmp_zipslip",
            ),
            ("..", ""),
            ("../etc/passwd", "_etc_passwd"),
            (".hidden", "hidden"),
            ("C:\\Windows\\evil", "C__Windows_evil"),
            ("a<b>c:d\"e|f?g*h", "a_b_c_d_e_f_g_h"),
            ("甲\u{0}乙\u{b}丙\u{1f}丁\u{7f}戊", "甲_乙_丙_丁_戊"),
            ("报告\u{202e}fdp.exe", "报告_fdp.exe"),
            ("-rf 局", "rf 局"),
            ("=HYPERLINK(1)", "HYPERLINK(1)"),
            ("局. . ", "局"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("com1", "_com1"),
            ("LPT9.局", "_LPT9.局"),
            ("COM10", "COM10"),
            ("CONSOLE", "CONSOLE"),
            ("\u{fffe}\u{ffff}", "__"),
        ] {
            assert_eq!(segment(name, MAX_CHARS), want, "{name:?}");
        }
    }

    #[test]
    fn a_long_name_is_cut_at_a_character() {
        let long = "长".repeat(500);
        assert_eq!(segment(&long, MAX_CHARS), "长".repeat(MAX_CHARS));
        // Four bytes each: the bytes run out first.
        let long = "\u{20000}".repeat(500);
        let cut = segment(&long, MAX_CHARS);
        assert_eq!(cut.chars().count(), MAX_BYTES / 4);
        assert!(cut.len() <= MAX_BYTES);
        let ascii = "a".repeat(500);
        assert_eq!(segment(&ascii, MAX_CHARS).len(), MAX_CHARS);
        assert_eq!(truncate("甲乙", 1), "甲");
        assert_eq!(truncate("甲乙", 5), "甲乙");
        assert_eq!(truncate("", 5), "");
    }

    #[test]
    fn a_formula_in_the_manifest_is_shown_as_text() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("+2"), "'+2");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("＝1"), "'＝1");
        assert_eq!(cell("王审核"), "王审核");
        assert_eq!(cell("a\u{0}b"), "a〓b");
    }
}
