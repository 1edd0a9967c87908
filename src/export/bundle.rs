//! Many reports in one zip, for a supervisor's bulk export: every report in every chosen
//! format, rendered on all cores, with a manifest listing each report's stamp and hash.

use std::io::{Seek, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::{Kind, Snapshot, Stamp, file_name, render};

/// Writes the zip; `done` counts finished reports as they are written.
pub fn write_zip<W: Write + Seek>(
    out: W,
    snapshots: &[Snapshot],
    kinds: &[Kind],
    done: &AtomicUsize,
) -> anyhow::Result<W> {
    let mut zip = ZipWriter::new(out);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(snapshots.len().max(1));
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::sync_channel::<anyhow::Result<Vec<(String, Kind, Vec<u8>)>>>(workers * 2);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..workers {
            let send = send.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(snapshot) = snapshots.get(i) else { break };
                    let files = kinds
                        .iter()
                        .map(|&kind| {
                            let path = format!("{}/{}", folder(snapshot), file_name(snapshot, kind));
                            render(kind, snapshot).map(|bytes| (path, kind, bytes))
                        })
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
    zip.start_file("清单.csv", SimpleFileOptions::default())?;
    zip.write_all(manifest(snapshots).as_bytes())?;
    Ok(zip.finish()?)
}

/// One folder per agency.
fn folder(snapshot: &Snapshot) -> String {
    snapshot.report.agency.replace(['/', '\\'], "_")
}

/// A CSV (with BOM, so that Excel reads it as UTF-8) of what the zip holds.
fn manifest(snapshots: &[Snapshot]) -> String {
    let mut csv = String::from("\u{feff}机关,年度,审核人,审核时间,内容SHA-256\r\n");
    for s in snapshots {
        let (by, at, sha) = match &s.stamp {
            Stamp::Approved { by, at, sha256 } => (by.as_str(), crate::clock::datetime(*at), sha256.as_str()),
            Stamp::Draft => ("", String::new(), "草稿"),
        };
        csv.push_str(&format!(
            "{},{},{by},{at},{sha}\r\n",
            quote(&s.report.agency),
            s.report.year
        ));
    }
    csv
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
