"""Column types that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Callable

import orjson
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, SmallInteger
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import elements
from sqlalchemy.types import TypeDecorator, TypeEngine

# Types orjson would write on its own where the standard json refuses them (TypeError):
# handed to ``default``, which has none, so they fall back and are refused as before.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_dumps(value: Any) -> bytes:
    """``value`` as JSON bytes: orjson's, where they are certainly the same JSON as the
    standard ``json.dumps`` writes; else ``json.dumps``'s own.

    orjson writes NaN and infinity as ``null`` where ``json.dumps`` writes ``NaN`` (which
    PostgreSQL refuses, as it must), so an output holding ``null`` is written again by
    ``json.dumps`` (looking for a NaN in the value costs as much: bench/json_micro.py).
    What orjson refuses (integers past 64 bits, keys that are not text, lone surrogates,
    dates and other objects) goes to ``json.dumps`` too, which writes it or refuses it as
    before. NUL is ``\\u0000`` either way, for PostgreSQL to refuse.
    """
    try:
        out = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value).encode()
    return json.dumps(value).encode() if b"null" in out else out


# orjson reads an integer past 64 bits as a float, silently: 19 digits in a row (maybe in
# a string: then the standard parser only costs more) send the text to the standard json.
# In bytes, digits become "0" first and the search is a substring test (a regex is ~25x
# slower there).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS_RUN = b"0" * 19
_LONG_DIGITS = re.compile(r"[0-9]{19}")


def has_long_digits(data: bytes | bytearray | str) -> bool:
    """True when JSON text ``data`` holds 19 digits in a row, where orjson could read an
    integer differently from the standard ``json`` (jsonbody's parser asks this too)."""
    if isinstance(data, str):
        return _LONG_DIGITS.search(data) is not None
    return _LONG_DIGITS_RUN in data.translate(_DIGITS_TO_ZERO)


def json_loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Stored JSON text read back: the value ``json.loads`` gives, read by orjson when it
    certainly reads it the same (no integer past 64 bits, nothing orjson refuses, such as
    the ``NaN`` SQLite may hold). For ``create_engine(json_deserializer=...)``: psycopg
    then reads JSONB with it, and SQLite's JSON columns too."""
    if not isinstance(data, str):
        # Also a TypeError for a number (SQLite's column affinity makes one of a long
        # bare integer), which SQLAlchemy's SQLite JSON type then hands back as it is.
        data = bytes(data)
    if not has_long_digits(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


class JSONType(TypeDecorator):
    """JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.

    On PostgreSQL (psycopg) values are written with :func:`json_dumps`, which is orjson
    for what orjson writes as the standard ``json`` would; psycopg reads JSONB back.
    SQLite keeps SQLAlchemy's ``json.dumps`` text unchanged: the logs search matches
    terms inside it as the standard ``json`` escapes them (logs/service.py). Python
    ``None`` is stored as JSON ``null``, as SQLAlchemy's ``JSON`` does by default.
    """

    impl = JSON
    cache_ok = True
    # As JSON's default (none_as_null=False): the ORM writes None as JSON null, not SQL NULL.
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """SQLAlchemy's JSON bind processing with :func:`json_dumps` as the serialiser on
        psycopg (``process_bind_param`` cannot change the serialiser, only the value)."""
        if not (dialect.name == "postgresql" and dialect.driver == "psycopg"):
            return super().bind_processor(dialect)

        def process(value: Any) -> Any:
            if value is JSON.NULL:
                value = None
            elif isinstance(value, elements.Null):
                return None
            return Jsonb(value, dumps=json_dumps)

        return process


# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

INT_MAX = 2**31 - 1  # PostgreSQL ``integer``
BIGINT_MAX = 2**63 - 1  # PostgreSQL ``bigint`` (and any SQLite integer)


def id_max(column: Column) -> int:
    """The largest value an integer ``column`` holds on every backend (PostgreSQL's bound)."""
    if isinstance(column.type, BigInteger):
        return BIGINT_MAX
    if isinstance(column.type, SmallInteger):
        return 2**15 - 1
    if isinstance(column.type, Integer):
        return INT_MAX
    raise TypeError(f"{column} is not an integer column")


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC, always returns an aware UTC datetime (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
