-- Article version history, file arrival times and the refreshed daily summary mart (issue 6).

-- Every change of an article's content, extractor version or NLP model keeps the previous row.
alter table core.articles add column version_no integer not null default 1;

create table core.article_versions (
    article_id         bigint not null references core.articles on delete cascade,
    version_no         integer not null,
    valid_from         timestamptz not null,
    valid_to           timestamptz not null,
    url                text,
    title              text not null,
    standfirst         text,
    dateline           text,
    published_at       date,
    authors            text[] not null,
    body               text not null,
    word_count         integer not null,
    content_hash       text not null,
    extractor          text not null,
    extractor_version  text not null,
    nlp_model          text not null,
    last_run_id        bigint references ops.runs on delete set null,
    primary key (article_id, version_no)
);

-- A trigger rather than load code, so no path that updates core.articles can skip the history.
create function core.keep_article_version() returns trigger
language plpgsql as $$
begin
    if old.content_hash is distinct from new.content_hash
       or old.extractor_version is distinct from new.extractor_version
       or old.nlp_model is distinct from new.nlp_model then
        insert into core.article_versions (article_id, version_no, valid_from, valid_to, url, title, standfirst,
                                           dateline, published_at, authors, body, word_count, content_hash,
                                           extractor, extractor_version, nlp_model, last_run_id)
        values (old.article_id, old.version_no, old.loaded_at, now(), old.url, old.title, old.standfirst,
                old.dateline, old.published_at, old.authors, old.body, old.word_count, old.content_hash,
                old.extractor, old.extractor_version, old.nlp_model, old.last_run_id);
        new.version_no := old.version_no + 1;
    end if;
    return new;
end
$$;

create trigger keep_article_version before update on core.articles
    for each row execute function core.keep_article_version();

-- When a file reached a file source (its modification time when first stored): daily runs take
-- the files that arrived in their data interval. Null for web pages, which have listing dates.
alter table raw.documents add column arrived_at timestamptz;
create index on raw.documents (source, arrived_at);
update raw.documents d set arrived_at = d.first_seen_at
where not exists (select from raw.fetches f where f.document_id = d.document_id);

-- Refreshed by the news_daily_summary DAG whenever the article marts change.
create materialized view mart.daily_news_summary as
select a.published_at as publication_date, a.source,
       count(*)::integer as articles,
       sum(a.word_count)::bigint as words,
       coalesce(sum(q.quotes), 0)::integer as quotes,
       coalesce(sum(q.speakers), 0)::integer as attributed_quotes,
       coalesce(sum(m.mentions), 0)::integer as entity_mentions,
       max(a.loaded_at) as last_loaded_at
from core.articles a
left join (select article_id, count(*) as quotes, count(speaker_entity_id) as speakers
           from core.quotes group by article_id) q using (article_id)
left join (select article_id, count(*) as mentions
           from core.entity_mentions where field = 'body' group by article_id) m using (article_id)
group by a.published_at, a.source
with no data;
-- REFRESH ... CONCURRENTLY (BI keeps reading meanwhile) needs a unique index on plain columns; the
-- group by makes (date, source) unique, the undated row included.
create unique index daily_news_summary_key on mart.daily_news_summary (publication_date, source);
comment on index mart.daily_news_summary_key is 'One row per publication date and source.';

-- Only the owner may refresh a materialized view; the loader role refreshes through this function,
-- which runs with the owner's rights. CONCURRENTLY (BI keeps reading) needs a populated view, so the
-- first refresh is a plain one.
create function ops.refresh_daily_news_summary() returns integer
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    row_count integer;
begin
    if (select ispopulated from pg_matviews where schemaname = 'mart' and matviewname = 'daily_news_summary') then
        refresh materialized view concurrently mart.daily_news_summary;
    else
        refresh materialized view mart.daily_news_summary;
    end if;
    select count(*) into row_count from mart.daily_news_summary;
    return row_count;
end
$$;
revoke all on function ops.refresh_daily_news_summary() from public;
grant execute on function ops.refresh_daily_news_summary() to news_loader;

create table ops.mart_refreshes (
    refresh_id    bigint generated always as identity primary key,
    mart          text not null,
    refreshed_at  timestamptz not null default now(),
    row_count     integer not null,
    triggered_by  text
);

create view mart.article_versions as
select v.article_id, v.version_no, v.valid_from, v.valid_to, v.title, v.body, v.word_count, v.content_hash,
       v.extractor, v.extractor_version, v.nlp_model
from core.article_versions v
union all
select a.article_id, a.version_no, a.loaded_at, null, a.title, a.body, a.word_count, a.content_hash,
       a.extractor, a.extractor_version, a.nlp_model
from core.articles a;

comment on materialized view mart.daily_news_summary is
    'Articles, words, quotes and body entity mentions per publication date and source; refreshed after every load.';
comment on column mart.daily_news_summary.publication_date is 'Publication date (null when the article has none).';
comment on column mart.daily_news_summary.source is 'Source name from sources.yml (seeds, inbox or a web source).';
comment on column mart.daily_news_summary.articles is 'Articles published that day by the source.';
comment on column mart.daily_news_summary.words is 'Sum of the articles'' body word counts.';
comment on column mart.daily_news_summary.quotes is 'Quotes in those articles.';
comment on column mart.daily_news_summary.attributed_quotes is 'Quotes whose speaker is a known entity.';
comment on column mart.daily_news_summary.entity_mentions is 'Entity mentions in those articles'' bodies.';
comment on column mart.daily_news_summary.last_loaded_at is 'When the newest of those articles was loaded.';

comment on view mart.article_versions is
    'Every version of every article: the current one (valid_to null) and those replaced by re-extraction or a new model.';
comment on column mart.article_versions.article_id is 'Article (mart.articles.article_id).';
comment on column mart.article_versions.version_no is 'Version number, 1 for the first load.';
comment on column mart.article_versions.valid_from is 'When this version was loaded.';
comment on column mart.article_versions.valid_to is 'When a newer version replaced it; null for the current version.';
comment on column mart.article_versions.title is 'Title of this version.';
comment on column mart.article_versions.body is 'Body text of this version.';
comment on column mart.article_versions.word_count is 'Body word count of this version.';
comment on column mart.article_versions.content_hash is 'Hash of the extracted title, body and metadata.';
comment on column mart.article_versions.extractor is 'Extractor that produced this version.';
comment on column mart.article_versions.extractor_version is 'Version of that extractor.';
comment on column mart.article_versions.nlp_model is 'spaCy model that analysed this version.';
