-- Every cell's value of every report as a number (fen for amounts; a blank total counts
-- as its sum), kept with the report's standing whenever the report changes: the
-- government's compiled report (本行政区域) is then a grouped sum in the database, and a
-- cell's drill-down one indexed query. Zero values are not kept.
create table report_value (
    report_id integer not null references report (id) on delete cascade,
    cell text not null,
    value integer not null,
    primary key (report_id, cell)
);
create index report_value_by_cell on report_value (cell, report_id);
-- Reports counted before this table existed are counted again at start.
update report set errors = null;
