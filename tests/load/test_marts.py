"""The daily summary mart that news_daily_summary refreshes after every load."""

from __future__ import annotations

import psycopg
import pytest

from pipeline.load.marts import refresh_daily_summary
from tests.conftest import query, run_pipeline


def test_refresh_fills_the_summary_then_refreshes_it_concurrently(clean_dsn, seed_dir):
    run_pipeline(clean_dsn, seed_dir, "manual__summary")
    assert refresh_daily_summary(clean_dsn, triggered_by="first") == query(
        clean_dsn, "select count(*) from (select distinct published_at, source from core.articles) d")[0][0]
    totals = query(clean_dsn, "select sum(articles), sum(quotes), sum(entity_mentions) from mart.daily_news_summary")
    expected = query(clean_dsn, """select (select count(*) from core.articles), (select count(*) from core.quotes),
                                          (select count(*) from core.entity_mentions where field = 'body')""")
    assert totals == expected
    # The undated articles have their own row.
    undated = query(clean_dsn, "select articles from mart.daily_news_summary where publication_date is null")
    assert undated == query(clean_dsn, "select count(*) from core.articles where published_at is null")

    # The second refresh is concurrent (the view is populated) and sees new rows.
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("delete from core.articles where published_at is null")
    refresh_daily_summary(clean_dsn, triggered_by="second")
    assert query(clean_dsn, "select count(*) from mart.daily_news_summary where publication_date is null") == [(0,)]
    assert query(clean_dsn, "select triggered_by, row_count > 0 from ops.mart_refreshes order by refresh_id") == \
        [("first", True), ("second", True)]


def test_the_loader_role_may_refresh_and_the_bi_role_may_not(clean_dsn):
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("set role news_loader")
        assert conn.execute("select ops.refresh_daily_news_summary()").fetchone() == (0,)
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("set role news_bi")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select ops.refresh_daily_news_summary()")
