//! Peak memory of PDF renders, one process per measurement (the peak is the process's own):
//!
//! ```sh
//! cargo bench --bench export_memory -- one    # one PDF, three texts at the 20,000-character limit
//! cargo bench --bench export_memory -- four   # four such PDFs asked for at once
//! cargo bench --bench export_memory -- bulk   # 1,000 reports × PDF into one zip
//! ```
//!
//! Each prints the process's peak resident memory (VmHWM) and what it still holds at the end
//! (VmRSS), from /proc/self/status; run it under `/usr/bin/time -v` for the same from outside.
//! The allocator is the server's (mimalloc).
#![allow(clippy::unwrap_used)] // a bench may panic on what it sets up itself

use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use nianbao::export::{self, Snapshot, Stamp};
use nianbao::format::CellKind;
use nianbao::report::{Report, interchange};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLE: &[u8] = include_bytes!("../data/2023-pingdingshan-kejiju.json");
/// The longest text a report may have (the limit at every write path).
const TEXT_LIMIT: usize = 20_000;

/// The example with every count filled and an approval stamp, as a published report.
fn report(n: usize) -> Report {
    let mut report: Report = interchange::from_json(EXAMPLE).unwrap();
    report.agency = format!("平顶山市第{n}局");
    let format = report.format();
    for (ix, def) in format.cells.iter().enumerate() {
        if def.total.is_none() && def.kind == CellKind::Count {
            report.cells[ix] = ((ix * 7 + n) % 50).to_string();
        }
    }
    report.recompute_totals(None);
    report
}

fn approved(report: Report) -> Snapshot {
    Snapshot {
        report,
        stamp: Stamp::Approved {
            by: "王审核".into(),
            at: 1_769_900_000,
            sha256: "0f".repeat(32),
        },
    }
}

/// Each of the three texts at the limit: the example's own paragraphs repeated, starting
/// `n` characters in, so that no two reports share a paragraph (typst would reuse its
/// layout of one it has seen).
fn long_report(n: usize) -> Snapshot {
    let mut report = report(n);
    let source: String = report.texts.join("\n");
    for (i, text) in report.texts.iter_mut().enumerate() {
        *text = source.chars().cycle().skip(n * 3 + i).take(TEXT_LIMIT).collect();
    }
    approved(report)
}

/// A line of /proc/self/status, in MB.
fn status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn report_memory(what: &str, started: Instant) {
    println!(
        "{what}: {:.1} s, peak RSS (VmHWM) {:.0} MB, held at the end (VmRSS) {:.0} MB, {} PDF renders at once at most",
        started.elapsed().as_secs_f64(),
        status_mb("VmHWM:"),
        status_mb("VmRSS:"),
        export::pdf::renders().limit()
    );
}

fn main() {
    let mode = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "one".into());
    println!("at start: VmRSS {:.0} MB", status_mb("VmRSS:"));
    let started = Instant::now();
    match mode.as_str() {
        "one" => {
            let snapshot = long_report(1);
            let chars: usize = snapshot.report.texts.iter().map(|t| t.chars().count()).sum();
            let pdf = export::pdf::render(&snapshot).unwrap();
            println!(
                "one PDF: three texts, {chars} characters, {} KB",
                pdf.len() / 1024
            );
            report_memory("one PDF render", started);
        }
        "four" => {
            let snapshots: Vec<Snapshot> = (1..=4).map(long_report).collect();
            std::thread::scope(|scope| {
                for snapshot in &snapshots {
                    scope.spawn(move || export::pdf::render(snapshot).unwrap());
                }
            });
            report_memory("four PDF renders asked for at once", started);
        }
        "bulk" => {
            // `bulk 5000`: a province's approved reports of a year.
            let count: usize = std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with("--"))
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(1000);
            let many: Vec<Snapshot> = (0..count).map(|n| approved(report(n))).collect();
            let path = std::env::temp_dir().join(format!("nianbao-bench-memory-{}.zip", std::process::id()));
            let file = std::fs::File::create(&path).unwrap();
            let done = AtomicUsize::new(0);
            export::bundle::write_zip(file, &many, &[export::Kind::Pdf], &done).unwrap();
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            let _ = std::fs::remove_file(&path);
            println!("bulk: {} reports, zip {:.0} MB", many.len(), size as f64 / 1e6);
            report_memory(&format!("bulk export of {count} reports × PDF"), started);
        }
        other => panic!("unknown mode {other}: one, four or bulk"),
    }
}
