"""The short warehouse summary printed after a run (reads the mart and ops layers only)."""

from __future__ import annotations

from pipeline.load import warehouse


def warehouse_summary(dsn: str) -> dict:
    with warehouse.connect(dsn) as conn:
        articles = conn.execute(
            "select article_id, title, published_at, url from mart.articles order by article_id"
        ).fetchall()
        entities = conn.execute("select count(*) as n from mart.entities").fetchone()["n"]
        mentions = conn.execute("select count(*) as n from mart.entity_mentions").fetchone()["n"]
        speakers = conn.execute(
            """
            select coalesce(speaker_name, '(unattributed)') as speaker, count(*) as quotes
            from mart.quotes group by 1 order by 2 desc, 1
            """
        ).fetchall()
        quarantine = conn.execute(
            "select stage, reason_code, record_key, reason from ops.quarantine order by quarantine_id"
        ).fetchall()
        last_run = conn.execute(
            "select run_id, status, started_at, ended_at from ops.runs order by run_id desc limit 1"
        ).fetchone()
    return {"articles": articles, "entities": entities, "mentions": mentions, "speakers": speakers,
            "quarantine": quarantine, "last_run": last_run}


def format_summary(summary: dict) -> str:
    lines = [f"articles: {len(summary['articles'])}"]
    for row in summary["articles"]:
        lines.append(f"  [{row['article_id']}] {row['title']} ({row['published_at'] or 'no date'})")
    lines.append(f"entities: {summary['entities']} ({summary['mentions']} mentions in bodies)")
    lines.append(f"quotes: {sum(r['quotes'] for r in summary['speakers'])}")
    for row in summary["speakers"]:
        lines.append(f"  {row['quotes']:>4}  {row['speaker']}")
    lines.append(f"quarantined records: {len(summary['quarantine'])}")
    for row in summary["quarantine"]:
        lines.append(f"  [{row['stage']}/{row['reason_code']}] {row['record_key'][:60]}: {row['reason'][:120]}")
    run = summary["last_run"]
    if run:
        lines.append(f"last run: {run['run_id']} {run['status']} ({run['started_at']:%Y-%m-%d %H:%M:%S} UTC)")
    return "\n".join(lines)
