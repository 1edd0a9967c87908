//! Export speed: one report to PDF (warm), 1,000 reports to one zip, and our PDF against
//! LibreOffice converting our own DOCX of the same report.
//! Run: `cargo bench --bench export` (needs `soffice` for the comparison; skipped without).
#![allow(clippy::unwrap_used)] // tests may panic on what they set up themselves

use std::hint::black_box;
use std::process::Command;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use nianbao::export::{self, Kind, Snapshot, Stamp};
use nianbao::report::{Report, interchange};

const EXAMPLE: &[u8] = include_bytes!("../data/2023-pingdingshan-kejiju.json");

/// The example with every typed cell filled and an approval stamp, as a published report.
fn report(n: usize) -> Snapshot {
    let mut report: Report = interchange::from_json(EXAMPLE).expect("example reads");
    report.agency = format!("平顶山市第{n}局");
    let format = report.format();
    for (ix, def) in format.cells.iter().enumerate() {
        if def.total.is_none() && def.kind == nianbao::format::CellKind::Count {
            report.cells[ix] = ((ix * 7 + n) % 50).to_string();
        }
    }
    report.recompute_totals(None);
    Snapshot {
        report,
        stamp: Stamp::Approved {
            by: "王审核".into(),
            at: 1_769_900_000,
            sha256: "0f".repeat(32),
        },
    }
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn summary(times: &[Duration]) -> String {
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    format!(
        "median {:.1} ms, mean {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(mean),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let one = report(1);
    let cold = Instant::now();
    export::pdf::render(&one).expect("pdf");
    println!(
        "PDF, first report (fonts parsed, cold): {:.1} ms",
        ms(cold.elapsed())
    );
    let pdf = time(50, || export::pdf::render(&one).expect("pdf"));
    println!("PDF, one report warm:  {}", summary(&pdf));
    for kind in [Kind::Docx, Kind::Xlsx, Kind::Html] {
        match export::render(kind, &one) {
            Ok(_) => println!(
                "{:5}, one report:      {}",
                kind.label(),
                summary(&time(50, || export::render(kind, &one)))
            ),
            Err(err) => println!("{:5}: {err}", kind.label()),
        }
    }

    let many: Vec<Snapshot> = (0..1000).map(report).collect();
    for kinds in [&[Kind::Pdf][..], &[Kind::Pdf, Kind::Docx, Kind::Xlsx][..]] {
        let path = std::env::temp_dir().join("nianbao-bench-bulk.zip");
        let done = AtomicUsize::new(0);
        let start = Instant::now();
        let file = std::fs::File::create(&path).expect("zip file");
        let outcome = export::bundle::write_zip(file, &many, kinds, &done);
        let took = start.elapsed();
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        match outcome {
            Ok(_) => println!(
                "bulk: 1,000 reports × {} into one zip: {:.1} s ({:.0} MB, {} cores)",
                names.join("+"),
                took.as_secs_f64(),
                size as f64 / 1e6,
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
            Err(err) => println!("bulk {}: {err}", names.join("+")),
        }
        let _ = std::fs::remove_file(&path);
    }

    // The same report through LibreOffice: our DOCX → PDF, a fresh soffice each time, as a
    // server converting on demand would run it.
    let Ok(docx) = export::render(Kind::Docx, &one) else {
        println!("LibreOffice comparison skipped: no DOCX export");
        return;
    };
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok());
    let Some(soffice) = soffice else {
        println!(
            "LibreOffice comparison skipped: soffice not installed (apt-get install libreoffice-writer-nogui)"
        );
        return;
    };
    let dir = std::env::temp_dir().join("nianbao-bench-lo");
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("report.docx");
    std::fs::write(&input, docx).expect("docx");
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let convert = || {
        let status = Command::new(soffice)
            .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&dir)
            .arg(&input)
            .output()
            .expect("soffice runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    convert(); // the first start creates the profile
    let lo = time(5, convert);
    println!("LibreOffice DOCX→PDF: {}", summary(&lo));
    let ratio = ms(lo[lo.len() / 2]) / ms(pdf[pdf.len() / 2]);
    println!("ours vs LibreOffice (medians): {ratio:.0}× faster");
}
