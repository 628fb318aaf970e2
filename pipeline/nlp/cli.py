"""Entity commands: `entities` (mentions of a text as JSON lines), `resolve-entities` (re-resolve
the warehouse after the alias table changed) and `evaluate-entities` (the annotated dev set)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def mention_records(text: str) -> list[dict]:
    """What the DAG's analyse task finds in `text`, one dict per mention; entity_id numbers the
    canonical entities within the input in order of first mention."""
    from pipeline.nlp.entities import extract_mentions
    from pipeline.nlp.model import load_model

    ids: dict[str, int] = {}
    records = []
    for m in extract_mentions(load_model()(text)):
        entity_id = ids.setdefault(m.canonical_key, len(ids) + 1)
        records.append({"text": m.text, "start": m.start, "end": m.end, "label": m.label,
                        "canonical_name": m.canonical_name, "entity_id": entity_id})
    return records


@click.command("entities")
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
def entities(source) -> None:
    """Print the entity mentions of FILE (or stdin when FILE is - or absent), one JSON object a line."""
    for record in mention_records(source.read()):
        click.echo(json.dumps(record, ensure_ascii=False))


@click.command("resolve-entities")
def resolve_entities() -> None:
    """Recompute canonical entities of all stored mentions and quotes' speakers from the warehouse
    alias table (core.entity_aliases), without re-running NLP."""
    from pipeline import config
    from pipeline.load.entity_store import resolve_warehouse

    counts = resolve_warehouse(config.warehouse_dsn())
    click.echo(json.dumps(counts))


@click.command("evaluate-entities")
@click.option("--naeb", "naeb_dir", type=click.Path(path_type=Path), default=None,
              help="NAEB corpus folder (default ../shared/corpora/naeb next to the repository, or NAEB_DIR).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate_entities(naeb_dir: Path | None, as_json: bool) -> None:
    """Mention precision and recall and canonical ids per real entity on the annotated dev set."""
    from pipeline.nlp.evaluate_entities import evaluate, format_report

    report = evaluate(naeb_dir)
    for note in report["notes"]:
        click.echo(note, err=True)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))
    if report["drifted"]:
        sys.exit(1)
