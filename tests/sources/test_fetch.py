"""The fetcher against a real HTTP server on 127.0.0.1: every fault of issue 3, one test each."""

from __future__ import annotations

import asyncio
import time

import pytest

from pipeline.sources.fetch import FetchPolicy, Fetcher, check_address, decode_body, fetch_urls, retry_after_seconds
from tests.sources import httpd
from tests.sources.httpd import send

PAGE = b"<html><head><title>A page</title></head><body><p>Hello readers.</p></body></html>"
# Fast, test-sized politeness: no host delay, short timeouts, quick backoff.
FAST = dict(host_delay_s=0.0, backoff_s=0.05, connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0,
            retries=2, allow_private=("127.0.0.1",))


@pytest.fixture
def server():
    state = httpd.Server()
    instance = httpd.start(state)
    yield state
    instance.shutdown()
    instance.server_close()


def fetch_one(url: str, **policy):
    (result,) = fetch_urls([url], FetchPolicy(**{**FAST, **policy}))
    return result


def test_a_page_is_fetched_with_our_user_agent_and_its_robots_checked(server):
    server.routes["/a"] = lambda h: send(h, 200, PAGE)
    result = fetch_one(server.url("/a"), user_agent="test-bot/1.0 (+mailto:ops@example.org)")
    assert result.ok and result.text.startswith("<html>") and result.media_type == "text/html"
    assert server.paths() == ["/robots.txt", "/a"]
    assert server.seen[1].headers["user-agent"] == "test-bot/1.0 (+mailto:ops@example.org)"


@pytest.mark.parametrize("status, code", [(404, "not_found"), (410, "gone")])
def test_404_and_410_are_final_and_not_retried(server, status, code):
    server.routes["/gone"] = lambda h: send(h, status, b"<html>no</html>")
    result = fetch_one(server.url("/gone"))
    assert (result.status, result.error_code, result.attempts) == (status, code, 1)
    assert server.paths().count("/gone") == 1


def test_500_then_200_is_retried_with_backoff(server):
    calls = []

    def flaky(h):
        calls.append(time.monotonic())
        send(h, 500 if len(calls) == 1 else 200, b"<html>oops</html>" if len(calls) == 1 else PAGE)

    server.routes["/flaky"] = flaky
    result = fetch_one(server.url("/flaky"), backoff_s=0.2)
    assert result.ok and result.attempts == 2
    assert calls[1] - calls[0] >= 0.18


def test_500_forever_gives_up_after_the_retries(server):
    server.routes["/down"] = lambda h: send(h, 503, b"busy")
    result = fetch_one(server.url("/down"), retries=2)
    assert (result.error_code, result.status, result.attempts) == ("http_error", 503, 3)


def test_429_waits_for_retry_after(server):
    calls = []

    def limited(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            send(h, 429, b"slow down", headers={"Retry-After": "1"})
        else:
            send(h, 200, PAGE)

    server.routes["/limited"] = limited
    result = fetch_one(server.url("/limited"), backoff_s=0.01)
    assert result.ok and result.attempts == 2
    assert calls[1] - calls[0] >= 0.95  # Retry-After, not the 10 ms backoff


def test_a_retry_after_beyond_the_cap_is_not_waited_for(server):
    server.routes["/later"] = lambda h: send(h, 429, b"", headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = fetch_one(server.url("/later"), max_retry_after_s=5)
    assert result.error_code == "rate_limited" and result.attempts == 1
    assert time.monotonic() - started < 2


def test_retry_after_as_an_http_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None


def test_a_server_that_never_answers_times_out(server):
    server.routes["/hang"] = lambda h: time.sleep(3)
    started = time.monotonic()
    result = fetch_one(server.url("/hang"), read_timeout_s=0.3, retries=1)
    assert result.error_code == "timeout" and result.attempts == 2
    assert time.monotonic() - started < 2.5


def test_a_slow_trickle_is_cut_at_the_total_deadline(server):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(40):  # one byte per 0.1 s: never a read timeout, far too slow overall
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)

    server.routes["/trickle"] = trickle
    started = time.monotonic()
    result = fetch_one(server.url("/trickle"), read_timeout_s=1.0, total_timeout_s=1.0, retries=0)
    assert result.error_code == "timeout" and "slow" in result.error
    assert time.monotonic() - started < 2.5


def _big(h, declare: bool):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    if declare:
        h.send_header("Content-Length", str(50 * 1024 * 1024))
    else:
        h.send_header("Connection", "close")
    h.end_headers()
    chunk = b"<p>" + b"a" * (1024 * 1024 - 3)
    for _ in range(50):
        h.wfile.write(chunk)


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "undeclared"])
def test_a_50_mb_body_is_abandoned_at_the_size_cap(server, declare):
    server.routes["/big"] = lambda h: _big(h, declare)
    started = time.monotonic()
    result = fetch_one(server.url("/big"), max_bytes=1024 * 1024)
    assert result.error_code == "too_large" and result.body is None
    assert time.monotonic() - started < 5


