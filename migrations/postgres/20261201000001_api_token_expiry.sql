-- An API token expires, and its owner sees when it was last used.
alter table app_user add column token_expires_at bigint;
alter table app_user add column token_used_at bigint;
-- Tokens issued before this had no expiry and worked on every route: they end here, and
-- their owners issue new ones on /account.
update app_user set token_hash = null;
