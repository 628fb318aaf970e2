"""extract_html on small pages written here: metadata, canonical URL, boilerplate, fallbacks, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipeline.extract.html import EXTRACTOR, extract_html
from pipeline.records import RejectedDocument

STORY = [
    "The city council voted on Tuesday to expand the tram network to the northern districts, a project "
    "that has been debated for more than a decade and will cost an estimated 400 million euros.",
    "Supporters said the line would cut commuting times in half for thousands of residents, while critics "
    "warned that the budget did not account for rising construction costs across the region.",
    "\"This is the most important transport decision of a generation,\" the mayor told reporters after the "
    "vote, adding that work on the first section would begin next spring.",
    "The plan still needs approval from the regional government, which is expected to decide in March after "
    "a public consultation that will run through the winter months.",
]


def page(*, head: str = "", body: str | None = None, title: str = "Council backs tram extension") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY) if body is None else body
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Metro Daily</title>{head}</head><body>
<header><nav><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a></nav></header>
<main><article><h1>{title}</h1>{paragraphs}
<p>Share this article on Facebook, Twitter and email</p>
<p>Sign up for our daily newsletter</p></article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Another story</a></li><li><a href="/b">Yet another</a></li></ul></aside>
<footer>© 2015 Metro Daily. All rights reserved.</footer></body></html>"""


def test_body_title_and_metadata_come_from_the_page():
    head = """<link rel="canonical" href="/news/2015/council-tram?utm_source=rss#top">
<meta property="og:site_name" content="Metro Daily">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Council backs tram extension",
 "datePublished": "2015-11-03T09:30:00+01:00", "author": [{"@type": "Person", "name": "Ana Ruiz"},
 {"@type": "Person", "name": "Tom Berg"}]}</script>"""
    article = extract_html(page(head=head), url="https://metro.example.com/news/2015/council-tram?ref=home")
    assert article.title == "Council backs tram extension"
    assert article.body.split("\n\n") == STORY
    assert article.published_at == date(2015, 11, 3)
    assert article.authors == ("Ana Ruiz", "Tom Berg")
    assert article.url == "https://metro.example.com/news/2015/council-tram"  # canonical, tracking dropped
    assert article.site_name == "Metro Daily" and article.language == "en"
    assert article.extractor == EXTRACTOR and "trafilatura-" in article.extractor_version


def test_og_url_is_used_when_there_is_no_canonical_link():
    article = extract_html(page(head='<meta property="og:url" content="https://metro.example.com/t/1">'),
                           url="https://m.metro.example.com/t/1?amp=1")
    assert article.url == "https://metro.example.com/t/1"


def test_dates_are_never_invented():
    undated = extract_html(page(), url="https://metro.example.com/news/council-tram")
    assert undated.published_at is None
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    future = extract_html(page(head=f'<meta property="article:published_time" content="{tomorrow}">'),
                          url="https://metro.example.com/news/council-tram")
    assert future.published_at is None


def test_a_page_trafilatura_misses_is_rescued_by_a_fallback():
    # Text in bare <div>s of a table layout: trafilatura keeps little of it.
    cells = "".join(f"<tr><td><div class='txt'>{p}</div></td></tr>" for p in STORY)
    html = page(body=f"<table class='layout'>{cells}</table>")
    article = extract_html(html, url="https://metro.example.com/news/x")
    assert sum(p in article.body for p in STORY) >= 3
    assert "Most read" not in article.body and "All rights reserved" not in article.body


@pytest.mark.parametrize("content, reason", [
    (b"", "binary|empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(300), "binary"),
    ("just some words without any markup at all".encode(), "no HTML"),
    (page(body="<p>Too short.</p>").encode(), "no article text"),
])
def test_pages_without_an_article_are_rejected_with_a_reason(content, reason):
    with pytest.raises(RejectedDocument, match=reason) as error:
        extract_html(content, url="https://metro.example.com/x")
    assert error.value.code == "no_article"