def test_binary_content_served_as_html_is_refused(server):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    server.routes["/img"] = lambda h: send(h, 200, png, content_type="text/html")
    result = fetch_one(server.url("/img"))
    assert result.error_code == "binary_content" and result.text is None


def test_a_content_type_that_is_not_html_is_refused(server):
    server.routes["/pdf"] = lambda h: send(h, 200, b"%PDF-1.4 ...", content_type="application/pdf")
    result = fetch_one(server.url("/pdf"))
    assert result.error_code == "unsupported_media_type"


def test_a_wrong_charset_header_is_corrected(server):
    latin1 = "<html><head><meta charset='iso-8859-1'></head><body><p>Café crème, déjà vu.</p></body></html>"
    utf8 = "<html><body><p>Naïve façade — “quoted”.</p></body></html>"
    server.routes["/latin1"] = lambda h: send(h, 200, latin1.encode("latin-1"), content_type="text/html; charset=utf-8")
    server.routes["/utf8"] = lambda h: send(h, 200, utf8.encode("utf-8"), content_type="text/html; charset=iso-8859-1")
    first, second = fetch_urls([server.url("/latin1"), server.url("/utf8")], FetchPolicy(**FAST))
    assert "Café crème, déjà vu." in first.text and first.charset in ("iso8859-1", "latin-1", "cp1252")
    assert "Naïve façade — “quoted”." in second.text and second.charset == "utf-8"


def test_decode_body_falls_back_to_detection():
    text, charset = decode_body("Ceci est un texte français très ordinaire, écrit à Paris.".encode("cp1252"), None)
    assert "français" in text and charset


def test_a_redirect_loop_is_stopped(server):
    server.routes["/a"] = lambda h: send(h, 302, b"", headers={"Location": "/b"})
    server.routes["/b"] = lambda h: send(h, 301, b"", headers={"Location": server.url("/a")})
    result = fetch_one(server.url("/a"))
    assert result.error_code == "redirect_loop" and result.attempts == 1
    assert server.paths().count("/a") == 1


def test_redirects_are_followed_up_to_the_limit(server):
    for i in range(4):
        server.routes[f"/r{i}"] = lambda h, i=i: send(h, 302, b"", headers={"Location": f"/r{i + 1}"})
    server.routes["/r4"] = lambda h: send(h, 200, PAGE)
    ok = fetch_one(server.url("/r0"), max_redirects=4)
    assert ok.ok and ok.final_url == server.url("/r4") and len(ok.redirects) == 4
    assert fetch_one(server.url("/r0"), max_redirects=3).error_code == "too_many_redirects"


def test_robots_txt_disallow_is_obeyed(server):
    server.routes["/robots.txt"] = lambda h: send(h, 200, b"User-agent: *\nDisallow: /private/\n",
                                                   content_type="text/plain")
    server.routes["/private/x"] = lambda h: send(h, 200, PAGE)
    server.routes["/public"] = lambda h: send(h, 200, PAGE)
    blocked, allowed = fetch_urls([server.url("/private/x"), server.url("/public")], FetchPolicy(**FAST))
    assert blocked.error_code == "robots_disallowed" and allowed.ok
    assert "/private/x" not in server.paths()
    assert server.paths().count("/robots.txt") == 1  # cached per origin


