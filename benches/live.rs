//! The live check without HTTP: what the server does with the form a page sends shortly
//! after each keystroke. `benches/load.sh` measures the same through the server.
//! Run: `cargo bench --bench live`.
#![allow(clippy::unwrap_used)] // benches may panic on what they set up themselves

use std::collections::HashMap;
use std::hint::black_box;

use askama::Template;
use criterion::{Criterion, criterion_group, criterion_main};
use nianbao::export::glyphs;
use nianbao::format::Part;
use nianbao::report::context::Context;
use nianbao::report::{Report, interchange};
use nianbao::web::live::check_answer;

// As in the server (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLE: &str = include_str!("../data/2023-pingdingshan-kejiju.json");

/// The page's inputs as htmx sends them after a keystroke in a table (texts left out).
fn table_form(report: &Report, pending: usize) -> String {
    let format = report.format();
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (ix, def) in format.cells.iter().enumerate() {
        if def.total.is_none() {
            let raw = if def.id == "appeals.review.pending" {
                pending.to_string()
            } else {
                report.cells[ix].clone()
            };
            pairs.append_pair(&def.id, &raw);
        }
    }
    pairs.finish()
}

/// What htmx sends after a keystroke in the overview: that text.
fn overview_form(report: &Report) -> String {
    let format = report.format();
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair(&format.texts[0].id, &report.texts[0]);
    pairs.finish()
}

/// The value of an answer's `shown` input of `part` ("tables" or "texts").
fn shown_of(answer: &str, part: &str) -> String {
    let before = format!(r#"id="shown-{part}" name="shown" value=""#);
    let start = answer.find(&before).unwrap() + before.len();
    let end = start + answer[start..].find('"').unwrap();
    answer[start..end].to_string()
}

fn bench(c: &mut Criterion) {
    let example = interchange::from_json(EXAMPLE.as_bytes()).expect("example reads");
    let mut last = example.clone();
    last.year -= 1;
    let context = Context {
        unsure: Vec::new(),
        peers: Default::default(),
        tuning: Default::default(),
        agency_id: 1,
        revision: 1,
        report: example.clone(),
        last_year: Some(last),
        comments: Vec::new(),
        explanations: HashMap::new(),
    };
    let stored_glyphs = glyphs::missing(&context.report);
    // The page shows what the first answer drew; each keystroke then changes one cell.
    let first = check_answer(
        &context,
        &stored_glyphs,
        1,
        Part::Tables,
        table_form(&example, 0).as_bytes(),
    )
    .render()
    .unwrap();
    let shown = shown_of(&first, "tables");
    let bodies: Vec<String> = (0..7)
        .map(|n| format!("version=1&shown={shown}&{}", table_form(&example, n)))
        .collect();
    println!(
        "form {} bytes, answer {} bytes",
        bodies[1].len(),
        check_answer(&context, &stored_glyphs, 1, Part::Tables, bodies[1].as_bytes())
            .render()
            .unwrap()
            .len()
    );
    let mut n = 0;
    c.bench_function("live check after a keystroke in a table", |b| {
        b.iter(|| {
            n = (n + 1) % bodies.len();
            check_answer(
                black_box(&context),
                &stored_glyphs,
                1,
                Part::Tables,
                black_box(bodies[n].as_bytes()),
            )
            .render()
            .unwrap()
        })
    });
}

fn bench_text(c: &mut Criterion) {
    let example = interchange::from_json(EXAMPLE.as_bytes()).expect("example reads");
    let mut stored = example.clone();
    // The clerk is typing in the overview: the stored one is a little behind.
    stored.texts[0].pop();
    let context = Context {
        unsure: Vec::new(),
        peers: Default::default(),
        tuning: Default::default(),
        agency_id: 1,
        revision: 1,
        report: stored,
        last_year: None,
        comments: Vec::new(),
        explanations: HashMap::new(),
    };
    let stored_glyphs = glyphs::missing(&context.report);
    let first = check_answer(
        &context,
        &stored_glyphs,
        1,
        Part::Texts,
        overview_form(&example).as_bytes(),
    )
    .render()
    .unwrap();
    let body = format!("shown={}&{}", shown_of(&first, "texts"), overview_form(&example));
    println!(
        "form {} bytes, answer {} bytes",
        body.len(),
        check_answer(&context, &stored_glyphs, 1, Part::Texts, body.as_bytes())
            .render()
            .unwrap()
            .len()
    );
    c.bench_function("live check after a keystroke in a text", |b| {
        b.iter(|| {
            check_answer(
                black_box(&context),
                &stored_glyphs,
                1,
                Part::Texts,
                black_box(body.as_bytes()),
            )
            .render()
            .unwrap()
        })
    });
}

/// A keystroke in a text with the assessor checks at work: last year's report to compare
/// with (雷同), and 200 peer reports of the year indexed (the published originals, read
/// through the import, under 200 names).
fn bench_text_assessed(c: &mut Criterion) {
    let example = interchange::from_json(EXAMPLE.as_bytes()).expect("example reads");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published");
    let mut originals: Vec<Report> = std::fs::read_dir(&dir)
        .expect("the originals")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "html" | "pdf")))
        .filter_map(|p| nianbao::import::read(&std::fs::read(p).ok()?, None, None).ok())
        .map(|i| i.report)
        .collect();
    originals.sort_by(|a, b| a.agency.cmp(&b.agency).then(a.year.cmp(&b.year)));
    let peers: Vec<Report> = (0..200)
        .map(|k| {
            let mut r = originals[k % originals.len()].clone();
            r.agency = format!("某市第{k}局");
            r
        })
        .collect();
    let named: Vec<(&str, &Report)> = peers.iter().map(|r| (r.agency.as_str(), r)).collect();
    let texts: Vec<&str> = example.format().texts.iter().map(|t| t.key).collect();
    let index = std::sync::Arc::new(nianbao::report::assess::similar::Peers::of(&named, &texts));
    let mut last = example.clone();
    last.year -= 1;
    let mut stored = example.clone();
    stored.texts[0].pop();
    let context = Context {
        unsure: Vec::new(),
        peers: index,
        tuning: Default::default(),
        agency_id: 1,
        revision: 1,
        report: stored,
        last_year: Some(last),
        comments: Vec::new(),
        explanations: HashMap::new(),
    };
    let stored_glyphs = glyphs::missing(&context.report);
    let first = check_answer(&context, &stored_glyphs, 1, Part::Texts, overview_form(&example).as_bytes())
        .render()
        .unwrap();
    let body = format!("shown={}&{}", shown_of(&first, "texts"), overview_form(&example));
    c.bench_function("live check after a keystroke in a text, last year and 200 peers", |b| {
        b.iter(|| {
            check_answer(black_box(&context), &stored_glyphs, 1, Part::Texts, black_box(body.as_bytes()))
                .render()
                .unwrap()
        })
    });
}

criterion_group!(benches, bench, bench_text, bench_text_assessed);
criterion_main!(benches);
