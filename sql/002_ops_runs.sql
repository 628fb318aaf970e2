create table ops.runs (
    run_id               bigint generated always as identity primary key,
    dag_id               text not null,
    dag_run_id           text not null,
    source               text not null,
    data_interval_start  timestamptz,
    data_interval_end    timestamptz,
    started_at           timestamptz not null default now(),
    ended_at             timestamptz,
    status               text not null default 'running'
                         check (status in ('running', 'success', 'failed')),
    reader_version       text,
    nlp_model            text,
    pipeline_version     text,
    counts               jsonb not null default '{}'::jsonb,
    unique (dag_id, dag_run_id)
);

create table ops.batches (
    batch_id      bigint generated always as identity primary key,
    run_id        bigint not null references ops.runs on delete cascade,
    batch_no      integer not null,
    document_ids  bigint[] not null,
    created_at    timestamptz not null default now(),
    extracted_at  timestamptz,
    analysed_at   timestamptz,
    validated_at  timestamptz,
    loaded_at     timestamptz,
    unique (run_id, batch_no)
);

-- One row per bad record and reason; a rerun that meets the same bad record bumps seen_count.
create table ops.quarantine (
    quarantine_id        bigint generated always as identity primary key,
    stage                text not null,
    source               text not null,
    record_key           text not null,
    reason_code          text not null,
    reason               text not null,
    failed_expectations  jsonb not null default '[]'::jsonb,
    record               jsonb not null,
    first_run_id         bigint references ops.runs on delete set null,
    last_run_id          bigint references ops.runs on delete set null,
    first_seen_at        timestamptz not null default now(),
    last_seen_at         timestamptz not null default now(),
    seen_count           integer not null default 1,
    unique (stage, record_key, reason_code)
);

create table ops.validation_results (
    validation_id   bigint generated always as identity primary key,
    run_id          bigint not null references ops.runs on delete cascade,
    batch_id        bigint not null references ops.batches on delete cascade,
    suite           text not null,
    success         boolean not null,
    evaluated_rows  integer not null,
    failed_rows     integer not null,
    statistics      jsonb not null,
    results         jsonb not null,
    validated_at    timestamptz not null default now(),
    unique (batch_id, suite)
);
