//! A jurisdiction's rule settings per year (`report::tuning`), and every change of them.

use sqlx::{Any, Transaction};

use super::{AgencyId, Result, Store, StoreError};
use crate::report::tuning::{Setting, Tuning, fixed};

/// One change of a setting, as the settings page lists it.
#[derive(Debug, Clone)]
pub struct SettingChange {
    pub rule: String,
    /// '' for the format's default.
    pub old: String,
    pub new: String,
    pub user: String,
    pub at: i64,
}

impl Store {
    /// The settings a report of `agency` for `year` is checked with.
    pub async fn tuning_for(&self, agency: AgencyId, year: i32) -> Result<Tuning> {
        let mut tx = self.pool.begin().await?;
        let tuning = tuning_in(&mut tx, agency, year).await?;
        tx.commit().await?;
        Ok(tuning)
    }

    /// The settings a government stored itself for a year (not those above it).
    pub async fn own_settings(&self, government: AgencyId, year: i32) -> Result<Vec<(String, Setting)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("select rule, setting from rule_setting where government_id = $1 and year = $2")
                .bind(government)
                .bind(i64::from(year))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().filter_map(|(r, s)| Some((r, Setting::parse(&s)?))).collect())
    }

    /// Sets (or with `None` resets to the format's) the rules of a government for a year,
    /// recording each change. Returns how many changed. The fixed rules are refused.
    pub async fn set_rules(
        &self,
        government: AgencyId,
        year: i32,
        settings: &[(String, Option<Setting>)],
        user: i64,
    ) -> Result<usize> {
        if let Some((rule, _)) = settings.iter().find(|(r, _)| fixed(r)) {
            return Err(StoreError::Refused(format!("“{rule}”是年报格式规定的校验规则，不能调整")));
        }
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        let mut changed = 0;
        for (rule, setting) in settings {
            let old: Option<String> = sqlx::query_scalar(
                "select setting from rule_setting where government_id = $1 and year = $2 and rule = $3",
            )
            .bind(government)
            .bind(i64::from(year))
            .bind(rule)
            .fetch_optional(&mut *tx)
            .await?;
            let new = setting.map(|s| s.as_str().to_string());
            if old == new {
                continue;
            }
            sqlx::query("delete from rule_setting where government_id = $1 and year = $2 and rule = $3")
                .bind(government)
                .bind(i64::from(year))
                .bind(rule)
                .execute(&mut *tx)
                .await?;
            if let Some(new) = &new {
                sqlx::query("insert into rule_setting (government_id, year, rule, setting) values ($1, $2, $3, $4)")
                    .bind(government)
                    .bind(i64::from(year))
                    .bind(rule)
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "insert into rule_setting_change (government_id, year, rule, old, new, user_id, at)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(government)
            .bind(i64::from(year))
            .bind(rule)
            .bind(old.unwrap_or_default())
            .bind(new.unwrap_or_default())
            .bind(user)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            changed += 1;
        }
        // The reports under it are counted again with the new settings (the desk's counts).
        let reports: Vec<i64> = sqlx::query_scalar(
            "with recursive down (id) as (
                 select id from agency where id = $1
                 union all
                 select a.id from agency a join down on a.parent_id = down.id
             )
             select r.id from report r join down on r.agency_id = down.id where r.year = $2",
        )
        .bind(government)
        .bind(i64::from(year))
        .fetch_all(&mut *tx)
        .await?;
        if changed > 0 {
            for id in &reports {
                super::desk::stand_in(&mut tx, *id).await?;
            }
        }
        tx.commit().await?;
        for id in reports {
            self.forget_live(id);
        }
        Ok(changed)
    }

    /// The changes of a government's settings for a year, newest first.
    pub async fn setting_changes(&self, government: AgencyId, year: i32) -> Result<Vec<SettingChange>> {
        let rows: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
            "select c.rule, c.old, c.new, u.display_name, c.at from rule_setting_change c
             left join app_user u on u.id = c.user_id
             where c.government_id = $1 and c.year = $2 order by c.at desc, c.id desc",
        )
        .bind(government)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(rule, old, new, user, at)| SettingChange { rule, old, new, user: user.unwrap_or_default(), at })
            .collect())
    }
}

/// The settings for a report of `agency` in `year`: of the agency itself and the
/// governments above it, the nearest one's for each rule.
pub(super) async fn tuning_in(tx: &mut Transaction<'static, Any>, agency: AgencyId, year: i32) -> Result<Tuning> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "with recursive up (id, parent_id, depth) as (
             select id, parent_id, 0 from agency where id = $1
             union all
             select a.id, a.parent_id, up.depth + 1 from agency a join up on a.id = up.parent_id
         )
         select s.rule, s.setting, a.name, up.depth from rule_setting s
         join up on up.id = s.government_id join agency a on a.id = s.government_id
         where s.year = $2 order by up.depth",
    )
    .bind(agency)
    .bind(i64::from(year))
    .fetch_all(&mut **tx)
    .await?;
    let mut tuning = Tuning::default();
    for (rule, setting, by, _) in rows {
        if tuning.setting(&rule).is_none()
            && let Some(setting) = Setting::parse(&setting)
        {
            tuning.rules.push((rule, setting, by));
        }
    }
    Ok(tuning)
}
