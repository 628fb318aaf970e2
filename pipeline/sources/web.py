"""The web part of `discover`: registry sources -> candidate URLs of the data interval -> polite
fetches -> raw.fetches (every response) and raw.documents (usable HTML), grouped so that documents
of one article (a seed and the page of its "Original url") land in the same batch.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.config import Settings
from pipeline.extract.articles import normalise_url
from pipeline.load import warehouse
from pipeline.records import RawDocument, RejectedDocument
from pipeline.sources import seeds
from pipeline.sources.discover import Candidate, in_interval, parse_feed, parse_sitemap
from pipeline.sources.fetch import FEED_TYPES, FetchPolicy, Fetcher, FetchResult
from pipeline.sources.registry import Registry, Source, load_registry

log = logging.getLogger(__name__)
HTML_MEDIA_TYPE = "text/html"
MAX_CHILD_SITEMAPS = 50
FETCH_CHUNK = 32


def policy_for(source: Source, cfg: Settings) -> FetchPolicy:
    politeness = source.politeness
    return FetchPolicy(
        user_agent=politeness.user_agent or cfg.fetch_user_agent or FetchPolicy.user_agent,
        connect_timeout_s=min(10.0, cfg.fetch_timeout_s), read_timeout_s=cfg.fetch_timeout_s,
        total_timeout_s=cfg.fetch_total_timeout_s, max_bytes=cfg.max_document_bytes,
        max_redirects=cfg.fetch_max_redirects, retries=cfg.fetch_retries,
        max_retry_after_s=cfg.fetch_max_retry_after_s, host_delay_s=politeness.host_delay_s,
        per_host_concurrency=politeness.max_concurrency_per_host, concurrency=cfg.fetch_concurrency,
        respect_robots=politeness.respect_robots, allow_private=cfg.fetch_allow_private,
    )


def url_key(url: str) -> str:
    try:
        return normalise_url(url)
    except ValueError:
        return url.strip()


@dataclass
class WebIngest:
    """What the web part added: document groups (one group per article) and counts for the log."""

    groups: dict[str, list[int]] = field(default_factory=dict)
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0


# Archived bodies: level 3 is twice as fast as 6 for bodies about 13% larger (NAEB pages).
GZIP_LEVEL = 3


def _gzip(body: bytes | None) -> bytes | None:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if body else None


def _quarantine_fetch(conn, run_id: int, source: str, result: FetchResult) -> None:
    warehouse.quarantine(
        conn, run_id=run_id, stage="fetch", source=source, record_key=f"{source}:{result.url}",
        reason_code=result.error_code or "fetch_error", reason=result.error or "fetch failed",
        record={"url": result.url, "final_url": result.final_url, "status": result.status,
                "attempts": result.attempts, "redirects": result.redirects},
    )


async def _discover(fetcher: Fetcher, conn, run_id: int, source: Source, cfg: Settings,
                    start: datetime | None, end: datetime | None) -> list[Candidate]:
    """Candidate URLs of one url_list, feed or sitemap source, limited to the data interval."""
    if source.kind == "url_list":
        urls = list(source.urls)
        if source.path:
            path = source.resolved_path()
            urls += [line.strip() for line in Path(path).read_text().splitlines()
                     if line.strip() and not line.lstrip().startswith("#")]
        candidates = [Candidate(u) for u in urls]
    else:
        candidates, pending, seen = [], [source.url], set()
        while pending and len(seen) < MAX_CHILD_SITEMAPS:
            url = pending.pop(0)
            if url in seen:
                continue
            seen.add(url)
            result = await fetcher.fetch(url, accept=FEED_TYPES + ("text/html",))
            warehouse.archive_fetch(conn, run_id, source.name, result, body_gzip=_gzip(result.body))
            if not result.ok:
                _quarantine_fetch(conn, run_id, source.name, result)
                continue
            try:
                if source.kind == "feed":
                    found = parse_feed(result.body, result.final_url)
                else:
                    found, children = parse_sitemap(result.body, result.final_url)
                    pending += children
            except ValueError as error:
                warehouse.quarantine(conn, run_id=run_id, stage="fetch", source=source.name,
                                     record_key=f"{source.name}:{url}", reason_code="bad_listing",
                                     reason=f"{url}: {error}", record={"url": url, "kind": source.kind})
                continue
            warehouse.record_discovered(conn, run_id, source.name, found, found_in=url)
            candidates += found
    wanted = [c for c in candidates if in_interval(c, start, end)]
    unique = list({url_key(c.url): c for c in wanted}.values())
    if len(unique) > cfg.fetch_max_urls:
        log.warning("%s: %d URLs in the interval, fetching the first %d (NEWS_FETCH_MAX_URLS)",
                    source.name, len(unique), cfg.fetch_max_urls)
    return unique[: cfg.fetch_max_urls]


async def _fetch_articles(fetcher: Fetcher, conn, run_id: int, source: str, urls: list[str],
                          out: WebIngest) -> None:
    previous = warehouse.last_good_fetches(conn, urls)
    requests = []
    for url in urls:
        headers = (previous.get(url) or {}).get("headers") or {}
        requests.append({"url": url, "etag": headers.get("etag"), "last_modified": headers.get("last-modified")})
    # Chunks bound the bodies held in memory. A chunk is stored (compressed, inserted, committed) in a
    # thread while the next one downloads; chunks are stored in listing order, so document ids (and
    # so which of two near-duplicates becomes canonical) do not depend on network timing.
    storing = None
    try:
        for start in range(0, len(requests), FETCH_CHUNK):
            results = await fetcher.fetch_many(requests[start:start + FETCH_CHUNK])
            if storing is not None:
                await storing
            storing = asyncio.ensure_future(asyncio.to_thread(_store_chunk, conn, run_id, source, results,
                                                              previous, out))
    finally:
        if storing is not None:
            await storing  # the connection must not be closed under a running store


def _store_chunk(conn, run_id: int, source: str, results: list[FetchResult], previous: dict,
                 out: WebIngest) -> None:
    """Archive a chunk of responses in one transaction; a usable page (or the stored copy a 304
    confirms) joins its URL's group. Runs in a worker thread: zlib releases the GIL."""
    confirmed = {i for i, r in enumerate(results) if r.not_modified and previous.get(r.url)}
    pages = [i for i, r in enumerate(results) if i not in confirmed and r.ok and r.text is not None]
    stored = warehouse.store_raw_documents(conn, run_id, [
        RawDocument(source=source, uri=results[i].final_url, content=results[i].text.encode("utf-8"),
                    media_type=HTML_MEDIA_TYPE) for i in pages])
    document_ids = dict(zip(pages, stored))
    bodies = [_gzip(result.body) for result in results]
    with conn.pipeline():
        for i, (result, body_gzip) in enumerate(zip(results, bodies)):
            if i in confirmed:
                document_id = previous[result.url]["document_id"]
                out.not_modified += 1
            elif i in document_ids:
                document_id = document_ids[i]
                out.fetched += 1
            else:
                document_id = None
                if result.not_modified:  # 304 for a page we never archived: cannot use it
                    result.error_code = "not_modified_unknown"
                    result.error = f"{result.url}: 304 without a stored copy"
                out.failed += 1
                _quarantine_fetch(conn, run_id, source, result)
            warehouse.archive_fetch(conn, run_id, source, result, body_gzip=body_gzip, document_id=document_id)
            if document_id is not None:
                group = out.groups.setdefault(url_key(result.url), [])
                if document_id not in group:
                    group.append(document_id)
    conn.commit()


