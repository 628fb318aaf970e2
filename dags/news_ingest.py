"""news_ingest: the daily run. Seed and inbox files that arrived in the data interval (every file
on a manual run) and, with NEWS_FETCH=1, the web pages the sources list for the interval plus the
pages due for a re-fetch -> raw -> staging (extract, NLP, GX validation) -> core -> mart.

Backfill with `airflow backfill create --dag-id news_ingest --from-date ... --to-date ...`; every
interval converges to the same warehouse state when rerun.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from pipeline.ingest_graph import DEFAULT_ARGS, process_batches, start_run
from pipeline import stages
from pipeline.orchestration import FETCH_POOL, file_scope, warehouse_dsn


@dag(
    dag_id="news_ingest",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # scheduled runs; a backfill has its own --max-active-runs
    default_args=DEFAULT_ARGS,
    tags=["news"],
    doc_md=__doc__,
)
def news_ingest():
    @task(pool=FETCH_POOL)
    def discover(run: int) -> list[int]:
        context = get_current_context()
        return stages.discover_documents(
            warehouse_dsn(), run, scope=file_scope(context["dag_run"].run_type),
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
        )

    run = start_run("seeds")
    process_batches(run, discover(run))


news_ingest()
