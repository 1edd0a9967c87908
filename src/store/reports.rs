//! Reports and their values: create, load, save what was typed, replace from JSON.
//!
//! A report is one row: its values live in `report.data` as `{key: [raw, rev]}`, where `rev`
//! is the version that last changed the value; `report_change` keeps every change.
//!
//! Concurrency: every save bumps the report's version inside a transaction that starts by
//! writing the report row, so saves of one report run one after another on both backends.
//! A form says which version it has seen. A submitted value is applied when nobody changed
//! that field since; when somebody did, the history tells what the form started from: if
//! the form still holds that value the user did not touch the field (theirs is kept and
//! sent back), otherwise both changed it and the save reports a [`Conflict`] instead of
//! overwriting. Nothing is ever overwritten silently.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sqlx::{Any, Transaction};

use super::{AgencyId, ReportId, Result, Store, StoreError, decode_error, unique};
use crate::format::{CellIx, Field, Format, Version};
use crate::report::context::Context;
use crate::report::review::{Approval, Conflict};
use crate::report::status::Status;
use crate::report::{Kind, Report, clean};

/// A report as stored, with its bookkeeping.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: ReportId,
    pub agency_id: AgencyId,
    pub status: Status,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub approval: Option<Approval>,
    pub published_at: Option<i64>,
    pub report: Report,
}

/// Who a change is recorded against.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub name: &'a str,
    pub user_id: Option<i64>,
}

impl<'a> Author<'a> {
    /// A change made by the system or a tool, not by a signed-in person.
    pub const fn system(name: &'a str) -> Author<'a> {
        Author { name, user_id: None }
    }

    pub fn user(user: &'a crate::account::User) -> Author<'a> {
        Author {
            name: &user.display_name,
            user_id: Some(user.id),
        }
    }
}

/// One line of the report list.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    pub id: ReportId,
    pub agency_id: AgencyId,
    pub agency: String,
    pub kind: Kind,
    pub year: i32,
    pub version: Version,
    pub status: Status,
    pub updated_at: i64,
    /// The open problems, as kept with the report (see `report::standing`).
    pub errors: i64,
    pub warnings: i64,
    /// A government's regional report (本行政区域).
    pub regional: bool,
}

/// A value the user submitted for a field, by its public key. Keys the report's format
/// does not have are ignored.
#[derive(Debug, Clone)]
pub struct Edit {
    pub key: String,
    pub raw: String,
    /// The user settled a conflict on this field in favour of this value.
    pub keep_mine: bool,
}

impl Edit {
    pub fn new(key: impl Into<String>, raw: impl Into<String>) -> Edit {
        Edit {
            key: key.into(),
            raw: raw.into(),
            keep_mine: false,
        }
    }
}

/// What a save did.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The report after the save.
    pub stored: Stored,
    pub applied: Vec<Field>,
    pub conflicts: Vec<Conflict>,
    /// Fields others changed since the form's version, to refresh in the form.
    pub refreshed: Vec<Field>,
    /// Values not saved, with why (too long): the form keeps them and says so beside them.
    pub refused: Vec<(Field, String)>,
    /// This was a save sent again; the answer is the first one's, nothing was applied twice.
    pub repeated: bool,
}

/// Where a save comes from. A page sends a random id of its own (one browser tab's copy
/// of the form) and a random id per save, sent again with the same body when an answer
/// is lost: a repeat gets the first answer, and a page's later save does not conflict
/// with the page's own earlier one whose answer it never saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    pub page: Option<&'a str>,
    pub save: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    agency_id: i64,
    year: i64,
    format: String,
    status: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    agency: String,
    kind: String,
    data: String,
    approver: Option<String>,
    approved_at: Option<i64>,
    approved_sha256: Option<String>,
    published_at: Option<i64>,
}

/// `report.data`: every value that is not blank, with the version that last changed it.
type Data = BTreeMap<String, (String, i64)>;

impl ReportRow {
    /// The row's format, year, kind and status. A value this binary does not know is an
    /// error, never a default: an unknown status read as 草稿 would unlock an approved report.
    fn meta(&self) -> Result<(Version, i32, Kind, Status)> {
        let year =
            i32::try_from(self.year).map_err(|_| decode_error("report.year", &self.year.to_string()))?;
        let version =
            Version::parse(&self.format).ok_or_else(|| decode_error("report.format", &self.format))?;
        let kind = Kind::parse(&self.kind).ok_or_else(|| decode_error("agency.kind", &self.kind))?;
        Ok((version, year, kind, status(&self.status)?))
    }
}

