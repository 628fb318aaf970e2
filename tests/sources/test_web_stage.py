"""The web stage end to end on real Postgres and a real HTTP server on 127.0.0.1: a feed and the
seeds' original URLs are fetched, archived in raw.fetches, extracted, deduplicated and loaded."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime

import psycopg
import psycopg.rows
import pytest

from pipeline import stages
from pipeline.config import settings
from pipeline.sources.web import archived_page
from tests.conftest import REPO, process_batches
from tests.sources import httpd
from tests.sources.httpd import send

INTERVAL = (datetime(2015, 5, 21, tzinfo=UTC), datetime(2015, 5, 22, tzinfo=UTC))

PARAGRAPHS_A = [
    "Moscow and Baghdad are expanding military cooperation, Russian President Vladimir Putin said on Thursday "
    "during talks with Iraqi Prime Minister Haider al-Abadi in the Kremlin.",
    "Russian Foreign Minister Sergei Lavrov said before the talks began that Russia was ready to supply weapons "
    "to Iraq to help it combat Islamic State militants, who have made further sweeping gains.",
    "\"We are helping both Iraq and Syria, possibly more effectively than anyone else,\" Lavrov said, without "
    "giving details of the weapons or of the timetable for their delivery.",
]
PARAGRAPHS_B = [
    "Italian Foreign Minister Paolo Gentiloni met his Russian counterpart in Rome on Friday to discuss the war "
    "in Syria and the fight against terrorism across the Mediterranean region.",
    "The two ministers agreed that a political settlement was the only way to end the conflict, and that "
    "talks between the government and the opposition should start early next year.",
    "\"Italy and Russia share the goal of defeating terrorism,\" Gentiloni told reporters after the meeting, "
    "adding that sanctions remained a subject on which the two countries disagreed.",
]


def page(title: str, paragraphs: list[str], canonical: str, published: str, author: str = "Jane Doe") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Daily Example</title>
<link rel="canonical" href="{canonical}"><meta property="og:site_name" content="The Daily Example">
<meta property="article:published_time" content="{published}"><meta name="author" content="{author}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>{title}</h1>{body}</article>
<footer>Copyright 2015 The Daily Example</footer></body></html>""".encode()


def seed_text(title: str, paragraphs: list[str], url: str) -> str:
    body = "\n\n".join(paragraphs)
    return f"# {title}\n\nMay 21, 2015\n\n{body}\n\nOriginal url:\n\n<{url}>\n"


