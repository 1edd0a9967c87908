//! Loading a roster (`account::roster`): all of its plan in one transaction, or nothing.

use std::collections::HashSet;

use sqlx::{Any, AssertSqlSafe, Transaction};

use super::{Result, Store, unique};
use crate::account::roster::{Plan, Unit};

/// Rows per insert statement: well under either database's limit on parameters.
const CHUNK: usize = 400;

/// What a loaded roster did, for the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Store {
    /// Applies a roster planned against the agencies as they were read; a name taken since
    /// is [`super::StoreError::Duplicate`] and nothing is applied.
    pub async fn load_roster(&self, plan: &Plan) -> Result<Loaded> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        // A parent is found by name, so a chunk ends before a unit whose parent it holds.
        let mut chunk: Vec<&Unit> = Vec::new();
        let mut names: HashSet<&str> = HashSet::new();
        for unit in &plan.create {
            if chunk.len() == CHUNK || unit.parent.as_deref().is_some_and(|p| names.contains(p)) {
                insert(&mut tx, &chunk, at).await?;
                chunk.clear();
                names.clear();
            }
            names.insert(unit.name.as_str());
            chunk.push(unit);
        }
        insert(&mut tx, &chunk, at).await?;
        for (id, unit) in &plan.update {
            sqlx::query(
                "update agency set parent_id = (select p.id from agency p where p.name = $1),
                 from_year = $2, to_year = $3 where id = $4",
            )
            .bind(unit.parent.as_deref())
            .bind(unit.from_year.map(i64::from))
            .bind(unit.to_year.map(i64::from))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        // Successors once every unit exists: a unit may be merged into one listed after it.
        let named = plan.create.iter().filter(|u| u.successor.is_some());
        for unit in named.chain(plan.update.iter().map(|(_, u)| u)) {
            sqlx::query(
                "update agency set successor_id = (select s.id from agency s where s.name = $1) where name = $2",
            )
            .bind(unit.successor.as_deref())
            .bind(unit.name.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Loaded {
            created: plan.create.len(),
            updated: plan.update.len(),
            unchanged: plan.unchanged,
        })
    }
}

/// Inserts units whose parents are stored already, in one statement.
async fn insert(tx: &mut Transaction<'static, Any>, units: &[&Unit], at: i64) -> Result<()> {
    if units.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..units.len())
        .map(|i| {
            let p = i * 5;
            format!("(${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5)
        })
        .collect();
    // VALUES names its columns column1… on both databases.
    let sql = format!(
        "insert into agency (name, kind, parent_id, from_year, to_year, created_at)
         select v.column1, v.column2, p.id, v.column4, v.column5, ${}
         from (values {}) as v left join agency p on p.name = v.column3",
        units.len() * 5 + 1,
        rows.join(", ")
    );
    // Built from placeholders only; every value is bound.
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for unit in units {
        query = query
            .bind(unit.name.as_str())
            .bind(unit.kind.as_str())
            .bind(unit.parent.as_deref())
            .bind(unit.from_year.map(i64::from))
            .bind(unit.to_year.map(i64::from));
    }
    query.bind(at).execute(&mut **tx).await.map_err(unique)?;
    Ok(())
}
