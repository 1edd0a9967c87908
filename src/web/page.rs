//! The page frame every page is drawn in.

use crate::account::{Role, User};

use super::{AppState, auth};

/// The page frame's view of the signed-in user.
pub struct Chrome {
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub csrf: String,
    pub admin: bool,
}

impl Chrome {
    pub async fn of(app: &AppState, me: &auth::CurrentUser) -> Chrome {
        let agency = match me.user.agency_id {
            Some(id) => app.store.agency(id).await.map(|a| a.name).unwrap_or_default(),
            None => String::new(),
        };
        Chrome::with_agency(&me.user, &me.csrf, agency)
    }

    pub fn with_agency(user: &User, csrf: &str, agency: String) -> Chrome {
        Chrome {
            name: user.display_name.clone(),
            role: user.role.label(),
            agency,
            csrf: csrf.to_string(),
            admin: user.role == Role::Admin,
        }
    }
}
