//! Users, sessions and sign-in throttling.

use super::{AgencyId, Result, Store, StoreError, unique};
use crate::account::{DisplayName, Role, User, Username, random_token, sha256_hex};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    agency_id: Option<i64>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            agency_id: row.agency_id,
        }
    }
}

/// How stale a session's stored `last_seen` may get before a request writes it: 1/60 of the
/// idle time (a minute of two hours, a second of one minute), so that sessions end on time
/// to within that, whatever `NIANBAO_IDLE_MINUTES` is.
pub fn seen_step(idle: i64) -> i64 {
    (idle / 60).clamp(1, 60)
}

/// Recent failed sign-ins, as throttling counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// From the client's address, whatever the name.
    pub by_address: i64,
    /// Of the account, from the client's address.
    pub by_account: i64,
    /// When the last of `by_account` was.
    pub last: Option<i64>,
}

/// A user as the admin pages list them.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub disabled: bool,
}

/// A live session: who, and the CSRF token of the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub last_seen: i64,
}

/// An API token, as its owner sees it on `/account` (the token itself is shown only once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenInfo {
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// An API token works for this many days; then its owner issues a new one.
pub const TOKEN_DAYS: i64 = 90;

/// `select` of a user's columns, then more columns and the rest of the query: a literal,
/// so that every query is static text.
macro_rules! select_user {
    ($tail:literal) => {
        concat!("select id, username, display_name, role, agency_id", $tail)
    };
}

impl Store {
    /// Creates a user with an already hashed password.
    pub async fn create_user(
        &self,
        username: &Username,
        display_name: &DisplayName,
        password_hash: &str,
        role: Role,
        agency_id: Option<AgencyId>,
    ) -> Result<User> {
        let id: i64 = sqlx::query_scalar(
            "insert into app_user (username, display_name, password_hash, role, agency_id, created_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(username.as_str())
        .bind(display_name.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(agency_id)
        .bind(self.now())
        .fetch_one(&self.pool)
        .await
        .map_err(unique)?;
        Ok(User {
            id,
            username: username.as_str().to_string(),
            display_name: display_name.as_str().to_string(),
            role,
            agency_id,
        })
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        sqlx::query_as::<_, UserRow>(select_user!(" from app_user where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(User::from)
            .ok_or(StoreError::NotFound)
    }

    /// An enabled user and their password hash, by username.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row = sqlx::query_as::<_, Row>(select_user!(
            ", password_hash from app_user where username = $1 and disabled = 0"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (User::from(r.user), r.password_hash)))
    }

    /// The enabled user holding an API token that has not expired; marks the token used.
    pub async fn user_by_token(&self, token: &str) -> Result<Option<User>> {
        self.user_by_token_at(token, self.now()).await
    }

    /// [`Store::user_by_token`] at the time `at`.
    pub async fn user_by_token_at(&self, token: &str, at: i64) -> Result<Option<User>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            token_used_at: Option<i64>,
        }
        let token_hash = sha256_hex(token.as_bytes());
        let row = sqlx::query_as::<_, Row>(select_user!(
            ", token_used_at from app_user
              where token_hash = $1 and token_expires_at > $2 and disabled = 0"
        ))
        .bind(&token_hash)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // The last use is shown to the minute: one write a minute is enough.
        if row.token_used_at.is_none_or(|used| at - used >= 60) {
            sqlx::query("update app_user set token_used_at = $1 where token_hash = $2")
                .bind(at)
                .bind(&token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(User::from(row.user)))
    }

