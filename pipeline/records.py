"""Small typed records passed between pipeline stages.

Stages are plain functions over these records; I/O (files, HTTP, Postgres) lives at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A document as received, before any parsing: bytes plus where they came from."""

    source: str
    uri: str
    content: bytes
    media_type: str = "text/plain"
    arrived_at: datetime | None = None  # files: when they reached the folder; web pages: None


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """What the reader/extractor made of one document.

    `body` is paragraphs separated by one blank line ("\\n\\n"); all NLP offsets point into it.
    """

    title: str
    body: str
    standfirst: str | None = None
    dateline: str | None = None
    published_at: date | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    site_name: str | None = None
    extractor: str = ""
    extractor_version: str = ""
    notes: tuple[str, ...] = field(default=())


class RejectedDocument(ValueError):
    """A document that cannot become an article; the reason is shown to people as is."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A named-entity mention; offsets are into the article body."""

    text: str
    start: int
    end: int
    label: str
    canonical_name: str
    canonical_key: str
    ner_label: str | None = None  # label after cleanup, before canonicalisation; re-resolution starts from it
    wikidata_id: str | None = None  # from the alias table
    curated: bool = False  # canonical name from the alias table


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote; offsets are into the article body. Speaker offsets are None when unknown."""

    text: str
    start: int
    end: int
    speaker: str | None
    speaker_key: str | None  # canonical key of the speaker entity, as EntityMention.canonical_key
    speaker_mention: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    kind: str  # direct, partial or indirect
