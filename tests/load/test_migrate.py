from pathlib import Path

import psycopg
import pytest

from pipeline.load.migrate import discover, migrate


def test_all_migrations_are_applied_once(warehouse_dsn):
    names = [m.name for m in discover()]
    assert names == sorted(names) and names[0].startswith("001_")
    assert migrate(warehouse_dsn) == []  # the fixture applied them already
    with psycopg.connect(warehouse_dsn) as conn:
        applied = [r[0] for r in conn.execute("select name from public.schema_migrations order by version")]
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
    assert applied == names
    assert {"raw", "staging", "core", "mart", "ops"} <= schemas


def _scratch_db(server_dsn, name):
    from tests.conftest import _with_db

    with psycopg.connect(_with_db(server_dsn, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return _with_db(server_dsn, name)


def test_an_edited_applied_migration_is_refused(server_dsn, tmp_path: Path):
    dsn = _scratch_db(server_dsn, "news_test_migrate_edit")
    (tmp_path / "001_first.sql").write_text("create table t (id int);")
    assert migrate(dsn, tmp_path) == ["001_first.sql"]
    (tmp_path / "002_second.sql").write_text("alter table t add column name text;")
    assert migrate(dsn, tmp_path) == ["002_second.sql"]
    (tmp_path / "001_first.sql").write_text("create table t (id bigint);")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        migrate(dsn, tmp_path)


def test_a_failing_migration_leaves_nothing_half_applied(server_dsn, tmp_path: Path):
    dsn = _scratch_db(server_dsn, "news_test_migrate_fail")
    (tmp_path / "001_bad.sql").write_text("create table ok (id int); select * from missing_table;")
    with pytest.raises(psycopg.errors.UndefinedTable):
        migrate(dsn, tmp_path)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select to_regclass('public.ok')").fetchone()[0] is None
        assert conn.execute("select count(*) from public.schema_migrations").fetchone()[0] == 0


def test_badly_named_migration_files_are_rejected(tmp_path: Path):
    (tmp_path / "1_x.sql").write_text("select 1;")
    with pytest.raises(ValueError, match="001_name.sql"):
        discover(tmp_path)
