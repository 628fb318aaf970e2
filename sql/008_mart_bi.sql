-- BI marts beyond the contract views, and a comment on every mart view and column.

create view mart.daily_entity_mentions as
select a.published_at as publication_date, m.entity_id, e.canonical_name, e.entity_type,
       count(*)::integer as mentions, count(distinct m.article_id)::integer as articles
from core.entity_mentions m
join core.entities e using (entity_id)
join core.articles a using (article_id)
where m.field = 'body'
group by a.published_at, m.entity_id, e.canonical_name, e.entity_type;

create view mart.daily_speaker_quotes as
select a.published_at as publication_date, q.speaker_entity_id, q.speaker_name,
       count(*)::integer as quotes, count(distinct q.article_id)::integer as articles
from core.quotes q
join core.articles a using (article_id)
group by a.published_at, q.speaker_entity_id, q.speaker_name;

create view mart.daily_source_articles as
select a.published_at as publication_date, a.source, count(*)::integer as articles,
       sum(a.word_count)::bigint as words
from core.articles a
group by a.published_at, a.source;

create view mart.source_freshness as
select a.source, count(*)::integer as articles, max(a.published_at) as latest_publication_date,
       max(a.loaded_at) as last_loaded_at,
       round((extract(epoch from now() - max(a.loaded_at)) / 3600)::numeric, 1) as hours_since_last_load
from core.articles a
group by a.source;

create view mart.pipeline_health as
select r.run_id, r.dag_id, r.dag_run_id, r.source, r.status, r.started_at, r.ended_at,
       round(extract(epoch from r.ended_at - r.started_at)::numeric, 1) as duration_s,
       coalesce((r.counts ->> 'documents')::integer, 0) as documents,
       coalesce((r.counts ->> 'articles_changed')::integer, 0) as articles_changed,
       coalesce((r.counts ->> 'quarantined')::integer, 0) as quarantined,
       round(coalesce((r.counts ->> 'quarantined')::numeric, 0)
             / nullif(coalesce((r.counts ->> 'documents')::numeric, 0)
                      + coalesce((r.counts ->> 'quarantined')::numeric, 0), 0), 3) as quarantine_rate,
       max(r.ended_at) filter (where r.status = 'success') over (partition by r.dag_id) as last_success_at
from ops.runs r;

comment on column mart.articles.article_id is 'Stable surrogate key of the article.';
comment on column mart.articles.url is 'Canonical URL of the article when known (normalised).';
comment on column mart.articles.source is 'Name of the source the article came from (e.g. seeds).';
comment on column mart.articles.title is 'Headline.';
comment on column mart.articles.language is 'ISO 639-1 language of the body, null when unsure.';
comment on column mart.articles.word_count is 'Number of words in body.';
comment on column mart.articles.standfirst is 'Subtitle or standfirst, kept apart from the body.';
comment on column mart.articles.dateline is 'Dateline as printed (e.g. "MOSCOW"), not part of the body.';
comment on column mart.articles.authors is 'Author names as stated by the source.';
comment on column mart.articles.extractor is 'Reader or extractor that produced the text.';
comment on column mart.articles.extractor_version is 'Version of that reader or extractor.';
comment on column mart.articles.nlp_model is 'spaCy model (name-version) that produced mentions and quotes.';

comment on column mart.entities.entity_id is 'Stable key of the canonical entity.';
comment on column mart.entities.canonical_name is 'Canonical name of the entity.';
comment on column mart.entities.entity_type is 'PERSON, ORG, GPE, LOC, NORP, FAC or EVENT.';
comment on column mart.entities.article_count is 'Articles whose body mentions the entity.';
comment on column mart.entities.mention_count is 'Mentions of the entity in article bodies.';

comment on column mart.entity_mentions.article_id is 'Article (mart.articles.article_id).';
comment on column mart.entity_mentions.entity_id is 'Canonical entity (mart.entities.entity_id).';
comment on column mart.entity_mentions.canonical_name is 'Canonical name of the entity.';
comment on column mart.entity_mentions.entity_type is 'Type of the canonical entity.';
comment on column mart.entity_mentions.mention_text is 'The mention as written in the body.';
comment on column mart.entity_mentions.start_char is 'Start offset (0-based, inclusive) into mart.articles.body.';
comment on column mart.entity_mentions.end_char is 'End offset (exclusive) into mart.articles.body.';

