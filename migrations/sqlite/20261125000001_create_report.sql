-- Agencies, their reports, every value as typed, and every change to a value.
create table agency (
    id integer primary key,
    name text not null unique,
    kind text not null check (kind in ('department', 'government')),
    parent_id integer references agency (id),
    created_at integer not null
);

create table report (
    id integer primary key,
    agency_id integer not null references agency (id),
    year integer not null,
    format text not null,
    status text not null default 'draft',
    -- Bumped by every save; a form carries the version it has seen.
    version integer not null default 1,
    -- Every value that is not blank, as typed, with the version that last changed it:
    -- {"requests.new.total": ["5", 3], "text.overview": ["…", 2]}. One row per report keeps
    -- a save to a handful of statements; the history below keeps every change.
    data text not null default '{}',
    created_at integer not null,
    updated_at integer not null,
    unique (agency_id, year)
);

-- Every saved change, old and new; also how a stale form's base value is recovered.
create table report_change (
    id integer primary key,
    report_id integer not null references report (id) on delete cascade,
    version integer not null,
    key text not null,
    old text not null,
    new text not null,
    author text not null,
    at integer not null
);

create index report_change_by_key on report_change (report_id, key, version);
