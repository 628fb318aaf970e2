"""A real HTTP server on 127.0.0.1 for fetch tests: routes are plain functions over the handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Server:
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def route(self, path: str):
        def register(fn):
            self.routes[path] = fn
            return fn
        return register


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
         content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def start(state: Server) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            with state.lock:
                state.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
                state.active += 1
                state.max_active = max(state.max_active, state.active)
            try:
                route = state.routes.get(self.path.split("?")[0])
                if route is None:
                    send(self, 404, b"<html><body>not here</body></html>")
                else:
                    route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should for oversized or slow bodies
            finally:
                with state.lock:
                    state.active -= 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
