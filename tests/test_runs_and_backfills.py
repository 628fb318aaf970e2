"""Daily intervals, inbox runs, reruns, overlapping runs, interrupted loads and re-extraction, on a
real Postgres, through the same stage functions the DAG tasks call."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from pipeline import config, stages
from pipeline.load import warehouse
from pipeline.sources import seeds
from tests.conftest import REPO, SEEDS, process_batches, query, table_counts, truncate_all, warehouse_state

DAY = [datetime(2026, 3, d, tzinfo=UTC) for d in (1, 2, 3, 4)]


def _dated_seeds(tmp_path: Path) -> Path:
    """Three seed files that arrived on 1, 2 and 3 March at noon."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for day, name in zip(DAY, sorted(p.name for p in SEEDS.iterdir())[:3]):
        target = folder / name
        shutil.copyfile(SEEDS / name, target)
        noon = (day + timedelta(hours=12)).timestamp()
        os.utime(target, (noon, noon))
    return folder


def _cfg(seed_dir: Path, inbox_dir: Path):
    return dataclasses.replace(config.settings(), seed_dir=seed_dir, inbox_dir=inbox_dir)


def _run(dsn, cfg, dag_run_id, *, scope, start=None, end=None, dag_id="news_ingest", dies_after_discover=False) -> int:
    run_id = stages.begin_run(dsn, dag_id=dag_id, dag_run_id=dag_run_id, data_interval_start=start,
                              data_interval_end=end)
    batches = stages.discover_documents(dsn, run_id, cfg=cfg, scope=scope, data_interval_start=start,
                                        data_interval_end=end)
    if not dies_after_discover:
        process_batches(dsn, batches)
        stages.end_run(dsn, run_id)
    return run_id


def _daily(dsn, cfg, day_index: int, dag_run_id: str | None = None) -> int:
    start, end = DAY[day_index], DAY[day_index + 1]
    return _run(dsn, cfg, dag_run_id or f"scheduled__{end.isoformat()}", scope="interval", start=start, end=end)


def _article_uris(dsn) -> list[str]:
    return [uri for (uri,) in query(dsn, """
        select d.uri from core.article_documents ad join raw.documents d using (document_id) order by d.uri""")]


def test_a_daily_run_takes_the_files_that_arrived_in_its_interval(clean_dsn, tmp_path):
    seed_dir = _dated_seeds(tmp_path)
    cfg = _cfg(seed_dir, tmp_path / "inbox")
    names = sorted(p.name for p in seed_dir.iterdir())
    _daily(clean_dsn, cfg, 1)
    assert _article_uris(clean_dsn) == [names[1]]
    _daily(clean_dsn, cfg, 0)
    _daily(clean_dsn, cfg, 2)
    assert _article_uris(clean_dsn) == names
    # Each run processed only its own day's file.
    assert [docs for (docs,) in query(clean_dsn, "select (counts->>'documents')::int from ops.runs order by run_id")] \
        == [1, 1, 1]


