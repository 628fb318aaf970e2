"""The load writes entities as the analyse task resolved them with the warehouse alias table, and
re-resolves only articles whose alias table has changed since."""

from __future__ import annotations

import psycopg

from pipeline import stages
from pipeline.load import entity_store
from tests.conftest import SEEDS, query, run_pipeline

KREMLIN = ("Kremlin", "Presidential Administration of Russia", "ORG", "Q2306225")


def re_resolution_changes(dsn: str) -> dict[str, int]:
    """What a full re-resolution would change, in a transaction that is rolled back."""
    with psycopg.connect(dsn) as conn:
        with conn.transaction(force_rollback=True):
            return entity_store.resolve(conn)


def entities_named(dsn: str, name: str) -> list[tuple]:
    return query(dsn, """select e.entity_id, e.wikidata_id, count(m.*) from core.entities e
                         left join core.entity_mentions m using (entity_id)
                         where e.canonical_name = %s group by 1, 2""", name)


def test_a_loaded_run_leaves_nothing_to_re_resolve(clean_dsn):
    run_pipeline(clean_dsn, SEEDS, "fast-path-1")
    changes = re_resolution_changes(clean_dsn)
    assert changes["mentions"] > 100
    assert {key: changes[key] for key in ("entities_created", "entities_renamed", "mentions_repointed",
                                          "quotes_repointed")} == dict.fromkeys(
        ("entities_created", "entities_renamed", "mentions_repointed", "quotes_repointed"), 0)
    with psycopg.connect(clean_dsn) as conn:
        current = entity_store.aliases_version(conn)
    assert query(clean_dsn, "select distinct entity_aliases_version from core.articles") == [(current,)]
    # Curated entities carry the alias table's Wikidata id from the first load on.
    assert query(clean_dsn, "select count(*) from core.entities where wikidata_id is not null")[0][0] > 0


def test_an_alias_added_after_analysis_is_applied_by_the_load(clean_dsn):
    run_id = stages.begin_run(clean_dsn, dag_id="news_ingest", dag_run_id="fast-path-2")
    batch_ids = stages.ingest_seed_directory(clean_dsn, run_id, SEEDS)
    for batch_id in batch_ids:
        stages.extract_batch(clean_dsn, batch_id)
        stages.analyse_batch(clean_dsn, batch_id)
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("insert into core.entity_aliases (alias, canonical_name, entity_type, wikidata_id) "
                     "values (%s, %s, %s, %s)", KREMLIN)
    for batch_id in batch_ids:
        stages.validate_batch(clean_dsn, batch_id)
        stages.load_batch(clean_dsn, batch_id)
    stages.end_run(clean_dsn, run_id)

    [(_, wikidata_id, mention_count)] = entities_named(clean_dsn, KREMLIN[1])
    assert wikidata_id == KREMLIN[3] and mention_count >= 1
    assert entities_named(clean_dsn, "Kremlin")[0][2] == 0  # the staged entity is left without mentions
    assert re_resolution_changes(clean_dsn)["mentions_repointed"] == 0


def test_unchanged_articles_resolved_with_an_older_table_are_re_resolved_when_seen_again(clean_dsn):
    run_pipeline(clean_dsn, SEEDS, "fast-path-3")
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("insert into core.entity_aliases (alias, canonical_name, entity_type, wikidata_id) "
                     "values (%s, %s, %s, %s)", KREMLIN)
    run_pipeline(clean_dsn, SEEDS, "fast-path-4")  # the same texts: no article changes
    [(_, _, mention_count)] = entities_named(clean_dsn, KREMLIN[1])
    assert mention_count >= 1
    assert query(clean_dsn, "select count(distinct entity_aliases_version) from core.articles") == [(1,)]
