"""news_reextract: run the stored raw documents of loaded articles through the current extractor
(and NLP model) again, without reading files or fetching. Changed articles are updated; their
previous versions stay in core.article_versions (mart.article_versions).

    airflow dags trigger news_reextract --conf '{"source": "seeds", "published_from": "2026-01-01"}'
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from pipeline.ingest_graph import DEFAULT_ARGS, process_batches, start_run
from pipeline import stages
from pipeline.orchestration import warehouse_dsn


@dag(
    dag_id="news_reextract",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "source": Param(None, type=["null", "string"], description="only this source"),
        "published_from": Param(None, type=["null", "string"], format="date", description="first publication date"),
        "published_to": Param(None, type=["null", "string"], format="date", description="last publication date"),
        "outdated_only": Param(True, type="boolean",
                               description="only articles an older extractor version made"),
    },
    tags=["news", "backfill"],
    doc_md=__doc__,
)
def news_reextract():
    @task
    def select_documents(run: int) -> list[int]:
        params = get_current_context()["params"]
        return stages.reextract_documents(
            warehouse_dsn(), run, source=params["source"], published_from=params["published_from"],
            published_to=params["published_to"], outdated_only=params["outdated_only"],
        )

    run = start_run("reextract")
    process_batches(run, select_documents(run))


news_reextract()
