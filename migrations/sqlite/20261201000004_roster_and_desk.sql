-- The roster: which years a unit must report for (null: no bound), and where a unit that
-- was merged or renamed went. Its reports stay with it; the successor reports from then on.
alter table agency add column from_year integer;
alter table agency add column to_year integer;
alter table agency add column successor_id integer references agency (id);
create index agency_by_parent on agency (parent_id);

-- What the desk shows of a report, kept with it whenever it changes instead of validating
-- every report for every page view. Null until first counted (reports from before this
-- migration are counted when the app starts).
alter table report add column errors integer;
alter table report add column warnings integer;
-- Warnings the clerk explained (说明).
alter table report add column explained integer;
-- 表四: decisions corrected (纠错, review and litigation) and lawsuits lost (败诉).
alter table report add column corrected integer;
alter table report add column lost integer;
-- When the report entered its status, and when it was first submitted (for on-time rates).
alter table report add column status_at integer;
alter table report add column submitted_at integer;
create index report_by_year on report (year, agency_id);

-- 催报: a reviewer reminds a unit to report; every reminder is kept.
create table reminder (
    id integer primary key,
    agency_id integer not null references agency (id) on delete cascade,
    year integer not null,
    sender_id integer not null references app_user (id),
    body text not null default '',
    at integer not null
);
create index reminder_by_agency on reminder (agency_id, year, at);