def due_refetches(conn, source: str, cfg: Settings, *, as_of: datetime | None) -> list[str]:
    """Pages of `source` first fetched within the re-fetch window before `as_of` (the interval's
    end) and not fetched for NEWS_REFETCH_AFTER_HOURS: news pages change in their first days.
    Conditional GETs make the unchanged ones cheap. Deterministic for a rerun of the interval."""
    if cfg.refetch_after_hours <= 0:
        return []
    rows = conn.execute(
        """
        select requested_url from raw.fetches
        where source = %(source)s and status in (200, 304) and document_id is not null
        group by requested_url
        having max(fetched_at) < coalesce(%(as_of)s, now()) - make_interval(secs => %(after)s)
           and min(fetched_at) >= coalesce(%(as_of)s, now()) - make_interval(secs => %(window)s)
        order by min(fetched_at), requested_url
        limit %(limit)s
        """,
        {"source": source, "as_of": as_of, "after": cfg.refetch_after_hours * 3600,
         "window": cfg.refetch_window_days * 86400, "limit": cfg.fetch_max_urls},
    )
    return [row["requested_url"] for row in rows]


def seed_original_urls(conn, document_ids: list[int]) -> dict[int, str]:
    """document_id -> the seed's "Original url", for seeds that state one."""
    urls = {}
    for row in conn.execute("select document_id, uri, content from raw.documents where document_id = any(%s)",
                            (document_ids,)):
        try:
            parsed = seeds.parse_seed_text(seeds.decode_text(bytes(row["content"])), uri=row["uri"])
        except RejectedDocument:
            continue
        if parsed.url:
            urls[row["document_id"]] = parsed.url
    return urls