    /// The user's API token, if one was issued and not revoked: when it expires, when it
    /// was last used.
    pub async fn token_info(&self, user_id: i64) -> Result<Option<TokenInfo>> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "select token_expires_at, token_used_at from app_user where id = $1 and token_hash is not null",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .and_then(|(expires_at, used_at)| expires_at.map(|expires_at| TokenInfo { expires_at, used_at })))
    }

    /// Every user, by agency and name.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            disabled: i64,
        }
        let rows = sqlx::query_as::<_, Row>(select_user!(
            ", disabled from app_user order by agency_id, username"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Account {
                user: User::from(r.user),
                disabled: r.disabled != 0,
            })
            .collect())
    }

    pub async fn has_admin(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("select count(*) from app_user where role = $1 and disabled = 0")
            .bind(Role::Admin.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Sets a new password, ends the user's sessions and revokes their API token: whoever
    /// had the old password may have made one. Every way to set a password comes here (the
    /// account page, the admin page, `nianbao admin reset-password`).
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let done = sqlx::query(
            "update app_user set password_hash = $1, token_hash = null, token_expires_at = null,
                    token_used_at = null
              where id = $2",
        )
        .bind(password_hash)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.end_sessions(user_id).await
    }

    /// Disables or enables a user. Disabling ends their sessions and revokes their token,
    /// so that enabling them again opens nothing that was open before.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        let query = if disabled {
            "update app_user set disabled = $1, token_hash = null, token_expires_at = null,
                    token_used_at = null
              where id = $2"
        } else {
            "update app_user set disabled = $1 where id = $2"
        };
        sqlx::query(query)
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if disabled {
            self.end_sessions(user_id).await?;
        }
        Ok(())
    }

    /// Issues a new API token for a user (replacing any earlier one), valid for
    /// [`TOKEN_DAYS`] days, and returns it: it is shown once and only its hash is kept.
    pub async fn issue_token(&self, user_id: i64) -> Result<String> {
        let token = format!("nb_{}", random_token());
        sqlx::query(
            "update app_user set token_hash = $1, token_expires_at = $2, token_used_at = null where id = $3",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(self.now() + TOKEN_DAYS * 24 * 3600)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// Starts a session; returns the cookie value (only its hash is stored).
    pub async fn start_session(&self, user_id: i64) -> Result<String> {
        let token = random_token();
        let at = self.now();
        sqlx::query(
            "insert into app_session (id_hash, user_id, csrf, created_at, last_seen) values ($1, $2, $3, $4, $4)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(user_id)
        .bind(random_token())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The session of a cookie, if it is live: used within `idle` seconds, user enabled.
    pub async fn session(&self, token: &str, idle: i64) -> Result<Option<Session>> {
        self.session_at(token, idle, self.now()).await
    }

    /// [`Store::session`] at the time `at`. `last_seen` is written only when it is
    /// [`seen_step`] old, to spare the database a write per keystroke; a session then counts
    /// as live for that step longer, so that it never ends before `idle` seconds without a
    /// request (and ends at most one step, 1/60 of `idle`, later).
    pub async fn session_at(&self, token: &str, idle: i64, at: i64) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf: String,
            last_seen: i64,
        }
        let step = seen_step(idle);
        // Cached by the token itself: hashing it is what a check would spend most on here.
        // A cached session is used only while its `last_seen` needs no write, so that every
        // request is within `step` of the stored `last_seen`.
        if let Some(session) = self.cached.sessions.get(token)
            && at - session.last_seen < step
        {
            return Ok(Some(session));
        }
        let id_hash = sha256_hex(token.as_bytes());
        let row = sqlx::query_as::<_, Row>(
            "select u.id, u.username, u.display_name, u.role, u.agency_id, s.csrf, s.last_seen
               from app_session s join app_user u on u.id = s.user_id
              where s.id_hash = $1 and s.last_seen > $2 and u.disabled = 0",
        )
        .bind(&id_hash)
        .bind(at - idle - step)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            self.cached.sessions.forget(token);
            return Ok(None);
        };
        let mut last_seen = row.last_seen;
        if at - last_seen >= step {
            sqlx::query("update app_session set last_seen = $1 where id_hash = $2 and last_seen < $1")
                .bind(at)
                .bind(&id_hash)
                .execute(&self.pool)
                .await?;
            last_seen = at;
        }
        let session = Session {
            user: User::from(row.user),
            csrf: row.csrf,
            last_seen,
        };
        self.cached.sessions.put(token.to_string(), session.clone());
        Ok(Some(session))
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        let id_hash = sha256_hex(token.as_bytes());
        sqlx::query("delete from app_session where id_hash = $1")
            .bind(&id_hash)
            .execute(&self.pool)
            .await?;
        self.cached.sessions.forget(token);
        Ok(())
    }

    pub async fn end_sessions(&self, user_id: i64) -> Result<()> {
        sqlx::query("delete from app_session where user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        // Rare (password changes, disabling): forgetting every cached session is simplest.
        self.cached.sessions.clear();
        Ok(())
    }

    /// Deletes sessions idle for more than `idle` seconds and old sign-in failures.
    pub async fn sweep(&self, idle: i64) -> Result<()> {
        let at = self.now();
        sqlx::query("delete from app_session where last_seen <= $1")
            .bind(at - idle - seen_step(idle))
            .execute(&self.pool)
            .await?;
        self.cached.sessions.clear();
        sqlx::query("delete from login_failure where at <= $1")
            .bind(at - 24 * 3600)
            .execute(&self.pool)
            .await?;
        self.forget_saves_before(at - super::reports::SAVE_ID_KEPT)
            .await?;
        Ok(())
    }

    /// Records a failed sign-in (or a wrong current password) of `username` from `address`
    /// at the time `at`.
    pub async fn record_login_failure(&self, username: &str, address: &str, at: i64) -> Result<()> {
        sqlx::query("insert into login_failure (username, address, at) values ($1, $2, $3)")
            .bind(username)
            .bind(address)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins since `since`: from this address, and of this username from this
    /// address (with the time of the last one).
    pub async fn login_failures(&self, username: &str, address: &str, since: i64) -> Result<LoginFailures> {
        let by_address: i64 =
            sqlx::query_scalar("select count(*) from login_failure where address = $1 and at > $2")
                .bind(address)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        let (by_account, last): (i64, Option<i64>) = sqlx::query_as(
            "select count(*), max(at) from login_failure where username = $1 and address = $2 and at > $3",
        )
        .bind(username)
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(LoginFailures {
            by_address,
            by_account,
            last,
        })
    }

    /// Forgets the failures of `username` from `address` (it signed in from there).
    pub async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()> {
        sqlx::query("delete from login_failure where username = $1 and address = $2")
            .bind(username)
            .bind(address)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
