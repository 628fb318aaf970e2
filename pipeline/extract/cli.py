"""`python -m pipeline extract`: the article in one HTML page as JSON, exactly as the DAG extracts it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from pipeline.config import settings
from pipeline.records import RejectedDocument


def article_json(html_text: str, url: str | None) -> dict:
    from pipeline.extract.html import extract_html

    article = extract_html(html_text, url=url)
    return {
        "title": article.title,
        "authors": list(article.authors),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "language": article.language,
        "url": article.url,
        "text": article.body,
        "site_name": article.site_name,
        "extractor": article.extractor,
        "extractor_version": article.extractor_version,
    }


def _fetch(url: str):
    from pipeline.sources.fetch import Fetcher
    from pipeline.sources.registry import Source
    from pipeline.sources.web import policy_for

    policy = policy_for(Source(name="cli", kind="url_list", urls=[url]), settings())

    async def run():
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


@click.command("extract")
@click.argument("url", required=False)
@click.option("--html", "html_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read this HTML file instead of fetching.")
@click.option("--url", "page_url", help="The page's address (for relative links and the canonical URL).")
@click.option("--archive", is_flag=True, help="Use the newest response for URL in raw.fetches; no network.")
def extract_command(url: str | None, html_file: Path | None, page_url: str | None, archive: bool) -> None:
    """Print one JSON object (title, authors, published_at, language, url, text) for an HTML page.

    `extract --html FILE [--url URL]` reads a file; `extract URL` fetches the page first, politely
    (robots.txt, timeouts, size cap, private-address guard: NEWS_FETCH_* settings);
    `extract --archive URL` re-extracts the archived response from the warehouse.
    """
    from pipeline.sources.fetch import decode_body

    if (url is None) == (html_file is None):
        raise click.UsageError("give either a URL or --html FILE")
    if html_file is not None:
        text, _ = decode_body(html_file.read_bytes(), None)
        source_url = page_url or url
    elif archive:
        from pipeline.config import warehouse_dsn
        from pipeline.load import warehouse
        from pipeline.sources.web import archived_page

        with warehouse.connect(warehouse_dsn()) as conn:
            found = archived_page(conn, url)
        if found is None:
            click.echo(f"error: no archived response with a body for {url} in raw.fetches", err=True)
            sys.exit(2)
        source_url, text = found
    else:
        result = _fetch(url)
        if not result.ok:
            click.echo(f"error: {result.error or f'HTTP {result.status}'} ({result.error_code})", err=True)
            sys.exit(2)
        text, source_url = result.text, result.final_url
    try:
        click.echo(json.dumps(article_json(text, source_url), ensure_ascii=False, indent=2))
    except RejectedDocument as rejected:
        click.echo(f"error: {rejected.reason} ({rejected.code})", err=True)
        sys.exit(1)