/// A stored status, strictly.
pub(super) fn status(raw: &str) -> Result<Status> {
    Status::parse(raw).ok_or_else(|| decode_error("report.status", raw))
}

macro_rules! select_report {
    ($tail:literal) => {
        concat!(
            "select r.id, r.agency_id, r.year, r.format, r.status, r.version, r.created_at, r.updated_at, ",
            "r.data, a.name as agency, a.kind, u.display_name as approver, r.approved_at, r.approved_sha256, ",
            "r.published_at from report r join agency a on a.id = r.agency_id ",
            "left join app_user u on u.id = r.approved_by ",
            $tail
        )
    };
}

/// How long a save's id is remembered, in seconds: a page retries a lost answer within
/// seconds, and a clerk may come back to a tab the next morning.
pub(super) const SAVE_ID_KEPT: i64 = 2 * 24 * 3600;

impl Store {
    /// Forgets the ids of saves made before `at` (swept with the sessions).
    pub(super) async fn forget_saves_before(&self, at: i64) -> Result<()> {
        sqlx::query("delete from report_save where at < $1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The report of an agency for a year, created empty when there is none yet. Two
    /// clerks opening it at once both get the one report, on either backend.
    pub async fn open_report(&self, agency_id: AgencyId, year: i32) -> Result<ReportId> {
        let version = Version::for_year(year).ok_or_else(|| unsupported(year))?;
        let at = self.now();
        let created: Option<i64> = sqlx::query_scalar(
            "insert into report (agency_id, year, format, status, version, created_at, updated_at)
             values ($1, $2, $3, $4, 1, $5, $5) on conflict (agency_id, year) do nothing returning id",
        )
        .bind(agency_id)
        .bind(i64::from(year))
        .bind(version.as_str())
        .bind(Status::Draft.as_str())
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        match created {
            Some(id) => {
                self.stand(id).await?;
                self.start_from_last_year(id).await?;
                Ok(id)
            }
            None => self
                .report_id_of(agency_id, year)
                .await?
                .ok_or(StoreError::NotFound),
        }
    }

    /// Prefills a new report with what carries over from last year's (上年结转), as one
    /// version of its own in the history.
    async fn start_from_last_year(&self, id: ReportId) -> Result<()> {
        let stored = self.report(id).await?;
        let Some(last) = self.last_year(&stored).await? else {
            return Ok(());
        };
        let mut report = stored.report.clone();
        if crate::report::carry::prefill(&mut report, &last).is_empty() {
            return Ok(());
        }
        let by = format!("{}年度报告结转", last.year);
        self.replace(id, stored.version, &report, Author::system(&by)).await?;
        Ok(())
    }

    /// Creates an empty report of an agency for a year, in the format of that year.
    pub async fn create_report(&self, agency_id: AgencyId, year: i32) -> Result<ReportId> {
        let mut conn = self.pool.acquire().await?;
        let id = insert_report(&mut conn, agency_id, year, self.now()).await?;
        drop(conn);
        self.stand(id).await?;
        Ok(id)
    }

    /// Counts and keeps a report's standing (see `desk.rs`), in a transaction of its own.
    pub(super) async fn stand(&self, id: ReportId) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        super::desk::stand_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whose a report is and where it stands, without loading its content.
    pub async fn report_owner(&self, id: ReportId) -> Result<(AgencyId, Status)> {
        let row: Option<(i64, String)> = sqlx::query_as("select agency_id, status from report where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let (agency, raw) = row.ok_or(StoreError::NotFound)?;
        Ok((agency, status(&raw)?))
    }

    /// The report of an agency for a year, if there is one.
    pub async fn report_id_of(&self, agency_id: AgencyId, year: i32) -> Result<Option<ReportId>> {
        Ok(
            sqlx::query_scalar("select id from report where agency_id = $1 and year = $2")
                .bind(agency_id)
                .bind(i64::from(year))
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn report(&self, id: ReportId) -> Result<Stored> {
        let row = sqlx::query_as::<_, ReportRow>(select_report!("where r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(assemble(row)?.0)
    }

    /// Last year's report of the same agency as this year's uses it, for the cross-year
    /// rules and the carry-over: with this report's 纠错说明 in place of last year's values.
    pub async fn last_year(&self, stored: &Stored) -> Result<Option<Report>> {
        let mut tx = self.pool.begin().await?;
        let last = last_year_in(&mut tx, stored).await?;
        tx.commit().await?;
        Ok(last)
    }

    /// Last year's report as archived, without this year's corrections.
    pub async fn last_year_archived(&self, stored: &Stored) -> Result<Option<Stored>> {
        match self.report_id_of(stored.agency_id, stored.report.year - 1).await? {
            Some(id) => Ok(Some(self.report(id).await?)),
            None => Ok(None),
        }
    }

    /// What checking a report as typed needs besides the form, from the cache when fresh
    /// (the live check reads it after every keystroke; see `cache.rs`).
    pub async fn context(&self, id: ReportId) -> Result<Arc<Context>> {
        if let Some(context) = self.cached.live.get(&id) {
            return Ok(context);
        }
        let stored = self.report(id).await?;
        let context = Arc::new(Context {
            agency_id: stored.agency_id,
            revision: stored.version,
            last_year: self.last_year(&stored).await?,
            comments: self.comments(id).await?,
            explanations: self.explanations(id).await?,
            unsure: self.unsure(id).await?,
            peers: self.peers(&stored).await?,
            tuning: self.tuning_for(stored.agency_id, stored.report.year).await?,
            report: stored.report,
        });
        self.cached.live.put(id, context.clone());
        Ok(context)
    }

    /// Puts a report's newly saved content into its cached context.
    fn renew_live(&self, id: ReportId, report: &Report, revision: i64) {
        if let Some(context) = self.cached.live.get(&id) {
            let mut renewed = Context::clone(&context);
            renewed.report = report.clone();
            renewed.revision = revision;
            self.cached.live.put(id, Arc::new(renewed));
        }
    }

    /// Forgets the cached live context of a report after changing its comments or status.
    pub(super) fn forget_live(&self, id: ReportId) {
        self.cached.live.forget(&id);
    }

    /// Every report, newest year first (without their content).
    pub async fn reports(&self) -> Result<Vec<ReportSummary>> {
        self.summaries(None).await
    }

    /// An agency's reports, newest year first (without their content); a government's
    /// include its regional reports (本行政区域), which its clerks write.
    pub async fn reports_of(&self, agency: AgencyId) -> Result<Vec<ReportSummary>> {
        self.summaries(Some(agency)).await
    }

    async fn summaries(&self, agency: Option<AgencyId>) -> Result<Vec<ReportSummary>> {
        type Row = (i64, i64, i64, String, String, i64, String, String, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "select r.id, r.agency_id, r.year, r.format, r.status, r.updated_at, a.name, a.kind, r.errors, r.warnings,
             a.region_of
             from report r join agency a on a.id = r.agency_id
             where ($1 is null or r.agency_id = $1 or a.region_of = $1) order by r.year desc, a.name",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, agency_id, year, format, raw_status, updated_at, agency, kind, errors, warnings, region_of)| {
                Ok(ReportSummary {
                    id,
                    agency_id,
                    agency,
                    kind: Kind::parse(&kind).ok_or_else(|| decode_error("agency.kind", &kind))?,
                    year: i32::try_from(year).map_err(|_| decode_error("report.year", &year.to_string()))?,
                    version: Version::parse(&format).ok_or_else(|| decode_error("report.format", &format))?,
                    status: status(&raw_status)?,
                    updated_at,
                    errors: errors.unwrap_or(0),
                    warnings: warnings.unwrap_or(0),
                    regional: region_of.is_some(),
                })
            })
            .collect()
    }

    /// Saves what a form submitted against the version it had seen; see the module docs.
    pub async fn save(&self, id: ReportId, seen: i64, edits: &[Edit], author: Author<'_>) -> Result<Saved> {
        self.save_sent(id, seen, edits, author, Sent::default()).await
    }

    /// [`Store::save`] for a save that says where it comes from (see [`Sent`]).
    pub async fn save_sent(
        &self,
        id: ReportId,
        seen: i64,
        edits: &[Edit],
        author: Author<'_>,
        sent: Sent<'_>,
    ) -> Result<Saved> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        // Writing the report row first takes the write lock: concurrent saves queue here.
        let version: i64 = sqlx::query_scalar(
            "update report set version = version + 1, updated_at = $2 where id = $1 returning version",
        )
        .bind(id)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let (mut stored, mut revs) = load(&mut tx, id).await?;
        if let Some(save_id) = sent.save {
            let first: Option<String> =
                sqlx::query_scalar("select outcome from report_save where report_id = $1 and save_id = $2")
                    .bind(id)
                    .bind(save_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(outcome) = first {
                tx.rollback().await?;
                stored.version = version - 1;
                return Ok(repeated(stored, &revs, seen, &outcome));
            }
        }
        if !stored.status.editable() {
            return Err(StoreError::Locked(stored.status));
        }
        let format = stored.report.format();

        let mut applied = Vec::new();
        let mut conflicts = Vec::new();
        let mut refused = Vec::new();
        let mut taken = Vec::with_capacity(edits.len());
        for edit in edits {
            let Some(field) = format.field(&edit.key) else {
                continue;
            };
            // Totals are computed, never typed: whatever a form says of one is not stored.
            // A field sent twice counts with its first value (the live check does the same).
            if is_total(format, field) || taken.contains(&field) {
                continue;
            }
            taken.push(field);
            let key = edit.key.as_str();
            let submitted = stored.report.typed(field, &edit.raw);
            if let Some(why) = too_long(field, &submitted) {
                refused.push((field, why));
                continue;
            }
            let current = stored.report.get(field);
            if submitted == current {
                continue;
            }
            let rev = revs.get(key).copied().unwrap_or(0);
            if rev > seen
                && !edit.keep_mine
                && !only_this_page_changed(&mut tx, id, key, seen, sent.page).await?
            {
                let base: Option<String> = sqlx::query_scalar(
                    "select old from report_change where report_id = $1 and key = $2 and version > $3
                     order by version limit 1",
                )
                .bind(id)
                .bind(key)
                .bind(seen)
                .fetch_optional(&mut *tx)
                .await?;
                if base.as_deref() == Some(submitted.as_str()) {
                    // Untouched in this form; someone else's value stands.
                    continue;
                }
                let (by, at): (String, i64) = sqlx::query_as(
                    "select author, at from report_change where report_id = $1 and key = $2
                     order by version desc limit 1",
                )
                .bind(id)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_default();
                conflicts.push(Conflict {
                    field,
                    mine: submitted,
                    theirs: current.to_string(),
                    author: by,
                    at,
                });
                continue;
            }
            let change = Change {
                key,
                old: current,
                new: &submitted,
            };
            record(&mut tx, id, version, change, author, sent.page, at).await?;
            stored.report.set(field, submitted);
            applied.push(field);
        }
        // Revisions as they were when the form's version was current tell what others changed.
        let refreshed = others_changed(format, &revs, seen)
            .filter(|f| !applied.contains(f) && !conflicts.iter().any(|c: &Conflict| c.field == *f))
            .collect();

        let changed_cells: Vec<CellIx> = applied
            .iter()
            .filter_map(|f| match f {
                Field::Cell(ix) => Some(*ix),
                Field::Text(_) => None,
            })
            .collect();
        let before_totals: Vec<String> = format
            .computed
            .iter()
            .map(|&ix| stored.report.cells[ix].clone())
            .collect();
        let totals = stored.report.recompute_totals(Some(&changed_cells));
        // Totals go into the history too, so that any version can be rebuilt exactly.
        for (&ix, old) in format.computed.iter().zip(&before_totals) {
            if totals.contains(&ix) {
                let change = Change {
                    key: &format.cells[ix].id,
                    old,
                    new: &stored.report.cells[ix],
                };
                record(&mut tx, id, version, change, author, sent.page, at).await?;
            }
        }
        for field in applied
            .iter()
            .copied()
            .chain(totals.iter().map(|&ix| Field::Cell(ix)))
        {
            revs.insert(format.key(field).to_string(), version);
        }
        if applied.is_empty() && totals.is_empty() {
            // Nothing changed: leave the version as it was.
            tx.rollback().await?;
            stored.version = version - 1;
        } else {
            write_data(&mut tx, id, &stored.report, &revs).await?;
            super::desk::stand_in(&mut tx, id).await?;
            let typed: Vec<&str> = applied.iter().map(|&f| format.key(f)).collect();
            let settled = super::imports::settle_in(&mut tx, id, &typed).await?;
            super::statements::withdraw_in(&mut tx, id, &stored.report, at).await?;
            if let Some(save_id) = sent.save {
                sqlx::query(
                    "insert into report_save (report_id, save_id, version, outcome, at) values ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(save_id)
                .bind(version)
                .bind(outcome(format, &applied, &conflicts).to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            if settled {
                self.forget_live(id);
            } else {
                self.renew_live(id, &stored.report, version);
            }
            stored.version = version;
            stored.updated_at = at;
        }
        Ok(Saved {
            stored,
            applied,
            conflicts,
            refreshed,
            refused,
            repeated: false,
        })
    }

    /// Replaces the whole content if the stored version is `expected` (the API's PUT).
    /// Returns the new version. Year, agency and format stay as stored. What is stored is
    /// what [`Report::tidied`] keeps: totals computed, invisible characters removed.
    pub async fn replace(
        &self,
        id: ReportId,
        expected: i64,
        report: &Report,
        author: Author<'_>,
    ) -> Result<i64> {
        let report = tidied_to_keep(report)?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let version = replace_in(&mut tx, id, expected, &report, author, self.now()).await?;
        tx.commit().await?;
        self.forget_live(id);
        Ok(version)
    }

    /// Imports documents as new reports, each of its agency, all in one transaction: when
    /// one cannot be stored (a report of that agency and year exists), none is. With
    /// `approved`, each is stored as approved (a past year's published report), its
    /// approval stamped with its content's hash and no approver.
    pub async fn import_all(
        &self,
        documents: &[(AgencyId, Report)],
        approved: bool,
        author: Author<'_>,
    ) -> Result<Vec<ReportId>> {
        let documents = documents
            .iter()
            .map(|(agency, report)| Ok((*agency, tidied_to_keep(report)?)))
            .collect::<Result<Vec<_>>>()?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let mut ids = Vec::new();
        for (agency, report) in &documents {
            let id = insert_report(&mut tx, *agency, report.year, at).await?;
            let version = replace_in(&mut tx, id, 1, report, author, at).await?;
            if approved {
                let sha256 = crate::report::interchange::content_sha256(report);
                sqlx::query(
                    "update report set status = $1, status_at = $2, approved_at = $2, approved_sha256 = $3
                     where id = $4",
                )
                .bind(Status::Approved.as_str())
                .bind(at)
                .bind(sha256)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into report_transition (report_id, from_status, to_status, version, user_id, note, at)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(Status::Draft.as_str())
                .bind(Status::Approved.as_str())
                .bind(version)
                .bind(author.user_id)
                .bind("从文件导入（以往年度已发布的报告）")
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Creates the report of `agency` for the report's year and fills it in; for imports and demo data.
    pub async fn import(&self, agency_id: AgencyId, report: &Report, author: Author<'_>) -> Result<ReportId> {
        let id = self.create_report(agency_id, report.year).await?;
        self.replace(id, 1, report, author).await?;
        Ok(id)
    }
}

/// A new, empty draft of an agency for a year, in the format of that year.
async fn insert_report(conn: &mut sqlx::AnyConnection, agency_id: AgencyId, year: i32, at: i64) -> Result<ReportId> {
    let version = Version::for_year(year).ok_or_else(|| unsupported(year))?;
    sqlx::query_scalar(
        "insert into report (agency_id, year, format, status, version, created_at, updated_at)
         values ($1, $2, $3, $4, 1, $5, $5) returning id",
    )
    .bind(agency_id)
    .bind(i64::from(year))
    .bind(version.as_str())
    .bind(Status::Draft.as_str())
    .bind(at)
    .fetch_one(&mut *conn)
    .await
    .map_err(unique)
}

fn unsupported(year: i32) -> StoreError {
    StoreError::Refused(format!("{year} 年：只支持 2019 年及以后的年度报告"))
}

fn is_total(format: &Format, field: Field) -> bool {
    matches!(field, Field::Cell(ix) if format.cells[ix].total.is_some())
}

/// Why a value is too long to keep, if it is.
fn too_long(field: Field, value: &str) -> Option<String> {
    match field {
        Field::Cell(_) => clean::cell_too_long(value),
        Field::Text(_) => clean::text_too_long(value),
    }
}

/// Fields changed after version `seen` (totals aside: the form redraws them anyway).
fn others_changed<'a>(
    format: &'a Format,
    revs: &'a HashMap<String, i64>,
    seen: i64,
) -> impl Iterator<Item = Field> + 'a {
    revs.iter()
        .filter(move |(_, rev)| **rev > seen)
        .filter_map(|(key, _)| format.field(key))
        .filter(|f| !is_total(format, *f))
}

/// Whether every change to `key` after `seen` came from `page`: the page's own earlier
/// save, whose answer it did not get, is no conflict with what the page sends now.
async fn only_this_page_changed(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    key: &str,
    seen: i64,
    page: Option<&str>,
) -> Result<bool> {
    let Some(page) = page else {
        return Ok(false);
    };
    let others: i64 = sqlx::query_scalar(
        "select count(*) from report_change
          where report_id = $1 and key = $2 and version > $3 and (page is null or page <> $4)",
    )
    .bind(id)
    .bind(key)
    .bind(seen)
    .bind(page)
    .fetch_one(&mut **tx)
    .await?;
    Ok(others == 0)
}

/// What a save did, kept to answer a repeat of it the same way.
fn outcome(format: &Format, applied: &[Field], conflicts: &[Conflict]) -> serde_json::Value {
    serde_json::json!({
        "applied": applied.iter().map(|&f| format.key(f)).collect::<Vec<_>>(),
        "conflicts": conflicts.iter().map(|c| serde_json::json!({
            "key": format.key(c.field), "mine": c.mine, "theirs": c.theirs, "author": c.author, "at": c.at,
        })).collect::<Vec<_>>(),
    })
}

/// The answer to a save sent again: the first one's outcome, on the report as it is now.
fn repeated(stored: Stored, revs: &HashMap<String, i64>, seen: i64, outcome: &str) -> Saved {
    let format = stored.report.format();
    let outcome: serde_json::Value = serde_json::from_str(outcome).unwrap_or_default();
    let keys =
        |name: &str| -> Vec<serde_json::Value> { outcome[name].as_array().cloned().unwrap_or_default() };
    let applied: Vec<Field> = keys("applied")
        .iter()
        .filter_map(|k| format.field(k.as_str()?))
        .collect();
    let conflicts: Vec<Conflict> = keys("conflicts")
        .iter()
        .filter_map(|c| {
            Some(Conflict {
                field: format.field(c["key"].as_str()?)?,
                mine: c["mine"].as_str()?.to_string(),
                theirs: c["theirs"].as_str()?.to_string(),
                author: c["author"].as_str()?.to_string(),
                at: c["at"].as_i64()?,
            })
        })
        .collect();
    let refreshed = others_changed(format, revs, seen)
        .filter(|f| !applied.contains(f) && !conflicts.iter().any(|c| c.field == *f))
        .collect();
    Saved {
        stored,
        applied,
        conflicts,
        refreshed,
        refused: Vec::new(),
        repeated: true,
    }
}

/// A report as stored, read inside a transaction (what a status change is about to move).
pub(super) async fn load_in(tx: &mut Transaction<'static, Any>, id: ReportId) -> Result<Stored> {
    Ok(load(tx, id).await?.0)
}

/// Last year's report of the same agency, read inside a transaction.
pub(super) async fn last_year_in(
    tx: &mut Transaction<'static, Any>,
    stored: &Stored,
) -> Result<Option<Report>> {
    let id: Option<i64> = sqlx::query_scalar("select id from report where agency_id = $1 and year = $2")
        .bind(stored.agency_id)
        .bind(i64::from(stored.report.year - 1))
        .fetch_optional(&mut **tx)
        .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    let mut last = load(tx, id).await?.0.report;
    let corrections: Vec<(String, String)> =
        sqlx::query_as("select key, value from prior_correction where report_id = $1")
            .bind(stored.id)
            .fetch_all(&mut **tx)
            .await?;
    let format = last.format();
    let changed: Vec<_> = corrections
        .iter()
        .filter_map(|(key, value)| {
            let ix = format.cell(key)?;
            last.set_typed(crate::format::Field::Cell(ix), value);
            Some(ix)
        })
        .collect();
    if !changed.is_empty() {
        last.recompute_totals(Some(&changed));
    }
    Ok(Some(last))
}

async fn load(tx: &mut Transaction<'static, Any>, id: ReportId) -> Result<(Stored, HashMap<String, i64>)> {
    let row = sqlx::query_as::<_, ReportRow>(select_report!("where r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    assemble(row)
}

fn assemble(row: ReportRow) -> Result<(Stored, HashMap<String, i64>)> {
    let (version, year, kind, status) = row.meta()?;
    let data: Data =
        serde_json::from_str(&row.data).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))?;
    let mut report = Report::blank(version, year, row.agency.clone(), kind);
    let format = report.format();
    let mut revs = HashMap::with_capacity(data.len());
    for (key, (raw, rev)) in data {
        if let Some(field) = format.field(&key) {
            report.set(field, raw);
            revs.insert(key, rev);
        }
    }
    let approval = match (row.approved_at, row.approved_sha256) {
        (Some(at), Some(sha256)) => Some(Approval {
            by: row.approver.unwrap_or_default(),
            at,
            sha256,
        }),
        _ => None,
    };
    let stored = Stored {
        id: row.id,
        agency_id: row.agency_id,
        status,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        approval,
        published_at: row.published_at,
        report,
    };
    Ok((stored, revs))
}

/// Writes `report.data` from a report and the revision of each field.
async fn write_data(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    report: &Report,
    revs: &HashMap<String, i64>,
) -> Result<()> {
    let format = report.format();
    let data: Data = format
        .fields()
        .filter(|f| !report.get(*f).is_empty())
        .map(|f| {
            let key = format.key(f);
            (
                key.to_string(),
                (report.get(f).to_string(), revs.get(key).copied().unwrap_or(0)),
            )
        })
        .collect();
    let json =
        serde_json::to_string(&data).map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
    sqlx::query("update report set data = $1 where id = $2")
        .bind(json)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One value's change, for the history.
struct Change<'a> {
    key: &'a str,
    old: &'a str,
    new: &'a str,
}

/// Records a change in the history.
async fn record(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    version: i64,
    change: Change<'_>,
    author: Author<'_>,
    page: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "insert into report_change (report_id, version, key, old, new, author, user_id, page, at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(version)
    .bind(change.key)
    .bind(change.old)
    .bind(change.new)
    .bind(author.name)
    .bind(author.user_id)
    .bind(page)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Changes per insert when a whole report is replaced: an import writes a report's every
/// value in a few statements instead of one per value.
const CHANGES_CHUNK: usize = 100;

/// Records many changes of one version, by one author, in the history.
async fn record_all(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    version: i64,
    changes: &[Change<'_>],
    author: Author<'_>,
    at: i64,
) -> Result<()> {
    for chunk in changes.chunks(CHANGES_CHUNK) {
        // $1 report, $2 version, $3 author, $4 user, $5 at; then key, old, new per change.
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = 6 + i * 3;
                format!("($1, $2, ${p}, ${}, ${}, $3, $4, null, $5)", p + 1, p + 2)
            })
            .collect();
        let sql = format!(
            "insert into report_change (report_id, version, key, old, new, author, user_id, page, at) values {}",
            rows.join(", ")
        );
        // Built from placeholders only; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(version)
            .bind(author.name)
            .bind(author.user_id)
            .bind(at);
        for change in chunk {
            query = query.bind(change.key).bind(change.old).bind(change.new);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What [`Store::replace`] keeps of a report: totals computed, invisible characters
/// removed; refused when a value is too long to keep.
pub(super) fn tidied_to_keep(report: &Report) -> Result<Report> {
    let report = report.tidied();
    if let Some((field, why)) = report
        .format()
        .fields()
        .find_map(|f| Some((f, too_long(f, report.get(f))?)))
    {
        return Err(StoreError::Refused(format!(
            "“{}”：{why}",
            report.format().key(field)
        )));
    }
    Ok(report)
}

/// [`Store::replace`] of a tidied report, in the caller's transaction.
pub(super) async fn replace_in(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    expected: i64,
    report: &Report,
    author: Author<'_>,
    at: i64,
) -> Result<i64> {
    let version: Option<i64> = sqlx::query_scalar(
        "update report set version = version + 1, updated_at = $3
         where id = $1 and version = $2 returning version",
    )
    .bind(id)
    .bind(expected)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(version) = version else {
        let current: Option<i64> = sqlx::query_scalar("select version from report where id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        return Err(current.map_or(StoreError::NotFound, |current| StoreError::Stale { current }));
    };
    let (stored, mut revs) = load(tx, id).await?;
    if !stored.status.editable() {
        return Err(StoreError::Locked(stored.status));
    }
    let format = stored.report.format();
    if report.format().version != format.version {
        return Err(StoreError::Refused(format!(
            "报告为 {} 年格式，不能以 {} 年格式替换",
            format.version,
            report.format().version
        )));
    }
    let mut changes = Vec::new();
    for field in format.fields() {
        let old = stored.report.get(field);
        let new = report.get(field);
        if old != new {
            changes.push(Change {
                key: format.key(field),
                old,
                new,
            });
            revs.insert(format.key(field).to_string(), version);
        }
    }
    record_all(tx, id, version, &changes, author, at).await?;
    write_data(tx, id, report, &revs).await?;
    super::desk::stand_in(tx, id).await?;
    super::statements::withdraw_in(tx, id, report, at).await?;
    Ok(version)
}

impl Store {
    /// A reviewer corrects last year's report with this year's 纠错说明 of `key`: last
    /// year's value becomes the corrected one whatever its status, as a new version of it
    /// whose history names the reviewer and the reason; an approved report's stamp is
    /// renewed for its corrected content, and its 流转记录 says so.
    pub async fn apply_correction(&self, this_id: ReportId, key: &str, reviewer: &crate::account::User) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let (this, _) = load(&mut tx, this_id).await?;
        let correction: Option<(String, String)> = sqlx::query_as(
            "select value, reason from prior_correction where report_id = $1 and key = $2 and applied_at is null",
        )
        .bind(this_id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let (value, reason) = correction.ok_or(StoreError::NotFound)?;
        let last_id: ReportId = sqlx::query_scalar("select id from report where agency_id = $1 and year = $2")
            .bind(this.agency_id)
            .bind(i64::from(this.report.year - 1))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (mut last, mut revs) = load(&mut tx, last_id).await?;
        let format = last.report.format();
        let ix = format.cell(key).ok_or(StoreError::NotFound)?;
        let version = last.version + 1;
        sqlx::query("update report set version = $1, updated_at = $2 where id = $3")
            .bind(version)
            .bind(at)
            .bind(last_id)
            .execute(&mut *tx)
            .await?;
        let author_name = format!("{}（依据{}年度报告的纠错说明）", reviewer.display_name, this.report.year);
        let author = Author {
            name: &author_name,
            user_id: Some(reviewer.id),
        };
        let before = last.report.clone();
        last.report.set_typed(Field::Cell(ix), &value);
        last.report.recompute_totals(Some(&[ix]));
        for field in format.fields() {
            let (old, new) = (before.get(field), last.report.get(field));
            if old != new {
                let change = Change { key: format.key(field), old, new };
                record(&mut tx, last_id, version, change, author, None, at).await?;
                revs.insert(format.key(field).to_string(), version);
            }
        }
        write_data(&mut tx, last_id, &last.report, &revs).await?;
        super::desk::stand_in(&mut tx, last_id).await?;
        if last.approval.is_some() {
            sqlx::query("update report set approved_sha256 = $1 where id = $2")
                .bind(crate::report::interchange::content_sha256(&last.report))
                .bind(last_id)
                .execute(&mut *tx)
                .await?;
        }
        let note = format!(
            "依据{}年度报告的纠错说明更正{}：{} → {}。原因：{reason}",
            this.report.year,
            format.cell_name(ix),
            if before.cells[ix].is_empty() { "（空）" } else { &before.cells[ix] },
            last.report.cells[ix],
        );
        sqlx::query(
            "insert into report_transition (report_id, from_status, to_status, version, user_id, note, at)
             values ($1, $2, $2, $3, $4, $5, $6)",
        )
        .bind(last_id)
        .bind(last.status.as_str())
        .bind(version)
        .bind(reviewer.id)
        .bind(note)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update prior_correction set applied_by = $1, applied_at = $2 where report_id = $3 and key = $4")
            .bind(reviewer.id)
            .bind(at)
            .bind(this_id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.forget_live(this_id);
        self.forget_live(last_id);
        Ok(())
    }
}
