"""URL converters shared by every blueprint."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1  # the largest BIGINT: bigger ids cannot exist, so they are 404


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything else does not match (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def init_app(app: Flask, api: Api) -> None:
    """Register ``id`` for routing and for the OpenAPI spec (before blueprints)."""
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda _c: {"type": "integer", "format": "int64", "minimum": 1})
