//! PDF renders run with bounded concurrency: a render beyond the process-wide limit waits
//! for a place instead of typesetting alongside the others (a long report takes hundreds of
//! megabytes while it is typeset). The waiting is tested on a limiter of the test's own: the
//! process-wide one is shared with every other test's renders.

use nianbao::export::{Snapshot, pdf};
use nianbao::report::interchange;

const EXAMPLE: &[u8] = crate::common::seed::EXAMPLE.as_bytes();

#[test]
fn a_render_beyond_the_limit_waits_for_a_place() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert_eq!(pdf::renders().limit(), cores, "one render per core");
    let limiter = std::sync::Arc::new(pdf::Limiter::new(2));
    let snapshot = Snapshot::draft(interchange::from_json(EXAMPLE).unwrap());

    // Every place taken, as by renders already running.
    let held: Vec<_> = (0..limiter.limit()).map(|_| limiter.acquire()).collect();
    assert_eq!(limiter.running(), limiter.limit());
    let waiting = {
        let limiter = limiter.clone();
        std::thread::spawn(move || pdf::render_within(&limiter, &snapshot).map(|pdf| pdf.len()))
    };
    // The render either queues (bounded) or runs to its end (unbounded): no timing involved.
    while limiter.waiting() == 0 && !waiting.is_finished() {
        std::thread::yield_now();
    }
    assert!(
        !waiting.is_finished(),
        "the render ran beside {} others",
        limiter.limit()
    );
    assert_eq!(limiter.waiting(), 1);
    assert_eq!(limiter.running(), limiter.limit());

    // A place comes free: the render takes it and finishes.
    drop(held);
    let bytes = waiting.join().unwrap().unwrap();
    assert!(bytes > 1000);
    assert_eq!(limiter.running(), 0);
    assert_eq!(limiter.waiting(), 0);
}

#[test]
fn places_are_given_in_the_order_asked() {
    let limiter = std::sync::Arc::new(pdf::Limiter::new(1));
    let first = limiter.acquire();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for i in 0..4 {
        let (queued, order) = (limiter.clone(), order.clone());
        threads.push(std::thread::spawn(move || {
            let _place = queued.acquire();
            order.lock().unwrap().push(i);
        }));
        // The next thread asks only once this one is queued.
        while limiter.waiting() < i + 1 {
            std::thread::yield_now();
        }
    }
    drop(first);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
}
