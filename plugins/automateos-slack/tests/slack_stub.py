"""A local stand-in for Slack that checks what Slack checks.

``POST /api/chat.postMessage``: a ``Bearer xoxb-...`` token (``not_authed`` without one,
``invalid_auth`` for another), a JSON body (``invalid_form_data`` otherwise), a channel it
knows (``channel_not_found``), text or blocks (``no_text``); answers HTTP 200 with
``{"ok": ...}`` as Slack does. ``POST /services/<id>``: the incoming webhook it knows
(404 ``no_service`` otherwise), JSON with text or blocks (400 ``invalid_payload`` /
``no_text``); answers 200 ``ok``. ``answers`` queues canned replies (status, body, headers)
served first, such as a 429 with ``Retry-After``.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_TOKEN = "xoxb-1234-5678-abcdefghijkl"
WEBHOOK_PATH = "/services/T0001/B0001/s3cr3tw3bh00kp4th"
CHANNELS = {"C0123456": "general", "#general": "C0123456"}


class FakeSlack:
    """A real HTTP server on 127.0.0.1; ``requests`` records what it received."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any, dict[str, str]]] = []
        self.posted: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.webhook_url = f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "FakeSlack":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                slack.requests.append({"path": self.path, "headers": dict(self.headers), "body": raw})
                if slack.answers:
                    self.reply(*slack.answers.pop(0))
                elif self.path == "/api/chat.postMessage":
                    self.reply(200, slack.post_message(self.headers, raw))
                elif self.path.startswith("/services/"):
                    self.reply(*slack.incoming_webhook(self.path, self.headers, raw))
                else:
                    self.reply(404, {"ok": False, "error": "unknown_method"})

            def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                kind = "text/html" if isinstance(body, str) else "application/json; charset=utf-8"
                self.send_header("Content-Type", kind)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def post_message(self, headers: Any, raw: bytes) -> dict[str, Any]:
        """chat.postMessage's checks, in Slack's order."""
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return {"ok": False, "error": "not_authed"}
        if auth != f"Bearer {BOT_TOKEN}":
            return {"ok": False, "error": "invalid_auth"}
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return {"ok": False, "error": "invalid_form_data"}
        try:
            body = json.loads(raw)
        except ValueError:
            return {"ok": False, "error": "invalid_json"}
        channel = body.get("channel")
        if channel not in CHANNELS:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        channel_id = channel if channel.startswith("C") else CHANNELS[channel]
        ts = f"1700000000.{len(self.posted) + 1:06d}"
        self.posted.append({**body, "channel": channel_id, "ts": ts})
        return {"ok": True, "channel": channel_id, "ts": ts, "message": {"text": body.get("text"), "ts": ts}}

    def incoming_webhook(self, path: str, headers: Any, raw: bytes) -> tuple[int, str]:
        """An incoming webhook's checks: answers are text, errors carry a 4xx status."""
        if path != WEBHOOK_PATH:
            return 404, "no_service"
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return 400, "invalid_payload"
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, "invalid_payload"
        if not body.get("text") and not body.get("blocks"):
            return 400, "no_text"
        self.posted.append(body)
        return 200, "ok"
