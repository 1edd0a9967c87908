//! The history of a report: every saved change, and the report as it was at any version.

use std::collections::BTreeMap;

use super::{ReportId, Result, Store, StoreError};
use crate::report::Report;

/// One saved change of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub version: i64,
    pub key: String,
    pub old: String,
    pub new: String,
    pub author: String,
    pub at: i64,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    version: i64,
    key: String,
    old: String,
    new: String,
    author: String,
    at: i64,
}

impl From<ChangeRow> for Change {
    fn from(r: ChangeRow) -> Change {
        Change {
            version: r.version,
            key: r.key,
            old: r.old,
            new: r.new,
            author: r.author,
            at: r.at,
        }
    }
}

impl Store {
    /// Changes of a report, newest first; of one field when `key` is given.
    pub async fn changes(
        &self,
        id: ReportId,
        key: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Change>> {
        let rows = match key {
            Some(key) => {
                sqlx::query_as::<_, ChangeRow>(
                    "select version, key, old, new, author, at from report_change
                      where report_id = $1 and key = $2 order by version desc, id desc limit $3 offset $4",
                )
                .bind(id)
                .bind(key)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as::<_, ChangeRow>(
                    "select version, key, old, new, author, at from report_change
                      where report_id = $1 order by version desc, id desc limit $2 offset $3",
                )
                .bind(id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(Change::from).collect())
    }

    /// For every field changed after `version`: its value at `version` (the old value of its
    /// first later change), by key.
    pub async fn values_at(&self, id: ReportId, version: i64) -> Result<BTreeMap<String, String>> {
        let later = sqlx::query_as::<_, ChangeRow>(
            "select version, key, old, new, author, at from report_change
              where report_id = $1 and version > $2 order by version, id",
        )
        .bind(id)
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        let mut at = BTreeMap::new();
        for change in later {
            at.entry(change.key).or_insert(change.old);
        }
        Ok(at)
    }

    /// The report as it was at `version`.
    pub async fn report_at(&self, id: ReportId, version: i64) -> Result<Report> {
        let stored = self.report(id).await?;
        if version < 1 || version > stored.version {
            return Err(StoreError::NotFound);
        }
        let mut report = stored.report;
        let format = report.format();
        for (key, old) in self.values_at(id, version).await? {
            if let Some(field) = format.field(&key) {
                report.set(field, old);
            }
        }
        Ok(report)
    }
}
