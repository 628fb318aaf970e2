"""Refreshing the materialized marts, for the DAGs that run when the article marts change."""

from __future__ import annotations

from pipeline.load import warehouse

DAILY_SUMMARY = "mart.daily_news_summary"


def refresh_daily_summary(dsn: str, *, triggered_by: str | None = None) -> int:
    """Refresh mart.daily_news_summary (through the owner-rights function of sql/012, so the loader
    role may) and record it in ops.mart_refreshes; returns its row count."""
    with warehouse.connect(dsn) as conn:
        rows = conn.execute("select ops.refresh_daily_news_summary() as n").fetchone()["n"]
        conn.execute(
            "insert into ops.mart_refreshes (mart, row_count, triggered_by) values (%s, %s, %s)",
            (DAILY_SUMMARY, rows, triggered_by),
        )
    return rows
