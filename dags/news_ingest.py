"""news_ingest: seed files (and, with NEWS_FETCH=1, web pages) -> raw -> staging (extract, NLP,
GX validation) -> core -> mart.

Wiring only: every task calls one function of pipeline.stages with ids; article data moves
through Postgres tables, never through XCom.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from pipeline import stages
from pipeline.orchestration import warehouse_dsn

DEFAULT_ARGS = {
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


@dag(
    dag_id="news_ingest",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["news"],
    doc_md=__doc__,
)
def news_ingest():
    @task
    def start_run() -> int:
        context = get_current_context()
        return stages.begin_run(
            warehouse_dsn(), dag_id=context["dag"].dag_id, dag_run_id=context["run_id"],
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
        )

    @task
    def discover(run: int) -> list[int]:
        # Seeds; with NEWS_FETCH=1 also the registry's web sources for this data interval.
        context = get_current_context()
        return stages.discover_documents(
            warehouse_dsn(), run, data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
        )

    @task
    def extract(batch_id: int) -> int:
        return stages.extract_batch(warehouse_dsn(), batch_id)

    @task
    def analyse(batch_id: int) -> int:
        return stages.analyse_batch(warehouse_dsn(), batch_id)

    @task
    def validate(batch_id: int) -> int:
        return stages.validate_batch(warehouse_dsn(), batch_id)

    @task
    def load(batch_id: int) -> int:
        return stages.load_batch(warehouse_dsn(), batch_id)

    # Runs even when a batch failed, to record the run as failed and say which batch.
    @task(trigger_rule="all_done")
    def finish_run(run: int) -> dict:
        return stages.end_run(warehouse_dsn(), run)

    run_id = start_run()
    batches = discover(run_id)
    loaded = load.expand(batch_id=validate.expand(batch_id=analyse.expand(batch_id=extract.expand(batch_id=batches))))
    loaded >> finish_run(run_id)


news_ingest()
