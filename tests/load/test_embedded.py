"""The embedded server really starts, listens on loopback, stops, and restarts on its data."""

import socket

import psycopg
import pytest

from pipeline.config import settings
from pipeline.load import embedded


@pytest.fixture
def private_server(tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_HOME", str(tmp_path / "wh"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WAREHOUSE_PORT", str(port))
    monkeypatch.setenv("WAREHOUSE_DATABASE", "analytics")
    cfg = settings()
    yield cfg
    embedded.stop(cfg)


def test_start_stop_and_dsn(private_server):
    cfg = private_server
    with pytest.raises(embedded.WarehouseNotRunning, match="warehouse start"):
        embedded.running_dsn(cfg)
    dsn = embedded.start(cfg)
    assert dsn == f"postgresql://postgres@127.0.0.1:{cfg.warehouse_port}/analytics"
    assert embedded.running_dsn(cfg) == dsn
    assert embedded.start(cfg) == dsn  # already running: same server
    with psycopg.connect(dsn) as conn:
        conn.execute("create table kept (v int)")
        conn.execute("insert into kept values (42)")
        conn.commit()
        listen = conn.execute("show listen_addresses").fetchone()[0]
    assert listen == "127.0.0.1"
    assert embedded.stop(cfg) is True
    assert embedded.stop(cfg) is False
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn, connect_timeout=2)
    # Data survives a restart.
    with psycopg.connect(embedded.start(cfg)) as conn:
        assert conn.execute("select v from kept").fetchone()[0] == 42
