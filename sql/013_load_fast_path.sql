-- Loading without per-article Python (issue 7): the analyse task resolves entities with the
-- warehouse alias table and stages the result, the extract task stages the LSH band hashes, and
-- the load task only re-resolves articles whose alias table has changed since.

-- What resolution decided, so the load can write curated names and Wikidata ids directly.
alter table staging.entity_mentions add column wikidata_id text;
alter table staging.entity_mentions add column curated boolean not null default false;

-- The band hashes of each staged signature, in band order (pipeline.extract.dedup.bands).
alter table staging.fingerprints add column band_hashes bigint[];

-- The alias table a batch was resolved with (entity_store.aliases_version: an md5 of its rows in
-- resolution order), and the one each article's stored mentions were resolved with.
alter table ops.batches add column aliases_version text;
alter table core.articles add column entity_aliases_version text;
comment on column core.articles.entity_aliases_version is
    'md5 of core.entity_aliases (in resolution order) that the article''s entities were resolved with; null before issue 7.';
