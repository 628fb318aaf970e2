-- Per-batch work tables between tasks. Unlogged: they are rebuilt from raw on any retry.
create unlogged table staging.articles (
    batch_id           bigint not null,
    document_id        bigint not null,
    article_key        text not null,
    source             text not null,
    url                text,
    title              text,
    standfirst         text,
    dateline           text,
    published_at       date,
    language           text,
    authors            text[] not null default '{}',
    body               text,
    word_count         integer,
    content_hash       text not null,
    extractor          text not null,
    extractor_version  text not null,
    is_valid           boolean,
    primary key (batch_id, document_id)
);

create unlogged table staging.entity_mentions (
    batch_id        bigint not null,
    row_no          integer not null,
    article_key     text not null,
    field           text not null,
    mention_text    text not null,
    start_char      integer not null,
    end_char        integer not null,
    label           text not null,
    canonical_name  text not null,
    canonical_key   text not null,
    is_valid        boolean
);
alter table staging.entity_mentions add primary key (batch_id, row_no);

create unlogged table staging.quotes (
    batch_id         bigint not null,
    row_no           integer not null,
    article_key      text not null,
    quote_text       text not null,
    start_char       integer not null,
    end_char         integer not null,
    speaker_name     text,
    speaker_key      text,
    speaker_mention  text,
    speaker_start    integer,
    speaker_end      integer,
    cue              text,
    kind             text not null,
    is_valid         boolean
);
alter table staging.quotes add primary key (batch_id, row_no);
