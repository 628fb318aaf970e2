"""The real DAG through Airflow's own `airflow dags test`, into a real Postgres test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO, table_counts, truncate_all

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, warehouse_dsn):
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": str(REPO),
        "WAREHOUSE_DSN": warehouse_dsn,
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=600)
    return env


def dags_test(env: dict, seed_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, "dags", "test", "news_ingest"], env={**env, "NEWS_SEED_DIR": str(seed_dir)},
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_dags_test_loads_the_seeds_and_a_rerun_changes_nothing(airflow_env, warehouse_dsn, seed_dir):
    truncate_all(warehouse_dsn)
    (seed_dir / "999_empty.txt").write_bytes(b"")
    first = dags_test(airflow_env, seed_dir)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    with psycopg.connect(warehouse_dsn) as conn:
        assert conn.execute("select count(*) from mart.articles").fetchone()[0] == 5
        assert conn.execute("select count(*) from mart.quotes").fetchone()[0] > 0
        assert conn.execute("select reason_code from ops.quarantine").fetchall() == [("empty",)]
        run = conn.execute("select dag_id, dag_run_id, status from ops.runs").fetchone()
    assert run[0] == "news_ingest" and run[2] == "success" and run[1]
    before = table_counts(warehouse_dsn)
    second = dags_test(airflow_env, seed_dir)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    after = table_counts(warehouse_dsn)
    for log_table in ("ops.runs", "ops.batches", "ops.validation_results"):
        assert after.pop(log_table) > before.pop(log_table)
    assert after == before
