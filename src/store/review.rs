//! The review of reports: status changes, comments, explanations of warnings, and the
//! agency tree that decides who reviews whom.

use std::collections::HashMap;

use super::{AgencyId, ReportId, Result, Store, StoreError, decode_error};
use crate::report::review::{Comment, Target, Transition};
use crate::report::status::Status;

/// What a status change records besides the status.
pub enum Stamp<'a> {
    None,
    /// Approval: the SHA-256 of the approved content.
    Approved {
        sha256: &'a str,
    },
    Published,
    /// The approval no longer holds (reopened).
    Cleared,
}

fn to_verb(to: Status) -> &'static str {
    match to {
        Status::Approved => "审核通过",
        _ => "提交审核",
    }
}

impl Store {
    /// Moves a report from `from` to `to`, if it is still in `from`; records who and why.
    pub async fn transition(
        &self,
        id: ReportId,
        from: Status,
        to: Status,
        user_id: i64,
        note: &str,
        stamp: Stamp<'_>,
    ) -> Result<()> {
        self.transition_at(id, None, from, to, user_id, note, stamp).await
    }

    /// [`Store::transition`] of the version the actor checked (`seen`): when a save landed
    /// since, nothing moves and the answer is [`StoreError::Stale`]. Either way a report
    /// is submitted or approved only if the content it moves, read in the same
    /// transaction, has no error, and an approval's hash must be of that content.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_at(
        &self,
        id: ReportId,
        seen: Option<i64>,
        from: Status,
        to: Status,
        user_id: i64,
        note: &str,
        stamp: Stamp<'_>,
    ) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let at = self.now();
        // Writing the row takes its lock: a save of this report waits for the commit and
        // then finds it no longer editable, or it came first and changed the version.
        let version: Option<i64> = sqlx::query_scalar(
            "update report set status = $1, updated_at = $2, status_at = $2,
             submitted_at = coalesce(submitted_at, case when $1 = 'submitted' then $2 end)
             where id = $3 and status = $4 returning version",
        )
        .bind(to.as_str())
        .bind(at)
        .bind(id)
        .bind(from.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some(version), Some(seen)) = (version, seen)
            && version != seen
        {
            return Err(StoreError::Stale { current: version });
        }
        if version.is_some() && matches!(to, Status::Submitted | Status::Approved) {
            let stored = super::reports::load_in(&mut tx, id).await?;
            let last = super::reports::last_year_in(&mut tx, &stored).await?;
            let tuning = super::tuning::tuning_in(&mut tx, stored.agency_id, stored.report.year).await?;
            let errors = tuning
                .apply(crate::report::validate(&stored.report, last.as_ref()))
                .iter()
                .filter(|v| v.severity == crate::format::Severity::Error)
                .count();
            if errors > 0 {
                return Err(StoreError::Refused(format!(
                    "报告还有 {errors} 个错误，不能{}",
                    to_verb(to)
                )));
            }
            // A regional report goes forward only as a complete, current compile: until
            // every unit is approved it exists only as 草稿.
            let compile: Option<(i64, String, String, i64)> = sqlx::query_as(
                "select government_id, sources, excluded, missing from region_compile where report_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((government, sources, excluded, missing)) = compile {
                if missing > 0 {
                    return Err(StoreError::Refused(format!(
                        "本行政区域汇总尚缺 {missing} 个单位未审核通过，只能作为草稿导出，不能{}；请待全部单位审核通过后重新汇总",
                        to_verb(to)
                    )));
                }
                let excluded: Vec<AgencyId> = excluded.split(',').filter_map(|x| x.parse().ok()).collect();
                let now = self.region_sources(government, stored.report.year, &excluded).await?;
                if super::region::sources_key(&now) != sources {
                    return Err(StoreError::Refused(format!(
                        "汇总后有单位的报告发生了变化，请重新汇总后再{}",
                        to_verb(to)
                    )));
                }
            }
            if let Stamp::Approved { sha256 } = stamp
                && sha256 != crate::report::interchange::content_sha256(&stored.report)
            {
                return Err(StoreError::Refused(
                    "审核通过的内容与报告当前内容不一致，请刷新后重新审核".into(),
                ));
            }
        }
        let Some(version) = version else {
            let current: Option<String> = sqlx::query_scalar("select status from report where id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match current {
                Some(raw) => StoreError::Locked(super::reports::status(&raw)?),
                None => StoreError::NotFound,
            });
        };
        match stamp {
            Stamp::None => {}
            Stamp::Approved { sha256 } => {
                sqlx::query("update report set approved_by = $1, approved_at = $2, approved_sha256 = $3 where id = $4")
                    .bind(user_id)
                    .bind(at)
                    .bind(sha256)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Stamp::Published => {
                sqlx::query("update report set published_at = $1 where id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Stamp::Cleared => {
                sqlx::query(
                    "update report set approved_by = null, approved_at = null, approved_sha256 = null,
                     published_at = null where id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "insert into report_transition (report_id, from_status, to_status, version, user_id, note, at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(version)
        .bind(user_id)
        .bind(note)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.forget_live(id);
        Ok(())
    }

    /// Every status change of a report, oldest first.
    pub async fn transitions(&self, id: ReportId) -> Result<Vec<Transition>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            from_status: String,
            to_status: String,
            version: i64,
            user_name: Option<String>,
            note: String,
            at: i64,
        }
        let rows = sqlx::query_as::<_, Row>(
            "select t.from_status, t.to_status, t.version, u.display_name as user_name, t.note, t.at
               from report_transition t left join app_user u on u.id = t.user_id
              where t.report_id = $1 order by t.at, t.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Transition {
                    from: super::reports::status(&r.from_status)?,
                    to: super::reports::status(&r.to_status)?,
                    version: r.version,
                    user: r.user_name.unwrap_or_default(),
                    note: r.note,
                    at: r.at,
                })
            })
            .collect()
    }

    pub async fn add_comment(
        &self,
        report_id: ReportId,
        target: &Target,
        body: &str,
        author_id: i64,
    ) -> Result<i64> {
        let id = sqlx::query_scalar(
            "insert into report_comment (report_id, target_kind, target, body, author_id, created_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(report_id)
        .bind(target.kind())
        .bind(target.to_string())
        .bind(body)
        .bind(author_id)
        .bind(self.now())
        .fetch_one(&self.pool)
        .await?;
        self.forget_live(report_id);
        Ok(id)
    }

    pub async fn comments(&self, report_id: ReportId) -> Result<Vec<Comment>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            target_kind: String,
            target: String,
            body: String,
            author: String,
            created_at: i64,
            answerer: Option<String>,
            answered_at: Option<i64>,
            answer: String,
        }
        let rows = sqlx::query_as::<_, Row>(
            "select c.id, c.target_kind, c.target, c.body, a.display_name as author, c.created_at,
                    b.display_name as answerer, c.answered_at, c.answer
               from report_comment c join app_user a on a.id = c.author_id
               left join app_user b on b.id = c.answered_by
              where c.report_id = $1 order by c.created_at, c.id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Comment {
                    id: r.id,
                    target: Target::parse(&r.target_kind, &r.target).ok_or_else(|| {
                        decode_error("report_comment.target", &format!("{}:{}", r.target_kind, r.target))
                    })?,
                    body: r.body,
                    author: r.author,
                    created_at: r.created_at,
                    answered: r.answered_at.map(|at| (r.answerer.unwrap_or_default(), at)),
                    answer: r.answer,
                })
            })
            .collect()
    }

    /// Marks a comment of this report answered, with an optional reply.
    pub async fn answer_comment(
        &self,
        report_id: ReportId,
        comment_id: i64,
        user_id: i64,
        answer: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "update report_comment set answered_by = $1, answered_at = $2, answer = $3
              where id = $4 and report_id = $5",
        )
        .bind(user_id)
        .bind(self.now())
        .bind(answer)
        .bind(comment_id)
        .bind(report_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.forget_live(report_id);
        Ok(())
    }

    pub async fn set_explanation(
        &self,
        report_id: ReportId,
        warning: &str,
        body: &str,
        user_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "insert into report_explanation (report_id, warning, body, user_id, at) values ($1, $2, $3, $4, $5)
             on conflict (report_id, warning) do update set body = excluded.body, user_id = excluded.user_id,
             at = excluded.at",
        )
        .bind(report_id)
        .bind(warning)
        .bind(body)
        .bind(user_id)
        .bind(self.now())
        .execute(&self.pool)
        .await?;
        self.forget_live(report_id);
        // The desk counts explained warnings.
        self.stand(report_id).await
    }

    /// The clerk's explanations of warnings, by warning key.
    pub async fn explanations(&self, report_id: ReportId) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("select warning, body from report_explanation where report_id = $1")
                .bind(report_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// The agencies above `agency`, nearest first.
    pub async fn ancestors(&self, agency: AgencyId) -> Result<Vec<AgencyId>> {
        Ok(sqlx::query_scalar(
            "with recursive up (id, parent_id, depth) as (
                 select id, parent_id, 0 from agency where id = $1
                 union all
                 select a.id, a.parent_id, up.depth + 1 from agency a join up on a.id = up.parent_id
             )
             select id from up where id <> $1 order by depth",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await?)
    }

    /// `agency` and every agency under it, at any depth.
    pub async fn subtree(&self, agency: AgencyId) -> Result<Vec<AgencyId>> {
        Ok(sqlx::query_scalar(
            "with recursive down (id) as (
                 select id from agency where id = $1
                 union all
                 select a.id from agency a join down on a.parent_id = down.id
             )
             select id from down",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await?)
    }
}
