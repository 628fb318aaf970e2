"""GX Data Docs: rendered by every run's end_run from ops.validation_results, readable offline in Chromium."""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pipeline.validate import datadocs
from tests.conftest import REPO, SEEDS, run_pipeline, truncate_all

SUITES = ("articles", "entity_mentions", "quotes")


@pytest.fixture(scope="module")
def site(tmp_path_factory, warehouse_dsn):
    """Two runs over the seeds (the second with a stub that fails the articles suite), docs from end_run."""
    truncate_all(warehouse_dsn)
    seed_dir = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, seed_dir)
    docs = tmp_path_factory.mktemp("docs") / "data_docs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWS_DATA_DOCS_DIR", str(docs))
        first = run_pipeline(warehouse_dsn, seed_dir, "docs-run-1")
        (seed_dir / "904_stub.md").write_text("# Stub headline\n\nToo short to be an article.\n")
        latest = run_pipeline(warehouse_dsn, seed_dir, "docs-run-2")
    return {"dsn": warehouse_dsn, "dir": docs, "first": first, "latest": latest}


def chromium_dom(url: str, tmp_path: Path) -> str:
    """The DOM headless Chromium builds for url, with scripts and styles removed."""
    browser = shutil.which("chromium")
    if browser is None:
        message = "Debian's chromium package is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = re.sub(r"<(script|style)\b.*?</\1>", "", done.stdout, flags=re.S | re.I)
    return dom


def visible_text(dom: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))


def test_end_run_writes_a_page_per_suite_and_per_stored_result(site):
    assert (site["dir"] / "index.html").is_file()
    for suite in SUITES:
        assert (site["dir"] / "expectations" / f"{suite}.html").is_file()
    with psycopg.connect(site["dsn"]) as conn:
        stored = conn.execute("select count(*) from ops.validation_results").fetchone()[0]
    pages = list((site["dir"] / "validations").rglob("*.html"))
    assert stored == 6 and len(pages) == stored
    latest = datadocs.run_name(site["latest"], "docs-run-2")
    assert {p.parent.parent.parent.name for p in pages if p.parent.parent.name == latest} == set(SUITES)


def test_index_in_headless_chromium_shows_the_suites_and_the_latest_run_first(site, tmp_path):
    dom = chromium_dom((site["dir"] / "index.html").as_uri(), tmp_path)
    text = visible_text(dom)
    for suite in SUITES:
        assert re.search(rf"\b{suite}\b", text), suite
        assert f'href="expectations/{suite}.html"' in dom
    latest = datadocs.run_name(site["latest"], "docs-run-2")
    first = datadocs.run_name(site["first"], "docs-run-1")
    assert latest in text and first in text
    assert text.index(latest) < text.index(first), "the latest run is listed first"


def test_the_failed_validation_of_the_latest_run_is_shown_as_failed(site, tmp_path):
    latest = datadocs.run_name(site["latest"], "docs-run-2")
    [page] = (site["dir"] / "validations" / "articles" / latest).rglob("*.html")
    text = visible_text(chromium_dom(page.as_uri(), tmp_path))
    assert "Expectation Suite: articles" in text
    assert "Status: Failed" in text
    [earlier] = (site["dir"] / "validations" / "articles").glob(f"run-{site['first']}_*/*/*.html")
    assert "Status: Succeeded" in visible_text(earlier.read_text())


def test_datadocs_command_renders_from_the_warehouse_and_prints_the_index(site, tmp_path):
    out = tmp_path / "site"
    env = {**os.environ, "WAREHOUSE_DSN": site["dsn"], "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "pipeline", "datadocs", "--output", str(out), "--runs", "1"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "index.html")
    runs = {p.name for p in (out / "validations" / "quotes").iterdir()}
    assert runs == {datadocs.run_name(site["latest"], "docs-run-2")}, "--runs 1 keeps only the latest run"


def test_a_docs_failure_is_logged_and_does_not_fail_the_run(site, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the site's parent folder should be")
    monkeypatch.setenv("NEWS_DATA_DOCS_DIR", str(blocker / "data_docs"))
    with caplog.at_level(logging.ERROR, logger="pipeline.validate.datadocs"):
        assert datadocs.refresh_after_run(site["dsn"]) is None
    assert "could not render GX Data Docs" in caplog.text


def test_an_empty_setting_switches_rendering_off(site, monkeypatch):
    monkeypatch.setenv("NEWS_DATA_DOCS_DIR", "")
    assert datadocs.data_docs_dir() is None
    assert datadocs.refresh_after_run(site["dsn"]) is None


def test_an_empty_warehouse_gets_a_site_with_the_suites_and_no_results(server_dsn, tmp_path):
    """What the compose init job renders before the first run."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from pipeline.load.migrate import migrate

    params = conninfo_to_dict(server_dsn)
    admin = make_conninfo(**{**params, "dbname": "postgres"})
    name = f"news_docs_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    try:
        dsn = make_conninfo(**{**params, "dbname": name})
        migrate(dsn)
        index = datadocs.render(dsn, tmp_path / "site")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
    assert index == tmp_path / "site" / "index.html"
    assert {p.stem for p in (tmp_path / "site" / "expectations").glob("*.html")} == set(SUITES)
    assert not (tmp_path / "site" / "validations").exists()
