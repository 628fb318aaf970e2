create table core.articles (
    article_id         bigint generated always as identity primary key,
    -- Natural key: normalised canonical URL where known, else 'sha256:' of title and body.
    article_key        text not null unique,
    source             text not null,
    url                text,
    title              text not null,
    standfirst         text,
    dateline           text,
    published_at       date,
    language           text,
    authors            text[] not null default '{}',
    body               text not null,
    word_count         integer not null,
    content_hash       text not null,
    extractor          text not null,
    extractor_version  text not null,
    nlp_model          text not null,
    first_loaded_at    timestamptz not null default now(),
    loaded_at          timestamptz not null default now(),
    last_run_id        bigint references ops.runs on delete set null
);

-- Which raw documents became which article (several files can be the same article).
create table core.article_documents (
    article_id   bigint not null references core.articles on delete cascade,
    document_id  bigint not null references raw.documents on delete cascade,
    primary key (document_id)
);
create index on core.article_documents (article_id);

create table core.entities (
    entity_id       bigint generated always as identity primary key,
    canonical_key   text not null unique,
    canonical_name  text not null,
    entity_type     text not null,
    created_at      timestamptz not null default now()
);

create table core.entity_mentions (
    article_id    bigint not null references core.articles on delete cascade,
    field         text not null check (field in ('title', 'body')),
    start_char    integer not null,
    end_char      integer not null,
    mention_text  text not null,
    label         text not null,
    entity_id     bigint not null references core.entities,
    primary key (article_id, field, start_char, end_char)
);
create index on core.entity_mentions (entity_id);

create table core.quotes (
    quote_id           bigint generated always as identity primary key,
    article_id         bigint not null references core.articles on delete cascade,
    start_char         integer not null,
    end_char           integer not null,
    quote_text         text not null,
    kind               text not null check (kind in ('direct', 'partial', 'indirect')),
    speaker_name       text,
    speaker_entity_id  bigint references core.entities,
    speaker_mention    text,
    speaker_start      integer,
    speaker_end        integer,
    cue                text,
    unique (article_id, start_char, end_char)
);
create index on core.quotes (speaker_entity_id);
