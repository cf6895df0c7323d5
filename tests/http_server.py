"""A real HTTP server on loopback for tests of nodes and runs (no mocks of HTTP)."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

BIG_BODY_BYTES = 10 * 1024 * 1024 + 1


@dataclass
class LocalServer:
    """A running test server and the requests it received."""

    host: str
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server."""
        return f"http://{self.host}:{self.port}{path}"


class _Handler(BaseHTTPRequestHandler):
    """Routes: /json, /echo, /text, /status/<code>, /big, /big-stream, /flaky?key=K&fail=N, /redirect?to=<url>."""

    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _record(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = {
            "method": self.command,
            "path": urlsplit(self.path).path,
            "query": parse_qs(urlsplit(self.path).query),
            "headers": dict(self.headers),
            "body": body.decode(),
        }
        self.server.local.requests.append(seen)  # type: ignore[attr-defined]
        return seen

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        seen = self._record()
        path = seen["path"]
        if path == "/json":
            self._send(200, json.dumps({"hello": "world", "n": 1}).encode(), "application/json")
        elif path == "/echo":
            self._send(200, json.dumps(seen).encode(), "application/json; charset=utf-8")
        elif path == "/text":
            self._send(200, "plain words".encode(), "text/plain; charset=utf-8")
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"server says no", "text/plain")
        elif path == "/big":
            self._send(200, b"x" * BIG_BODY_BYTES, "application/octet-stream")
        elif path == "/big-stream":
            # No Content-Length: the client only learns the size by reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"y" * (1024 * 1024)
            for _ in range(BIG_BODY_BYTES // len(chunk) + 1):
                self.wfile.write(chunk)
        elif path == "/flaky":
            # Fails the first ``fail`` calls of ``key`` with a 500, then answers 200.
            key, fail = seen["query"]["key"][0], int(seen["query"]["fail"][0])
            with self.server.local.lock:  # type: ignore[attr-defined]
                counts = self.server.local.counts  # type: ignore[attr-defined]
                counts[key] = counts.get(key, 0) + 1
                attempt = counts[key]
            if attempt <= fail:
                self._send(500, b"flaky failure", "text/plain")
            else:
                self._send(200, json.dumps({"attempt": attempt}).encode(), "application/json")
        elif path == "/redirect":
            target = seen["query"]["to"][0]
            self._send(302, b"", "text/plain", Location=target)
        else:
            self._send(404, b"no such route", "text/plain")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (the size-limit tests) are expected, not errors."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture
def start_server() -> Iterator[Callable[[str], LocalServer]]:
    """Factory: start a test server on ``host`` (a loopback address); stopped after the test."""
    started: list[ThreadingHTTPServer] = []

    def start(host: str = "127.0.0.1") -> LocalServer:
        httpd = _QuietServer((host, 0), _Handler)
        httpd.daemon_threads = True
        local = LocalServer(host=host, port=httpd.server_address[1])
        httpd.local = local  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return local

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(start_server: Callable[[str], LocalServer]) -> LocalServer:
    """A test server on 127.0.0.1."""
    return start_server("127.0.0.1")


