"""End to end through a real Airflow: `airflow standalone` (scheduler, dag-processor, triggerer and
api-server with the LocalExecutor) on a project-local home, its metadata and the warehouse in
databases of the test Postgres server. A file dropped into the inbox reaches mart.articles through
the triggerer's asset event; a three-day backfill goes through the scheduler, and its rerun changes
nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pipeline.load.migrate import migrate
from pipeline.orchestration import POOLS_FILE
from tests.conftest import REPO, SEEDS, query, warehouse_state

BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
INBOX_DEADLINE_S = 300
BACKFILL_DEADLINE_S = 900
BACKFILL_DAYS = [datetime(2026, 3, d, tzinfo=UTC) for d in (1, 2, 3)]
SEED_NAMES = sorted(p.name for p in SEEDS.iterdir())

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database(server_dsn: str, name: str) -> str:
    params = conninfo_to_dict(server_dsn)
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return make_conninfo(**{**params, "dbname": name})


def _drop(server_dsn: str, name: str) -> None:
    params = conninfo_to_dict(server_dsn)
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _sqlalchemy_url(dsn: str) -> str:
    p = conninfo_to_dict(dsn)
    return f"postgresql+psycopg://{p.get('user', 'postgres')}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{p['dbname']}"


def _wait(predicate, deadline_s: float, what: str, log: Path, interval_s: float = 2.0):
    deadline = time.monotonic() + deadline_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-6000:] if log.exists() else ""
            pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}\n--- standalone log tail ---\n{tail}")
        time.sleep(interval_s)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5) as response:
            health = json.load(response)
    except OSError:
        return False
    return all(health.get(part, {}).get("status") == "healthy"
               for part in ("metadatabase", "scheduler", "triggerer", "dag_processor"))


class Airflow:
    def __init__(self, env: dict, meta_dsn: str, warehouse_dsn: str, inbox: Path, seeds: Path, log: Path):
        self.env, self.meta_dsn, self.warehouse_dsn = env, meta_dsn, warehouse_dsn
        self.inbox, self.seeds, self.log = inbox, seeds, log

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def backfill_done(self) -> bool:
        rows = query(self.meta_dsn, "select count(*), count(completed_at) from backfill")
        return rows[0][0] > 0 and rows[0][0] == rows[0][1]

    def backfill(self, *extra: str) -> list[tuple]:
        self.cli("backfill", "create", "--dag-id", "news_ingest", "--from-date", BACKFILL_DAYS[0].date().isoformat(),
                 "--to-date", BACKFILL_DAYS[-1].date().isoformat(), "--max-active-runs", "2", *extra)
        _wait(self.backfill_done, BACKFILL_DEADLINE_S, "the backfill to complete", self.log, 5)
        return query(self.meta_dsn, """select run_id, state, data_interval_start from dag_run
                                       where dag_id = 'news_ingest' and run_type = 'backfill'
                                       order by data_interval_start""")


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, server_dsn):
    root = tmp_path_factory.mktemp("standalone")
    suffix = uuid.uuid4().hex[:8]
    meta_name, warehouse_name = f"airflow_e2e_{suffix}", f"news_e2e_{suffix}"
    meta_dsn, warehouse_dsn = _database(server_dsn, meta_name), _database(server_dsn, warehouse_name)
    migrate(warehouse_dsn)
    inbox, seeds = root / "inbox", root / "seeds"
    inbox.mkdir()
    seeds.mkdir()
    # The backfill's files: one seed arrived on each of the three days.
    for day, name in zip(BACKFILL_DAYS, SEED_NAMES):
        shutil.copyfile(SEEDS / name, seeds / name)
        noon = (day + timedelta(hours=12)).timestamp()
        os.utime(seeds / name, (noon, noon))
    port = _free_port()
    url = _sqlalchemy_url(meta_dsn)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # standalone starts `airflow` subcommands
        "PYTHONPATH": str(REPO),
        "AIRFLOW_HOME": str(root / "home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": url,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        # The log servers too, so a developer's own Airflow on the default ports does not collide.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        "WAREHOUSE_DSN": warehouse_dsn,
        "NEWS_SEED_DIR": str(seeds),
        "NEWS_INBOX_DIR": str(inbox),
        "NEWS_INBOX_POKE_S": "1",
        "NEWS_INBOX_SETTLE_S": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    log = root / "standalone.log"
    airflow = Airflow(env, meta_dsn, warehouse_dsn, inbox, seeds, log)
    airflow.cli("db", "migrate")
    airflow.cli("pools", "import", str(POOLS_FILE))
    with log.open("w") as out:
        process = subprocess.Popen([AIRFLOW, "standalone"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait(lambda: _healthy(port), 240, "Airflow to become healthy", log)
        _wait(lambda: query(meta_dsn, """select count(*) = 4 from dag where is_paused = false and dag_id in
              ('news_ingest', 'news_inbox', 'news_daily_summary', 'news_reextract')""")[0][0],
              180, "the DAGs to be parsed", log)
        yield airflow
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        _drop(server_dsn, meta_name)
        _drop(server_dsn, warehouse_name)


def test_a_file_dropped_into_the_inbox_reaches_the_mart(airflow):
    name = SEED_NAMES[-1]  # not one of the backfill's files
    title = SEEDS.joinpath(name).read_text().strip().splitlines()[0].lstrip("# ").strip()
    staged = airflow.inbox / f".{name}"  # hidden while being written, then renamed in as a whole file
    shutil.copyfile(SEEDS / name, staged)
    staged.rename(airflow.inbox / name)
    dropped = time.monotonic()

    def loaded():
        return query(airflow.warehouse_dsn, "select source, title from mart.articles where source = 'inbox'")

    rows = _wait(loaded, INBOX_DEADLINE_S, "the inbox article in mart.articles", airflow.log)
    print(f"inbox file to mart.articles in {time.monotonic() - dropped:.0f} s")
    assert len(rows) == 1 and title[:20] in rows[0][1]
    assert list((airflow.inbox / "received").glob("*/" + name))  # claimed, not deleted
    _wait(lambda: query(airflow.meta_dsn, """select count(*) from dag_run where dag_id = 'news_inbox'
                                              and run_type = 'asset_triggered' and state = 'success'""")[0][0],
          INBOX_DEADLINE_S, "the news_inbox run to succeed", airflow.log)
    # The article mart asset event started the downstream summary refresh.
    _wait(lambda: query(airflow.warehouse_dsn, "select count(*) from ops.mart_refreshes")[0][0],
          INBOX_DEADLINE_S, "news_daily_summary to refresh the mart", airflow.log)


def test_a_three_day_backfill_loads_each_day_once_and_its_rerun_changes_nothing(airflow):
    runs = airflow.backfill()
    assert [(state, start.date()) for (_, state, start) in runs] == \
        [("success", day.date()) for day in BACKFILL_DAYS]
    per_run = query(airflow.warehouse_dsn, """select dag_run_id, status, (counts->>'documents')::int from ops.runs
                                              where starts_with(dag_run_id, 'backfill') order by data_interval_start""")
    assert [(status, docs) for (_, status, docs) in per_run] == [("success", 1)] * 3
    loaded = query(airflow.warehouse_dsn, """select d.uri from core.article_documents ad
                                             join raw.documents d using (document_id)
                                             where d.source = 'seeds' order by 1""")
    assert [uri for (uri,) in loaded] == SEED_NAMES[:3]
    state = warehouse_state(airflow.warehouse_dsn)

    rerun = airflow.backfill("--reprocess-behavior", "completed")
    assert [(state_, start) for (_, state_, start) in rerun] == [(s, start) for (_, s, start) in runs]
    assert warehouse_state(airflow.warehouse_dsn) == state
    # The cleared Airflow runs reuse their warehouse runs: no new ops.runs rows for the same intervals.
    assert query(airflow.warehouse_dsn, "select count(*) from ops.runs where starts_with(dag_run_id, 'backfill')") == [(3,)]
