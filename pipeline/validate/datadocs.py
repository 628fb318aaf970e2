"""GX Data Docs for the stored validation results: a static site rebuilt at the end of every run.

The validate task stores each batch's GX result JSON in ops.validation_results. Here those results
(of the latest runs) are put into an in-memory GX context with the three suites, and GX's own
SiteBuilder renders the site. Only the index view is changed, so that its tables are plain HTML
and the site is readable without the CDNs GX's index otherwise needs.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path

import psycopg

from pipeline.config import PROJECT_ROOT, _int_env
from pipeline.validate.suites import EXPECTATIONS_DIR, load_suite_json

log = logging.getLogger(__name__)
SUITES = ("articles", "entity_mentions", "quotes")
SITE_NAME = "news_pipeline"
VIEWS_DIR = Path(__file__).with_name("datadocs_views")


def data_docs_dir() -> Path | None:
    """NEWS_DATA_DOCS_DIR, default .gx/data_docs; set it empty to switch rendering off."""
    raw = os.environ.get("NEWS_DATA_DOCS_DIR")
    if raw is None:
        return PROJECT_ROOT / ".gx" / "data_docs"
    return Path(raw).expanduser().resolve() if raw.strip() else None


def runs_kept() -> int:
    return max(1, _int_env("NEWS_DATA_DOCS_RUNS", 30))


def run_name(run_id: int, dag_run_id: str) -> str:
    """GX puts the run name into file paths: keep it to safe characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"run-{run_id}_{dag_run_id}").strip("_")


@functools.lru_cache(maxsize=1)
def _index_view_class():
    from great_expectations.render.view import DefaultJinjaIndexPageView
    from jinja2 import FileSystemLoader

    class StaticIndexPageView(DefaultJinjaIndexPageView):
        """GX's index page view with our table template looked up first."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.env.loader.loaders.insert(0, FileSystemLoader(str(VIEWS_DIR)))

    return StaticIndexPageView


# GX instantiates the index view by module and class name; GX is imported only when it is asked for.
def __getattr__(name: str):
    if name == "StaticIndexPageView":
        return _index_view_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _context(site_dir: Path):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "view": {"module_name": __name__, "class_name": "StaticIndexPageView"},
                },
            }
        },
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def stored_results(conn: psycopg.Connection, runs: int) -> list[tuple]:
    """(run_id, dag_run_id, batch_id, suite, validated_at, results) of the latest `runs` runs."""
    return conn.execute(
        """
        select v.run_id, r.dag_run_id, v.batch_id, v.suite, v.validated_at, v.results
        from ops.validation_results v
        join ops.runs r using (run_id)
        where v.run_id in (select run_id from ops.runs order by started_at desc, run_id desc limit %s)
        order by v.run_id, v.batch_id, v.suite
        """,
        (runs,),
    ).fetchall()


def build_site(rows: list[tuple], site_dir: Path, expectations_dir: Path = EXPECTATIONS_DIR) -> Path:
    """Render the suites and the given stored results into site_dir; returns index.html."""
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = _context(site_dir)
    for suite in SUITES:
        context.suites.add(ExpectationSuite(**load_suite_json(suite, expectations_dir)))
    store = context.validation_results_store
    for run_id, dag_run_id, batch_id, suite, validated_at, results in rows:
        run = RunIdentifier(run_name=run_name(run_id, dag_run_id), run_time=validated_at)
        results = dict(results)
        # The stored JSON comes from an ad-hoc batch.validate(): give it the run it belongs to.
        results["meta"] = {**results.get("meta", {}), "run_id": run.to_json_dict(),
                           "validation_time": validated_at.isoformat()}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite),
            run_id=run,
            batch_identifier=f"batch-{batch_id}",
        )
        store.set(key, store.deserialize(json.dumps(results)))
    context.build_data_docs(site_names=[SITE_NAME])
    index = site_dir / "index.html"
    if not index.is_file():
        raise RuntimeError(f"GX did not write {index}")
    return index


def render(dsn: str, target: Path | None = None, runs: int | None = None) -> Path:
    """Rebuild the site at `target` from the warehouse; returns the path of its index.html.

    The site is built next to the target and swapped in under a lock, so a reader never sees a
    half-written site and concurrent runs do not interleave.
    """
    target = (target or data_docs_dir() or PROJECT_ROOT / ".gx" / "data_docs").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(dsn) as conn:
        rows = stored_results(conn, runs or runs_kept())
    work = target.parent / f".{target.name}.{uuid.uuid4().hex}"
    try:
        build_site(rows, work)
        with (target.parent / f".{target.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            old = target.parent / f".{target.name}.old.{uuid.uuid4().hex}"
            if target.exists():
                target.rename(old)
            work.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / "index.html"


def refresh_after_run(dsn: str) -> Path | None:
    """Called by end_run. The docs are a report: failing to write them must not fail the run."""
    target = data_docs_dir()
    if target is None:
        return None
    try:
        index = render(dsn, target)
    except Exception:  # noqa: BLE001 - logged with its traceback, the run's data is already committed
        log.exception("could not render GX Data Docs into %s", target)
        return None
    log.info("GX Data Docs: %s", index)
    return index
