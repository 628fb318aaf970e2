"""Discovery: turn a feed or sitemap document into candidate article URLs with the date it gives."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from dateutil import parser as dateparser
from lxml import etree


@dataclass(frozen=True)
class Candidate:
    url: str
    published_at: datetime | None = None
    title: str | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_date(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    try:
        return _aware(dateparser.isoparse(text.strip()))
    except ValueError:
        try:
            return _aware(dateparser.parse(text.strip()))
        except (ValueError, OverflowError):
            return None


def parse_feed(content: bytes, base_url: str) -> list[Candidate]:
    """RSS or Atom entries; the date is the entry's published (else updated) time when it has one."""
    feed = feedparser.parse(content)
    candidates = []
    for entry in feed.entries:
        link = entry.get("link")
        if not link:
            continue
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
        candidates.append(Candidate(urljoin(base_url, link.strip()), published, entry.get("title")))
    return candidates


def parse_sitemap(content: bytes, base_url: str) -> tuple[list[Candidate], list[str]]:
    """A urlset gives candidates (news:publication_date, else lastmod); an index gives child sitemaps."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(content, parser=parser)
    if root is None:
        raise ValueError("not an XML sitemap")
    local = etree.QName(root).localname
    children, candidates = [], []
    if local == "sitemapindex":
        for loc in root.iterfind(".//{*}sitemap/{*}loc"):
            if loc.text and loc.text.strip():
                children.append(urljoin(base_url, loc.text.strip()))
        return candidates, children
    if local != "urlset":
        raise ValueError(f"not a sitemap: root element <{local}>")
    for node in root.iterfind("{*}url"):
        loc = node.findtext("{*}loc")
        if not loc or not loc.strip():
            continue
        news_date = node.findtext(".//{*}news/{*}publication_date")
        title = node.findtext(".//{*}news/{*}title")
        published = _parse_date(news_date) or _parse_date(node.findtext("{*}lastmod"))
        candidates.append(Candidate(urljoin(base_url, loc.strip()), published, title))
    return candidates, children


def in_interval(candidate: Candidate, start: datetime | None, end: datetime | None) -> bool:
    """Whether a candidate belongs to the data interval [start, end); undated ones go to every run."""
    if candidate.published_at is None or start is None or end is None:
        return True
    return start <= candidate.published_at < end
