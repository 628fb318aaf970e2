"""The BI role reads the mart and nothing else; every mart column is documented; no drift."""

from __future__ import annotations

import re
import shutil

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pipeline.config import PROJECT_ROOT
from pipeline.load.dictionary import DICTIONARY_PATH, render, render_fresh
from tests.conftest import SEEDS, run_pipeline, truncate_all

BI_MARTS = {"daily_entity_mentions", "daily_speaker_quotes", "daily_source_articles", "source_freshness",
            "pipeline_health", "data_quality", "quarantine_summary"}


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
        assert {"articles", "entities", "entity_mentions", "quotes"} | BI_MARTS <= set(views)
        for view in views:
            conn.execute(f"select * from mart.{view} limit 1")
        assert conn.execute("show statement_timeout").fetchone()[0] == "1min"
        assert conn.execute("show idle_in_transaction_session_timeout").fetchone()[0] == "5min"
        # BI tools list and query the mart unqualified.
        assert conn.execute("show search_path").fetchone()[0] == "mart"
        conn.execute("select count(*) from articles")


@pytest.mark.parametrize("schema_table", ["core.articles", "core.entities", "raw.documents", "ops.quarantine",
                                          "ops.validation_results", "ops.runs", "staging.articles",
                                          "public.schema_migrations"])
def test_bi_role_cannot_read_outside_the_mart(warehouse_dsn, schema_table):
    with as_role(warehouse_dsn, "news_bi") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select 1 from {schema_table} limit 1")


@pytest.mark.parametrize("statement", [
    "insert into mart.quotes (quote_text) values ('x')",
    "delete from mart.articles",
    "create table mart.sneaky (id int)",
    "create table public.sneaky (id int)",
    "create temporary table sneaky (id int)",
    "update mart.articles set title = 'x'",
    "create view mart.sneaky as select 1",
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
            where n.nspname = 'mart' and c.relkind <> 'i'  -- index columns cannot carry comments
              and (obj_description(c.oid, 'pg_class') is null or a.attname is not null)
            """
        ).fetchall()
    assert missing == []


def test_migrations_set_no_password():
    for path in sorted((PROJECT_ROOT / "sql").glob("*.sql")):
        assert not re.search(r"(?i)\bpassword\s+'", path.read_text()), f"{path.name} sets a password"


def test_committed_data_dictionary_matches_the_database(warehouse_dsn):
    with psycopg.connect(warehouse_dsn) as conn:
        rendered = render(conn)
    committed = (PROJECT_ROOT / DICTIONARY_PATH).read_text()
    assert committed == rendered, "run `python -m pipeline dictionary` and commit docs/data_dictionary.md"


def test_committed_data_dictionary_matches_a_fresh_database_and_documents_every_mart_view(server_dsn):
    """What `python -m pipeline dictionary` regenerates (a fresh database migrated from sql/) is committed."""
    rendered = render_fresh(server_dsn)
    assert (PROJECT_ROOT / DICTIONARY_PATH).read_text() == rendered, \
        "run `make dictionary` (python -m pipeline dictionary) and commit docs/data_dictionary.md"
    for view in BI_MARTS | {"articles", "entities", "entity_mentions", "quotes"}:
        assert f"## `mart.{view}`" in rendered
    assert "(no comment)" not in rendered


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, warehouse_dsn):
    """The seeds run through the stages, plus a stub that fails the articles suite."""
    truncate_all(warehouse_dsn)
    seed_dir = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, seed_dir)
    (seed_dir / "904_stub.md").write_text("# Stub headline\n\nToo short to be an article.\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWS_DATA_DOCS_DIR", "")
        run_id = run_pipeline(warehouse_dsn, seed_dir, "bi-marts")
    return warehouse_dsn, run_id


def test_bi_marts_agree_with_the_contract_views_as_the_bi_role_sees_them(loaded):
    dsn, run_id = loaded
    with as_role(dsn, "news_bi") as conn:
        def one(sql):
            return conn.execute(sql).fetchone()

        articles, words = one("select count(*), sum(word_count) from articles")
        assert articles == 5
        assert one("select sum(articles), sum(words) from daily_source_articles") == (articles, words)
        mentions = one("select count(*) from entity_mentions")[0]
        assert one("select sum(mentions) from daily_entity_mentions")[0] == mentions
        assert one("select sum(quotes) from daily_speaker_quotes")[0] == one("select count(*) from quotes")[0] > 0
        source, count, latest, hours = one(
            "select source, articles, latest_publication_date, hours_since_last_load from source_freshness")
        assert (source, count) == ("seeds", articles) and latest.year == 2015 and 0 <= hours < 1

        status, documents, quarantined, rate, last_success, ended = one(
            "select status, documents, quarantined, quarantine_rate, last_success_at, ended_at "
            f"from pipeline_health where run_id = {run_id}")
        assert status == "success" and last_success == ended and quarantined >= 1
        assert float(rate) == pytest.approx(quarantined / (documents + quarantined), abs=0.001)

        quality = {row[0]: row[1:] for row in conn.execute(
            f"select suite, evaluated_rows, failed_rows, success from data_quality where run_id = {run_id}")}
        assert set(quality) == {"articles", "entity_mentions", "quotes"}
        assert quality["articles"] == (6, 1, False), "the stub fails the articles suite and is counted"
        assert quality["quotes"][2] is True

        reasons = dict(conn.execute(
            "select reason_code, sum(records) from quarantine_summary where stage = 'validate' group by 1"))
        assert reasons == {"expectations": 1}


def test_grants_cover_every_table_any_migration_created(warehouse_dsn):
    """The loader can work on every table and sequence of raw, staging, core and ops; the BI role can read
    every mart view and nothing else — including objects of migrations written after sql/007."""
    with psycopg.connect(warehouse_dsn) as conn:
        loader_missing = conn.execute(
            """
            select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname in ('raw', 'staging', 'core', 'ops') and c.relkind in ('r', 'p', 'v', 'S')
              and not case when c.relkind = 'S' then has_sequence_privilege('news_loader', c.oid, 'usage')
                           when c.relkind = 'v' then has_table_privilege('news_loader', c.oid, 'select')
                           else has_table_privilege('news_loader', c.oid, 'select, insert, update, delete') end
            """).fetchall()
        assert loader_missing == []
        bi_readable = {name for (name,) in conn.execute(
            """
            select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%%'
              and c.relkind in ('r', 'p', 'v', 'm') and has_table_privilege('news_bi', c.oid, 'select')
            """)}
        mart = {f"mart.{name}" for (name,) in conn.execute(
            "select table_name from information_schema.views where table_schema = 'mart'"
            " union all select matviewname from pg_matviews where schemaname = 'mart'")}
        assert bi_readable == mart
