"""news_daily_summary: refresh mart.daily_news_summary whenever a run has loaded articles (the
`news_articles_mart` asset that news_ingest, news_inbox and news_reextract publish)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

from pipeline.load.marts import refresh_daily_summary
from pipeline.orchestration import articles_mart_asset, warehouse_dsn


@dag(
    dag_id="news_daily_summary",
    schedule=[articles_mart_asset()],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["news", "mart"],
    doc_md=__doc__,
)
def news_daily_summary():
    @task
    def refresh() -> int:
        return refresh_daily_summary(warehouse_dsn(), triggered_by=get_current_context()["run_id"])

    refresh()


news_daily_summary()
