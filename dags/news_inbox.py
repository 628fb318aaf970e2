"""news_inbox: files dropped into the inbox folder (NEWS_INBOX_DIR) are ingested on arrival.

The triggerer's InboxFileTrigger claims new files and raises an event on the `news_inbox` asset;
each event (or several, coalesced) starts a run over the inbox documents no successful run has
processed yet. Systems that push can post the same event: POST /api/v2/assets/events.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from pipeline.ingest_graph import DEFAULT_ARGS, process_batches, start_run
from pipeline import stages
from pipeline.orchestration import inbox_asset, warehouse_dsn


@dag(
    dag_id="news_inbox",
    schedule=[inbox_asset()],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # events that arrive meanwhile queue; the next run takes all pending files
    default_args=DEFAULT_ARGS,
    tags=["news", "events"],
    doc_md=__doc__,
)
def news_inbox():
    @task
    def discover(run: int) -> list[int]:
        return stages.discover_documents(warehouse_dsn(), run, scope="pending")

    run = start_run("inbox")
    process_batches(run, discover(run))


news_inbox()
