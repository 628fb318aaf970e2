"""Derived article fields: natural key, content hash, word count and language."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from pipeline.records import ParsedArticle

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def normalise_url(url: str) -> str:
    """Canonical form for keys: lower-case host, tracking parameters and fragment dropped."""
    normalised = normalize_url(url.strip(), strict=True)
    parts = urlsplit(normalised)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def article_key(article: ParsedArticle) -> str:
    """Natural key: the normalised canonical URL when the source gives one, else a content hash."""
    if article.url:
        try:
            return normalise_url(article.url)
        except ValueError:
            pass
    text = f"{' '.join(article.title.split()).casefold()}\n{' '.join(article.body.split()).casefold()}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def content_hash(article: ParsedArticle) -> str:
    """Changes whenever any stored field changes, so reloads of unchanged articles write nothing."""
    fields = {
        "title": article.title, "body": article.body, "standfirst": article.standfirst,
        "dateline": article.dateline, "published_at": article.published_at, "url": article.url,
        "authors": list(article.authors), "language": article.language,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


@functools.lru_cache(maxsize=1)
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # Normalised probabilities make the confidence threshold meaningful.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, *, min_confidence: float = 0.9) -> str | None:
    """ISO 639-1 code of the text's language, or None when unsure (short or mixed text)."""
    if len(text) < 40:
        return None
    language, confidence = _language_identifier().classify(text[:5000])
    return language if confidence >= min_confidence else None
