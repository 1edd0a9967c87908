//! What the supervisor's desk reads: the units of a jurisdiction for a year with where
//! their reports stand, and the counts of every lower government's subtree, each in one
//! set-based query; and the standing (`report::standing`) those queries read, kept with
//! each report whenever it changes. Reminders (催报) are here too.

use std::collections::HashMap;

// Dynamic SQL here is built from constants of this module (filters, sort orders); every
// value the user sends is a bind parameter.
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::{AgencyId, ReportId, Result, Store, decode_error};
use crate::clock::end_of_day;
use crate::report::Kind;
use crate::report::standing::Standing;
use crate::report::status::Status;
use crate::report::workflow;

/// How the list is narrowed. Any filter lists matching units from the whole jurisdiction;
/// with none, the desk shows one level of the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// A status, or `None` for 未创建 when `missing` is set.
    pub status: Option<Status>,
    pub missing: bool,
    pub has_errors: bool,
    pub overdue: bool,
    pub returned: bool,
    pub kind: Option<Kind>,
    /// Part of the name.
    pub name: String,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Waiting for the reviewer first (submitted), then by name.
    #[default]
    Waiting,
    Name,
    Status,
    Errors,
    Updated,
    Deadline,
}

impl Sort {
    pub const ALL: [Sort; 6] = [Sort::Waiting, Sort::Name, Sort::Status, Sort::Errors, Sort::Updated, Sort::Deadline];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Waiting => "waiting",
            Sort::Name => "name",
            Sort::Status => "status",
            Sort::Errors => "errors",
            Sort::Updated => "updated",
            Sort::Deadline => "deadline",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Waiting => "待审核优先",
            Sort::Name => "名称",
            Sort::Status => "状态",
            Sort::Errors => "错误多的优先",
            Sort::Updated => "最近修改",
            Sort::Deadline => "期限近的优先",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            // The level's own government, then its departments, then the governments below.
            Sort::Waiting => "case when r.status = 'submitted' then 0 else 1 end, down.depth, a.kind, a.name",
            Sort::Name => "a.name",
            Sort::Status => "coalesce(r.status, ''), a.name",
            Sort::Errors => "coalesce(r.errors, 0) desc, a.name",
            Sort::Updated => "coalesce(r.updated_at, 0) desc, a.name",
            Sort::Deadline => "case when a.kind = 'department' then 0 else 1 end, a.name",
        }
    }
}

/// The desk's question: which unit's jurisdiction, which year, which page.
#[derive(Debug, Clone)]
pub struct DeskQuery {
    /// The government whose level is shown (the reviewer's own, or one below it).
    pub node: AgencyId,
    pub year: i32,
    pub filter: Filter,
    pub sort: Sort,
    pub offset: i64,
    pub limit: i64,
}

/// One unit and where its report for the year stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskUnit {
    pub agency_id: AgencyId,
    pub name: String,
    pub kind: Kind,
    pub parent_id: Option<AgencyId>,
    pub parent: Option<String>,
    /// 0 for the level's own government, 1 for the units under it, and so on.
    pub depth: i64,
    pub report: Option<DeskReport>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskReport {
    pub id: ReportId,
    pub status: Status,
    pub standing: Standing,
    pub updated_at: i64,
    /// When it entered its status (how long it has been 已退回).
    pub status_at: Option<i64>,
    pub submitted_at: Option<i64>,
}

/// Counts over a set of units for a year. `expected` is the roster's: every other count is
/// of those units, so no rate exceeds 100 %.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub expected: i64,
    pub missing: i64,
    pub draft: i64,
    pub submitted: i64,
    pub returned: i64,
    pub approved: i64,
    pub published: i64,
    /// First submitted by the legal deadline.
    pub on_time: i64,
    pub with_errors: i64,
    pub overdue: i64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.expected += other.expected;
        self.missing += other.missing;
        self.draft += other.draft;
        self.submitted += other.submitted;
        self.returned += other.returned;
        self.approved += other.approved;
        self.published += other.published;
        self.on_time += other.on_time;
        self.with_errors += other.with_errors;
        self.overdue += other.overdue;
    }
}

/// One page of the desk.
#[derive(Debug, Clone)]
pub struct Desk {
    pub units: Vec<DeskUnit>,
    /// How many units the query matches, on all pages.
    pub matched: i64,
    /// Counts of the whole subtree of each government directly under the node (its own
    /// report included), by its id; and the node's whole jurisdiction.
    pub branches: HashMap<AgencyId, Counts>,
    pub total: Counts,
}

