//! Data the tests start from, made the way the product makes it.

use nianbao::report::interchange::{self, content_sha256};
use nianbao::report::status::Status;
use nianbao::report::Report;
use nianbao::account::ReportId;
use nianbao::store::{Stamp, Store};

/// The real 2023 report of 平顶山市科学技术局, as interchange JSON.
pub const EXAMPLE: &str = nianbao::demo::EXAMPLE;

/// The example report, read.
pub fn example() -> Report {
    interchange::from_json(EXAMPLE.as_bytes()).unwrap()
}

/// Submits and approves a stored report as `reviewer` would, through the store; returns the
/// SHA-256 of the approved content.
pub async fn approve(store: &Store, id: ReportId, reviewer: i64) -> String {
    let sha = content_sha256(&store.report(id).await.unwrap().report);
    store
        .transition(id, Status::Draft, Status::Submitted, reviewer, "", Stamp::None)
        .await
        .unwrap();
    store
        .transition(
            id,
            Status::Submitted,
            Status::Approved,
            reviewer,
            "",
            Stamp::Approved { sha256: &sha },
        )
        .await
        .unwrap();
    sha
}