@pytest.fixture
def site(tmp_path):
    state = httpd.Server()
    server = httpd.start(state)
    base = state.url("")
    a_url, b_url, c_url = f"{base}/2015/05/21/putin-iraq", f"{base}/2015/05/21/rome-talks", f"{base}/mirror/rome"
    etag = '"a-v1"'

    def article_a(h):
        if h.headers.get("If-None-Match") == etag:
            send(h, 304, b"", content_type="")
        else:
            send(h, 200, page("Putin vows to help Iraq", PARAGRAPHS_A, a_url, "2015-05-21T10:00:00Z"),
                 headers={"ETag": etag})

    state.routes["/2015/05/21/putin-iraq"] = article_a
    state.routes["/2015/05/21/rome-talks"] = lambda h: send(h, 200, page(
        "Gentiloni and Lavrov meet in Rome", PARAGRAPHS_B, b_url, "2015-05-21T12:00:00Z"))
    # The same story republished under another URL, with a different page around it.
    state.routes["/mirror/rome"] = lambda h: send(h, 200, page(
        "Rome talks: Gentiloni and Lavrov", PARAGRAPHS_B + ["Republished with permission."], c_url,
        "2015-05-21T15:00:00Z", author="Wire Desk"))
    state.routes["/robots.txt"] = lambda h: send(h, 200, b"User-agent: *\nDisallow: /private/\n",
                                                  content_type="text/plain")
    items = [
        (b_url, datetime(2015, 5, 21, 12, tzinfo=UTC)),
        (c_url, datetime(2015, 5, 21, 15, tzinfo=UTC)),
        (f"{base}/2015/05/20/old-story", datetime(2015, 5, 20, 9, tzinfo=UTC)),  # outside the interval
        (f"{base}/2015/05/21/missing", datetime(2015, 5, 21, 9, tzinfo=UTC)),  # 404
        (f"{base}/private/2015/05/21/x", datetime(2015, 5, 21, 9, tzinfo=UTC)),  # robots
    ]
    rss = "".join(f"<item><title>t</title><link>{u}</link><pubDate>{format_datetime(d)}</pubDate></item>"
                  for u, d in items)
    state.routes["/feed.xml"] = lambda h: send(
        h, 200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{rss}</channel></rss>'.encode(),
        content_type="application/rss+xml")

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001_putin.md").write_text(seed_text("Putin vows to help Iraq", PARAGRAPHS_A, a_url))
    registry = tmp_path / "sources.yml"
    registry.write_text(f"""version: 1
sources:
  - name: seeds
    kind: seed_directory
    path: {seeds}
    fetch_original_urls: true
    politeness: {{host_delay_s: 0}}
  - name: daily-example
    kind: feed
    url: {base}/feed.xml
    politeness: {{host_delay_s: 0, max_concurrency_per_host: 2}}
""")
    cfg = dataclasses.replace(settings(), fetch_enabled=True, sources_file=registry, seed_dir=seeds,
                              fetch_allow_private=("127.0.0.1",), fetch_retries=0, fetch_timeout_s=5.0)
    yield state, cfg, {"a": a_url, "b": b_url, "c": c_url}
    server.shutdown()
    server.server_close()


def run(dsn: str, cfg, run_name: str, interval=INTERVAL) -> int:
    run_id = stages.begin_run(dsn, dag_id="news_ingest", dag_run_id=run_name, data_interval_start=interval[0],
                              data_interval_end=interval[1])
    process_batches(dsn, stages.discover_documents(dsn, run_id, cfg=cfg, data_interval_start=interval[0],
                                                   data_interval_end=interval[1]))
    stages.end_run(dsn, run_id)
    return run_id


def rows(dsn: str, sql: str, *args):
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, args).fetchall()


def test_web_sources_seeds_and_pages_become_one_article_each(clean_dsn, site):
    state, cfg, urls = site
    run(clean_dsn, cfg, "web-1")

    articles = {url: (source, title, extractor, authors) for url, source, title, extractor, authors in rows(
        clean_dsn, "select url, source, title, extractor, authors from mart.articles")}
    # Seed + page of its original URL: one article (the seed's text); the mirror is a near-duplicate.
    assert set(articles) == {urls["a"], urls["b"]}
    assert articles[urls["a"]][0] == "seeds" and articles[urls["a"]][2] == "seed-reader"
    assert articles[urls["b"]][1] == "Gentiloni and Lavrov meet in Rome"
    assert articles[urls["b"]][2].startswith("trafilatura") and articles[urls["b"]][3] == ["Jane Doe"]

    links = {key: (method, url) for key, method, url in rows(clean_dsn, """
        select d.duplicate_key, d.method, a.url
        from core.article_duplicates d join core.articles a using (article_id)""")}
    assert links[urls["a"]] == ("url", urls["a"])
    assert links[urls["c"]][0] == "minhash" and links[urls["c"]][1] == urls["b"]

    # Only URLs of the data interval were requested, robots.txt was obeyed, the 404 is quarantined.
    assert "/2015/05/20/old-story" not in state.paths() and "/private/2015/05/21/x" not in state.paths()
    quarantined = {(stage, code) for stage, code in rows(clean_dsn, "select stage, reason_code from ops.quarantine")}
    assert quarantined == {("fetch", "not_found"), ("fetch", "robots_disallowed")}

    # Every response is archived with its compressed body, headers and final URL.
    archived = rows(clean_dsn, """select requested_url, status, headers, body_gzip, document_id, error_code
                                  from raw.fetches where requested_url = %s""", urls["b"])
    ((_, status, headers, body_gzip, document_id, error_code),) = archived
    assert status == 200 and error_code is None and document_id is not None
    assert b"Gentiloni and Lavrov meet in Rome" in gzip.decompress(body_gzip)
    assert headers["content-type"].startswith("text/html")
    assert rows(clean_dsn, "select count(*) from raw.fetches where requested_url like %s", "%feed.xml")[0][0] == 1
    assert {n for (n,) in rows(clean_dsn, "select name from core.sources")} == {"seeds", "daily-example"}