/// The deadlines of a year, as timestamps, by kind: (department, government).
fn deadlines(year: i32) -> (i64, i64) {
    let at = |kind| {
        let (y, m, d) = workflow::deadline(year, kind);
        end_of_day(y, m, d)
    };
    (at(Kind::Department), at(Kind::Government))
}

/// The units the roster expects for the year (`$2`), under `down` rows of the node (`$1`).
/// (A regional report's unit is no unit of the roster.)
pub(super) const EXPECTED: &str =
    "a.region_of is null and (a.from_year is null or a.from_year <= $2) and (a.to_year is null or a.to_year >= $2)";

/// Past its deadline (`$3` department, `$4` government) at `$5`, and not published.
const OVERDUE: &str = "(coalesce(r.status, '') <> 'published' and
     $5 >= case when a.kind = 'department' then $3 else $4 end)";

/// Parameters `$6…` are the filter's; returns the condition and its binds in order.
fn filter_sql(filter: &Filter) -> (String, Vec<FilterBind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut next = 6;
    if filter.missing {
        sql.push_str(" and r.id is null");
    } else if let Some(status) = filter.status {
        sql.push_str(&format!(" and r.status = ${next}"));
        next += 1;
        binds.push(FilterBind::Text(status.as_str().to_string()));
    }
    if filter.has_errors {
        sql.push_str(" and r.errors > 0");
    }
    if filter.overdue {
        sql.push_str(" and ");
        sql.push_str(OVERDUE);
    }
    if filter.returned {
        sql.push_str(" and r.status = 'returned'");
    }
    if let Some(kind) = filter.kind {
        sql.push_str(&format!(" and a.kind = ${next}"));
        next += 1;
        binds.push(FilterBind::Text(kind.as_str().to_string()));
    }
    let name = filter.name.trim();
    if !name.is_empty() {
        sql.push_str(&format!(" and a.name like ${next} escape '\\'"));
        let escaped: String = name
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        binds.push(FilterBind::Text(format!("%{escaped}%")));
    }
    (sql, binds)
}

enum FilterBind {
    Text(String),
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    parent: Option<String>,
    depth: i64,
    report_id: Option<i64>,
    status: Option<String>,
    errors: Option<i64>,
    warnings: Option<i64>,
    explained: Option<i64>,
    corrected: Option<i64>,
    lost: Option<i64>,
    copied: Option<i64>,
    updated_at: Option<i64>,
    status_at: Option<i64>,
    submitted_at: Option<i64>,
}

