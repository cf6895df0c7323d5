"""Live-events fixtures: SSE readers over the test client and over a real HTTP server.

Streams ping every 0.2 s here, so a reader blocked in a stream gets control back often
enough to honour its deadline, and a server notices a client that left at once.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from werkzeug.serving import make_server

from automateos.bus import get_bus

PING_SECONDS = 0.2


@dataclass
class Message:
    """One SSE frame: an event (``type`` set) or comments only."""

    type: str | None = None
    data: Any = None
    id: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)


def parse_frame(text: str) -> Message:
    """An SSE frame (lines up to a blank line) as a Message; ``data`` is parsed JSON."""
    message, data_lines = Message(), []
    for line in text.split("\n"):
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            message.comments.append(value)
        elif name == "event":
            message.type = value
        elif name == "data":
            data_lines.append(value)
        elif name == "id":
            message.id = value
        elif name == "retry":
            message.retry = int(value)
    if data_lines:
        message.data = json.loads("\n".join(data_lines))
    return message


class SSEReader:
    """Reads frames off a stream of byte chunks, with deadlines."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._close = close
        self._buffer = ""
        self.frames: list[Message] = []  # everything read so far, comments included
        self.closed = False

    def frame(self, timeout: float = 10.0) -> Message:
        """The next frame (event or comment)."""
        deadline = time.monotonic() + timeout
        while "\n\n" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError(f"no SSE frame within {timeout}s; read so far: {self.frames}")
            chunk = next(self._chunks, None)
            if chunk is None:
                raise AssertionError(f"stream ended; read so far: {self.frames}")
            self._buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        text, self._buffer = self._buffer.split("\n\n", 1)
        message = parse_frame(text)
        self.frames.append(message)
        return message

    def event(self, timeout: float = 10.0) -> Message:
        """The next event, skipping comment-only frames (pings)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.frame(max(0.0, deadline - time.monotonic()))
            if message.type is not None:
                return message

    def until(self, predicate: Callable[[Message], bool], timeout: float = 30.0) -> list[Message]:
        """Events up to and including the first one ``predicate`` accepts."""
        deadline = time.monotonic() + timeout
        events = []
        while True:
            events.append(self.event(max(0.0, deadline - time.monotonic())))
            if predicate(events[-1]):
                return events

    def ready(self, timeout: float = 10.0) -> list[Message]:
        """The replayed events, up to (not including) ``events.ready``."""
        return self.until(lambda m: m.type == "events.ready", timeout)[:-1]

    def quiet_for(self, seconds: float) -> list[Message]:
        """Events that arrive within ``seconds`` (pings keep the reader moving)."""
        deadline = time.monotonic() + seconds
        events = []
        while time.monotonic() < deadline:
            message = self.frame(seconds + 5)
            if message.type is not None:
                events.append(message)
        return events

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()


def finished_run(log_id: int) -> Callable[[Message], bool]:
    """Predicate: the final ``execution.updated`` of run ``log_id``."""
    return lambda m: (m.type == "execution.updated" and m.data["id"] == log_id
                      and m.data["status"] in ("success", "failed"))


@pytest.fixture(autouse=True)
def fast_pings(app: Flask) -> Iterator[None]:
    """Short pings for the tests; and no test leaves a stream (a subscription) open."""
    bus = get_bus(app)
    bus.forget()  # user ids restart with every test's fresh tables
    saved = app.config["EVENTS_PING_SECONDS"]
    app.config["EVENTS_PING_SECONDS"] = PING_SECONDS
    yield
    app.config["EVENTS_PING_SECONDS"] = saved
    deadline = time.monotonic() + 5
    while bus.active_subscriptions() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bus.active_subscriptions() == 0, "a stream's subscription was left open"


@pytest.fixture
def open_stream(client) -> Iterator[Callable[..., SSEReader]]:
    """Factory: ``open_stream(headers=..., **query)`` → an SSEReader over the test client
    (the stream's generator runs in the test's thread); closed after the test."""
    readers: list[SSEReader] = []

    def open_(headers: dict[str, str] | None = None, expect: int = 200, **query: Any) -> SSEReader:
        resp = client.get("/api/events", query_string=query, headers=headers or {}, buffered=False)
        assert resp.status_code == expect, resp.get_data(as_text=True)
        assert resp.mimetype == "text/event-stream"
        reader = SSEReader(iter(resp.response), resp.close)
        readers.append(reader)
        return reader

    yield open_
    for reader in readers:
        reader.close()


@dataclass
class SSEServer:
    """The app served over real HTTP on loopback."""

    host: str
    port: int

    def connect(self, path: str, headers: dict[str, str] | None = None, **query: Any) -> tuple[http.client.HTTPResponse, SSEReader]:
        """GET ``path`` and return the response and an SSEReader over its body."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        conn.request("GET", path + ("?" + urlencode(query) if query else ""), headers=headers or {})
        resp = conn.getresponse()

        def chunks() -> Iterator[bytes]:
            while chunk := resp.read1(65536):
                yield chunk

        def close() -> None:
            conn.sock and conn.sock.close()
            conn.close()

        return resp, SSEReader(chunks(), close)


@pytest.fixture
def sse_server(app: Flask) -> Iterator[SSEServer]:
    """The app on a threaded HTTP server (streams run in its threads, as in production)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SSEServer("127.0.0.1", server.server_port)
    server.shutdown()
    server.server_close()
