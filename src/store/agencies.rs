//! Agencies: the bodies that file reports.

use super::{AgencyId, Result, Store, StoreError, unique};
use crate::account::{Agency, AgencyName};
use crate::report::Kind;

#[derive(sqlx::FromRow)]
struct AgencyRow {
    id: i64,
    name: String,
    #[sqlx(try_from = "String")]
    kind: Kind,
    parent_id: Option<i64>,
    from_year: Option<i64>,
    to_year: Option<i64>,
    successor_id: Option<i64>,
    region_of: Option<i64>,
}

impl From<AgencyRow> for Agency {
    fn from(row: AgencyRow) -> Agency {
        Agency {
            id: row.id,
            name: row.name,
            kind: row.kind,
            parent_id: row.parent_id,
            from_year: row.from_year.and_then(|y| i32::try_from(y).ok()),
            to_year: row.to_year.and_then(|y| i32::try_from(y).ok()),
            successor_id: row.successor_id,
            region_of: row.region_of,
        }
    }
}

impl Store {
    /// Creates an agency; [`StoreError::Duplicate`] if the name is taken.
    pub async fn create_agency(
        &self,
        name: &AgencyName,
        kind: Kind,
        parent_id: Option<AgencyId>,
    ) -> Result<Agency> {
        let id: i64 = sqlx::query_scalar(
            "insert into agency (name, kind, parent_id, created_at) values ($1, $2, $3, $4) returning id",
        )
        .bind(name.as_str())
        .bind(kind.as_str())
        .bind(parent_id)
        .bind(self.now())
        .fetch_one(&self.pool)
        .await
        .map_err(unique)?;
        Ok(Agency {
            id,
            name: name.to_string(),
            kind,
            parent_id,
            from_year: None,
            to_year: None,
            successor_id: None,
            region_of: None,
        })
    }

    pub async fn agency(&self, id: AgencyId) -> Result<Agency> {
        sqlx::query_as::<_, AgencyRow>("select id, name, kind, parent_id, from_year, to_year, successor_id, region_of from agency where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Agency::from)
            .ok_or(StoreError::NotFound)
    }

    pub async fn agency_by_name(&self, name: &str) -> Result<Option<Agency>> {
        Ok(
            sqlx::query_as::<_, AgencyRow>("select id, name, kind, parent_id, from_year, to_year, successor_id, region_of from agency where name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?
                .map(Agency::from),
        )
    }

    /// Every agency of the roster (not the units of regional reports), by name.
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        Ok(
            sqlx::query_as::<_, AgencyRow>(
                "select id, name, kind, parent_id, from_year, to_year, successor_id, region_of from agency
                 where region_of is null order by name",
            )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Agency::from)
                .collect(),
        )
    }
}

impl Store {
    /// The agencies directly under `parent` (not the units of regional reports), by name.
    pub async fn agencies_under(&self, parent: AgencyId) -> Result<Vec<Agency>> {
        Ok(sqlx::query_as::<_, AgencyRow>(
            "select id, name, kind, parent_id, from_year, to_year, successor_id, region_of from agency
             where parent_id = $1 and region_of is null order by name",
        )
        .bind(parent)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Agency::from)
        .collect())
    }
}
