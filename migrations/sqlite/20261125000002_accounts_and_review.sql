-- People, their sessions, and the review of reports.
create table app_user (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    -- argon2id PHC string
    password_hash text not null,
    role text not null check (role in ('clerk', 'reviewer', 'admin')),
    agency_id integer references agency (id),
    -- SHA-256 of the user's API token, if one was issued
    token_hash text unique,
    disabled integer not null default 0,
    created_at integer not null
);

-- A session is known by the SHA-256 of its cookie; the cookie itself is never stored.
create table app_session (
    id_hash text primary key,
    user_id integer not null references app_user (id) on delete cascade,
    csrf text not null,
    created_at integer not null,
    last_seen integer not null
);
create index app_session_by_user on app_session (user_id);

-- Failed sign-ins, for throttling per account and per address.
create table login_failure (
    id integer primary key,
    username text not null,
    address text not null,
    at integer not null
);
create index login_failure_by_username on login_failure (username, at);
create index login_failure_by_address on login_failure (address, at);

-- Every status change of a report: who, when, from, to, why.
create table report_transition (
    id integer primary key,
    report_id integer not null references report (id) on delete cascade,
    from_status text not null,
    to_status text not null,
    -- the report's version at the change (a return's version is what a resubmission is compared with)
    version integer not null,
    user_id integer references app_user (id),
    note text not null default '',
    at integer not null
);
create index report_transition_by_report on report_transition (report_id, at);

-- A reviewer's comment pinned to a cell, a rule violation or a section.
create table report_comment (
    id integer primary key,
    report_id integer not null references report (id) on delete cascade,
    -- 'cell' (target = cell id), 'rule' (target = rule id @ first cell), 'section' (target = section key)
    target_kind text not null check (target_kind in ('cell', 'rule', 'section')),
    target text not null,
    body text not null,
    author_id integer not null references app_user (id),
    created_at integer not null,
    answered_by integer references app_user (id),
    answered_at integer,
    answer text not null default ''
);
create index report_comment_by_report on report_comment (report_id);

-- The clerk's explanation (说明) of a warning, kept across returns.
create table report_explanation (
    report_id integer not null references report (id) on delete cascade,
    -- rule id @ first field, as in the problem list
    warning text not null,
    body text not null,
    user_id integer references app_user (id),
    at integer not null,
    primary key (report_id, warning)
);

alter table report add column approved_by integer references app_user (id);
alter table report add column approved_at integer;
alter table report add column approved_sha256 text;
alter table report add column published_at integer;
alter table report_change add column user_id integer references app_user (id);
