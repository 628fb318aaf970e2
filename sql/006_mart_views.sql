-- The BI contract. Offsets are character offsets into mart.articles.body.
create view mart.articles as
select a.article_id, a.url, a.source, a.title, a.published_at, a.language, a.body, a.word_count,
       a.loaded_at, a.standfirst, a.dateline, a.authors, a.extractor, a.extractor_version, a.nlp_model
from core.articles a;

create view mart.entity_mentions as
select m.article_id, m.entity_id, e.canonical_name, e.entity_type, m.mention_text, m.start_char,
       m.end_char
from core.entity_mentions m
join core.entities e using (entity_id)
where m.field = 'body';

create view mart.entities as
select e.entity_id, e.canonical_name, e.entity_type,
       count(distinct m.article_id)::integer as article_count,
       count(*)::integer as mention_count
from core.entities e
join core.entity_mentions m on m.entity_id = e.entity_id and m.field = 'body'
group by e.entity_id, e.canonical_name, e.entity_type;

create view mart.quotes as
select q.quote_id, q.article_id, q.quote_text, q.speaker_name, q.speaker_entity_id, q.speaker_mention,
       q.cue, q.start_char, q.end_char, q.kind
from core.quotes q;

comment on view mart.articles is 'One row per article (natural key: canonical URL, else content hash).';
comment on column mart.articles.body is 'Article text, paragraphs separated by a blank line; all offsets in mart views point into it.';
comment on column mart.articles.published_at is 'Publication date as stated by the source; null when the source gives no year. Never inferred.';
comment on column mart.articles.loaded_at is 'When this version of the article was loaded; unchanged by reruns that find nothing new.';
comment on view mart.entities is 'One row per canonical entity with body mentions.';
comment on view mart.entity_mentions is 'Entity mentions in article bodies; start_char/end_char index mart.articles.body.';
comment on view mart.quotes is 'Quotes in article bodies with their speaker; kind is direct, partial or indirect.';
