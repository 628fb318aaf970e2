"""Every DAG file imports cleanly in a real Airflow DagBag, and news_ingest is wired as intended."""

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "news_ingest" in dagbag.dag_ids


def test_news_ingest_has_a_daily_data_interval_and_no_catchup(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.dags["news_ingest"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 0 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_one_task_per_stage_and_batches_are_mapped(dagbag):
    dag = dagbag.dags["news_ingest"]
    assert set(dag.task_ids) == {"start_run", "discover", "extract", "analyse", "validate", "load", "finish_run"}
    for task_id in ("extract", "analyse", "validate", "load"):
        assert dag.get_task(task_id).is_mapped, task_id
    order = ["start_run", "discover", "extract", "analyse", "validate", "load", "finish_run"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.get_task("finish_run").trigger_rule == "all_done"
    for task in dag.tasks:
        assert task.retries >= 1 and task.retry_exponential_backoff, task.task_id


EVENT_DAGS = {"news_ingest", "news_inbox", "news_reextract", "news_daily_summary", "entity_resolution"}


def test_every_expected_dag_is_there(dagbag):
    assert set(dagbag.dag_ids) == EVENT_DAGS


def test_ingest_dags_share_the_batch_stages_and_publish_the_articles_mart(dagbag):
    from pipeline.orchestration import articles_mart_asset

    for dag_id, first in (("news_ingest", "discover"), ("news_inbox", "discover"),
                          ("news_reextract", "select_documents")):
        dag = dagbag.dags[dag_id]
        assert set(dag.task_ids) == {"start_run", first, "extract", "analyse", "validate", "load", "finish_run"}
        assert dag.get_task("analyse").pool == "news_nlp"
        assert dag.max_active_runs == 1
        outlets = dag.get_task("finish_run").outlets
        assert [o.uri for o in outlets] == [articles_mart_asset().uri], dag_id
    assert dagbag.dags["news_ingest"].get_task("discover").pool == "news_fetch"


def test_inbox_dag_is_scheduled_on_a_watched_asset_and_the_summary_on_the_mart(dagbag):
    from pipeline.orchestration import articles_mart_asset
    from pipeline.triggers import InboxFileTrigger

    inbox_assets = list(dagbag.dags["news_inbox"].timetable.asset_condition.objects)
    assert [a.name for a in inbox_assets] == ["news_inbox"]
    (watcher,) = inbox_assets[0].watchers
    assert isinstance(watcher.trigger, InboxFileTrigger)
    summary_assets = list(dagbag.dags["news_daily_summary"].timetable.asset_condition.objects)
    assert [a.uri for a in summary_assets] == [articles_mart_asset().uri]
    assert type(dagbag.dags["news_reextract"].timetable).__name__ == "NullTimetable"  # triggered by hand


def test_pools_the_tasks_use_are_defined(dagbag):
    import json

    from pipeline.orchestration import POOLS_FILE

    defined = json.loads(POOLS_FILE.read_text())
    used = {task.pool for dag in dagbag.dags.values() for task in dag.tasks} - {"default_pool"}
    assert used == set(defined) == {"news_fetch", "news_nlp"}
    assert defined["news_fetch"]["slots"] == 1
