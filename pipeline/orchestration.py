"""Glue between Airflow and the pipeline that is not wiring: where the warehouse is."""

from __future__ import annotations

import os

from psycopg.conninfo import make_conninfo

from pipeline import config


def warehouse_dsn() -> str:
    """The Airflow connection named by WAREHOUSE_CONN_ID (default `warehouse`) when it is defined,
    else WAREHOUSE_DSN, else the embedded server."""
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return config.warehouse_dsn()
    try:
        connection = Connection.get(os.environ.get("WAREHOUSE_CONN_ID", "warehouse"))
    except AirflowNotFoundException:
        return config.warehouse_dsn()
    return make_conninfo(
        host=connection.host or "127.0.0.1", port=connection.port or 5432, user=connection.login or None,
        password=connection.password or None, dbname=connection.schema or "warehouse",
    )


# --- assets, pools and run scopes shared by the DAG files ---------------------------------------

# Pools (created by `make airflow-db`, the compose init and the end-to-end test from dags/pools.json):
# one fetching run at a time keeps every site's politeness limits across runs; the NLP pool caps
# the parses running at once so a backfill leaves room for the daily run.
FETCH_POOL = "news_fetch"
NLP_POOL = "news_nlp"
POOLS_FILE = config.PROJECT_ROOT / "dags" / "pools.json"


def articles_mart_asset():
    """Published by every run that loads articles; downstream DAGs schedule on it."""
    from airflow.sdk import Asset

    return Asset(name="news_articles_mart", uri="x-warehouse://mart/articles", group="warehouse")


def inbox_asset():
    """The inbox folder, watched by the triggerer: every claimed batch of files is an asset event."""
    from airflow.sdk import Asset, AssetWatcher

    from pipeline.triggers import InboxFileTrigger

    cfg = config.settings()
    directory = str(cfg.inbox_dir.resolve())
    trigger = InboxFileTrigger(directory, poke_interval=cfg.inbox_poke_s, settle_s=cfg.inbox_settle_s)
    return Asset(name="news_inbox", uri=f"file://{directory}", group="inbox",
                 watchers=[AssetWatcher(name="news_inbox_files", trigger=trigger)])


def file_scope(run_type: str | None) -> str:
    """Which files a news_ingest run reads: scheduled and backfill runs the files that arrived in
    their data interval, manual runs (`make run`, `airflow dags test`) every file present."""
    value = getattr(run_type, "value", run_type)  # the Task SDK gives a (str, Enum), whose str() is its name
    return "interval" if str(value or "").lower() in ("scheduled", "backfill") else "all"
