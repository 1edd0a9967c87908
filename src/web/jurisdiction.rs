//! A reviewer's jurisdiction as the desk's pages take it from a request: which level
//! (`under`, their own government or one below it) and which year.

use super::AppState;
use super::auth::CurrentUser;
use super::error::AppError;
use crate::account::{AgencyId, Role};

/// The government a reviewer may see the level of: their own, or one under it.
pub async fn node_for(app: &AppState, me: &CurrentUser, under: Option<&str>) -> Result<(AgencyId, Vec<(AgencyId, String)>), AppError> {
    let (Role::Reviewer, Some(own)) = (me.user.role, me.user.agency_id) else {
        return Err(AppError::Forbidden);
    };
    let node = match under.map(str::parse::<AgencyId>) {
        None => own,
        Some(Ok(id)) => id,
        Some(Err(_)) => return Err(AppError::NotFound),
    };
    let agency = app.store.agency(node).await?;
    // Outside the jurisdiction does not exist for this reviewer (ids cannot be probed).
    let ancestors = app.store.ancestors(node).await?;
    if node != own && !ancestors.contains(&own) {
        return Err(AppError::NotFound);
    }
    let mut trail = Vec::new();
    for id in ancestors.iter().take_while(|id| **id != own).copied().collect::<Vec<_>>().into_iter().rev() {
        trail.push((id, app.store.agency(id).await?.name));
    }
    if node != own {
        trail.insert(0, (own, app.store.agency(own).await?.name));
    }
    trail.push((node, agency.name));
    Ok((node, trail))
}

pub fn year_of(app: &AppState, raw: Option<&str>) -> i32 {
    raw.and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2019..=2100).contains(y))
        .unwrap_or_else(|| app.store.clock().working_year())
}

