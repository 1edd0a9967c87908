//! Validating a full 2021 report (target < 100 µs), and the pieces around it.
//! Run: `cargo bench --bench validate`.
#![allow(clippy::unwrap_used)] // tests may panic on what they set up themselves

use criterion::{Criterion, criterion_group, criterion_main};
use nianbao::report::{Report, interchange, validate};
use std::hint::black_box;

// As in the server (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLE: &str = include_str!("../data/2023-pingdingshan-kejiju.json");

/// The example report with every applicant column in use and one balance broken, so
/// that every rule does real work and a message is formatted.
fn busy_report() -> Report {
    let mut report = interchange::from_json(EXAMPLE.as_bytes()).expect("example reads");
    let format = report.format();
    for (i, def) in format.cells.iter().enumerate() {
        if def.total.is_none() && def.table == "requests" {
            report.cells[i] = ((i * 7) % 13).to_string();
        }
    }
    report.recompute_totals(None);
    report
}

fn bench(c: &mut Criterion) {
    let example = interchange::from_json(EXAMPLE.as_bytes()).expect("example reads");
    let busy = busy_report();
    let last = {
        let mut last = busy.clone();
        last.year -= 1;
        last
    };
    println!("busy report: {} violations", validate(&busy, Some(&last)).len());
    c.bench_function("validate example report (2021, clean)", |b| {
        b.iter(|| validate(black_box(&example), None))
    });
    c.bench_function("validate full 2021 report with last year (violations)", |b| {
        b.iter(|| validate(black_box(&busy), Some(black_box(&last))))
    });
    c.bench_function("parse interchange JSON", |b| {
        b.iter(|| interchange::from_json(black_box(EXAMPLE.as_bytes())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
