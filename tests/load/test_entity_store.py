"""Canonical entities in the warehouse: the seeds end to end, then aliases added the way data
engineers add them (plain INSERT) and re-resolution without re-running NLP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pipeline.load import entity_store
from pipeline.nlp.resolve import read_alias_rows
from tests.conftest import SEEDS, query, run_pipeline, truncate_all

REPO = Path(__file__).resolve().parents[2]


def execute(dsn, sql, *args):
    with psycopg.connect(dsn) as conn:
        conn.execute(sql, args)


def resolve_in_fresh_process(dsn: str) -> str:
    """Re-resolution in its own process, which must never import spaCy."""
    code = ("import sys, json; from pipeline.load.entity_store import resolve_warehouse; "
            f"print(json.dumps(resolve_warehouse({dsn!r}))); "
            "assert 'spacy' not in sys.modules, 'spaCy was loaded'")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def mentions(dsn):
    return query(dsn, """select article_id, field, start_char, end_char, mention_text, entity_id
                         from core.entity_mentions order by 1, 2, 3, 4""")


def entity(dsn, name):
    rows = query(dsn, "select entity_id, entity_type, article_count, mention_count from mart.entities "
                      "where canonical_name = %s", name)
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


@pytest.fixture(scope="module")
def loaded(warehouse_dsn):
    truncate_all(warehouse_dsn)
    run_pipeline(warehouse_dsn, SEEDS, "entities-1")
    return warehouse_dsn


@pytest.fixture
def dsn(loaded):
    """The loaded seeds; aliases a test adds are removed and re-resolved afterwards."""
    yield loaded
    execute(loaded, "delete from core.entity_aliases where source = 'warehouse'")
    entity_store.resolve_warehouse(loaded)


def test_seeds_have_one_entity_per_real_world_thing(dsn):
    lavrov = query(dsn, "select canonical_name, entity_type, article_count from mart.entities "
                        "where canonical_name ilike '%%lavrov%%'")
    assert lavrov == [("Sergei Lavrov", "PERSON", 5)]
    assert query(dsn, "select wikidata_id from core.entities where canonical_name = 'Sergei Lavrov'") == [("Q80137",)]
    islamic = query(dsn, "select entity_id, article_count from mart.entities where canonical_name ilike '%%islamic%%'"
                         " or canonical_name ~ '^(IS|ISIS|ISIL|IG|Daesh)$'")
    assert len(islamic) == 1 and islamic[0][1] == 5
    forms = {t for (t,) in query(dsn, "select distinct mention_text from mart.entity_mentions where entity_id = %s",
                                 islamic[0][0])}
    assert {"IS", "ISIS", "ISIL", "IG", "Islamic State Group"} <= forms
    assessed = query(dsn, """select count(*) filter (where body like '%%Assad%%') from mart.articles""")[0][0]
    assad = query(dsn, "select canonical_name, article_count from mart.entities where canonical_name ilike '%%assad%%'")
    assert assad == [("Bashar al-Assad", assessed)] and assessed == 4
    bad = query(dsn, """select canonical_name from mart.entities where entity_type = 'PERSON'
                        and (canonical_name like '%%Vow%%' or canonical_name ilike 'the %%')""")
    assert bad == []


def test_quote_speakers_are_the_same_entities_as_the_mentions(dsn):
    (lavrov_id, *_), = [entity(dsn, "Sergei Lavrov")]
    speakers = query(dsn, "select speaker_entity_id, speaker_name, count(*) from mart.quotes "
                          "where speaker_name ilike '%%lavrov%%' group by 1, 2")
    assert speakers and all(row[:2] == (lavrov_id, "Sergei Lavrov") for row in speakers)
    orphans = query(dsn, """select q.quote_id from core.quotes q left join mart.entities e
                            on e.entity_id = q.speaker_entity_id
                            where q.speaker_entity_id is not null and e.entity_id is null""")
    assert orphans == []


def test_the_curated_table_is_in_the_warehouse_and_an_engineers_row_wins(dsn):
    curated = query(dsn, "select alias, canonical_name from core.entity_aliases where source = 'curated'")
    assert len(curated) == len({a for a, *_ in read_alias_rows()})
    execute(dsn, "insert into core.entity_aliases (alias, canonical_name, entity_type) "
                 "values ('Sergey Lavrov', 'Sergei V. Lavrov', 'PERSON')")
    with psycopg.connect(dsn) as conn:
        entity_store.sync_curated_aliases(conn)
        table = entity_store.alias_table(conn)
    assert query(dsn, "select source, canonical_name from core.entity_aliases where alias = 'Sergey Lavrov' "
                      "order by 1") == [("curated", "Sergei Lavrov"), ("warehouse", "Sergei V. Lavrov")]
    assert table.lookup("Sergey Lavrov").canonical_name == "Sergei V. Lavrov"


def test_an_added_alias_merges_entities_in_the_marts_without_rerunning_nlp(dsn):
    us_before = entity(dsn, "United States")
    washington = entity(dsn, "Washington")
    assert us_before and washington
    before = mentions(dsn)
    articles_before = query(dsn, "select article_id, loaded_at, nlp_model from core.articles order by 1")

    # What a data engineer does: a plain INSERT, then the command.
    execute(dsn, "insert into core.entity_aliases (alias, canonical_name, entity_type, wikidata_id) "
                 "values ('Washington', 'United States', 'GPE', 'Q30')")
    resolve_in_fresh_process(dsn)

    us_after = entity(dsn, "United States")
    assert us_after[0] == us_before[0]  # the surviving entity keeps its id
    assert us_after[3] == us_before[3] + washington[3]
    assert entity(dsn, "Washington") is None
    after = mentions(dsn)
    # Same mentions, none lost or doubled; only entity ids moved.
    assert [m[:5] for m in after] == [m[:5] for m in before]
    moved = {m[4] for m, n in zip(before, after) if m[5] != n[5]}
    assert moved == {"Washington"}
    assert query(dsn, "select article_id, loaded_at, nlp_model from core.articles order by 1") == articles_before
    assert query(dsn, "select wikidata_id from core.entities where entity_id = %s", us_before[0]) == [("Q30",)]

    # Taking the alias away brings the old entity back under its old id.
    execute(dsn, "delete from core.entity_aliases where alias = 'Washington'")
    resolve_in_fresh_process(dsn)
    assert entity(dsn, "Washington") == washington
    assert mentions(dsn) == before


def test_a_new_canonical_name_moves_mentions_and_quote_speakers_together(dsn):
    old_id, _, articles, mention_count = entity(dsn, "Sergei Lavrov")
    quotes_before = query(dsn, "select quote_id, speaker_entity_id from mart.quotes order by 1")
    lavrov_quotes = {q for q, s in quotes_before if s == old_id}
    assert len(lavrov_quotes) >= 10

    execute(dsn, "insert into core.entity_aliases (alias, canonical_name, entity_type, wikidata_id) "
                 "values ('Sergei Lavrov', 'Sergei Viktorovich Lavrov', 'PERSON', 'Q80137')")
    done = subprocess.run([sys.executable, "-m", "pipeline", "resolve-entities"], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "WAREHOUSE_DSN": dsn})
    assert done.returncode == 0, done.stderr

    new_id, _, new_articles, new_count = entity(dsn, "Sergei Viktorovich Lavrov")
    assert new_id != old_id and (new_articles, new_count) == (articles, mention_count)
    assert entity(dsn, "Sergei Lavrov") is None
    quotes_after = query(dsn, "select quote_id, speaker_entity_id, speaker_name from mart.quotes order by 1")
    assert [q for q, *_ in quotes_after] == [q for q, _ in quotes_before]
    assert {q for q, s, _ in quotes_after if s == new_id} == lavrov_quotes
    assert {n for q, s, n in quotes_after if q in lavrov_quotes} == {"Sergei Viktorovich Lavrov"}


def test_a_new_spelling_of_the_same_name_renames_and_keeps_the_id(dsn):
    old_id, *_ = entity(dsn, "Sergei Lavrov")
    execute(dsn, "insert into core.entity_aliases (alias, canonical_name, entity_type) "
                 "values ('Sergei Lavrov', 'Sergey Lavrov', 'PERSON')")
    counts = entity_store.resolve_warehouse(dsn)
    assert counts["entities_renamed"] == 1 and counts["mentions_repointed"] == 0
    assert entity(dsn, "Sergey Lavrov")[0] == old_id
    assert {n for (n,) in query(dsn, "select speaker_name from mart.quotes where speaker_entity_id = %s",
                                old_id)} == {"Sergey Lavrov"}


def test_ingest_resolves_loaded_articles_with_the_warehouse_aliases(dsn):
    execute(dsn, "insert into core.entity_aliases (alias, canonical_name, entity_type, wikidata_id) "
                 "values ('Kremlin', 'Presidential Administration of Russia', 'ORG', 'Q2306225')")
    run_pipeline(dsn, SEEDS, "entities-2")
    found = entity(dsn, "Presidential Administration of Russia")
    assert found is not None and found[3] >= 1
    assert entity(dsn, "Kremlin") is None


def test_re_resolving_an_unchanged_warehouse_changes_nothing(dsn):
    before = mentions(dsn)
    counts = entity_store.resolve_warehouse(dsn)
    assert counts["mentions"] == len(before) and counts["aliases_synced"] == 0
    assert (counts["entities_created"], counts["mentions_repointed"], counts["quotes_repointed"]) == (0, 0, 0)
    assert mentions(dsn) == before


def test_the_resolution_dag_is_manual_and_calls_the_pipeline():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "entity_resolution.py"))
    assert bag.import_errors == {}
    dag = bag.dags["entity_resolution"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # triggered by hand after an alias change
    assert dag.task_ids == ["resolve_entities"] and dag.max_active_runs == 1
