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
