-- Canonical entities that data engineers can steer: a warehouse alias table, and in core what
-- re-resolution needs so it never re-runs spaCy (mention text, its NER label, the article's other
-- mentions are already there).

create table core.entity_aliases (
    alias           text not null,
    canonical_name  text not null check (length(trim(canonical_name)) > 0),
    entity_type     text not null check (entity_type in ('PERSON', 'ORG', 'GPE', 'LOC', 'NORP', 'FAC', 'EVENT')),
    wikidata_id     text check (wikidata_id ~ '^Q[0-9]+$'),
    -- 'curated' rows follow pipeline/nlp/aliases.csv; rows added with a plain INSERT are 'warehouse'
    -- rows, which the file never overwrites and which win over a curated spelling of the same alias.
    source          text not null default 'warehouse' check (source in ('curated', 'warehouse')),
    added_at        timestamptz not null default now(),
    check (length(trim(alias)) > 0),
    -- An engineer's row may repeat a curated alias to override it.
    primary key (alias, source)
);

comment on table core.entity_aliases is
    'Alias -> canonical entity. Add rows with INSERT, then run `python -m pipeline resolve-entities` (or the entity_resolution DAG).';
comment on column core.entity_aliases.alias is 'A spelling as it appears in text (case, dots and accents are ignored when matching).';
comment on column core.entity_aliases.canonical_name is 'Name of the canonical entity the alias stands for.';
comment on column core.entity_aliases.entity_type is 'Type of the canonical entity.';
comment on column core.entity_aliases.wikidata_id is 'Wikidata item of the entity (Q...), optional.';
comment on column core.entity_aliases.source is 'curated (from aliases.csv, refreshed on every resolution) or warehouse (added here).';

alter table core.entities add column wikidata_id text;
comment on column core.entities.wikidata_id is 'Wikidata item from the alias table, when known.';

-- The label after cleanup and before canonicalisation; label stays the resolved entity type.
alter table core.entity_mentions add column ner_label text;
alter table staging.entity_mentions add column ner_label text;
