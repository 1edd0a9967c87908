//! Importing a published report: `nianbao::import::read` on each original in
//! `tests/fixtures/published/` (web pages, page text, PDF text layers), one benchmark per
//! file, named by the file. Targets (issue 13): median < 50 ms per web page, < 200 ms for
//! the 6-page PDF (`2024-huaian.pdf`).
//! Run: `cargo bench --bench import`; medians in `target/criterion/<file>/new/estimates.json`.
#![allow(clippy::unwrap_used)] // benches may panic on what they set up themselves

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use nianbao::import;

// As in the server (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The originals, by file name (the expected readings and the README left out).
fn originals() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "html" || ext == "txt" || ext == "pdf")
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 15, "5 web pages, 7 page texts, 3 PDFs in {}", dir.display());
    files
}

fn bench(c: &mut Criterion) {
    for (name, bytes) in originals() {
        // Each original must read, and with the reader its content calls for.
        let imported = import::read(&bytes, None, None)
            .unwrap_or_else(|e| panic!("{name} does not read: {e}"));
        println!(
            "{name}: {} bytes, read as {}",
            bytes.len(),
            imported.source.as_str()
        );
        c.bench_function(&name, |b| {
            b.iter(|| import::read(black_box(&bytes), None, None).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