impl UnitRow {
    fn into_unit(self) -> Result<DeskUnit> {
        let kind = Kind::parse(&self.kind).ok_or_else(|| decode_error("agency.kind", &self.kind))?;
        let report = match (self.report_id, self.status) {
            (Some(id), Some(raw)) => Some(DeskReport {
                id,
                status: super::reports::status(&raw)?,
                standing: Standing {
                    errors: self.errors.unwrap_or(0),
                    warnings: self.warnings.unwrap_or(0),
                    explained: self.explained.unwrap_or(0),
                    corrected: self.corrected.unwrap_or(0),
                    lost: self.lost.unwrap_or(0),
                    copied: self.copied.unwrap_or(0),
                },
                updated_at: self.updated_at.unwrap_or(0),
                status_at: self.status_at,
                submitted_at: self.submitted_at,
            }),
            _ => None,
        };
        Ok(DeskUnit {
            agency_id: self.id,
            name: self.name,
            kind,
            parent_id: self.parent_id,
            parent: self.parent,
            depth: self.depth,
            report,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CountsRow {
    branch: i64,
    expected: i64,
    missing: i64,
    draft: i64,
    submitted: i64,
    returned: i64,
    approved: i64,
    published: i64,
    on_time: i64,
    with_errors: i64,
    overdue: i64,
}

impl Store {
    /// One page of the desk: see [`DeskQuery`]. Three queries whatever the jurisdiction's size.
    pub async fn desk(&self, q: &DeskQuery) -> Result<Desk> {
        let (department, government) = deadlines(q.year);
        let now = self.now();
        let (filter, binds) = filter_sql(&q.filter);
        // Without a filter, one level: the node and the units directly under it.
        let depth = if q.filter.is_empty() { " and down.depth <= 1" } else { "" };
        let from = format!(
            "with recursive down (id, depth) as (
                 select id, 0 from agency where id = $1
                 union all
                 select a.id, down.depth + 1 from agency a join down on a.parent_id = down.id
             )
             select {{columns}} from down join agency a on a.id = down.id
             left join report r on r.agency_id = a.id and r.year = $2
             {{join}}
             where {EXPECTED} and ($3 + $4 + $5) is not null{depth}{filter}"
        );
        let columns = "a.id, a.name, a.kind, a.parent_id, p.name as parent, down.depth, r.id as report_id, r.status,
             r.errors, r.warnings, r.explained, r.corrected, r.lost, r.copied, r.updated_at, r.status_at, r.submitted_at";
        let list = format!(
            "{} order by {} limit {} offset {}",
            from.replace("{columns}", columns)
                .replace("{join}", "left join agency p on p.id = a.parent_id"),
            q.sort.sql(),
            q.limit.clamp(1, 1000),
            q.offset.max(0)
        );
        let count = from.replace("{columns}", "count(*)").replace("{join}", "");

        let mut rows = sqlx::query_as::<_, UnitRow>(AssertSqlSafe(list))
            .bind(q.node)
            .bind(i64::from(q.year))
            .bind(department)
            .bind(government)
            .bind(now);
        let mut matched = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count))
            .bind(q.node)
            .bind(i64::from(q.year))
            .bind(department)
            .bind(government)
            .bind(now);
        for FilterBind::Text(text) in binds {
            rows = rows.bind(text.clone());
            matched = matched.bind(text);
        }
        let units = rows
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(UnitRow::into_unit)
            .collect::<Result<Vec<_>>>()?;
        let matched = matched.fetch_one(&self.pool).await?;
        let (branches, total) = self.branch_counts(q.node, q.year).await?;
        Ok(Desk {
            units,
            matched,
            branches,
            total,
        })
    }

    /// The counts of each government directly under `node` over its whole subtree, and of
    /// the node's whole jurisdiction: one grouped query.
    pub async fn branch_counts(&self, node: AgencyId, year: i32) -> Result<(HashMap<AgencyId, Counts>, Counts)> {
        let (department, government) = deadlines(year);
        let sql = format!(
            // One recursive walk from the node, each unit carrying the government directly
            // under the node it falls under (the node itself for the node's own units).
            "with recursive down (id, branch, depth) as (
                 select id, id, 0 from agency where id = $1
                 union all
                 select a.id, case when down.depth = 0 and a.kind = 'government' then a.id else down.branch end,
                     down.depth + 1
                 from agency a join down on a.parent_id = down.id
             )
             select down.branch,
                 count(*) as expected,
                 sum(case when r.id is null then 1 else 0 end) as missing,
                 sum(case when r.status = 'draft' then 1 else 0 end) as draft,
                 sum(case when r.status = 'submitted' then 1 else 0 end) as submitted,
                 sum(case when r.status = 'returned' then 1 else 0 end) as returned,
                 sum(case when r.status = 'approved' then 1 else 0 end) as approved,
                 sum(case when r.status = 'published' then 1 else 0 end) as published,
                 sum(case when r.submitted_at <= case when a.kind = 'department' then $3 else $4 end
                     then 1 else 0 end) as on_time,
                 sum(case when r.errors > 0 then 1 else 0 end) as with_errors,
                 sum(case when {OVERDUE} then 1 else 0 end) as overdue
             from down join agency a on a.id = down.id
             left join report r on r.agency_id = a.id and r.year = $2
             where {EXPECTED}
             group by down.branch"
        );
        let rows = sqlx::query_as::<_, CountsRow>(AssertSqlSafe(sql))
            .bind(node)
            .bind(i64::from(year))
            .bind(department)
            .bind(government)
            .bind(self.now())
            .fetch_all(&self.pool)
            .await?;
        let mut total = Counts::default();
        let mut branches = HashMap::new();
        for row in rows {
            let counts = Counts {
                expected: row.expected,
                missing: row.missing,
                draft: row.draft,
                submitted: row.submitted,
                returned: row.returned,
                approved: row.approved,
                published: row.published,
                on_time: row.on_time,
                with_errors: row.with_errors,
                overdue: row.overdue,
            };
            total.add(&counts);
            if row.branch != node {
                branches.insert(row.branch, counts);
            }
        }
        Ok((branches, total))
    }

    /// The approved and published reports of the node's jurisdiction for a year, by id.
    pub async fn approved_in(&self, node: AgencyId, year: i32) -> Result<Vec<ReportId>> {
        Ok(sqlx::query_scalar(
            "with recursive down (id) as (
                 select id from agency where id = $1
                 union all
                 select a.id from agency a join down on a.parent_id = down.id
             )
             select r.id from report r join down on down.id = r.agency_id
             where r.year = $2 and r.status in ('approved', 'published') order by r.id",
        )
        .bind(node)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The years any report of the node's jurisdiction is for, newest first.
    pub async fn desk_years(&self, node: AgencyId) -> Result<Vec<i32>> {
        let years: Vec<i64> = sqlx::query_scalar(
            "with recursive down (id) as (
                 select id from agency where id = $1
                 union all
                 select a.id from agency a join down on a.parent_id = down.id
             )
             select distinct r.year from report r join down on down.id = r.agency_id order by r.year desc",
        )
        .bind(node)
        .fetch_all(&self.pool)
        .await?;
        Ok(years.into_iter().filter_map(|y| i32::try_from(y).ok()).collect())
    }

