//! Agencies, the bodies that file reports, and the rules of where they and their people sit.

use super::Role;
use crate::report::Kind;

/// An agency, as the store numbers it.
pub type AgencyId = i64;
/// A report, as the store numbers it.
pub type ReportId = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: AgencyId,
    /// As stored: a name from before today's rules is read back as it is.
    pub name: String,
    pub kind: Kind,
    pub parent_id: Option<AgencyId>,
    /// The first and last year it must report for (`None`: no bound), from the roster.
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    /// Where it went when merged or renamed (机构改革).
    pub successor_id: Option<AgencyId>,
    /// Set on the unit a government's regional report (本行政区域) is filed under: that
    /// government. Such a unit is not on the roster.
    pub region_of: Option<AgencyId>,
}

impl Agency {
    /// Whether the roster expects a report of it for `year`.
    pub fn reports_for(&self, year: i32) -> bool {
        self.from_year.is_none_or(|f| f <= year) && self.to_year.is_none_or(|t| year <= t)
    }
}

/// Why `parent` cannot hold another agency: reviewers see downwards from a government, so
/// only a government has agencies under it.
pub fn parent_problem(parent: &Agency) -> Option<&'static str> {
    parent_kind_problem(parent.kind)
}

/// [`parent_problem`] of a parent known by its kind only (a roster row not stored yet).
pub fn parent_kind_problem(kind: Kind) -> Option<&'static str> {
    (kind != Kind::Government).then_some("上级机构须为人民政府")
}

/// Why a user of `role` cannot belong to `agency`.
pub fn membership_problem(role: Role, agency: Option<&Agency>) -> Option<&'static str> {
    match (role, agency) {
        (Role::Admin, None) => None,
        (Role::Admin, Some(_)) => Some("管理员不属于任何机构，请不要选择机构"),
        (_, None) => Some("填报人和审核人须选择所属机构"),
        // A reviewer reviews the agencies under their government; a department has none.
        (Role::Reviewer, Some(a)) if a.kind != Kind::Government => {
            Some("审核人须属于人民政府（审核其下属机构的报告）")
        }
        _ => None,
    }
}
