"""Polite HTTP fetching: httpx (async) + tenacity retries + Protego robots.txt.

What a fetch guarantees: robots.txt is obeyed (per origin, cached), each host gets at most
`per_host_concurrency` requests at a time and one request every `host_delay_s` (or the robots
Crawl-delay when larger), 5xx/429 are retried with exponential backoff honouring Retry-After,
redirects are followed by hand (each hop re-checked: address guard, robots, loop), the body is read
as a stream and abandoned at `max_bytes` or at the `total_timeout_s` deadline (slow trickles),
the content type is checked and sniffed for binary data, the charset is detected, and
private/loopback/link-local addresses are refused unless allow-listed.

Every response (also errors and 304s) comes back as a FetchResult so the caller can archive it.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from pipeline import __version__ as PIPELINE_VERSION

DEFAULT_USER_AGENT = f"news-pipeline/{PIPELINE_VERSION} (+https://example.org/news-pipeline; polite bot)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "text/plain",
              "application/x-gzip", "application/gzip")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF",
                 b"OggS", b"\x7fELF")
_GZIP_TYPES = ("application/x-gzip", "application/gzip")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # whole request incl. body: defeats slow trickles
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3  # extra attempts after the first
    backoff_s: float = 1.0  # first retry wait; doubles each time
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 120.0  # a longer Retry-After is not waited for
    host_delay_s: float = 1.0
    per_host_concurrency: int = 2
    concurrency: int = 16
    respect_robots: bool = True
    # Hosts, IPs or networks that may be fetched although private/loopback (tests on 127.0.0.1).
    allow_private: tuple[str, ...] = ()
    accept: tuple[str, ...] = HTML_TYPES


@dataclass
class FetchResult:
    url: str  # as requested
    final_url: str
    status: int | None = None  # last HTTP status, None when no response
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # decoded transfer encoding, as the server sent it otherwise
    media_type: str | None = None
    charset: str | None = None
    text: str | None = None  # body decoded with the detected charset (HTML and text only)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0
    elapsed_s: float = 0.0
    error_code: str | None = None  # None: usable body (or 304)
    error: str | None = None
    max_bytes: int = 5 * 1024 * 1024  # the policy's cap, kept for unpacking

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.status == 200

    @property
    def not_modified(self) -> bool:
        return self.error_code is None and self.status == 304


class FetchError(Exception):
    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --- address guard -------------------------------------------------------------------------------

def _allowed_networks(allow: Iterable[str]) -> tuple[list, set[str]]:
    networks, hosts = [], set()
    for item in allow:
        item = item.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item)
    return networks, hosts


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified or not address.is_global)


async def check_address(url: str, allow: Sequence[str] = ()) -> None:
    """Refuse URLs whose host is or resolves to a non-public address (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("bad_url", f"only http and https URLs are fetched, not {url!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError("bad_url", f"no host in {url!r}")
    networks, hosts = _allowed_networks(allow)
    if host in hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError("dns_error", f"cannot resolve {host}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if _is_public(address) or any(address in network for network in networks):
            continue
        raise FetchError("blocked_address", f"{host} resolves to {address}, a private/loopback/link-local "
                                            "address; not fetched (allow-list: NEWS_FETCH_ALLOW_PRIVATE)")


def _check_peer(response: httpx.Response, url: str, allow: Sequence[str]) -> None:
    """The address actually connected to must pass the guard too (DNS may change after our lookup)."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if not peer:
        return
    address = ipaddress.ip_address(str(peer[0]).split("%")[0])
    networks, hosts = _allowed_networks(allow)
    if (urlsplit(url).hostname or "").lower() in hosts or _is_public(address) or any(address in n for n in networks):
        return
    raise FetchError("blocked_address", f"{url}: connected to {address}, a private/loopback/link-local address; "
                                        "response not read")


# --- charset -------------------------------------------------------------------------------------

def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_body(body: bytes, declared: str | None) -> tuple[str, str]:
    """(text, charset). Valid UTF-8 wins over a wrong declaration (the commonest lie);
    otherwise the header charset, the <meta> charset, then charset_normalizer's guess."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, "replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(body[:4096])
    for name in (_codec(declared), _codec(meta.group(1).decode("ascii", "ignore")) if meta else None):
        if name and name not in ("utf-8", "utf-16", "utf-32"):
            try:
                # Browsers treat ISO-8859-1 as windows-1252; do the same.
                return body.decode("cp1252" if name == "latin-1" else name), name
            except UnicodeDecodeError:
                continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    name = best.encoding if best else "cp1252"
    return body.decode(name, "replace"), name


def looks_binary(head: bytes) -> bool:
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        return True
    sample = head[:2048]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.05


def _media_type(headers: httpx.Headers) -> tuple[str | None, str | None]:
    raw = headers.get("content-type")
    if not raw:
        return None, None
    parts = [p.strip() for p in raw.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    return parts[0].lower() or None, charset


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date, in seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


# --- per-host politeness -------------------------------------------------------------------------

class _Host:
    def __init__(self, concurrency: int) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.lock = asyncio.Lock()
        self.next_at = 0.0
        self.delay = 0.0


class Fetcher:
    """One crawl session: shares robots.txt, per-host limits and connections across fetches."""

    def __init__(self, policy: FetchPolicy, *, host_delays: dict[str, float] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self.host_delays = host_delays or {}
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._global = asyncio.Semaphore(policy.concurrency)
        timeout = httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s)
        self.client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency),
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.aclose()

    def _host(self, url: str) -> _Host:
        netloc = urlsplit(url).netloc.lower()
        if netloc not in self._hosts:
            host = _Host(self.policy.per_host_concurrency)
            host.delay = self.host_delays.get(netloc, self.policy.host_delay_s)
            self._hosts[netloc] = host
        return self._hosts[netloc]

    async def _wait_turn(self, host: _Host) -> None:
        async with host.lock:
            now = time.monotonic()
            if host.next_at > now:
                await asyncio.sleep(host.next_at - now)
            host.next_at = time.monotonic() + host.delay

    # --- robots.txt ---

    async def _robots_for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self._robots:
                return self._robots[origin]
            rules: Protego | None
            try:
                robots_url = origin + "/robots.txt"
                for _ in range(5):  # RFC 9309: follow at least five redirects
                    response = await self._request(robots_url, headers={}, accept=None, max_bytes=512 * 1024)
                    location = response.headers.get("location")
                    if response.status not in (301, 302, 303, 307, 308) or not location:
                        break
                    robots_url = urljoin(robots_url, location)
                status = response.status
                if status == 200:
                    rules = Protego.parse((response.body or b"").decode("utf-8", "replace"))
                elif status is not None and 400 <= status < 500:
                    rules = None  # no robots.txt: everything allowed
                else:
                    # Server trouble: RFC 9309 says assume complete disallow.
                    rules = Protego.parse("User-agent: *\nDisallow: /\n")
            except FetchError as error:
                if error.code in ("blocked_address", "bad_url"):
                    raise
                rules = Protego.parse("User-agent: *\nDisallow: /\n")
            self._robots[origin] = rules
            if rules is not None:
                delay = rules.crawl_delay(self.policy.user_agent)
                if delay:
                    host = self._host(url)
                    host.delay = max(host.delay, min(float(delay), 60.0))
            return rules

    async def allowed_by_robots(self, url: str) -> bool:
        if not self.policy.respect_robots:
            return True
        rules = await self._robots_for(url)
        return rules is None or rules.can_fetch(url, self.policy.user_agent)

    # --- one HTTP exchange (no redirects, no retries) ---

    async def _request(self, url: str, *, headers: dict[str, str], accept: tuple[str, ...] | None,
                       max_bytes: int) -> FetchResult:
        await check_address(url, self.policy.allow_private)
        host = self._host(url)
        result = FetchResult(url=url, final_url=url)
        async with self._global, host.semaphore:
            await self._wait_turn(host)
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.policy.total_timeout_s):
                    async with self.client.stream("GET", url, headers=headers) as response:
                        _check_peer(response, url, self.policy.allow_private)
                        result.status = response.status_code
                        result.headers = {k.lower(): v for k, v in response.headers.items()}
                        result.media_type, result.charset = _media_type(response.headers)
                        if response.status_code != 200:
                            result.body = await _read_capped(response, min(max_bytes, 64 * 1024), truncate=True)
                            return result
                        if accept is not None and result.media_type and not result.media_type.startswith(accept):
                            raise FetchError("unsupported_media_type",
                                             f"{url}: content type {result.media_type} is not one of "
                                             f"{', '.join(accept)}", status=200)
                        declared = response.headers.get("content-length", "")
                        if declared.isdigit() and int(declared) > max_bytes:
                            raise FetchError("too_large", f"{url}: Content-Length {declared} is over the limit of "
                                                          f"{max_bytes} bytes; not read", status=200)
                        result.body = await _read_capped(response, max_bytes)
            except TimeoutError as error:
                raise FetchError("timeout", f"{url}: no complete response within {self.policy.total_timeout_s:g}s "
                                            "(slow or stalled server)") from error
            except httpx.TimeoutException as error:
                raise FetchError("timeout", f"{url}: {type(error).__name__} after "
                                            f"{self.policy.read_timeout_s:g}s") from error
            except httpx.HTTPError as error:  # connection, TLS, protocol and content-decoding errors
                raise FetchError("transport_error", f"{url}: {type(error).__name__}: {error}") from error
            finally:
                result.elapsed_s = time.monotonic() - started
        return result

    async def _attempt(self, url: str, headers: dict[str, str], accept: tuple[str, ...] | None) -> FetchResult:
        """One logical request with redirects followed; errors become FetchResult.error_code."""
        current, redirects = url, []
        try:
            for _ in range(self.policy.max_redirects + 1):
                if not await self.allowed_by_robots(current):
                    raise FetchError("robots_disallowed", f"{current}: disallowed by robots.txt for "
                                                          f"{self.policy.user_agent!r}")
                result = await self._request(current, headers=headers, accept=accept, max_bytes=self.policy.max_bytes)
                if result.status in (301, 302, 303, 307, 308) and result.headers.get("location"):
                    target = urljoin(current, result.headers["location"])
                    if target == current or target in redirects or target == url:
                        raise FetchError("redirect_loop", f"{url}: redirect loop via {target}", status=result.status)
                    redirects.append(target)
                    current = target
                    continue
                result.url, result.final_url, result.redirects = url, current, redirects
                return result
            raise FetchError("too_many_redirects", f"{url}: more than {self.policy.max_redirects} redirects",
                             status=result.status)
        except FetchError as error:
            return FetchResult(url=url, final_url=current, status=error.status, redirects=redirects,
                               error_code=error.code, error=error.message)

    def _wait(self, state: RetryCallState) -> float:
        backoff = min(self.policy.max_backoff_s, self.policy.backoff_s * 2 ** (state.attempt_number - 1))
        result: FetchResult = state.outcome.result()
        after = retry_after_seconds(result.headers.get("retry-after"))
        return max(backoff, after or 0.0)

    def _should_retry(self, result: FetchResult) -> bool:
        if result.error_code in ("timeout", "transport_error"):
            return True
        if result.status not in RETRY_STATUSES or result.error_code:
            return False
        after = retry_after_seconds(result.headers.get("retry-after"))
        return after is None or after <= self.policy.max_retry_after_s

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: tuple[str, ...] | None = None) -> FetchResult:
        """Fetch one URL politely; never raises for HTTP or network trouble (see error_code)."""
        headers = {"Accept": ", ".join((accept or self.policy.accept)) + ";q=1.0, */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        accept = accept or self.policy.accept
        attempts = 0

        async def attempt() -> FetchResult:
            nonlocal attempts
            attempts += 1
            return await self._attempt(url, headers, accept)

        retrying = AsyncRetrying(stop=stop_after_attempt(self.policy.retries + 1), wait=self._wait,
                                 retry=retry_if_result(self._should_retry),
                                 retry_error_callback=lambda state: state.outcome.result())
        try:
            result = await retrying(attempt)
        except Exception as error:  # noqa: BLE001 - one odd URL must not sink the whole batch
            result = FetchResult(url=url, final_url=url, error_code="fetch_error",
                                 error=f"{url}: {type(error).__name__}: {error}")
        result.attempts = attempts
        result.max_bytes = self.policy.max_bytes
        return _finish(result)

    async def fetch_many(self, requests: Sequence[dict]) -> list[FetchResult]:
        """fetch(**request) for each; per-host limits keep it polite, results in input order."""
        return list(await asyncio.gather(*(self.fetch(**request) for request in requests)))


async def _read_capped(response: httpx.Response, max_bytes: int, *, truncate: bool = False) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                chunks.append(chunk[: max(0, max_bytes - (size - len(chunk)))])
                break
            raise FetchError("too_large", f"{response.url}: body is over the limit of {max_bytes} bytes; "
                                          "download abandoned", status=response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def _finish(result: FetchResult) -> FetchResult:
    """Turn a final HTTP status into an error code, and decode usable bodies."""
    if result.error_code:
        return result
    status = result.status
    if status == 304:
        return result
    if status != 200:
        code = {404: "not_found", 410: "gone", 429: "rate_limited"}.get(status, "http_error")
        result.error_code = code
        result.error = f"{result.url}: HTTP {status}" + (f" after {result.attempts} attempts" if result.attempts > 1
                                                          else "")
        return result
    body = result.body or b""
    gzipped = result.media_type in _GZIP_TYPES or urlsplit(result.final_url).path.endswith(".gz")
    if body[:2] == b"\x1f\x8b" and gzipped:
        # sitemap.xml.gz: unpack, with the same size cap against gzip bombs.
        unpacker = zlib.decompressobj(wbits=31)
        try:
            body = unpacker.decompress(body, result.max_bytes)
        except zlib.error as error:
            result.error_code, result.error = "bad_gzip", f"{result.url}: {error}"
            return result
        if unpacker.unconsumed_tail:
            result.error_code, result.error = "too_large", f"{result.url}: unpacked body is over the size limit"
            return result
        result.body = body
    if not body:
        result.error_code, result.error = "empty", f"{result.url}: empty body"
        return result
    if looks_binary(body[:4096]):
        result.error_code = "binary_content"
        result.error = f"{result.url}: binary content served as {result.media_type or 'no content type'}"
        return result
    result.text, result.charset = decode_body(body, result.charset)
    return result


def fetch_urls(urls: Iterable[str], policy: FetchPolicy, **kwargs) -> list[FetchResult]:
    """Synchronous convenience: fetch the URLs in one session."""
    async def run() -> list[FetchResult]:
        async with Fetcher(policy, **kwargs) as fetcher:
            return await fetcher.fetch_many([{"url": url} for url in urls])

    return asyncio.run(run())