comment on column mart.quotes.quote_id is 'Stable key of the quote.';
comment on column mart.quotes.article_id is 'Article (mart.articles.article_id).';
comment on column mart.quotes.quote_text is 'The quoted words, without quote marks.';
comment on column mart.quotes.speaker_name is 'Canonical name of the speaker; null when unattributed.';
comment on column mart.quotes.speaker_entity_id is 'Speaker as a canonical entity (mart.entities.entity_id).';
comment on column mart.quotes.speaker_mention is 'How the text names the speaker there (a name, "he", "the Minister").';
comment on column mart.quotes.cue is 'The verb or phrase of saying (said, told, according to).';
comment on column mart.quotes.start_char is 'Start offset (0-based, inclusive) of the quote into mart.articles.body.';
comment on column mart.quotes.end_char is 'End offset (exclusive) of the quote into mart.articles.body.';
comment on column mart.quotes.kind is 'direct (a full quote), partial (quoted words inside reported speech) or indirect.';

comment on view mart.daily_entity_mentions is 'Body mentions per canonical entity per publication date.';
comment on column mart.daily_entity_mentions.publication_date is 'Publication date of the articles; null when the source gives none.';
comment on column mart.daily_entity_mentions.entity_id is 'Canonical entity.';
comment on column mart.daily_entity_mentions.canonical_name is 'Canonical name of the entity.';
comment on column mart.daily_entity_mentions.entity_type is 'Type of the entity.';
comment on column mart.daily_entity_mentions.mentions is 'Mentions that day.';
comment on column mart.daily_entity_mentions.articles is 'Articles mentioning the entity that day.';

comment on view mart.daily_speaker_quotes is 'Quotes per speaker per publication date.';
comment on column mart.daily_speaker_quotes.publication_date is 'Publication date of the articles; null when the source gives none.';
comment on column mart.daily_speaker_quotes.speaker_entity_id is 'Speaker entity; null for unattributed quotes.';
comment on column mart.daily_speaker_quotes.speaker_name is 'Canonical name of the speaker.';
comment on column mart.daily_speaker_quotes.quotes is 'Quotes that day.';
comment on column mart.daily_speaker_quotes.articles is 'Articles with quotes by the speaker that day.';

comment on view mart.daily_source_articles is 'Articles per source per publication date.';
comment on column mart.daily_source_articles.publication_date is 'Publication date; null when the source gives none.';
comment on column mart.daily_source_articles.source is 'Source name.';
comment on column mart.daily_source_articles.articles is 'Articles published that day.';
comment on column mart.daily_source_articles.words is 'Words in those articles.';

comment on view mart.source_freshness is 'How current each source is in the warehouse.';
comment on column mart.source_freshness.source is 'Source name.';
comment on column mart.source_freshness.articles is 'Articles loaded from the source.';
comment on column mart.source_freshness.latest_publication_date is 'Newest publication date among them.';
comment on column mart.source_freshness.last_loaded_at is 'When an article of the source was last loaded or changed.';
comment on column mart.source_freshness.hours_since_last_load is 'Hours since last_loaded_at.';

comment on view mart.pipeline_health is 'One row per pipeline run: status, duration, volumes and quarantine rate.';
comment on column mart.pipeline_health.run_id is 'Run key (ops.runs).';
comment on column mart.pipeline_health.dag_id is 'Airflow DAG id.';
comment on column mart.pipeline_health.dag_run_id is 'Airflow DAG run id.';
comment on column mart.pipeline_health.source is 'Source the run read.';
comment on column mart.pipeline_health.status is 'running, success or failed.';
comment on column mart.pipeline_health.started_at is 'Run start.';
comment on column mart.pipeline_health.ended_at is 'Run end; null while running.';
comment on column mart.pipeline_health.duration_s is 'Run duration in seconds.';
comment on column mart.pipeline_health.documents is 'Documents accepted into batches.';
comment on column mart.pipeline_health.articles_changed is 'Articles inserted or changed by the run.';
comment on column mart.pipeline_health.quarantined is 'Quarantine rows touched by the run.';
comment on column mart.pipeline_health.quarantine_rate is 'quarantined / (documents + quarantined).';
comment on column mart.pipeline_health.last_success_at is 'End of the latest successful run of the DAG.';
