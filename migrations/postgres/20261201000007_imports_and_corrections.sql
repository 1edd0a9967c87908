-- Each import of a published report (web page, page text, PDF) into a report: which file,
-- by its SHA-256, and the version the import made.
create table report_import (
    id bigserial primary key,
    report_id bigint not null references report (id) on delete cascade,
    version bigint not null,
    file_name text not null,
    sha256 text not null,
    read_as text not null,
    unsure bigint not null,
    user_id bigint references app_user (id),
    at bigint not null
);
create index report_import_by_report on report_import (report_id, version);

-- Cells an import could not read with certainty: marked 请核对 until a person confirms
-- them or types a value.
create table report_unsure (
    report_id bigint not null references report (id) on delete cascade,
    key text not null,
    why text not null,
    primary key (report_id, key)
);

-- 纠错说明: last year's figure as this year's report uses it, when last year's was wrong
-- (published wrong, or the unit was merged), and why. Last year's report is not changed;
-- a reviewer may correct it with this (applied_*), which its history records.
create table prior_correction (
    report_id bigint not null references report (id) on delete cascade,
    key text not null,
    value text not null,
    reason text not null,
    user_id bigint references app_user (id),
    at bigint not null,
    applied_by bigint references app_user (id),
    applied_at bigint,
    primary key (report_id, key)
);
