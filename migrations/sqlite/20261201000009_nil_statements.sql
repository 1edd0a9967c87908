-- 零报告: "本年度未收到政府信息公开申请" / "未发生行政复议、行政诉讼", stated with one action
-- (the table's cells set to 0) and kept as a statement. A later non-zero value in the
-- table withdraws it (withdrawn_at), which the page shows.
create table report_statement (
    report_id integer not null references report (id) on delete cascade,
    kind text not null check (kind in ('requests', 'appeals')),
    user_id integer references app_user (id),
    at integer not null,
    withdrawn_at integer,
    primary key (report_id, kind)
);
