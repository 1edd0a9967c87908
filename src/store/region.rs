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
         where {expected}{left_out} {tail}",
        expected = super::desk::EXPECTED
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
        type Row = (i64, String, String, Option<i64>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(sql))
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

/// An approved report summed into a compile, as its compile records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub agency_id: AgencyId,
    pub name: String,
    pub report: ReportId,
    pub sha256: String,
}

/// The sources of a compile as it records them: `id:sha` by report id, comma-joined.
pub fn sources_key(sources: &[Source]) -> String {
    let mut pairs: Vec<(ReportId, &str)> = sources.iter().map(|s| (s.report, s.sha256.as_str())).collect();
    pairs.sort_unstable();
    pairs.iter().map(|(id, sha)| format!("{id}:{sha}")).collect::<Vec<_>>().join(",")
}

/// The last compile of a regional report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compile {
    pub report: ReportId,
    pub sources: String,
    pub excluded: Vec<AgencyId>,
    pub missing: i64,
    pub reason: String,
    pub by: Option<String>,
    pub at: i64,
}

impl Compile {
    /// The reports summed, by id, with the hash of the content summed.
    pub fn summed(&self) -> Vec<(ReportId, &str)> {
        self.sources
            .split(',')
            .filter_map(|p| {
                let (id, sha) = p.split_once(':')?;
                Some((id.parse().ok()?, sha))
            })
            .collect()
    }
}

/// What a compile needs stored, besides the compiled report.
pub struct Compiling<'a> {
    pub government: &'a crate::account::Agency,
    pub year: i32,
    pub sources: &'a [Source],
    pub excluded: &'a [AgencyId],
    pub missing: i64,
    pub reason: &'a str,
}

impl Store {
    /// The approved reports of the scope as summed now.
    pub async fn region_sources(&self, node: AgencyId, year: i32, excluded: &[AgencyId]) -> Result<Vec<Source>> {
        let sql = scope_sql(
            "a.id, a.name, r.id as report, coalesce(r.approved_sha256, '')",
            &format!("and {APPROVED} order by r.id"),
            excluded.len(),
        );
        let mut query = sqlx::query_as::<_, (i64, String, i64, String)>(AssertSqlSafe(sql))
            .bind(node)
            .bind(i64::from(year));
        for id in excluded {
            query = query.bind(id);
        }
        Ok(query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(agency_id, name, report, sha256)| Source {
                agency_id,
                name,
                report,
                sha256,
            })
            .collect())
    }

    /// The government's stored regional report for the year and its last compile.
    pub async fn region_report(&self, government: AgencyId, year: i32) -> Result<Option<Compile>> {
        type Row = (i64, String, String, i64, String, Option<String>, i64);
        let row: Option<Row> = sqlx::query_as(
            "select c.report_id, c.sources, c.excluded, c.missing, c.reason, u.display_name, c.compiled_at
             from region_compile c join report r on r.id = c.report_id
             left join app_user u on u.id = c.compiled_by
             where c.government_id = $1 and r.year = $2",
        )
        .bind(government)
        .bind(i64::from(year))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(report, sources, excluded, missing, reason, by, at)| Compile {
            report,
            sources,
            excluded: excluded.split(',').filter_map(|id| id.parse().ok()).collect(),
            missing,
            reason,
            by,
            at,
        }))
    }

    /// The last compile of a report, if it is a regional report.
    pub async fn compile_of(&self, report: ReportId) -> Result<Option<Compile>> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "select c.government_id, r.year from region_compile c join report r on r.id = c.report_id
             where c.report_id = $1",
        )
        .bind(report)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((government, year)) => self.region_report(government, i32::try_from(year).unwrap_or_default()).await,
            None => Ok(None),
        }
    }

    /// Stores a compile as the government's regional report for the year: its tables
    /// replaced by `compiled`'s (the texts the office wrote are kept), recorded in the
    /// history under `author` and as the report's last compile. The report must be open
    /// (草稿 or 已退回): an approved one is reopened first, like any report.
    pub async fn save_compile(
        &self,
        compiled: &crate::report::Report,
        c: Compiling<'_>,
        author: super::Author<'_>,
    ) -> Result<ReportId> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let existing: Option<i64> = sqlx::query_scalar("select id from agency where region_of = $1")
            .bind(c.government.id)
            .fetch_optional(&mut *tx)
            .await?;
        let unit = match existing {
            Some(id) => id,
            None => sqlx::query_scalar(
                "insert into agency (name, kind, parent_id, region_of, created_at) values ($1, $2, $3, $3, $4) returning id",
            )
            .bind(format!("{}（本行政区域）", c.government.name))
            .bind(Kind::Government.as_str())
            .bind(c.government.id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(super::unique)?,
        };
        let version = crate::format::Version::for_year(c.year)
            .ok_or_else(|| super::StoreError::Refused(format!("{} 年：只支持 2019 年及以后的年度报告", c.year)))?;
        sqlx::query(
            "insert into report (agency_id, year, format, status, version, created_at, updated_at)
             values ($1, $2, $3, $4, 1, $5, $5) on conflict (agency_id, year) do nothing",
        )
        .bind(unit)
        .bind(i64::from(c.year))
        .bind(version.as_str())
        .bind(Status::Draft.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("select id from report where agency_id = $1 and year = $2")
            .bind(unit)
            .bind(i64::from(c.year))
            .fetch_one(&mut *tx)
            .await?;
        let stored = super::reports::load_in(&mut tx, id).await?;
        if !stored.status.editable() {
            return Err(super::StoreError::Locked(stored.status));
        }
        let mut next = stored.report.clone();
        next.cells = compiled.cells.clone();
        let next = super::reports::tidied_to_keep(&next)?;
        super::reports::replace_in(&mut tx, id, stored.version, &next, author, at).await?;
        let excluded: Vec<String> = c.excluded.iter().map(ToString::to_string).collect();
        sqlx::query("delete from region_compile where report_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into region_compile (report_id, government_id, sources, excluded, missing, reason, compiled_by, compiled_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(c.government.id)
        .bind(sources_key(c.sources))
        .bind(excluded.join(","))
        .bind(c.missing)
        .bind(c.reason)
        .bind(author.user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.forget_live(id);
        Ok(id)
    }
}
