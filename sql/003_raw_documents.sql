-- Every document exactly as received; re-reading an unchanged file adds nothing.
create table raw.documents (
    document_id     bigint generated always as identity primary key,
    source          text not null,
    uri             text not null,
    media_type      text not null,
    content_sha256  text not null,
    byte_size       integer not null,
    content         bytea not null,
    first_seen_at   timestamptz not null default now(),
    first_run_id    bigint references ops.runs on delete set null,
    unique (source, uri, content_sha256)
);
