"""The ``http_request`` node: calls an HTTP API with ``ctx.http`` (SSRF guard, body cap).

Credentials in a URL (``https://user:password@host/``) are taken out of it before the
request is made and sent as Basic auth, as requests would: so no message built from the
URL, ours or a library's, can carry them into a step's error (stored, shown, logged).
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..base import Node, NodeContext, RetryableNodeError
from ..http import MAX_BODY_BYTES, status_error  # noqa: F401  (MAX_BODY_BYTES: re-exported)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# "scheme://" then userinfo up to the last "@" before the path: any URL inside a text.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


class HttpRequestParams(Schema):
    """Params of the ``http_request`` node."""

    method = fields.String(load_default="GET", validate=validate.OneOf(METHODS))
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        metadata={"description": "http:// or https:// URL to call."},
    )
    headers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    query = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        load_default=dict,
        metadata={"description": "Query-string parameters; a list value repeats the name."},
    )
    json = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={"description": "Body sent as JSON (sets Content-Type)."},
    )
    body = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Raw text body, instead of json."},
    )
    timeout_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=0.1, max=300))
    fail_on_status = fields.Boolean(
        load_default=True,
        metadata={"description": "Fail the step when the response status is 400 or more."},
    )

    @validates_schema
    def _one_body(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("json") is not None and data.get("body") is not None:
            raise ValidationError("Give either json or body, not both.", "body")


def without_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its ``user:password@`` part, and that part as a Basic auth pair."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=hostport)), (unquote(user), unquote(password))


def redact_userinfo(text: str) -> str:
    """``text`` with the userinfo of every URL in it masked (a server's redirect may add some)."""
    return _USERINFO.sub(r"\1***@", text)


def _parse_body(response: requests.Response, raw: bytes) -> Any:
    """JSON when the content type says so (and it parses), text otherwise."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            pass  # a server mislabelling its body still gets its text shown
    return raw.decode(response.encoding or "utf-8", errors="replace")


class HttpRequestNode(Node):
    """Sends an HTTP request and outputs ``{status, headers, body}``."""

    type = "http_request"
    name = "HTTP request"
    description = "Calls a URL and outputs the response status, headers and body."
    category = "action"
    params_schema = HttpRequestParams
    max_retries = 2
    retry_backoff = 1.0
    timeout_seconds = 60.0

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, Any]:
        """Send the request; a status >= 400 fails the step when ``fail_on_status``."""
        method = params["method"]
        url, auth = without_userinfo(params["url"])
        try:
            response = ctx.http.request(
                method,
                url,
                auth=auth,
                params=params["query"],
                headers=params["headers"],
                json=params["json"],
                data=params["body"].encode() if params["body"] is not None else None,
                timeout=params["timeout_seconds"],
            )
        except requests.RequestException as exc:
            reason = redact_userinfo(str(exc))
            # A cause whose own text carries credentials stays out of the stored traceback.
            cause = exc if reason == str(exc) else None
            # The network may come back: a dropped connection or a timeout is retried.
            raise RetryableNodeError(f"{method} {url} failed: {reason}") from cause
        raw = response.content
        if params["fail_on_status"] and response.status_code >= 400:
            snippet = redact_userinfo(raw[:200].decode("utf-8", errors="replace"))
            # 5xx, 408 and 429 are retried (the node's max_retries); another 4xx fails at once.
            raise status_error(
                response, f"{method} {url} returned HTTP {response.status_code} {response.reason}: {snippet}"
            )
        return {
            "status": response.status_code,
            "headers": dict(response.headers),
            "body": _parse_body(response, raw),
        }
