-- Web fetching: the sources registry, discovered URLs, the raw HTTP archive and near-duplicate links.

-- sources.yml as loaded by the last run (the file is the source of truth; this is for SQL users).
create table core.sources (
    name              text primary key,
    kind              text not null check (kind in ('seed_directory', 'url_list', 'feed', 'sitemap')),
    location          text,
    enabled           boolean not null,
    config            jsonb not null,
    registry_version  integer not null,
    loaded_at         timestamptz not null default now(),
    last_run_id       bigint references ops.runs on delete set null
);

-- Candidate article URLs found by discovery, with the date the feed or sitemap gave.
create table raw.discovered_urls (
    source           text not null,
    url              text not null,
    published_at     timestamptz,
    title            text,
    found_in         text,
    first_seen_at    timestamptz not null default now(),
    last_seen_at     timestamptz not null default now(),
    last_run_id      bigint references ops.runs on delete set null,
    primary key (source, url)
);

-- Every HTTP response, errors included; bodies gzip-compressed so a new extractor can re-extract
-- everything without fetching again.
create table raw.fetches (
    fetch_id          bigint generated always as identity primary key,
    run_id            bigint references ops.runs on delete set null,
    source            text not null,
    requested_url     text not null,
    final_url         text not null,
    status            integer,
    headers           jsonb not null default '{}'::jsonb,
    redirects         text[] not null default '{}',
    fetched_at        timestamptz not null,
    elapsed_ms        integer,
    attempts          integer not null default 1,
    media_type        text,
    charset           text,
    error_code        text,
    error             text,
    body_gzip         bytea,
    body_sha256       text,
    body_bytes        integer,
    document_id       bigint references raw.documents on delete set null
);
create index on raw.fetches (requested_url, fetched_at desc);
create index on raw.fetches (run_id);

-- Per-batch MinHash signatures computed by extract, moved to core by load.
create unlogged table staging.fingerprints (
    batch_id     bigint not null,
    document_id  bigint not null,
    article_key  text not null,
    body_sha256  text not null,
    minhash      bigint[] not null,
    primary key (batch_id, document_id)
);

create table core.article_fingerprints (
    article_id   bigint primary key references core.articles on delete cascade,
    body_sha256  text not null,
    minhash      bigint[] not null
);
create index on core.article_fingerprints (body_sha256);

-- LSH bands of the signatures: two articles sharing a band are near-duplicate candidates.
create table core.article_lsh_bands (
    article_id  bigint not null references core.articles on delete cascade,
    band        smallint not null,
    band_hash   bigint not null,
    primary key (article_id, band)
);
create index on core.article_lsh_bands (band, band_hash);

-- A document whose text is (nearly) the same as an article already loaded under another key:
-- linked to that canonical article instead of loaded as a new one.
create table core.article_duplicates (
    document_id    bigint primary key references raw.documents on delete cascade,
    article_id     bigint not null references core.articles on delete cascade,
    duplicate_key  text not null,
    method         text not null check (method in ('url', 'exact', 'minhash')),
    similarity     real not null,
    detected_at    timestamptz not null default now(),
    last_run_id    bigint references ops.runs on delete set null
);
create index on core.article_duplicates (article_id);

grant select, insert, update, delete on core.sources, raw.discovered_urls, raw.fetches, staging.fingerprints,
    core.article_fingerprints, core.article_lsh_bands, core.article_duplicates to news_loader;
grant usage, select on all sequences in schema raw to news_loader;

-- Per-batch duplicate links found by extract (canonical by key), moved to core by load.
create unlogged table staging.duplicates (
    batch_id       bigint not null,
    document_id    bigint not null,
    canonical_key  text not null,
    duplicate_key  text not null,
    method         text not null,
    similarity     real not null,
    primary key (batch_id, document_id)
);
grant select, insert, update, delete on staging.duplicates to news_loader;
