-- A reviewer's bulk export lives here, not in the memory of the instance that builds it:
-- any instance shows its progress and serves its zip, and a restart loses nothing finished.
create table export_job (
    id text primary key,
    owner_id bigint not null references app_user (id) on delete cascade,
    year bigint not null,
    -- The formats' extensions in the order asked for, each once: 'pdf,json'.
    formats text not null,
    state text not null check (state in ('running', 'done', 'failed')),
    done bigint not null default 0,
    total bigint not null,
    -- Why it failed, for the user.
    error text not null default '',
    -- The worker writes this every few seconds; a running job whose heartbeat is a minute
    -- old lost its instance and is failed by the sweep.
    heartbeat bigint not null,
    -- The zip's length once done, for Content-Length.
    size bigint,
    created_at bigint not null,
    finished_at bigint
);

create index export_job_finished on export_job (finished_at);

-- The zip, in order, a chunk of at most a mebibyte to a row: written as it is made and read
-- back one chunk at a time, so neither side holds the whole zip.
create table export_chunk (
    job_id text not null references export_job (id) on delete cascade,
    seq bigint not null,
    bytes bytea not null,
    primary key (job_id, seq)
);
