//! What checking a report as typed needs besides the form: whose it is, the report as
//! stored (for the texts a check after typing in a cell does not send), last year's values
//! for the cross-year rules, and the comments and explanations shown beside the cells.

use std::collections::HashMap;

use super::Report;
use super::review::Comment;

#[derive(Debug, Clone)]
pub struct Context {
    /// The id of the agency whose report it is.
    pub agency_id: i64,
    /// The stored report's revision (`Stored::version`).
    pub revision: i64,
    pub report: Report,
    pub last_year: Option<Report>,
    pub comments: Vec<Comment>,
    /// The clerk's explanations of warnings, by warning key (`rule@field`).
    pub explanations: HashMap<String, String>,
    /// Values an import left to confirm (请核对), by key, with why.
    pub unsure: Vec<(String, String)>,
    /// The jurisdiction's rule settings for the report's year.
    pub tuning: super::tuning::Tuning,
    /// The other units' reports of the year, indexed (雷同 between units).
    pub peers: std::sync::Arc<super::assess::similar::Peers>,
}
