//! Who may do what with a report. Every report route goes through [`report_for`]: a report
//! the user may not see does not exist for them (404), so ids cannot be probed.

use super::AppState;
use crate::account::User;
use crate::web::error::AppError;
use crate::report::workflow::Actor;
use crate::account::ReportId;
use crate::store::Stored;

/// A report and the user's relation to it.
pub struct Access {
    pub stored: Stored,
    /// The user fills in this report (a clerk of its agency).
    pub clerk: bool,
    /// The user reviews this report (a reviewer of a government above or of its agency).
    pub reviewer: bool,
    /// A government's regional report (本行政区域): its tables are compiled, never typed;
    /// its texts are written by the government's own clerks.
    pub regional: bool,
}

impl Access {
    pub fn actor(&self) -> Option<Actor> {
        if self.clerk {
            Some(Actor::Clerk)
        } else if self.reviewer {
            Some(Actor::Reviewer)
        } else {
            None
        }
    }

    /// Clerks change the content of drafts and returned reports; nobody else ever does.
    pub fn may_edit(&self) -> bool {
        self.clerk && self.stored.status.editable()
    }

    /// Refuses unless the user may edit.
    pub fn edit(self) -> Result<Access, AppError> {
        if self.may_edit() {
            Ok(self)
        } else if self.clerk {
            Err(AppError::Locked(self.stored.status))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Loads a report the user may see.
pub async fn report_for(app: &AppState, user: &User, id: ReportId) -> Result<Access, AppError> {
    let stored = app.store.report(id).await?;
    let ancestors = app.store.ancestors(stored.agency_id).await?;
    let region_of = app.store.agency(stored.agency_id).await?.region_of;
    let clerk = user.fills_in(stored.agency_id) || region_of.is_some_and(|g| user.fills_in(g));
    if !(clerk || user.sees(stored.agency_id, &ancestors)) {
        return Err(AppError::NotFound);
    }
    Ok(Access {
        clerk,
        reviewer: user.reviews(stored.agency_id, &ancestors),
        regional: region_of.is_some(),
        stored,
    })
}
