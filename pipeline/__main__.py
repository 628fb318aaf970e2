"""Command line: `python -m pipeline --help`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import config


@click.group()
def cli() -> None:
    """News pipeline commands for people and for the Makefile."""


@cli.group()
def warehouse() -> None:
    """The embedded Postgres warehouse (ignored when WAREHOUSE_DSN is set)."""


@warehouse.command("start")
def warehouse_start() -> None:
    """Start the warehouse if needed and print its DSN."""
    if os.environ.get("WAREHOUSE_DSN"):
        click.echo(os.environ["WAREHOUSE_DSN"])
        return
    from pipeline.load import embedded

    click.echo(embedded.start(config.settings()))


@warehouse.command("stop")
def warehouse_stop() -> None:
    """Stop the embedded warehouse."""
    from pipeline.load import embedded

    stopped = embedded.stop(config.settings())
    click.echo("stopped" if stopped else "not running")


@warehouse.command("dsn")
def warehouse_dsn() -> None:
    """Print the warehouse DSN (for psql, BI tools and AIRFLOW_CONN_WAREHOUSE)."""
    click.echo(config.warehouse_dsn())


@warehouse.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
def warehouse_psql(psql_args: tuple[str, ...]) -> None:
    """Open psql on the warehouse (uses the psql bundled with the embedded server)."""
    from pipeline.load import embedded

    executable = embedded.psql_path()
    os.execv(executable, [executable, config.warehouse_dsn(), *psql_args])


@cli.command()
def migrate() -> None:
    """Apply pending sql/ migrations to the warehouse."""
    from pipeline.load.migrate import migrate as apply

    applied = apply(config.warehouse_dsn())
    click.echo(f"migrations applied: {', '.join(applied) if applied else 'none pending'}")


@cli.command()
def summary() -> None:
    """Print articles, entities, quotes per speaker and quarantined records."""
    from pipeline.report import format_summary, warehouse_summary

    click.echo(format_summary(warehouse_summary(config.warehouse_dsn())))


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 when the committed dictionary differs from the database.")
@click.option("--current", is_flag=True,
              help="Render the warehouse database as it is, instead of a fresh database migrated from sql/.")
def dictionary(check: bool, current: bool) -> None:
    """Write docs/data_dictionary.md from the mart's comments (or check it)."""
    import psycopg

    from pipeline.load.dictionary import DICTIONARY_PATH, render, render_fresh

    if current:
        with psycopg.connect(config.warehouse_dsn()) as conn:
            text = render(conn)
    else:
        text = render_fresh(config.warehouse_dsn())
    path = config.PROJECT_ROOT / DICTIONARY_PATH
    if check:
        if not path.exists() or path.read_text() != text:
            click.echo(f"{DICTIONARY_PATH} is out of date: run `python -m pipeline dictionary`", err=True)
            sys.exit(1)
        click.echo(f"{DICTIONARY_PATH} is up to date")
        return
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    click.echo(f"wrote {DICTIONARY_PATH}")


from pipeline.nlp.quote_cli import evaluate_quotes_command, quotes_command  # noqa: E402

cli.add_command(quotes_command)
cli.add_command(evaluate_quotes_command)


@cli.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Site folder (default NEWS_DATA_DOCS_DIR, else .gx/data_docs).")
@click.option("--runs", type=int, default=None, help="How many latest runs to show (default NEWS_DATA_DOCS_RUNS, 30).")
def datadocs(output: Path | None, runs: int | None) -> None:
    """Render the GX Data Docs site from ops.validation_results and print its index.html."""
    from pipeline.validate.datadocs import render

    click.echo(render(config.warehouse_dsn(), output, runs))


from pipeline.nlp import cli as entity_cli  # noqa: E402

cli.add_command(entity_cli.entities)
cli.add_command(entity_cli.resolve_entities)
cli.add_command(entity_cli.evaluate_entities)


from pipeline.extract.cli import extract_command  # noqa: E402

cli.add_command(extract_command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except RuntimeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
