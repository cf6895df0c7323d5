"""Process logging: JSON lines in production, each carrying the request id.

A request's id (``X-Request-ID`` when the caller sends a sane one, else a new one) is put
in a context variable for the request and echoed in the response's header. Messages sent
while it is set carry it in their options (engine/broker.py, RequestIdMiddleware), and the
worker sets it again while it processes them, so one id follows a run from its webhook
call into the worker's lines. ``LOG_FORMAT`` picks json or text (default: json in
production).
"""
from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller may choose as its id: short, printable, no spaces or quotes (it goes into
# log lines and a response header as given).
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s %(request_id)s"

request_id_var: ContextVar[str | None] = ContextVar("automateos_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "-") on every record a handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def new_request_id() -> str:
    """A fresh request id: 32 hex characters."""
    return uuid.uuid4().hex


def accepted_request_id(given: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    if given and SANE_REQUEST_ID.fullmatch(given):
        return given
    return new_request_id()


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """text: the plain format on stderr unless logging is set up already (a test runner,
    the dramatiq CLI). json: every root handler (one on stderr if there is none; the
    dramatiq CLI's worker processes have theirs) writes one JSON object per line, with
    the request id."""
    if log_format != "json":
        logging.basicConfig(level=level, format=TEXT_FORMAT)
        return
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    formatter = JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"})
    for handler in root.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def init_app(app: Flask) -> None:
    """Give every request an id (header in, header out, on its log lines)."""

    @app.before_request
    def _take_request_id() -> None:
        g.request_id_token = request_id_var.set(accepted_request_id(request.headers.get(REQUEST_ID_HEADER)))

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        request_id = request_id_var.get()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id_var.reset(token)
            except ValueError:  # set in another context (streamed response): just clear it
                request_id_var.set(None)
