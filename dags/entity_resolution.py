"""entity_resolution: re-resolve canonical entities in the warehouse after the alias table
(core.entity_aliases) changed, without re-running NLP.

Wiring only. Triggered by hand (or by the API) after data engineers add aliases; news_ingest
already resolves the articles it loads, so nothing needs a schedule.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from pipeline.load.entity_store import resolve_warehouse
from pipeline.orchestration import warehouse_dsn


@dag(
    dag_id="entity_resolution",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": 2.0},
    tags=["news", "entities"],
    doc_md=__doc__,
)
def entity_resolution():
    @task
    def resolve_entities() -> dict:
        return resolve_warehouse(warehouse_dsn())

    resolve_entities()


entity_resolution()
