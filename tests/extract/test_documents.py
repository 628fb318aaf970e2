"""Extraction over a process pool gives exactly what extraction in the task process gives."""

from __future__ import annotations

from pipeline.extract import dedup
from pipeline.extract.documents import parse_documents
from tests.extract.test_html import STORY


def page(number: int) -> bytes:
    paragraphs = "".join(f"<p>{line} (page {number})</p>" for line in STORY)
    return (f"<html><head><title>Story {number}</title></head><body><article><h1>Story {number}</h1>"
            f"{paragraphs}</article></body></html>").encode()


JOBS = [
    *[(page(n), "text/html", f"https://news.example/{n}") for n in range(5)],
    (b"<html><body><p>Too short.</p></body></html>", "text/html", "https://news.example/short"),
    (b"\xff\xfe not utf-8 \xff", "text/html", "https://news.example/binary"),
    (b"Title: A seed\n\nA seed document with a few words of text in it, enough of them to be kept as a body.",
     "text/plain", "seeds:a.txt"),
]


def test_the_pool_returns_the_serial_outcomes_in_order_with_fingerprints():
    serial = list(parse_documents(JOBS, workers=1))
    pooled = list(parse_documents(JOBS, workers=2))
    assert pooled == serial
    assert [p.article is None for p in pooled] == [False] * 5 + [True, True, False]
    assert [p.rejected_code for p in pooled[5:7]] == ["no_article", "not_utf8"]
    for outcome in pooled[:5]:
        assert outcome.body_sha256 == dedup.body_sha256(outcome.article.body)
        assert outcome.minhash == dedup.signature(outcome.article.body)
    # The pool is kept for the next batch, and gives the same again.
    assert list(parse_documents(JOBS[:3], workers=2)) == serial[:3]