def test_robots_can_be_ignored_per_source(server):
    server.routes["/robots.txt"] = lambda h: send(h, 200, b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    server.routes["/x"] = lambda h: send(h, 200, PAGE)
    assert fetch_one(server.url("/x"), respect_robots=False).ok


def test_private_addresses_are_refused_without_a_request(server):
    server.routes["/a"] = lambda h: send(h, 200, PAGE)
    result = fetch_one(server.url("/a"), allow_private=())
    assert result.error_code == "blocked_address" and "127.0.0.1" in result.error
    assert server.seen == []
    for url in ("http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://localhost/",
                "http://192.168.1.1/"):
        with pytest.raises(Exception, match="private/loopback/link-local"):
            asyncio.run(check_address(url))


def test_a_redirect_to_a_private_address_is_refused(server):
    server.routes["/out"] = lambda h: send(h, 302, b"", headers={"Location": "http://169.254.169.254/latest/"})
    result = fetch_one(server.url("/out"))
    assert result.error_code == "blocked_address"


def test_conditional_get_gets_304(server):
    def cached(h):
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, b"", content_type="")
        else:
            send(h, 200, PAGE, headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})

    server.routes["/c"] = cached
    first = fetch_one(server.url("/c"))
    assert first.ok and first.headers["etag"] == '"v1"'

    async def again():
        async with Fetcher(FetchPolicy(**FAST)) as fetcher:
            return await fetcher.fetch(server.url("/c"), etag=first.headers["etag"],
                                       last_modified=first.headers["last-modified"])

    second = asyncio.run(again())
    assert second.not_modified and second.status == 304 and second.text is None
    assert server.seen[-1].headers["if-modified-since"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_per_host_delay_and_concurrency(server):
    def slowish(h):
        time.sleep(0.05)
        send(h, 200, PAGE)

    for i in range(4):
        server.routes[f"/p{i}"] = slowish
    results = fetch_urls([server.url(f"/p{i}") for i in range(4)],
                         FetchPolicy(**{**FAST, "host_delay_s": 0.2, "per_host_concurrency": 1}))
    assert all(r.ok for r in results)
    starts = [s.at for s in server.seen if s.path.startswith("/p")]
    assert len(starts) == 4 and min(b - a for a, b in zip(starts, starts[1:])) >= 0.18
    assert server.max_active == 1


def test_robots_crawl_delay_slows_the_host_down(server):
    server.routes["/robots.txt"] = lambda h: send(h, 200, b"User-agent: *\nCrawl-delay: 0.3\n",
                                                   content_type="text/plain")
    for i in range(3):
        server.routes[f"/q{i}"] = lambda h: send(h, 200, PAGE)
    fetch_urls([server.url(f"/q{i}") for i in range(3)], FetchPolicy(**FAST))
    starts = [s.at for s in server.seen if s.path.startswith("/q")]
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.28


def test_a_gzipped_sitemap_is_unpacked_within_the_size_cap(server):
    import gzip

    from pipeline.sources.fetch import FEED_TYPES

    xml = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    server.routes["/sitemap.xml.gz"] = lambda h: send(h, 200, gzip.compress(xml), content_type="application/x-gzip")
    server.routes["/bomb.xml.gz"] = lambda h: send(h, 200, gzip.compress(b" " * 3_000_000),
                                                   content_type="application/x-gzip")

    async def get(path):
        async with Fetcher(FetchPolicy(**{**FAST, "max_bytes": 1_000_000})) as fetcher:
            return await fetcher.fetch(server.url(path), accept=FEED_TYPES)

    assert asyncio.run(get("/sitemap.xml.gz")).text == xml.decode()
    assert asyncio.run(get("/bomb.xml.gz")).error_code == "too_large"


def test_robots_txt_behind_a_redirect_is_followed(server):
    server.routes["/robots.txt"] = lambda h: send(h, 301, b"", headers={"Location": "/real-robots.txt"})
    server.routes["/real-robots.txt"] = lambda h: send(h, 200, b"User-agent: *\nDisallow: /no/\n",
                                                        content_type="text/plain")
    server.routes["/yes"] = lambda h: send(h, 200, PAGE)
    server.routes["/no/x"] = lambda h: send(h, 200, PAGE)
    allowed, blocked = fetch_urls([server.url("/yes"), server.url("/no/x")], FetchPolicy(**FAST))
    assert allowed.ok and blocked.error_code == "robots_disallowed"


def test_robots_txt_server_errors_mean_stay_away(server):
    server.routes["/robots.txt"] = lambda h: send(h, 503, b"", content_type="text/plain")
    server.routes["/x"] = lambda h: send(h, 200, PAGE)
    assert fetch_one(server.url("/x")).error_code == "robots_disallowed"
    assert "/x" not in server.paths()


def test_a_broken_gzip_content_encoding_is_an_error_not_a_crash(server):
    server.routes["/bad"] = lambda h: send(h, 200, b"not gzip at all", headers={"Content-Encoding": "gzip"})
    result = fetch_one(server.url("/bad"), retries=0)
    assert result.error_code == "transport_error" and "Decoding" in result.error


def test_the_connected_peer_is_checked_too(server):
    # DNS can change between our lookup and httpx's connect; the peer address is checked again.
    from pipeline.sources.fetch import FetchError, _check_peer

    server.routes["/a"] = lambda h: send(h, 200, PAGE)

    async def peer_check(allow):
        async with Fetcher(FetchPolicy(**FAST)) as fetcher:
            async with fetcher.client.stream("GET", server.url("/a")) as response:
                _check_peer(response, server.url("/a"), allow)

    asyncio.run(peer_check(("127.0.0.1",)))
    with pytest.raises(FetchError, match="connected to 127.0.0.1"):
        asyncio.run(peer_check(()))
