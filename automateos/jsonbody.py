"""Strict JSON: the one way request bodies are parsed, and the check of what may be stored.

Python's ``json`` accepts what PostgreSQL (and the rest of the app) cannot take: ``NaN``
and ``Infinity``, ``1e400`` (read as infinity), integers of thousands of digits, ``\\u0000``
(JSONB and text refuse NUL), lone surrogates (not UTF-8) and nesting deep enough to raise
``RecursionError``. :func:`parse` refuses all of them with :class:`BadJSON`. The app checks
every JSON request body with it before any view, once: ``request.get_json()`` parses with
it and caches the value, which the views' argument parser then reads (:func:`init_app`).
The webhook parses its own body with it. orjson parses first (4-5x faster,
bench/json_micro.py); anything it refuses or could read differently goes through
:func:`parse_standard`, so every answer, refusals and their messages included, is the
standard path's.
:func:`check_storable` applies the same rules to values that did not come from JSON text
(form fields, query strings, plain-text bodies).
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
from flask import Flask, Request, current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser

from .db_types import has_long_digits
from .errors import abort

DEFAULT_MAX_DEPTH = 64
# Far past any id or amount, far below the 4,300 digits Python refuses to parse (a
# stored number must read back) and without the cost of int() on huge texts.
MAX_INT_DIGITS = 1000
MAX_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class BadJSON(ValueError):
    """A body or value the app refuses; ``str()`` says why, for the client."""


def _parse_constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number.")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"Number {text[:40]} is out of range.")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadJSON(f"Integer {text[:40]}... has more than {MAX_INT_DIGITS} digits.")
    return int(text)


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in JSON ``text`` (without parsing it: no recursion)."""
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def max_depth() -> int:
    """``JSON_MAX_DEPTH`` of the current app (64 outside one)."""
    try:
        return int(current_app.config.get("JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))
    except RuntimeError:  # no app context: library use
        return DEFAULT_MAX_DEPTH


def parse(data: bytes | str, depth_limit: int | None = None) -> Any:
    """Parse JSON ``data`` strictly; :class:`BadJSON` says what is wrong with it.

    orjson parses first; whatever it refuses, or might read differently from the
    standard parser (see :func:`_parse_fast`), goes through :func:`parse_standard`, whose
    answer (the value, or the refusal and its message) is the one given.
    """
    depth_limit = max_depth() if depth_limit is None else depth_limit
    value = _parse_fast(data, depth_limit)
    return parse_standard(data, depth_limit) if value is _UNSURE else value


_UNSURE = object()
_CONTAINERS = (dict, list)  # what orjson makes (exactly these types, never subclasses)


def _parse_fast(data: bytes | str, depth_limit: int) -> Any:
    """orjson's reading of ``data`` when it is certainly :func:`parse_standard`'s, else
    ``_UNSURE``.

    Where the two parsers could differ, orjson refuses: NaN, Infinity, 1e400 (it says
    "infinity"), invalid UTF-8 and lone surrogates, nesting past 1,024. Or it is kept from
    the text: long integers (``db_types.has_long_digits``). Duplicate keys keep the last
    value in both. What it accepts is finite, of 64 bits at most and valid UTF-8, so of
    :func:`check_storable`'s rules only NUL and the depth are left; a value that breaks
    either goes to the standard path, for the same message as before.
    """
    if has_long_digits(data):
        return _UNSURE
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNSURE
    text_like = isinstance(data, str)
    # NUL reaches a parsed string only as the escape \u0000 (a raw one is refused).
    if ("\\u0000" if text_like else b"\\u0000") in data:
        return _UNSURE
    brackets = data.count("[") + data.count("{") if text_like else data.count(b"[") + data.count(b"{")
    if brackets > depth_limit and _nests_deeper(value, depth_limit):
        return _UNSURE
    return value


def _nests_deeper(value: Any, depth_limit: int) -> bool:
    """True if arrays and objects in ``value`` (as orjson made it) nest deeper than
    ``depth_limit`` levels; one level at a time, no recursion."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > depth_limit:
            return True
        below: list[Any] = []
        for item in level:
            below += [c for c in (item.values() if type(item) is dict else item) if type(c) in _CONTAINERS]
        level = below
    return False


def parse_standard(data: bytes | str, depth_limit: int | None = None) -> Any:
    """:func:`parse` with the standard ``json`` and hooks on every number: the reference
    answer, and the one given for anything orjson refuses."""
    depth_limit = max_depth() if depth_limit is None else depth_limit
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError as exc:
        raise BadJSON("Body is not UTF-8.") from exc
    if nesting_depth(text) > depth_limit:
        raise BadJSON(f"JSON nests deeper than {depth_limit} levels.")
    try:
        value = json.loads(text, parse_constant=_parse_constant, parse_float=_parse_float, parse_int=_parse_int)
    except BadJSON:
        raise
    except (ValueError, RecursionError) as exc:
        raise BadJSON(f"Body is not valid JSON: {exc}") from None
    check_storable(value, depth_limit)
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadJSON("Text must not contain NUL (\\u0000) characters.")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise BadJSON("Text must not contain unpaired surrogates (\\ud800-\\udfff).") from None


def check_storable(value: Any, depth_limit: int | None = None) -> None:
    """Raise :class:`BadJSON` unless ``value`` (JSON-like) can be stored and read back as it
    is: no NUL or lone surrogate in any text or key, finite numbers, bounded nesting."""
    depth_limit = max_depth() if depth_limit is None else depth_limit
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:  # a loop, not recursion: any depth is checked safely
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise BadJSON("Numbers must be finite (no NaN or Infinity).")
        elif isinstance(item, int):
            if item.bit_length() > MAX_INT_BITS:
                raise BadJSON(f"Integer has more than {MAX_INT_DIGITS} digits.")
        elif isinstance(item, (dict, list, tuple)):
            if depth >= depth_limit:
                raise BadJSON(f"JSON nests deeper than {depth_limit} levels.")
            if isinstance(item, dict):
                for key in item:
                    _check_text(str(key))
                children = item.values()
            else:
                children = item
            stack.extend((child, depth + 1) for child in children)


class _StrictJSON:
    """What ``Request.json_module`` needs: ``loads`` is :func:`parse`."""

    loads = staticmethod(parse)
    dumps = staticmethod(json.dumps)


class StrictJSONRequest(Request):
    """The app's request: ``get_json()`` parses with :func:`parse`, and a body it refuses
    is a 400 that says why."""

    @property  # type: ignore[override]
    def json_module(self) -> Any:
        return _StrictJSON

    @json_module.setter
    def json_module(self, _value: Any) -> None:
        """Flask hands every request ``app.json``; requests keep the strict parser (the
        app's own JSON, responses included, stays Flask's)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """A body :func:`parse` refused: 400 in the error shape, saying why."""
        if isinstance(e, BadJSON):
            abort(400, message=str(e), errors={"json": [str(e)]})
        return super().on_json_loading_failed(e)


class CachedJSONParser(FlaskParser):
    """webargs' parser reading the body ``check_request_body`` already parsed strictly,
    instead of parsing it a second time with the standard ``json``."""

    def _raw_load_json(self, req: Request) -> Any:
        if not req.is_json or not req.get_data(cache=True):
            return super()._raw_load_json(req)  # webargs' own answer (missing, or its 400)
        return req.get_json(cache=True)


def _is_json_body() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_request_body() -> None:
    """``before_request``: refuse a JSON body :func:`parse` refuses (400 in the error shape).

    Views whose class sets ``reads_own_body = True`` (the webhook: its own size limit on
    the stream) are skipped; they call :func:`parse` themselves.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(getattr(view, "view_class", None), "reads_own_body", False) or not _is_json_body():
        return
    if request.get_data(cache=True):
        request.get_json(cache=True)  # parsed once, cached for the view; a refusal is a 400


def init_app(app: Flask) -> None:
    """Parse every JSON request body strictly, whichever blueprint receives it."""
    app.request_class = StrictJSONRequest
    # Class-wide: every smorest blueprint's @arguments reads the cached, strictly parsed body.
    Blueprint.ARGUMENTS_PARSER = CachedJSONParser()
    app.before_request(check_request_body)


def storable_text(value: str) -> None:
    """Marshmallow validator of text that is stored or queried (query strings, path
    parts): the :func:`check_storable` rules as a field error."""
    try:
        _check_text(value)
    except BadJSON as exc:
        raise ValidationError(str(exc)) from None
