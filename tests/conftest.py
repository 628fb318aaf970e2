"""Shared fixtures: every test database is a fresh, migrated database on a real Postgres server.

The server is the one of WAREHOUSE_DSN when set, else the project's embedded server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pipeline import config, stages
from pipeline.load import embedded
from pipeline.load.migrate import migrate

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# Airflow reads these at import time; keep its files inside the project, as the Makefile does.
os.environ.setdefault("AIRFLOW_HOME", str(REPO / ".airflow"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Never the project's own inbox: a test that reads the inbox gets an empty one unless it makes its own.
os.environ.setdefault("NEWS_INBOX_DIR", tempfile.mkdtemp(prefix="news-test-inbox-"))


@pytest.fixture(scope="session")
def server_dsn() -> str:
    dsn = os.environ.get("WAREHOUSE_DSN") or embedded.start(config.settings())
    return dsn


def _with_db(dsn: str, dbname: str) -> str:
    params = conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture(scope="session")
def warehouse_dsn(server_dsn: str):
    """A new database for this test session, migrated, dropped afterwards."""
    name = f"news_test_{uuid.uuid4().hex[:10]}"
    admin = _with_db(server_dsn, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = _with_db(server_dsn, name)
    migrate(dsn)
    yield dsn
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


DATA_SCHEMAS = ("raw", "staging", "core", "ops")


def truncate_all(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "select format('%%I.%%I', schemaname, tablename) from pg_tables where schemaname = any(%s)",
            (list(DATA_SCHEMAS),),
        ).fetchall()
        conn.execute(f"truncate {', '.join(t for (t,) in tables)} restart identity cascade")


@pytest.fixture
def clean_dsn(warehouse_dsn: str) -> str:
    """The session database, emptied before the test."""
    truncate_all(warehouse_dsn)
    return warehouse_dsn


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A writable copy of seeds/ that a test may add bad files to."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def table_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "select format('%%I.%%I', schemaname, tablename) from pg_tables where schemaname = any(%s) order by 1",
            (list(DATA_SCHEMAS),),
        ).fetchall()
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def process_batches(dsn: str, batch_ids) -> None:
    """Every batch through the stages the DAG's mapped tasks run, in their order."""
    for batch_id in batch_ids:
        stages.extract_batch(dsn, batch_id)
        stages.analyse_batch(dsn, batch_id)
        stages.validate_batch(dsn, batch_id)
        stages.load_batch(dsn, batch_id)


def run_pipeline(dsn: str, seed_dir: Path, dag_run_id: str) -> int:
    """One news_ingest run over a seed folder, without a scheduler; returns the ops run id."""
    run_id = stages.begin_run(dsn, dag_id="news_ingest", dag_run_id=dag_run_id)
    process_batches(dsn, stages.ingest_seed_directory(dsn, run_id, seed_dir))
    stages.end_run(dsn, run_id)
    return run_id


def query(dsn: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, args).fetchall()


# Tables whose rows record runs rather than data: a rerun adds to them by design.
RUN_RECORD_TABLES = {"ops.runs", "ops.batches", "ops.validation_results", "ops.mart_refreshes", "core.sources",
                     "raw.fetches"}


def warehouse_state(dsn: str) -> dict[str, str]:
    """md5 of each data table's rows (run bookkeeping columns left out), to compare two states."""
    ignored = ("last_run_id", "first_run_id", "run_id", "loaded_at", "first_loaded_at", "last_seen_at",
               "first_seen_at", "created_at", "seen_count", "valid_from", "valid_to", "batch_id")
    state = {}
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "select format('%%I.%%I', schemaname, tablename) from pg_tables where schemaname = any(%s) order by 1",
            (list(DATA_SCHEMAS),),
        ).fetchall()
        for (table,) in tables:
            if table in RUN_RECORD_TABLES or table.startswith("staging."):
                continue
            schema, name = table.split(".")
            columns = [c for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position", (schema, name)) if c not in ignored]
            listed = ", ".join(f'"{c}"' for c in columns)
            state[table] = conn.execute(
                f"select count(*)::text || ':' || coalesce(md5(string_agg(row_text, '|' order by row_text)), '')"
                f" from (select ({listed})::text as row_text from {table}) as rows"
            ).fetchone()[0]
    return state
