"""The BI role reads the mart and nothing else; every mart column is documented; no drift."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pipeline.config import PROJECT_ROOT
from pipeline.load.dictionary import DICTIONARY_PATH, render


def as_role(dsn: str, role: str) -> psycopg.Connection:
    """Connect, then become the role: works on trust and password servers alike for a superuser DSN."""
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(f"set role {role}")
    # Role settings apply at login; apply them as a login of that role would get them.
    for (setting,) in conn.execute(
        "select unnest(setconfig) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole "
        "where r.rolname = %s", (role,)
    ).fetchall():
        name, value = setting.split("=", 1)
        conn.execute(f"set {name} = '{value}'")
    return conn


def test_bi_role_reads_every_mart_view(warehouse_dsn):
    with as_role(warehouse_dsn, "news_bi") as conn:
        views = [r[0] for r in conn.execute(
            "select table_name from information_schema.views where table_schema = 'mart'")]
        assert {"articles", "entities", "entity_mentions", "quotes", "pipeline_health"} <= set(views)
        for view in views:
            conn.execute(f"select * from mart.{view} limit 1")
        assert conn.execute("show statement_timeout").fetchone()[0] == "1min"


@pytest.mark.parametrize("schema_table", ["core.articles", "raw.documents", "ops.quarantine", "staging.articles"])
def test_bi_role_cannot_read_outside_the_mart(warehouse_dsn, schema_table):
    with as_role(warehouse_dsn, "news_bi") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select 1 from {schema_table} limit 1")


@pytest.mark.parametrize("statement", [
    "insert into mart.quotes (quote_text) values ('x')",
    "delete from mart.articles",
    "create table mart.sneaky (id int)",
    "create table public.sneaky (id int)",
])
def test_bi_role_cannot_write(warehouse_dsn, statement):
    with as_role(warehouse_dsn, "news_bi") as conn:
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            conn.execute(statement)


def test_bi_role_logs_in_with_its_own_settings(warehouse_dsn):
    params = conninfo_to_dict(warehouse_dsn)
    if params.get("password"):
        pytest.skip("the server asks for passwords; the BI role has none set in tests")
    params["user"] = "news_bi"
    with psycopg.connect(make_conninfo(**params)) as conn:
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        conn.execute("select count(*) from mart.articles")


def test_loader_role_can_write_core_but_is_not_superuser(warehouse_dsn):
    with as_role(warehouse_dsn, "news_loader") as conn:
        conn.execute("insert into ops.runs (dag_id, dag_run_id, source) values ('t', 'role-test', 's')")
        conn.execute("delete from ops.runs where dag_run_id = 'role-test'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create role intruder")


def test_every_mart_view_and_column_has_a_comment(warehouse_dsn):
    with psycopg.connect(warehouse_dsn) as conn:
        missing = conn.execute(
            """
            select c.relname || coalesce('.' || a.attname, '')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0
                                    and col_description(c.oid, a.attnum) is null
            where n.nspname = 'mart' and (obj_description(c.oid, 'pg_class') is null or a.attname is not null)
            """
        ).fetchall()
    assert missing == []


def test_committed_data_dictionary_matches_the_database(warehouse_dsn):
    with psycopg.connect(warehouse_dsn) as conn:
        rendered = render(conn)
    committed = (PROJECT_ROOT / DICTIONARY_PATH).read_text()
    assert committed == rendered, "run `python -m pipeline dictionary` and commit docs/data_dictionary.md"
