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
