"""How requests reach the views: id converters bounded by their column, strict JSON bodies.

An id past its column's range cannot exist, so a path holding one is 404 (the database
would refuse the comparison: PostgreSQL's ``integer`` is 32-bit). Each id kind has its
converter, bounded by the column it looks up, and the OpenAPI spec shows that bound.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter, Map

from . import jsonbody
from .db_types import BIGINT_MAX
from .engine.schemas import LOG_ID_MAX
from .workflows.models import WORKFLOW_ID_MAX

MAX_ID = BIGINT_MAX  # the largest id of any table


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive 64-bit id; anything else does not match (404)."""

    max_id = MAX_ID

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=self.max_id)


class WorkflowIdConverter(IdConverter):
    """``<workflow_id:name>``: an id within the range of ``workflows.id``."""

    max_id = WORKFLOW_ID_MAX


class LogIdConverter(IdConverter):
    """``<log_id:name>``: an id within the range of ``execution_logs.id``."""

    max_id = LOG_ID_MAX


CONVERTERS: dict[str, type[IdConverter]] = {
    "id": IdConverter, "workflow_id": WorkflowIdConverter, "log_id": LogIdConverter,
}


def init_app(app: Flask, api: Api) -> None:
    """Register the id converters for routing and for the OpenAPI spec (before blueprints),
    and the strict parsing of every JSON request body."""
    for name, converter in CONVERTERS.items():
        app.url_map.converters[name] = converter
        api.register_converter(converter, lambda c: {
            "type": "integer", "format": "int64" if c.max_id > 2**31 - 1 else "int32", "minimum": 1, "maximum": c.max_id,
        })
    jsonbody.init_app(app)
