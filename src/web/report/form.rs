//! A posted report form applied to the store: what the clerk typed, with the version the
//! page had seen and the ids that make a repeated save harmless.

use crate::account::ReportId;
use crate::account::User;
use crate::store::{Author, Edit, Saved, Sent};
use crate::web::AppState;
use crate::web::access::report_for;
use crate::web::error::AppError;
use crate::web::extract::field;

/// Saves a form for a clerk who may edit the report; the rest of the page is the caller's.
pub async fn save_as(
    app: &AppState,
    user: &User,
    id: ReportId,
    form: &[(String, String)],
) -> Result<Saved, AppError> {
    // The common case, a clerk of the report's agency, needs only the owner: no full load.
    let (agency, status) = app.store.report_owner(id).await?;
    let regional = if !user.fills_in(agency) || !status.editable() {
        report_for(app, user, id).await?.edit()?.regional
    } else {
        false
    };
    let mut edits = edits(form);
    if regional {
        // A regional report's tables are compiled (see `web/region.rs`); only its texts are typed.
        edits.retain(|e| e.key.starts_with("text."));
    }
    let seen: i64 = field(form, "version").and_then(|v| v.parse().ok()).unwrap_or(0);
    // Ids the page made itself: short and plain, or not used.
    let id_field = |name| {
        field(form, name).filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    let sent = Sent {
        page: id_field("page"),
        save: id_field("save_id"),
    };
    Ok(app
        .store
        .save_sent(id, seen, &edits, Author::user(user), sent)
        .await?)
}

/// The form's fields as edits. `keep:<key>=<value>` settles a conflict for the user's value
/// and comes first, so it wins over the (refreshed) input of the same field.
pub fn edits(form: &[(String, String)]) -> Vec<Edit> {
    let (keep, plain): (Vec<_>, Vec<_>) = form.iter().partition(|(name, _)| name.starts_with("keep:"));
    keep.into_iter()
        .map(|(name, value)| Edit {
            key: name.trim_start_matches("keep:").to_string(),
            raw: value.clone(),
            keep_mine: true,
        })
        .chain(plain.into_iter().map(|(k, v)| Edit::new(k, v.clone())))
        .collect()
}