    /// Counts the standing of reports stored before the desk kept it (at start).
    pub async fn stand_uncounted(&self) -> Result<usize> {
        let ids: Vec<i64> = sqlx::query_scalar("select id from report where errors is null")
            .fetch_all(&self.pool)
            .await?;
        for &id in &ids {
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            stand_in(&mut tx, id).await?;
            tx.commit().await?;
        }
        Ok(ids.len())
    }

    /// Reminds units to report (催报), recorded as sent by `sender` now.
    pub async fn remind(&self, agencies: &[AgencyId], year: i32, sender: i64, body: &str) -> Result<usize> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        for agency in agencies {
            sqlx::query("insert into reminder (agency_id, year, sender_id, body, at) values ($1, $2, $3, $4, $5)")
                .bind(agency)
                .bind(i64::from(year))
                .bind(sender)
                .bind(body)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(agencies.len())
    }

    /// The reminders sent to an agency, newest first.
    pub async fn reminders(&self, agency: AgencyId) -> Result<Vec<Reminder>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "select m.year, m.body, u.display_name, m.at from reminder m join app_user u on u.id = m.sender_id
             where m.agency_id = $1 order by m.at desc, m.id desc limit 20",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(year, body, sender, at)| Reminder {
                year: i32::try_from(year).unwrap_or_default(),
                body,
                sender,
                at,
            })
            .collect())
    }
}

/// A reminder as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub year: i32,
    pub body: String,
    pub sender: String,
    pub at: i64,
}

/// Counts and stores the standing of report `id`, and of the agency's report of the next
/// year, whose cross-year rules read this one; in the caller's transaction.
pub(super) async fn stand_in(tx: &mut Transaction<'static, Any>, id: ReportId) -> Result<()> {
    let stored = super::reports::load_in(tx, id).await?;
    let last = super::reports::last_year_in(tx, &stored).await?;
    let tuning = super::tuning::tuning_in(tx, stored.agency_id, stored.report.year).await?;
    write_standing(tx, id, &stored.report, last.as_ref(), &tuning).await?;
    let next: Option<i64> = sqlx::query_scalar("select id from report where agency_id = $1 and year = $2")
        .bind(stored.agency_id)
        .bind(i64::from(stored.report.year) + 1)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(next) = next {
        let following = super::reports::load_in(tx, next).await?;
        let tuning = super::tuning::tuning_in(tx, following.agency_id, following.report.year).await?;
        write_standing(tx, next, &following.report, Some(&stored.report), &tuning).await?;
    }
    Ok(())
}

async fn write_standing(
    tx: &mut Transaction<'static, Any>,
    id: ReportId,
    report: &crate::report::Report,
    last: Option<&crate::report::Report>,
    tuning: &crate::report::tuning::Tuning,
) -> Result<()> {
    let explanations: HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("select warning, body from report_explanation where report_id = $1")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
    let s = Standing::of(report, last, &explanations, tuning);
    write_values(tx, id, report).await?;
    sqlx::query(
        "update report set errors = $1, warnings = $2, explained = $3, corrected = $4, lost = $5, copied = $7 where id = $6",
    )
        .bind(s.errors)
        .bind(s.warnings)
        .bind(s.explained)
        .bind(s.corrected)
        .bind(s.lost)
        .bind(id)
        .bind(s.copied)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Rows per insert of values: under either database's limit on parameters.
const VALUES_CHUNK: usize = 300;

/// Keeps every non-zero cell value of the report in `report_value` (see its migration).
async fn write_values(tx: &mut Transaction<'static, Any>, id: ReportId, report: &crate::report::Report) -> Result<()> {
    sqlx::query("delete from report_value where report_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let values = crate::report::validate::Values::of(report);
    let format = report.format();
    let cells: Vec<(String, i64)> = (0..format.cells.len())
        .filter_map(|ix| {
            let v = values.get(ix)?;
            (v != 0).then(|| (format.cells[ix].id.clone(), v))
        })
        .collect();
    for chunk in cells.chunks(VALUES_CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${})", i * 2 + 2, i * 2 + 3))
            .collect();
        let sql = format!("insert into report_value (report_id, cell, value) values {}", rows.join(", "));
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(id);
        for (cell, value) in chunk {
            query = query.bind(cell.as_str()).bind(*value);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
