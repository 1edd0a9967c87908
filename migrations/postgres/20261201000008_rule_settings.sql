-- A jurisdiction's tuning of the rules for a year: a rule's severity ('error', 'warning')
-- or 'off'. The official arithmetic and value rules are never stored here.
create table rule_setting (
    government_id bigint not null references agency (id) on delete cascade,
    year bigint not null,
    rule text not null,
    setting text not null check (setting in ('error', 'warning', 'off')),
    primary key (government_id, year, rule)
);

-- Every change of a setting: who, when, from what ('' = the format's default) to what.
create table rule_setting_change (
    id bigserial primary key,
    government_id bigint not null references agency (id) on delete cascade,
    year bigint not null,
    rule text not null,
    old text not null,
    new text not null,
    user_id bigint references app_user (id),
    at bigint not null
);
create index rule_setting_change_by on rule_setting_change (government_id, year, at);
