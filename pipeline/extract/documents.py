"""Extract-stage helpers for stored documents: parse by media type, and set duplicates aside.

A batch may hold several documents of one article (a seed and the page of its "Original url"),
or a page whose text is (nearly) that of an article loaded under another key. Only one document
per article is staged for loading; the others are linked to it (core.article_duplicates).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipeline.extract import dedup
from pipeline.extract.articles import normalise_url
from pipeline.extract.html import extract_html
from pipeline.load import warehouse
from pipeline.records import ParsedArticle, RejectedDocument
from pipeline.sources import seeds

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FINGERPRINT_COLUMNS = ("document_id", "article_key", "body_sha256", "minhash", "band_hashes")
DUPLICATE_COLUMNS = ("document_id", "canonical_key", "duplicate_key", "method", "similarity")


def _url_key(url: str) -> str:
    try:
        return normalise_url(url)
    except ValueError:
        return url


def is_html(media_type: str | None) -> bool:
    return (media_type or "").split(";")[0].strip().lower() in HTML_TYPES


def parse_document(content: bytes, media_type: str | None, uri: str) -> ParsedArticle:
    """text/html -> extract_html (the web stage stores pages as UTF-8); anything else -> seed reader."""
    if is_html(media_type):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RejectedDocument(f"{uri}: stored HTML is not UTF-8 ({error.reason})", code="not_utf8") from error
        return extract_html(text, url=uri)
    return seeds.parse_seed_text(seeds.decode_text(content), uri=uri)


@dataclass(frozen=True)
class Parsed:
    """One document's extraction outcome, with the body's duplicate fingerprints computed alongside."""

    article: ParsedArticle | None
    body_sha256: str | None = None
    minhash: list[int] | None = None
    band_hashes: list[int] | None = None  # LSH band hashes of minhash, in band order
    rejected_reason: str | None = None
    rejected_code: str | None = None


def _parse_with_fingerprints(job: tuple[bytes, str | None, str]) -> Parsed:
    content, media_type, uri = job
    try:
        article = parse_document(content, media_type, uri)
    except RejectedDocument as rejected:
        # Returned, not raised: RejectedDocument does not survive pickling (keyword-only code).
        return Parsed(None, rejected_reason=rejected.reason, rejected_code=rejected.code)
    signature = dedup.signature(article.body)
    return Parsed(article, dedup.body_sha256(article.body), signature, dedup.band_hashes(signature))


_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, kept between batches, so each worker builds trafilatura's and
    dateparser's caches once (dateparser's first use costs seconds). Workers fork from a fresh
    forkserver that imported this module (and the main script) once, not from the task process,
    which holds the spaCy model, open connections and Airflow's threads."""
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        if _pool is not None:
            _pool.shutdown(wait=True)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__])
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _pool_workers = workers
    return _pool


