"""Response bodies written by orjson: Flask's JSON provider with the same answers.

Flask's ``DefaultJSONProvider`` writes with the standard ``json`` (sorted keys, ASCII
escapes, its ``default`` for dates, decimals, UUIDs, dataclasses and ``__html__``).
:class:`OrjsonProvider` writes the same JSON values with orjson, sorted the same way and
through the same ``default``; it hands the value to the standard provider wherever orjson
would answer differently: keys that are not text, integers past 64 bits, lone surrogates
(orjson refuses them). Debug mode's indented output is Flask's own.

Two differences, both kept on purpose:
- text outside ASCII is written as UTF-8 instead of ``\\uXXXX`` escapes (the same JSON,
  fewer bytes);
- NaN and infinity are written as ``null``, where Flask writes ``NaN`` / ``Infinity``,
  which are not JSON (a browser's ``JSON.parse`` refuses the whole body). Nothing the app
  serves holds one (JSONB refuses them, request bodies and step outputs are checked), and
  looking for one in every body with a ``null`` would cost more than orjson saves
  (measured: 150 records with nulls, 456 us with Flask, 475 us with the look).
Measured against the standard provider by ``bench/json_micro.py`` (docs/decisions.md).

Wired by ``app.json = OrjsonProvider(app)`` in the app factory.
"""
from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

# Flask's default() handles dates and dataclasses its own way (RFC 822 dates, asdict):
# orjson hands them over instead of writing them natively.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    """``DefaultJSONProvider`` whose compact output is written by orjson."""

    def _fast(self, obj: Any) -> bytes | None:
        """orjson's bytes for ``obj``, or None where the standard provider must answer."""
        if not (self.sort_keys and self.ensure_ascii):  # configured otherwise: Flask's own
            return None
        try:
            out = orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: refused, maybe not by json.dumps
            return None
        return out

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """As Flask's, by orjson when no ``json.dumps`` option is asked for."""
        out = None if kwargs else self._fast(obj)
        return super().dumps(obj, **kwargs) if out is None else out.decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """As Flask's: the value (or ``args`` / ``kwargs``) as ``application/json``, with
        the trailing newline; indented in debug mode (Flask's own output)."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        out = self._fast(obj)
        if out is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(out + b"\n", mimetype=self.mimetype)
