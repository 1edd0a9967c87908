//! What a government's regional report (本行政区域) is compiled from: the approved
//! reports of the units of its roster for the year, summed cell by cell in the database
//! (`report_value`), the units left out, and each cell's contributions.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;

use super::{AgencyId, ReportId, Result, Store, decode_error};
use crate::report::Kind;
use crate::report::status::Status;

/// The units of the roster under `$1` for year `$2`, each once; `$3…` the units left out by
/// choice. Built from constants; every value is bound.
fn scope_sql(select: &str, tail: &str, excluded: usize) -> String {
    let left_out = if excluded == 0 {
        String::new()
    } else {
        let list: Vec<String> = (0..excluded).map(|i| format!("${}", i + 3)).collect();
        format!(" and a.id not in ({})", list.join(", "))
    };
    format!(
        "with recursive down (id) as (
             select id from agency where id = $1
             union all
             select a.id from agency a join down on a.parent_id = down.id
         )
         select {select} from down join agency a on a.id = down.id
         left join report r on r.agency_id = a.id and r.year = $2
         where (a.from_year is null or a.from_year <= $2) and (a.to_year is null or a.to_year >= $2){left_out} {tail}"
    )
}

const APPROVED: &str = "r.status in ('approved', 'published')";

/// A unit of the scope that is not summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub agency_id: AgencyId,
    pub name: String,
    pub kind: Kind,
    pub report: Option<ReportId>,
    pub status: Option<Status>,
}

/// One unit's part of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub agency_id: AgencyId,
    pub name: String,
    pub report: ReportId,
    pub value: i64,
}

impl Store {
    /// Each cell's sum over the approved reports of the scope, and how many were summed.
    pub async fn region_sums(
        &self,
        node: AgencyId,
        year: i32,
        excluded: &[AgencyId],
    ) -> Result<(HashMap<String, i64>, i64)> {
        let sql = scope_sql(
            // Postgres sums a bigint as numeric: cast back.
            "v.cell, cast(sum(v.value) as bigint)",
            &format!("and {APPROVED} group by v.cell"),
            excluded.len(),
        )
        .replace(
            "left join report r on r.agency_id = a.id and r.year = $2",
            "join report r on r.agency_id = a.id and r.year = $2 join report_value v on v.report_id = r.id",
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql))
            .bind(node)
            .bind(i64::from(year));
        for id in excluded {
            query = query.bind(id);
        }
        let sums: HashMap<String, i64> = query.fetch_all(&self.pool).await?.into_iter().collect();
        let count_sql = scope_sql("count(*)", &format!("and {APPROVED}"), excluded.len());
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql))
            .bind(node)
            .bind(i64::from(year));
        for id in excluded {
            count = count.bind(id);
        }
        Ok((sums, count.fetch_one(&self.pool).await?))
    }

    /// The units of the scope without an approved report (at most `limit`), and how many
    /// there are in all.
    pub async fn region_missing(&self, node: AgencyId, year: i32, limit: i64) -> Result<(Vec<LeftOut>, i64)> {
        let not_approved = format!("and (r.id is null or not {APPROVED})");
        let sql = scope_sql(
            "a.id, a.name, a.kind, r.id as report, r.status",
            &format!("{not_approved} order by a.name limit {}", limit.clamp(1, 10_000)),
            0,
        );
        let rows: Vec<(i64, String, String, Option<i64>, Option<String>)> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(node)
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
        let missing = rows
            .into_iter()
            .map(|(agency_id, name, kind, report, status)| {
                Ok(LeftOut {
                    agency_id,
                    name,
                    kind: Kind::parse(&kind).ok_or_else(|| decode_error("agency.kind", &kind))?,
                    report,
                    status: status.as_deref().map(super::reports::status).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(scope_sql("count(*)", &not_approved, 0)))
            .bind(node)
            .bind(i64::from(year))
            .fetch_one(&self.pool)
            .await?;
        Ok((missing, total))
    }

    /// Who contributed what to one cell of the compiled report, largest first.
    pub async fn region_cell(
        &self,
        node: AgencyId,
        year: i32,
        cell: &str,
        excluded: &[AgencyId],
    ) -> Result<Vec<Contribution>> {
        let n = excluded.len();
        let sql = scope_sql(
            "a.id, a.name, r.id, v.value",
            &format!("and {APPROVED} and v.cell = ${} order by v.value desc, a.name limit 1000", n + 3),
            n,
        )
        .replace(
            "left join report r on r.agency_id = a.id and r.year = $2",
            "join report r on r.agency_id = a.id and r.year = $2 join report_value v on v.report_id = r.id",
        );
        let mut query = sqlx::query_as::<_, (i64, String, i64, i64)>(AssertSqlSafe(sql))
            .bind(node)
            .bind(i64::from(year));
        for id in excluded {
            query = query.bind(id);
        }
        Ok(query
            .bind(cell)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(agency_id, name, report, value)| Contribution {
                agency_id,
                name,
                report,
                value,
            })
            .collect())
    }
}
