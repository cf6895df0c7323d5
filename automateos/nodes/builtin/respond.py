"""The ``respond`` node: the HTTP answer to the webhook call that started the run.

As n8n's "Respond to Webhook": a webhook whose ``respond`` is ``using_node`` answers its
caller as soon as this node's step is recorded, while the rest of the run goes on. The
node's output *is* the answer, ``{status, headers, body}``: the webhook reads it from the
step, and the nodes after it receive it as their input (the data before it stays at hand
as ``trigger`` and ``nodes.<id>``). In a run that no webhook waits for, it only records
what it would have answered.
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..base import Node, NodeContext
from .triggers import valid_header_name

# Headers about the connection, not the answer: the server sets them, a node may not
# (RFC 9110 section 7.6.1, plus the length the server computes from the body).
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "content-length",
})
# Headers the platform sets on every answer from its origin (automateos/security_headers.py):
# the webhook URL shares the dashboard's origin, so a workflow may not loosen them (e.g. a
# page of its own with scripts) nor set cookies or CORS for that origin.
PLATFORM_HEADERS = frozenset({
    "content-security-policy", "content-security-policy-report-only", "x-content-type-options",
    "x-frame-options", "strict-transport-security", "referrer-policy", "cross-origin-opener-policy",
    "permissions-policy", "set-cookie",
})
# Visible ASCII, spaces and tabs, and Latin-1 past ASCII (what HTTP/1.1 can carry): no CR,
# LF, NUL or other controls, so a value can never end the header and start another.
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*")
MAX_HEADERS = 50
MAX_HEADER_VALUE = 8 * 1024


def _header_name(name: str) -> None:
    valid_header_name(name)
    if name.lower() in HOP_BY_HOP:
        raise ValidationError(f"{name} is set by the server, not by a respond node.")
    if name.lower() in PLATFORM_HEADERS or name.lower().startswith("access-control-"):
        raise ValidationError(f"{name} is set by the platform for its whole origin, not by a respond node.")


class HeaderValue(fields.Field):
    """A header value: text, or a number written as text; never a line break or control."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError("A header value is text or a number.")
        text = str(value)
        if len(text) > MAX_HEADER_VALUE:
            raise ValidationError(f"A header value is at most {MAX_HEADER_VALUE} characters.")
        if not _FIELD_VALUE.fullmatch(text):
            raise ValidationError("A header value may not hold line breaks or control characters.")
        return text.strip(" \t")


class RespondParams(Schema):
    """Params of the ``respond`` node; each may be an expression."""

    status = fields.Integer(
        load_default=200,
        strict=False,
        validate=validate.Range(min=100, max=599),
        metadata={"description": "HTTP status of the answer."},
    )
    headers = fields.Dict(
        keys=fields.String(validate=_header_name),
        values=HeaderValue(),
        load_default=dict,
        validate=validate.Length(max=MAX_HEADERS),
        metadata={"description": "Response headers, name -> value."},
    )
    body = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={"description": "Response body: an object or list is sent as JSON, text as text."},
    )

    @validates_schema
    def _each_header_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [name.lower() for name in data.get("headers") or {}]
        if len(set(names)) != len(names):
            raise ValidationError("Each header once (names are case-insensitive).", "headers")


class RespondNode(Node):
    """Outputs ``{status, headers, body}``: the answer the webhook sends its caller."""

    type = "respond"
    name = "Respond to webhook"
    description = ("Answers the webhook call (status, headers, body) when the webhook's respond is "
                   "using_node; the run goes on after it. Outputs the answer.")
    category = "action"
    params_schema = RespondParams
    timeout_seconds = 10.0
    blocking = False  # it only computes: the webhook, not this step, does the sending

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Return the answer; the engine already evaluated and checked the params."""
        return {"status": params["status"], "headers": params["headers"], "body": params["body"]}
