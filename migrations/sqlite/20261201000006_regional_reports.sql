-- A government's regional report (本行政区域) is a report like any other (approval, hash,
-- history, exports), of a unit of its own: the region, kept under the government and marked
-- with it, and never counted as a unit of the roster.
alter table agency add column region_of integer references agency (id);
create unique index agency_region on agency (region_of);

-- Each compile of a regional report: what it summed, so a later change is seen.
create table region_compile (
    report_id integer primary key references report (id) on delete cascade,
    government_id integer not null references agency (id),
    -- The approved reports summed, as "report id:content sha256" joined by commas, by id.
    sources text not null,
    -- Units left out by choice, as ids joined by commas; and units not approved yet.
    excluded text not null default '',
    missing integer not null default 0,
    reason text not null default '',
    compiled_by integer references app_user (id),
    compiled_at integer not null
);
