"""The task graph every ingest DAG shares: start a run, find its documents, then extract, analyse,
validate and load each batch (mapped over batch ids) and close the run. Imported by the DAG files
(a module in dags/ would need dags/ on sys.path, which Airflow 3's bundles do not promise).
Wiring only: each task calls one pipeline function with ids.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import get_current_context, task

from pipeline import stages
from pipeline.orchestration import NLP_POOL, articles_mart_asset, warehouse_dsn

DEFAULT_ARGS = {
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


@task
def start_run(source: str) -> int:
    context = get_current_context()
    return stages.begin_run(
        warehouse_dsn(), dag_id=context["dag"].dag_id, dag_run_id=context["run_id"], source=source,
        data_interval_start=context.get("data_interval_start"), data_interval_end=context.get("data_interval_end"),
    )


@task
def extract(batch_id: int) -> int:
    return stages.extract_batch(warehouse_dsn(), batch_id)


@task(pool=NLP_POOL)
def analyse(batch_id: int) -> int:
    return stages.analyse_batch(warehouse_dsn(), batch_id)


@task
def validate(batch_id: int) -> int:
    return stages.validate_batch(warehouse_dsn(), batch_id)


@task
def load(batch_id: int) -> int:
    return stages.load_batch(warehouse_dsn(), batch_id)


# Runs even when a batch failed, to record the run as failed and say which batch; only a run that
# loaded every batch succeeds and so publishes the articles mart asset.
@task(trigger_rule="all_done", outlets=[articles_mart_asset()])
def finish_run(run: int) -> dict:
    return stages.end_run(warehouse_dsn(), run)


def process_batches(run, batches) -> None:
    loaded = load.expand(batch_id=validate.expand(batch_id=analyse.expand(batch_id=extract.expand(batch_id=batches))))
    loaded >> finish_run(run)
