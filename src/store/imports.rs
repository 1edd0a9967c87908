//! Reports filled from published documents, and last year's figures as this year uses
//! them: each import with its file's SHA-256, the cells an import left to confirm (请核对),
//! and the clerk's 纠错说明 of last year's values.

use sqlx::{Any, Transaction};

use super::reports::{replace_in, tidied_to_keep};
use super::{Author, Result, Store, StoreError};
use crate::account::ReportId;
use crate::import::{Certainty, Imported};

/// One import into a report, as its history shows it.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub version: i64,
    pub file_name: String,
    pub sha256: String,
    pub read_as: String,
    pub unsure: i64,
    pub user: String,
    pub at: i64,
}

/// A 纠错说明: the value this year's report uses for last year's cell `key`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub key: String,
    pub value: String,
    pub reason: String,
    pub by: String,
    pub at: i64,
    /// The reviewer who corrected last year's report with it, and when.
    pub applied: Option<(String, i64)>,
}

/// version, file, sha256, read as, unsure, user, at.
type ImportRow = (i64, String, String, String, i64, Option<String>, i64);
/// key, value, reason, by, at, applied by, applied at.
type CorrectionRow = (String, String, String, Option<String>, i64, Option<String>, Option<i64>);

impl Store {
    /// Fills draft `id` (at version `expected`) with an imported report: one new version,
    /// the file recorded, the cells it could not read with certainty marked to confirm
    /// (the marks of an earlier import go). Year, agency and format stay as stored.
    pub async fn fill_from_import(
        &self,
        id: ReportId,
        expected: i64,
        imported: &Imported,
        file_name: &str,
        author: Author<'_>,
    ) -> Result<i64> {
        let report = tidied_to_keep(&imported.report)?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let version = replace_in(&mut tx, id, expected, &report, author, at).await?;
        let format = report.format();
        let mut unsure: Vec<(&str, String)> = imported
            .unsure()
            .map(|(ix, r)| {
                let why = match &r.certainty {
                    Certainty::Unsure { why, .. } => why.clone(),
                    _ => String::new(),
                };
                (format.cells[ix].id.as_str(), why)
            })
            .collect();
        // A draft's totals are the sums of their cells; a total the original printed
        // otherwise is kept in words at the cell, for the clerk to see and check.
        for &ix in &format.computed {
            let printed = imported.report.cells[ix].trim();
            if !printed.is_empty() && printed != report.cells[ix] && !unsure.iter().any(|(k, _)| *k == format.cells[ix].id) {
                let why = format!("原件印为 {printed}，与各项之和 {} 不符（已按各项之和计）", report.cells[ix]);
                unsure.push((format.cells[ix].id.as_str(), why));
            }
        }
        sqlx::query(
            "insert into report_import (report_id, version, file_name, sha256, read_as, unsure, user_id, at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(version)
        .bind(file_name)
        .bind(&imported.sha256)
        .bind(imported.source.as_str())
        .bind(unsure.len() as i64)
        .bind(author.user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from report_unsure where report_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (key, why) in unsure {
            sqlx::query("insert into report_unsure (report_id, key, why) values ($1, $2, $3)")
                .bind(id)
                .bind(key)
                .bind(&why)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.forget_live(id);
        Ok(version)
    }

    /// The cells still to confirm, by key, with why; in the format's order.
    pub async fn unsure(&self, id: ReportId) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("select key, why from report_unsure where report_id = $1 order by key")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// A person confirms an imported value as read. `false` when it was not marked.
    pub async fn confirm_unsure(&self, id: ReportId, key: &str) -> Result<bool> {
        let done = sqlx::query("delete from report_unsure where report_id = $1 and key = $2")
            .bind(id)
            .bind(key)
            .execute(&self.pool)
            .await?;
        self.forget_live(id);
        Ok(done.rows_affected() > 0)
    }

    /// The imports into a report, newest first.
    pub async fn imports(&self, id: ReportId) -> Result<Vec<ImportRecord>> {
        let rows: Vec<ImportRow> = sqlx::query_as(
            "select i.version, i.file_name, i.sha256, i.read_as, i.unsure, u.display_name, i.at
             from report_import i left join app_user u on u.id = i.user_id
             where i.report_id = $1 order by i.version desc",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(version, file_name, sha256, read_as, unsure, user, at)| ImportRecord {
                version,
                file_name,
                sha256,
                read_as,
                unsure,
                user: user.unwrap_or_default(),
                at,
            })
            .collect())
    }

    /// The 纠错说明 of a report, by last year's cell key.
    pub async fn corrections(&self, id: ReportId) -> Result<Vec<Correction>> {
        let rows: Vec<CorrectionRow> = sqlx::query_as(
            "select c.key, c.value, c.reason, u.display_name, c.at, a.display_name, c.applied_at
             from prior_correction c
             left join app_user u on u.id = c.user_id
             left join app_user a on a.id = c.applied_by
             where c.report_id = $1 order by c.key",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, value, reason, by, at, applier, applied_at)| Correction {
                key,
                value,
                reason,
                by: by.unwrap_or_default(),
                at,
                applied: applied_at.map(|t| (applier.unwrap_or_default(), t)),
            })
            .collect())
    }

    /// Enters (or replaces) a 纠错说明 of last year's `key`; a blank value removes it.
    pub async fn set_correction(
        &self,
        id: ReportId,
        key: &str,
        value: &str,
        reason: &str,
        author: Author<'_>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let status: Option<String> = sqlx::query_scalar("select status from report where id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let status = status
            .and_then(|s| crate::report::status::Status::parse(&s))
            .ok_or(StoreError::NotFound)?;
        if !status.editable() {
            return Err(StoreError::Locked(status));
        }
        sqlx::query("delete from prior_correction where report_id = $1 and key = $2")
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        if !value.trim().is_empty() {
            sqlx::query(
                "insert into prior_correction (report_id, key, value, reason, user_id, at) values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(key)
            .bind(value.trim())
            .bind(reason.trim())
            .bind(author.user_id)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        }
        super::desk::stand_in(&mut tx, id).await?;
        tx.commit().await?;
        self.forget_live(id);
        Ok(())
    }
}