def ingest_web(dsn: str, run_id: int, seed_document_ids: list[int], cfg: Settings, *,
               start: datetime | None = None, end: datetime | None = None,
               registry: Registry | None = None, seed_source: str = "seeds") -> WebIngest:
    """Fetch the registry's web sources (and seeds' original URLs when the seed source asks for it)."""
    registry = registry or load_registry(cfg.sources_file)
    out = WebIngest()
    with warehouse.connect(dsn) as conn:
        warehouse.store_sources(conn, run_id, registry.version,
                                [s.model_dump(mode="json") for s in registry.sources])
        seed_urls = seed_original_urls(conn, seed_document_ids)
        for document_id in seed_document_ids:
            key = url_key(seed_urls[document_id]) if document_id in seed_urls else f"document:{document_id}"
            out.groups.setdefault(key, []).append(document_id)
        conn.commit()

        async def run() -> None:
            for source in registry.sources:
                if not source.enabled:
                    continue
                async with Fetcher(policy_for(source, cfg)) as fetcher:
                    if source.kind == "seed_directory":
                        if source.name != seed_source or not source.fetch_original_urls:
                            continue
                        urls = list(dict.fromkeys(seed_urls.values()))[: cfg.fetch_max_urls]
                    else:
                        urls = [c.url for c in await _discover(fetcher, conn, run_id, source, cfg, start, end)]
                        urls += [u for u in due_refetches(conn, source.name, cfg, as_of=end) if u not in urls]
                    await _fetch_articles(fetcher, conn, run_id, source.name, urls, out)

        asyncio.run(run())
        conn.commit()
    log.info("web: %d fetched, %d not modified, %d failed", out.fetched, out.not_modified, out.failed)
    return out


def archived_page(conn, url: str) -> tuple[str, str] | None:
    """(final URL, decoded HTML) of the newest archived 200 response for `url` (requested or final):
    what a new extractor version re-extracts without fetching again."""
    from pipeline.sources.fetch import decode_body

    row = conn.execute(
        """
        select final_url, charset, headers, body_gzip from raw.fetches
        where (requested_url = %s or final_url = %s) and status = 200 and body_gzip is not null
          and error_code is null
        order by fetched_at desc, fetch_id desc limit 1
        """,
        (url, url),
    ).fetchone()
    if row is None:
        return None
    content_type = (row["headers"] or {}).get("content-type", "")
    declared = content_type.partition("charset=")[2].strip().strip("\"'") or None
    text, _ = decode_body(gzip.decompress(bytes(row["body_gzip"])), declared)
    return row["final_url"], text
