"""The one pagination helper: ``limit`` + ``offset`` arguments and the list envelope."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from .db_types import BIGINT_MAX
from .extensions import db

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = BIGINT_MAX  # SQL's OFFSET is a bigint


class PageArgsSchema(Schema):
    """``limit`` 1-200 (default 50) and ``offset`` >= 0; anything else is 422."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def page_envelope(item_schema: type[Schema]) -> type[Schema]:
    """Schema of ``{items, total, limit, offset}`` around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def paginate(query: Select, limit: int, offset: int) -> dict[str, Any]:
    """Run ``query`` for one page and count its whole result."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(limit).offset(offset)).all()
    return {"items": items, "total": total, "limit": limit, "offset": offset}
