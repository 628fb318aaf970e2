"""Extract-stage helpers for stored documents: parse by media type, and set duplicates aside.

A batch may hold several documents of one article (a seed and the page of its "Original url"),
or a page whose text is (nearly) that of an article loaded under another key. Only one document
per article is staged for loading; the others are linked to it (core.article_duplicates).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pipeline.extract import dedup
from pipeline.extract.articles import normalise_url
from pipeline.extract.html import extract_html
from pipeline.load import warehouse
from pipeline.records import ParsedArticle, RejectedDocument
from pipeline.sources import seeds

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FINGERPRINT_COLUMNS = ("document_id", "article_key", "body_sha256", "minhash")
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


def set_aside_duplicates(conn, rows: Sequence[dict]) -> tuple[list[dict], list[tuple], list[tuple]]:
    """rows: dicts with document_id, article_key, body, html. Returns (kept rows, fingerprint rows,
    duplicate rows)."""
    kept, fingerprints, duplicates = [], [], []
    chosen: dict[str, tuple[list[int], str]] = {}
    # A page fetched as a seed's "Original url" is that seed's article even when the page names
    # another canonical URL.
    fetched = warehouse.fetched_urls(conn, [r["document_id"] for r in rows if r["html"]])
    loaded = warehouse.existing_article_keys(conn, [r["article_key"] for r in rows])
    # Canonical: seed text first, then the earliest stated publication date, then the older document.
    def order(row: dict) -> tuple:
        published = row.get("published_at")
        return row["html"], published is None, published or date.min, row["document_id"]

    for row in sorted(rows, key=order):
        key, body = row["article_key"], row["body"] or ""
        sha, sig = dedup.body_sha256(body), dedup.signature(body)
        aliases = [key] + sorted(_url_key(u) for u in fetched.get(row["document_id"], ()))
        same = next((alias for alias in aliases if alias in chosen), None)
        if same is not None:
            duplicates.append((row["document_id"], same, key, "url", 1.0))
            continue
        match = None
        candidates = []
        # An article already loaded under its own key stays itself (two near-duplicates loaded by
        # parallel batches must not end up pointing at each other, nor a newer seed take its place).
        if key not in loaded:
            candidates = [(k, s, h) for k, (s, h) in chosen.items()]
            candidates += [(c["article_key"], c["minhash"], c["body_sha256"])
                           for c in warehouse.duplicate_candidates(conn, sha, dedup.bands(sig))]
        for other_key, other_sig, other_sha in candidates:
            if other_key == key:
                continue
            if other_sha == sha:
                match = (other_key, "exact", 1.0)
                break
            similarity = dedup.similarity(sig, other_sig)
            if similarity >= dedup.NEAR_DUPLICATE:
                match = (other_key, "minhash", similarity)
                break
        if match:
            duplicates.append((row["document_id"], match[0], key, match[1], match[2]))
            continue
        chosen[key] = (sig, sha)
        kept.append(row)
        fingerprints.append((row["document_id"], key, sha, sig))
    kept.sort(key=lambda r: r["document_id"])
    return kept, fingerprints, duplicates