/// A save typed these keys: their 请核对 marks go, a person has given the value. Returns
/// whether any went (the cached live context then holds stale marks).
pub(super) async fn settle_in(tx: &mut Transaction<'static, Any>, id: ReportId, keys: &[&str]) -> Result<bool> {
    let mut settled = false;
    for key in keys {
        let done = sqlx::query("delete from report_unsure where report_id = $1 and key = $2")
            .bind(id)
            .bind(*key)
            .execute(&mut **tx)
            .await?;
        settled |= done.rows_affected() > 0;
    }
    Ok(settled)
}

impl Store {
    /// The 纠错说明 of a report as its exports print them, one line each.
    pub async fn correction_notes(&self, stored: &super::Stored) -> Result<Vec<String>> {
        let corrections = self.corrections(stored.id).await?;
        if corrections.is_empty() {
            return Ok(Vec::new());
        }
        let Some(last) = self.last_year_archived(stored).await? else {
            return Ok(Vec::new());
        };
        let format = last.report.format();
        Ok(corrections
            .iter()
            .filter_map(|c| {
                let ix = format.cell(&c.key)?;
                let was = if last.report.cells[ix].is_empty() { "0" } else { &last.report.cells[ix] };
                let mut line = format!(
                    "{}年度报告{}为 {was}，本报告按 {} 计。原因：{}",
                    last.report.year,
                    format.cell_name(ix),
                    c.value,
                    c.reason
                );
                if c.applied.is_some() {
                    line.push_str(&format!("（{}年度报告已据此更正）", last.report.year));
                }
                Some(line)
            })
            .collect())
    }
}

/// The most sibling reports a unit's texts are compared with.
const PEERS: i64 = 500;

impl Store {
    /// The reports of the same year by the other units under the same parent, indexed for
    /// 雷同 between units; rebuilt at most once a minute per parent and year.
    pub async fn peers(&self, stored: &super::Stored) -> Result<std::sync::Arc<crate::report::assess::similar::Peers>> {
        let parent: Option<i64> = sqlx::query_scalar("select parent_id from agency where id = $1")
            .bind(stored.agency_id)
            .fetch_optional(&self.pool)
            .await?
            .flatten();
        let key = (parent, stored.report.year);
        if let Some(peers) = self.cached.peers.get(&key) {
            return Ok(peers);
        }
        let ids: Vec<i64> = match parent {
            Some(parent) => {
                sqlx::query_scalar(
                    "select r.id from report r join agency a on a.id = r.agency_id
                     where r.year = $1 and a.parent_id = $2 and a.region_of is null order by r.id limit $3",
                )
                .bind(i64::from(stored.report.year))
                .bind(parent)
                .bind(PEERS)
                .fetch_all(&self.pool)
                .await?
            }
            None => Vec::new(),
        };
        let mut reports = Vec::with_capacity(ids.len());
        for id in ids {
            reports.push(self.report(id).await?);
        }
        let named: Vec<(&str, &crate::report::Report)> = reports.iter().map(|r| (r.report.agency.as_str(), &r.report)).collect();
        let texts: Vec<&str> = stored.report.format().texts.iter().map(|t| t.key).collect();
        let peers = std::sync::Arc::new(crate::report::assess::similar::Peers::of(&named, &texts));
        self.cached.peers.put(key, peers.clone());
        Ok(peers)
    }
}

impl Store {
    /// What is wrong with a stored report as its jurisdiction checks it: every rule with
    /// last year's report, its peers, and the jurisdiction's settings.
    pub async fn findings(&self, stored: &super::Stored) -> Result<Vec<crate::report::Violation>> {
        let last = self.last_year(stored).await?;
        let mut found = crate::report::validate(&stored.report, last.as_ref());
        let peers = self.peers(stored).await?;
        found.extend(crate::report::validate::peer_violations(&stored.report, &peers));
        Ok(self.tuning_for(stored.agency_id, stored.report.year).await?.apply(found))
    }
}
