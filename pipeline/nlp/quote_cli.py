"""Commands `python -m pipeline quotes` and `python -m pipeline evaluate-quotes`."""

from __future__ import annotations

import dataclasses
import json
import sys

import click


def quotes_as_json(text: str) -> list[str]:
    """One JSON line per quote of `text`, parsed and attributed exactly as the DAG does (no title)."""
    from pipeline.nlp.entities import extract_article_mentions
    from pipeline.nlp.model import load_model
    from pipeline.nlp.quotes import extract_quotes

    (doc,) = load_model().pipe([text])
    _, mentions = extract_article_mentions(None, doc)
    lines = []
    for quote in extract_quotes(doc, mentions):
        row = dataclasses.asdict(quote)
        row.pop("speaker_key")
        lines.append(json.dumps(row, ensure_ascii=False))
    return lines


@click.command("quotes")
@click.argument("source", type=click.File("rb"), default="-")
def quotes_command(source) -> None:
    """Print the quotes of a plain-text article (FILE, or - for stdin) as JSON lines.

    Offsets are character offsets into the input exactly as given (UTF-8; line endings are not
    translated); paragraphs are separated by blank lines.
    """
    try:
        text = source.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"the input is not UTF-8 text: {error}") from error
    for line in quotes_as_json(text):
        click.echo(line)


@click.command("evaluate-quotes")
@click.option("--details", is_flag=True, help="Also list the project's misses, extra quotes and wrong speakers.")
@click.option("--seeds-only", is_flag=True, help="Score the seed articles only.")
def evaluate_quotes_command(details: bool, seeds_only: bool) -> None:
    """Precision, recall and speaker accuracy of the project and of textacy on the annotated set."""
    from pathlib import Path

    from pipeline.nlp import evaluate_quotes as ev
    from pipeline.nlp.model import load_model

    naeb = Path("/nonexistent") if seeds_only else None
    articles, notes = ev.load_articles(naeb=naeb)
    if seeds_only:
        notes = ["seeds only: NAEB articles not scored"]
    if not articles:
        click.echo("no annotated article is available", err=True)
        sys.exit(1)
    results = ev.evaluate(articles, load_model())
    click.echo(ev.format_report(results, notes, details=details))