def test_a_second_run_uses_conditional_get_and_changes_nothing(clean_dsn, site):
    state, cfg, urls = site
    run(clean_dsn, cfg, "web-1")
    before = rows(clean_dsn, "select article_id, loaded_at from core.articles order by 1")
    documents_before = rows(clean_dsn, "select count(*) from raw.documents")[0][0]
    second = run(clean_dsn, cfg, "web-2")
    assert rows(clean_dsn, "select article_id, loaded_at from core.articles order by 1") == before
    assert rows(clean_dsn, "select count(*) from raw.documents")[0][0] == documents_before
    a_requests = [s for s in state.seen if s.path == "/2015/05/21/putin-iraq"]
    assert a_requests[-1].headers.get("if-none-match") == '"a-v1"'
    assert rows(clean_dsn, "select status, document_id is not null from raw.fetches where run_id = %s "
                           "and requested_url = %s", second, urls["a"]) == [(304, True)]
    assert rows(clean_dsn, "select status from ops.runs where run_id = %s", second) == [("success",)]


def test_without_news_fetch_nothing_is_fetched(clean_dsn, site):
    state, cfg, _ = site
    run(clean_dsn, dataclasses.replace(cfg, fetch_enabled=False), "seeds-only")
    assert state.seen == []
    assert rows(clean_dsn, "select count(*) from raw.fetches")[0][0] == 0
    assert rows(clean_dsn, "select count(*) from mart.articles")[0][0] == 1


