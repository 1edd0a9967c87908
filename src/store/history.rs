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

    /// Page `page` (from 1) of a report's changes, newest first, of one field when `key` is
    /// given, with whether a later page has any. A page holds `per_page` changes besides
    /// those of the `uncounted` keys (hidden totals), which ride along with the counted
    /// change before them. Only the page is read: the database numbers the changes.
    pub async fn changes_page(
        &self,
        id: ReportId,
        key: Option<&str>,
        uncounted: &[&str],
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<Change>, bool)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            change: ChangeRow,
            counted_before: i64,
        }
        // $1 the report, $2 and $3 the bounds, then the field, then the uncounted keys.
        let mut n = 3;
        let mut param = || {
            n += 1;
            format!("${n}")
        };
        let of_key = match key {
            Some(_) => format!("and key = {}", param()),
            None => String::new(),
        };
        let counts = match uncounted {
            [] => "1".to_string(),
            keys => {
                let list: Vec<String> = keys.iter().map(|_| param()).collect();
                format!("case when key in ({}) then 0 else 1 end", list.join(", "))
            }
        };
        let sql = format!(
            "select version, key, old, new, author, at, counted_before from (
                select id, version, key, old, new, author, at,
                       coalesce(sum({counts}) over (order by version desc, id desc
                                rows between unbounded preceding and 1 preceding), 0) as counted_before
                  from report_change where report_id = $1 {of_key}
             ) numbered
             where counted_before >= $2 and counted_before <= $3
             order by version desc, id desc"
        );
        let (first, after) = ((page - 1) * per_page, page * per_page);
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(first)
            .bind(after);
        if let Some(key) = key {
            query = query.bind(key);
        }
        for key in uncounted {
            query = query.bind(*key);
        }
        let rows = query.fetch_all(&self.pool).await?;
        // A row with `after` counted before it is on the next page: there is one.
        let more = rows.iter().any(|r| r.counted_before >= after);
        let changes = rows
            .into_iter()
            .filter(|r| r.counted_before < after)
            .map(|r| Change::from(r.change))
            .collect();
        Ok((changes, more))
    }

    /// Who made `version` and when: its last recorded change; `None` when it changed nothing.
    pub async fn version_author(&self, id: ReportId, version: i64) -> Result<Option<(String, i64)>> {
        Ok(sqlx::query_as(
            "select author, at from report_change where report_id = $1 and version = $2
              order by id desc limit 1",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?)
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