def _drop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
    _pool = None


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def parse_documents(jobs: Sequence[tuple[bytes, str | None, str]], workers: int = 1) -> Iterator[Parsed]:
    """parse_document over (content, media_type, uri) jobs, in order; with workers > 1 in a process
    pool, since trafilatura is pure Python and the stage would otherwise use one core."""
    if workers <= 1 or len(jobs) < 2:
        yield from map(_parse_with_fingerprints, jobs)
        return
    chunk = max(1, min(8, len(jobs) // (4 * workers)))
    try:
        yield from _shared_pool(workers).map(_parse_with_fingerprints, jobs, chunksize=chunk)
    except BrokenProcessPool:
        _drop_pool()  # a worker died (e.g. killed for memory): the next batch starts a fresh pool
        raise


def _first_batch_match(keys: list[str], shas: list[str], sigs: np.ndarray, sha: str,
                       sig: Sequence[int]) -> tuple[str, str, float] | None:
    """The first article chosen earlier in the batch that has the same body hash or a near-duplicate
    signature: (its key, method, similarity)."""
    if not keys:
        return None
    similar = (sigs == np.asarray(sig, dtype=np.uint64)).sum(axis=1) / dedup.NUM_PERM
    hits = np.flatnonzero((similar >= dedup.NEAR_DUPLICATE) | np.array([s == sha for s in shas]))
    if not hits.size:
        return None
    first = int(hits[0])
    return (keys[first], "exact", 1.0) if shas[first] == sha else (keys[first], "minhash", float(similar[first]))


def _loaded_match(candidates: list[dict], key: str, sha: str, sig: Sequence[int]) -> tuple[str, str, float] | None:
    """The first loaded article (by id) with the same body hash or a near-duplicate signature."""
    for c in candidates:
        if c["article_key"] == key:
            continue
        if c["body_sha256"] == sha:
            return c["article_key"], "exact", 1.0
        similarity = dedup.similarity(sig, c["minhash"])
        if similarity >= dedup.NEAR_DUPLICATE:
            return c["article_key"], "minhash", similarity
    return None


def set_aside_duplicates(conn, rows: Sequence[dict]) -> tuple[list[dict], list[tuple], list[tuple]]:
    """rows: dicts with document_id, article_key, body, html (and body_sha256, minhash, band_hashes
    when already computed). Returns (kept rows, fingerprint rows, duplicate rows)."""
    kept, fingerprints, duplicates = [], [], []
    chosen: list[str] = []  # keys of the kept rows, in the order they were kept
    # A page fetched as a seed's "Original url" is that seed's article even when the page names
    # another canonical URL.
    fetched = warehouse.fetched_urls(conn, [r["document_id"] for r in rows if r["html"]])
    loaded = warehouse.existing_article_keys(conn, [r["article_key"] for r in rows])
    # Canonical: seed text first, then the earliest stated publication date, then the older document.
    def order(row: dict) -> tuple:
        published = row.get("published_at")
        return row["html"], published is None, published or date.min, row["document_id"]

    prints = []
    for row in sorted(rows, key=order):
        body = row["body"] or ""
        sha = row.get("body_sha256") or dedup.body_sha256(body)
        sig = row.get("minhash") or dedup.signature(body)
        prints.append((row, sha, sig, row.get("band_hashes") or dedup.band_hashes(sig)))
    # Loaded look-alikes of every new article in one query, not one round trip per article.
    probes = [(i, sha, hashes) for i, (row, sha, _, hashes) in enumerate(prints) if row["article_key"] not in loaded]
    in_warehouse = warehouse.duplicate_candidates(conn, probes)
    # Signatures chosen so far, as one matrix: comparing a row with all of them is one vector
    # operation instead of a Python loop per pair (a batch of 200 has 20,000 pairs).
    chosen_sigs = np.empty((len(rows), dedup.NUM_PERM), dtype=np.uint64)
    chosen_shas: list[str] = []
    chosen_set: set[str] = set()
    for i, (row, sha, sig, hashes) in enumerate(prints):
        key = row["article_key"]
        aliases = [key] + sorted(_url_key(u) for u in fetched.get(row["document_id"], ()))
        same = next((alias for alias in aliases if alias in chosen_set), None)
        if same is not None:
            duplicates.append((row["document_id"], same, key, "url", 1.0))
            continue
        match = None
        # An article already loaded under its own key stays itself (two near-duplicates loaded by
        # parallel batches must not end up pointing at each other, nor a newer seed take its place).
        if key not in loaded:
            match = _first_batch_match(chosen, chosen_shas, chosen_sigs[:len(chosen)], sha, sig) \
                or _loaded_match(in_warehouse.get(i, []), key, sha, sig)
        if match:
            duplicates.append((row["document_id"], match[0], key, match[1], match[2]))
            continue
        chosen_sigs[len(chosen)] = sig
        chosen_shas.append(sha)
        chosen.append(key)
        chosen_set.add(key)
        kept.append(row)
        fingerprints.append((row["document_id"], key, sha, sig, hashes))
    kept.sort(key=lambda r: r["document_id"])
    return kept, fingerprints, duplicates
