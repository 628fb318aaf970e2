from datetime import UTC, datetime

import pytest

from pipeline.sources.discover import Candidate, in_interval, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>World</title>
<item><title>Lavrov in Rome</title><link>https://news.example.org/a/1</link>
<pubDate>Fri, 11 Dec 2015 14:00:00 +0300</pubDate></item>
<item><title>No date</title><link>/a/2</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Updated only</title><link href="https://news.example.org/b/1"/>
<updated>2015-09-30T10:00:00Z</updated></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example.org/c/1</loc><lastmod>2016-01-01</lastmod>
    <news:news><news:publication_date>2015-05-21T08:00:00+00:00</news:publication_date>
    <news:title>Putin and Lavrov</news:title></news:news></url>
  <url><loc>https://news.example.org/c/2</loc><lastmod>2015-05-22</lastmod></url>
  <url><loc> </loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.org/sitemap-1.xml</loc></sitemap><sitemap><loc>/sitemap-2.xml</loc></sitemap>
</sitemapindex>"""


def test_rss_items_become_candidates_with_their_dates():
    candidates = parse_feed(RSS, "https://news.example.org/feed")
    assert [c.url for c in candidates] == ["https://news.example.org/a/1", "https://news.example.org/a/2"]
    assert candidates[0].published_at == datetime(2015, 12, 11, 11, 0, tzinfo=UTC)
    assert candidates[1].published_at is None


def test_atom_falls_back_to_updated():
    (entry,) = parse_feed(ATOM, "https://news.example.org/atom")
    assert entry.published_at == datetime(2015, 9, 30, 10, 0, tzinfo=UTC)


def test_news_sitemap_prefers_the_publication_date_over_lastmod():
    candidates, children = parse_sitemap(NEWS_SITEMAP, "https://news.example.org/sitemap.xml")
    assert children == []
    assert [(c.url, c.published_at.date().isoformat()) for c in candidates] == [
        ("https://news.example.org/c/1", "2015-05-21"), ("https://news.example.org/c/2", "2015-05-22")]
    assert candidates[0].title == "Putin and Lavrov"


def test_sitemap_index_lists_children_and_garbage_is_refused():
    candidates, children = parse_sitemap(INDEX, "https://news.example.org/sitemap.xml")
    assert candidates == [] and children[1] == "https://news.example.org/sitemap-2.xml"
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(b"<html><body>hi</body></html>", "https://x.org/")


def test_interval_membership():
    day = (datetime(2015, 5, 21, tzinfo=UTC), datetime(2015, 5, 22, tzinfo=UTC))
    assert in_interval(Candidate("u", datetime(2015, 5, 21, 23, 59, tzinfo=UTC)), *day)
    assert not in_interval(Candidate("u", datetime(2015, 5, 22, tzinfo=UTC)), *day)
    assert in_interval(Candidate("u", None), *day)
