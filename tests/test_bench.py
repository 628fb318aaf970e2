"""Smoke run of the benchmark command so it cannot rot: a few generated pages through the real DAG.

No timing is asserted; CI does not time anything.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import psycopg
from psycopg.conninfo import make_conninfo
import pytest

from tests.conftest import REPO

PAGES = 4
KEYS = {"articles", "articles_per_s", "e2e_vs_nlp_floor", "nlp_stage_vs_floor", "load_vs_copy_floor",
        "peak_rss_mb", "scale"}


@pytest.mark.slow
def test_bench_runs_end_to_end_and_ends_with_the_json_line(server_dsn):
    env = {**os.environ, "WAREHOUSE_DSN": server_dsn, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "pipeline.bench", "--generate", str(PAGES)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert set(summary) == KEYS
    assert summary["articles"] == PAGES
    assert summary["scale"] == 1
    for key in KEYS - {"articles", "scale"}:
        value = summary[key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (key, value)
    report = "\n".join(lines[:-1])
    for stage in ("discover", "extract", "analyse", "validate", "load"):
        assert stage in report
    # The benchmark's database is dropped afterwards.
    admin = make_conninfo(server_dsn, dbname="postgres")
    with psycopg.connect(admin) as conn:
        left = conn.execute("select datname from pg_database where datname like 'news_bench_%'").fetchall()
    assert not [name for (name,) in left if name in result.stdout]


def test_rendered_copies_are_the_pages_the_server_would_make(tmp_path):
    from pipeline.bench import corpus as bench_corpus

    pages = bench_corpus.generate(3)
    live = bench_corpus.Site(pages, scale=3)
    rendered = bench_corpus.Site(pages, scale=3)
    rendered.render(tmp_path)
    paths = [url.split("/", 3)[3] for url in live.urls()]
    assert len(paths) == 9
    for path in paths:
        assert rendered.page("/" + path) == live.page("/" + path)
    assert rendered.page("/s1/" + next(iter(pages.files))) != live.page("/s0/" + next(iter(pages.files)))
    assert rendered.page("/s3/" + next(iter(pages.files))) is None  # beyond the scale
    assert len(list(tmp_path.rglob("*"))) == 2 + 6  # two copy folders, three pages each
