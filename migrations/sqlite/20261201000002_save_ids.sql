-- A save names the page it comes from and carries its own id. A save sent again after its
-- answer was lost gets the first answer instead of being applied twice, and a page's later
-- save does not conflict with that page's own earlier one.
alter table report_change add column page text;

create table report_save (
    report_id integer not null references report (id) on delete cascade,
    save_id text not null,
    -- The version the save left the report at.
    version integer not null,
    -- What it applied and what conflicted, as JSON: {"applied": [key…], "conflicts": [{…}]}.
    outcome text not null,
    at integer not null,
    primary key (report_id, save_id)
);
