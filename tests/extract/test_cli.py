"""`python -m pipeline extract` as people run it: a real subprocess, a file or a URL on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.extract.html import extract_html
from pipeline.sources.fetch import decode_body
from tests.extract.test_html import STORY, page
from tests.sources import httpd
from tests.sources.httpd import send

REPO = Path(__file__).resolve().parents[2]
KEYS = {"title", "authors", "published_at", "language", "url", "text"}


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "extract", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_extract_html_file_prints_the_dag_extraction(tmp_path):
    html = page(head='<meta name="author" content="Ana Ruiz"><meta property="article:published_time" '
                     'content="2015-11-03">')
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("cp1252").replace(b'charset="utf-8"', b'charset="windows-1252"'))
    done = run_cli("--html", str(path), "--url", "https://metro.example.com/news/tram?utm_medium=x")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert KEYS <= set(result)
    assert result["title"] == "Council backs tram extension" and result["authors"] == ["Ana Ruiz"]
    assert result["published_at"] == "2015-11-03" and result["language"] == "en"
    assert result["url"] == "https://metro.example.com/news/tram"
    assert result["text"].split("\n\n") == STORY
    dag = extract_html(decode_body(path.read_bytes(), None)[0], url="https://metro.example.com/news/tram?utm_medium=x")
    assert result["text"] == dag.body and result["extractor_version"] == dag.extractor_version


def test_extract_url_fetches_first_and_refuses_private_addresses_by_default():
    state = httpd.Server()
    server = httpd.start(state)
    try:
        state.routes["/story"] = lambda h: send(h, 200, page().encode())
        refused = run_cli(state.url("/story"))
        assert refused.returncode == 2 and "blocked_address" in refused.stderr and state.seen == []
        done = run_cli(state.url("/story"), env={"NEWS_FETCH_ALLOW_PRIVATE": "127.0.0.1"})
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["url"] == state.url("/story") and result["text"].split("\n\n") == STORY
        assert state.paths() == ["/robots.txt", "/story"]
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_without_an_article_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><p>Nothing here.</p></body></html>")
    done = run_cli("--html", str(path))
    assert done.returncode == 1 and "no article text" in done.stderr and done.stdout == ""


def test_url_and_file_are_exclusive():
    assert run_cli().returncode == 2
