//! 零报告 as a statement: “本年度未收到政府信息公开申请” (表三) or “本年度未发生政府信息
//! 公开行政复议、行政诉讼” (表四) is one action that sets the table's cells to 0 as one
//! version, and is kept as said. A save that puts a non-zero value in the table withdraws
//! it, and the page says so.

use sqlx::{Any, Transaction};

use super::reports::{replace_in, tidied_to_keep};
use super::{Author, Result, Store, StoreError};
use crate::account::ReportId;
use crate::format::Field;

/// The tables a nil return can be stated for, and what the statement says.
pub const NIL_TABLES: &[(&str, &str)] = &[
    ("requests", "本年度未收到政府信息公开申请"),
    ("appeals", "本年度未发生政府信息公开行政复议、行政诉讼"),
];

/// A statement as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub table: String,
    pub says: &'static str,
    pub by: String,
    pub at: i64,
    /// When a non-zero value was typed into the table after it.
    pub withdrawn_at: Option<i64>,
}

impl Store {
    /// States a nil return for `table` of report `id` at version `expected`: its cells
    /// become 0 (one version in the history), and the statement is kept.
    pub async fn state_nil(&self, id: ReportId, expected: i64, table: &str, author: Author<'_>) -> Result<i64> {
        if !NIL_TABLES.iter().any(|(t, _)| *t == table) {
            return Err(StoreError::Refused("只能对第三部分或第四部分声明".into()));
        }
        let stored = self.report(id).await?;
        let mut report = stored.report.clone();
        let format = report.format();
        for &ix in format.table(table).map_or(&[][..], |t| &t.cells) {
            if format.cells[ix].total.is_none() {
                report.set(Field::Cell(ix), "0".into());
            }
        }
        let report = tidied_to_keep(&report)?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let version = replace_in(&mut tx, id, expected, &report, author, at).await?;
        sqlx::query("delete from report_statement where report_id = $1 and kind = $2")
            .bind(id)
            .bind(table)
            .execute(&mut *tx)
            .await?;
        sqlx::query("insert into report_statement (report_id, kind, user_id, at) values ($1, $2, $3, $4)")
            .bind(id)
            .bind(table)
            .bind(author.user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.forget_live(id);
        Ok(version)
    }

    /// The nil returns stated for a report, withdrawn ones included.
    pub async fn statements(&self, id: ReportId) -> Result<Vec<Statement>> {
        let rows: Vec<(String, Option<String>, i64, Option<i64>)> = sqlx::query_as(
            "select s.kind, u.display_name, s.at, s.withdrawn_at from report_statement s
             left join app_user u on u.id = s.user_id where s.report_id = $1 order by s.kind",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(table, by, at, withdrawn_at)| {
                let says = NIL_TABLES.iter().find(|(t, _)| *t == table)?.1;
                Some(Statement { table, says, by: by.unwrap_or_default(), at, withdrawn_at })
            })
            .collect())
    }
}

/// After a save: a stated nil return whose table now holds a non-zero value is withdrawn.
pub(super) async fn withdraw_in(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    report: &crate::report::Report,
    at: i64,
) -> Result<()> {
    let format = report.format();
    let values = crate::report::validate::Values::of(report);
    for (table, _) in NIL_TABLES {
        let nonzero = format
            .table(table)
            .map_or(&[][..], |t| &t.cells)
            .iter()
            .any(|&ix| values.get(ix).is_some_and(|v| v != 0));
        if nonzero {
            sqlx::query(
                "update report_statement set withdrawn_at = $1 where report_id = $2 and kind = $3 and withdrawn_at is null",
            )
            .bind(at)
            .bind(id)
            .bind(*table)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