def test_a_news_sitemap_index_gives_the_urls_of_the_interval(clean_dsn, site, tmp_path):
    state, cfg, urls = site
    base = state.url("")
    state.routes["/sitemap.xml"] = lambda h: send(h, 200, f"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>""".encode(), content_type="application/xml")
    state.routes["/sitemap-news.xml"] = lambda h: send(h, 200, f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{urls['b']}</loc><news:news><news:publication_date>2015-05-21T12:00:00Z</news:publication_date>
</news:news></url>
<url><loc>{base}/2015/05/19/older</loc><lastmod>2015-05-19</lastmod></url></urlset>""".encode(),
        content_type="application/xml")
    registry = tmp_path / "sitemap-sources.yml"
    registry.write_text(f"""version: 1
sources:
  - name: seeds
    kind: seed_directory
    path: seeds
    fetch_original_urls: false
  - name: example-sitemap
    kind: sitemap
    url: {base}/sitemap.xml
    politeness: {{host_delay_s: 0}}
""")
    run(clean_dsn, dataclasses.replace(cfg, sources_file=registry), "sitemap-1")
    assert "/2015/05/19/older" not in state.paths() and "/2015/05/21/putin-iraq" not in state.paths()
    found = dict(rows(clean_dsn, "select url, published_at::date::text from raw.discovered_urls"))
    assert found == {urls["b"]: "2015-05-21", f"{base}/2015/05/19/older": "2015-05-19"}
    assert {u for (u,) in rows(clean_dsn, "select url from mart.articles")} == {urls["a"], urls["b"]}
    assert rows(clean_dsn, "select source from mart.articles where url = %s", urls["b"]) == [("example-sitemap",)]


def test_archived_pages_re_extract_without_fetching(clean_dsn, site):
    state, cfg, urls = site
    run(clean_dsn, cfg, "web-archive")
    with psycopg.connect(clean_dsn, row_factory=psycopg.rows.dict_row) as conn:
        final_url, html = archived_page(conn, urls["b"])
    assert final_url == urls["b"] and "Gentiloni and Lavrov meet in Rome" in html
    requests = len(state.seen)
    done = subprocess.run([sys.executable, "-m", "pipeline", "extract", "--archive", urls["b"]], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "WAREHOUSE_DSN": clean_dsn, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Gentiloni and Lavrov meet in Rome"
    assert len(state.seen) == requests  # nothing fetched


def test_a_seed_page_naming_another_canonical_url_is_still_the_seeds_article(clean_dsn, site, tmp_path):
    state, cfg, urls = site
    moved = "https://www.daily-example.com/world/putin-iraq-a1"
    # The page of the seed's original URL declares another canonical URL and carries extra text.
    state.routes["/2015/05/21/putin-iraq"] = lambda h: send(h, 200, page(
        "Putin vows to help Iraq", PARAGRAPHS_A[:2] + PARAGRAPHS_B, moved, "2015-05-21T10:00:00Z"))
    registry = tmp_path / "seeds-only.yml"
    registry.write_text(f"""version: 1
sources:
  - name: seeds
    kind: seed_directory
    path: seeds
    fetch_original_urls: true
    politeness: {{host_delay_s: 0}}
""")
    run(clean_dsn, dataclasses.replace(cfg, sources_file=registry), "moved-1")
    assert "/2015/05/21/putin-iraq" in state.paths()
    assert rows(clean_dsn, "select url, extractor from mart.articles") == [(urls["a"], "seed-reader")]
    assert rows(clean_dsn, "select duplicate_key, method from core.article_duplicates") == [(moved, "url")]


def test_pages_due_for_a_refetch_are_fetched_again_by_a_later_interval(clean_dsn, site):
    state, cfg, urls = site
    run(clean_dsn, cfg, "web-1")
    # As if that run had happened on 21 May: the pages were first fetched then.
    with psycopg.connect(clean_dsn) as conn:
        conn.execute("update raw.fetches set fetched_at = %s", (datetime(2015, 5, 21, 13, tzinfo=UTC),))
    next_day = (datetime(2015, 5, 22, tzinfo=UTC), datetime(2015, 5, 23, tzinfo=UTC))
    before = len([s for s in state.seen if s.path == "/2015/05/21/rome-talks"])

    # Re-fetching switched off: the feed lists nothing for 22 May, so nothing is requested.
    run(clean_dsn, dataclasses.replace(cfg, refetch_after_hours=0), "web-off", next_day)
    assert len([s for s in state.seen if s.path == "/2015/05/21/rome-talks"]) == before
    # On: the feed's pages of the day before are due (fetched over 24 hours before the interval's end,
    # first fetched within 3 days of it). The seed (scope "all" here) brings its original URL as always.
    second = run(clean_dsn, cfg, "web-2", next_day)
    refetched = {url for (url,) in rows(clean_dsn, "select requested_url from raw.fetches where run_id = %s "
                                                   "and source = 'daily-example' and requested_url not like %s",
                                        second, "%feed.xml")}
    assert refetched == {urls["b"], urls["c"]}
    assert rows(clean_dsn, "select count(*) from mart.articles")[0][0] == 2  # unchanged pages, no new articles
    # A week later they are past the window.
    later = (datetime(2015, 5, 28, tzinfo=UTC), datetime(2015, 5, 29, tzinfo=UTC))
    from pipeline.sources.web import due_refetches
    with psycopg.connect(clean_dsn, row_factory=psycopg.rows.dict_row) as conn:
        assert due_refetches(conn, "daily-example", cfg, as_of=later[1]) == []