def test_the_same_interval_twice_gives_identical_rows(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    _daily(clean_dsn, cfg, 1)
    first_counts, first_state = table_counts(clean_dsn), warehouse_state(clean_dsn)
    # A cleared Airflow run (same run id, as `backfill create --reprocess-behavior completed` does)...
    _daily(clean_dsn, cfg, 1)
    assert warehouse_state(clean_dsn) == first_state
    assert query(clean_dsn, "select count(*) from ops.runs") == [(1,)]
    # ...and a second run of the interval under a new id.
    _daily(clean_dsn, cfg, 1, dag_run_id="manual__rerun")
    assert warehouse_state(clean_dsn) == first_state
    counts = table_counts(clean_dsn)
    assert {t: n for t, n in counts.items() if not t.startswith("ops.")} == \
        {t: n for t, n in first_counts.items() if not t.startswith("ops.")}


def test_the_interval_rerun_reads_the_warehouse_so_a_deleted_file_is_still_there(clean_dsn, tmp_path):
    seed_dir = _dated_seeds(tmp_path)
    cfg = _cfg(seed_dir, tmp_path / "inbox")
    _daily(clean_dsn, cfg, 1)
    state = warehouse_state(clean_dsn)
    (seed_dir / sorted(p.name for p in seed_dir.iterdir())[1]).unlink()
    _daily(clean_dsn, cfg, 1, dag_run_id="manual__after_delete")
    assert warehouse_state(clean_dsn) == state
    assert query(clean_dsn, "select (counts->>'documents')::int from ops.runs order by run_id desc limit 1") == [(1,)]


def test_inbox_runs_take_each_new_file_once_and_retake_the_files_of_a_failed_run(clean_dsn, tmp_path):
    inbox_dir = tmp_path / "inbox"
    (inbox_dir / "received" / "2026-03-01").mkdir(parents=True)
    empty_seeds = tmp_path / "no-seeds"
    empty_seeds.mkdir()
    cfg = _cfg(empty_seeds, inbox_dir)
    names = sorted(p.name for p in SEEDS.iterdir())
    shutil.copyfile(SEEDS / names[0], inbox_dir / "received" / "2026-03-01" / names[0])

    _run(clean_dsn, cfg, "asset_triggered__1", scope="pending", dag_id="news_inbox")
    assert _article_uris(clean_dsn) == [names[0]]
    # Nothing new: the next event run finds no batches.
    run_id = stages.begin_run(clean_dsn, dag_id="news_inbox", dag_run_id="asset_triggered__2")
    assert stages.discover_documents(clean_dsn, run_id, cfg=cfg, scope="pending") == []
    stages.end_run(clean_dsn, run_id)

    # A run that dies after discovering a new file: the next run takes that file again.
    shutil.copyfile(SEEDS / names[1], inbox_dir / names[1])  # still waiting, not claimed
    _run(clean_dsn, cfg, "asset_triggered__3", scope="pending", dag_id="news_inbox", dies_after_discover=True)
    _run(clean_dsn, cfg, "asset_triggered__4", scope="pending", dag_id="news_inbox")
    assert _article_uris(clean_dsn) == names[:2]
    assert query(clean_dsn, "select source, count(*) from core.articles group by source") == [("inbox", 2)]


def _prepare(dsn, cfg, dag_run_id, start, end) -> list[int]:
    """A run up to (not including) load; returns its batch ids."""
    run_id = stages.begin_run(dsn, dag_id="news_ingest", dag_run_id=dag_run_id, data_interval_start=start,
                              data_interval_end=end)
    batches = stages.discover_documents(dsn, run_id, cfg=cfg, scope="interval", data_interval_start=start,
                                        data_interval_end=end)
    for batch_id in batches:
        stages.extract_batch(dsn, batch_id)
        stages.analyse_batch(dsn, batch_id)
        stages.validate_batch(dsn, batch_id)
    return batches


def _natural_rows(dsn) -> dict[str, list]:
    return {
        "articles": query(dsn, "select article_key, content_hash, version_no from core.articles order by 1"),
        "mentions": query(dsn, """select a.article_key, m.field, m.start_char, m.end_char, e.canonical_key
                                  from core.entity_mentions m join core.articles a using (article_id)
                                  join core.entities e using (entity_id) order by 1, 2, 3"""),
        "quotes": query(dsn, """select a.article_key, q.start_char, q.end_char from core.quotes q
                                join core.articles a using (article_id) order by 1, 2"""),
        "entities": query(dsn, "select canonical_key from core.entities order by 1"),
    }


def test_two_overlapping_runs_loading_at_the_same_time_give_no_duplicates(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    # Two backfill intervals that overlap on 2 March, prepared up to load, then loaded together.
    first = _prepare(clean_dsn, cfg, "backfill__a", DAY[0], DAY[2])
    second = _prepare(clean_dsn, cfg, "backfill__b", DAY[1], DAY[3])
    barrier = threading.Barrier(2)
    errors = []

    def load_all(batch_ids):
        try:
            barrier.wait()
            for batch_id in batch_ids:
                stages.load_batch(clean_dsn, batch_id)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=load_all, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    concurrent = _natural_rows(clean_dsn)
    assert len(concurrent["articles"]) == 3
    assert len({row[0] for row in concurrent["articles"]}) == 3

    # The same as loading one after the other.
    truncate_all(clean_dsn)
    for run, (start, end) in (("seq__a", (DAY[0], DAY[2])), ("seq__b", (DAY[1], DAY[3]))):
        for batch_id in _prepare(clean_dsn, cfg, run, start, end):
            stages.load_batch(clean_dsn, batch_id)
    assert _natural_rows(clean_dsn) == concurrent


def test_a_load_waits_for_another_loader(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    (batch_id,) = _prepare(clean_dsn, cfg, "scheduled__x", DAY[0], DAY[1])
    with psycopg.connect(clean_dsn) as holder:
        holder.execute("select pg_advisory_xact_lock(%s)", (warehouse.CORE_WRITE_LOCK,))
        loader = threading.Thread(target=stages.load_batch, args=(clean_dsn, batch_id))
        loader.start()
        loader.join(timeout=2)
        assert loader.is_alive()  # blocked behind the lock
        assert query(clean_dsn, "select count(*) from core.articles") == [(0,)]
    loader.join(timeout=60)
    assert not loader.is_alive()
    assert query(clean_dsn, "select count(*) from core.articles") == [(1,)]


LOAD_IN_A_CHILD = """
import sys
from pipeline import stages
stages.load_batch(sys.argv[1], int(sys.argv[2]))
"""


def _waiting_on_a_lock(dsn) -> bool:
    return bool(query(dsn, """select 1 from pg_stat_activity where application_name = 'news_pipeline'
                              and wait_event_type = 'Lock' and datname = current_database()"""))


def test_a_load_killed_mid_transaction_leaves_nothing_and_its_rerun_loads_everything(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    batches = _prepare(clean_dsn, cfg, "scheduled__kill", DAY[0], DAY[3])
    assert len(batches) == 1
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # Hold core.quotes so the child stops inside its load transaction, after writing articles.
    with psycopg.connect(clean_dsn) as blocker:
        blocker.execute("lock table core.quotes in access exclusive mode")
        child = subprocess.Popen([sys.executable, "-c", LOAD_IN_A_CHILD, clean_dsn, str(batches[0])], env=env)
        deadline = time.monotonic() + 120
        while not _waiting_on_a_lock(clean_dsn):
            assert child.poll() is None, "the load finished before it could be interrupted"
            assert time.monotonic() < deadline, "the load never reached core.quotes"
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    # The killed transaction never committed.
    deadline = time.monotonic() + 30
    while _waiting_on_a_lock(clean_dsn) or query(clean_dsn, """select count(*) from pg_stat_activity
            where application_name = 'news_pipeline' and datname = current_database()""") != [(0,)]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert query(clean_dsn, "select count(*) from core.articles") == [(0,)]
    assert query(clean_dsn, "select loaded_at from ops.batches") == [(None,)]

    # The retried task loads everything once.
    stages.load_batch(clean_dsn, batches[0])
    once = _natural_rows(clean_dsn)
    assert len(once["articles"]) == 3 and once["quotes"]
    stages.load_batch(clean_dsn, batches[0])
    assert _natural_rows(clean_dsn) == once


def test_reextraction_with_a_new_extractor_version_updates_articles_and_keeps_history(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    _run(clean_dsn, cfg, "manual__first", scope="all")
    # As if an older reader had made these articles: rewrite their version without the history
    # trigger (replica mode skips triggers), the way rows loaded before an upgrade look.
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("set session_replication_role = replica")
        conn.execute("update core.articles set extractor_version = '0.9-old', body = body || ' (old reader)'")
    before = query(clean_dsn, "select article_id, body, extractor_version, version_no from core.articles order by 1")
    assert len(before) == 3 and {row[2] for row in before} == {"0.9-old"} and {row[3] for row in before} == {1}

    run_id = stages.begin_run(clean_dsn, dag_id="news_reextract", dag_run_id="manual__reextract", source="reextract")
    process_batches(clean_dsn, stages.reextract_documents(clean_dsn, run_id, cfg))
    stages.end_run(clean_dsn, run_id)

    after = query(clean_dsn, "select article_id, body, extractor_version, version_no from core.articles order by 1")
    assert [row[0] for row in after] == [row[0] for row in before]  # same articles, same ids
    assert {row[2] for row in after} == {seeds.READER_VERSION} and {row[3] for row in after} == {2}
    assert not any(body.endswith("(old reader)") for (_, body, _, _) in after)
    history = query(clean_dsn, "select article_id, body, extractor_version, version_no from core.article_versions "
                               "order by 1")
    assert history == before
    assert query(clean_dsn, "select count(*), count(valid_to) from mart.article_versions") == [(6, 3)]
    # Quotes and mentions were replaced, not duplicated.
    assert query(clean_dsn, "select count(*) from (select article_id, start_char, end_char from core.quotes "
                            "group by 1, 2, 3 having count(*) > 1) d") == [(0,)]

    # Nothing is outdated any more: a second re-extraction selects nothing.
    run_id = stages.begin_run(clean_dsn, dag_id="news_reextract", dag_run_id="manual__again", source="reextract")
    assert stages.reextract_documents(clean_dsn, run_id, cfg) == []


def test_an_unknown_scope_is_refused(clean_dsn, tmp_path):
    cfg = _cfg(_dated_seeds(tmp_path), tmp_path / "inbox")
    run_id = stages.begin_run(clean_dsn, dag_id="news_ingest", dag_run_id="manual__bad")
    with pytest.raises(ValueError, match="scope"):
        stages.discover_documents(clean_dsn, run_id, cfg=cfg, scope="everything")
