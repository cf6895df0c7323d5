"""JSON columns written by orjson keep the standard json's answers (db_types.JSONType).

What is stored reads back the same, None is JSON null as before, and what the database
refused before (NaN, infinity, NUL on PostgreSQL) it still refuses; SQLite keeps the
standard json text the logs search matches inside.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, exc, insert, null, select, text

from automateos.db_types import JSONType, json_dumps, json_loads
from automateos.extensions import db
from tests.conftest import ON_SERVICES

VALUES = [
    {"order": "A-1", "total": 300},
    [1, -2, 2**63 - 1, -(2**63), 2**64 - 1, 1.5, -0.0, 1e300, 5e-324, True, False],
    {"text": "é ü 中 😀", "nested": {"a": [{"b": [[]]}]}, "empty": {}},
    {"float": 0.1, "exp": 1e-7},
    2**64,  # past orjson's 64 bits: json.dumps writes it
    {"big": -(10**400)},  # a bare number this long would be turned into a REAL by SQLite's column affinity
    {"n": None, "x": 1},
    None,
    "plain",
    {1: "int key", "s": 2},  # keys json.dumps turns into text
]
NOT_FINITE = [float("nan"), {"x": float("inf")}, [1, float("-inf")], {"a": None, "b": float("nan")}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_json_dumps_writes_the_same_json_as_json_dumps(value):
    assert json.loads(json_dumps(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", NOT_FINITE + [{"n": None}, [None]], ids=repr)
def test_a_null_or_a_nan_is_written_by_json_dumps_itself(value):
    """orjson writes NaN as null: any output with a null is json.dumps's, byte for byte."""
    assert json_dumps(value) == json.dumps(value).encode()


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=timezone.utc), {1, 2}, object(), {"d": {(1, 2): 3}}],
                         ids=repr)
def test_json_dumps_refuses_what_json_dumps_refuses(value):
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        json_dumps(value)


@pytest.mark.parametrize("data", [
    '{"a": 1, "b": [1.5, -0.0, "é"]}', "123456789012345678901234567890", "-9223372036854775809",
    "18446744073709551615", '{"a": 1, "a": 2}', "NaN", '{"x": Infinity}', "1e400", '"\\u0000"', '"\\ud800"',
    '["\\ud83d\\ude00"]', "[1e22, 1e16, 0.1]", "null",
], ids=repr)
def test_json_loads_reads_what_json_loads_reads(data):
    for given in (data, data.encode("utf-8", "surrogatepass")):
        assert repr(json_loads(given)) == repr(json.loads(data))


@pytest.mark.parametrize("data", ["", "{", "[1,]", "\ufeff{}", "'a'"], ids=repr)
def test_json_loads_refuses_what_json_loads_refuses(data):
    with pytest.raises(json.JSONDecodeError):
        json.loads(data)
    with pytest.raises(json.JSONDecodeError):
        json_loads(data)


def _probe() -> Table:
    """A temporary table with one JSONType column (gone with its connection)."""
    return Table("json_probe", MetaData(), Column("id", Integer, primary_key=True), Column("j", JSONType, nullable=True),
                 prefixes=["TEMPORARY"])


def _store(app, rows: list[dict[str, Any]]) -> list[tuple[int, Any, bool]]:
    """Insert ``rows`` into a fresh probe table; (id, value, is SQL NULL) of each, and the raw text."""
    table = _probe()
    with app.app_context(), db.engine.connect() as conn:
        table.create(conn)
        try:
            for row in rows:
                conn.execute(insert(table).values(**row))
            read = conn.execute(select(table.c.id, table.c.j, table.c.j.is_(None)).order_by(table.c.id)).all()
            raw = conn.execute(text("SELECT CAST(j AS TEXT) FROM json_probe ORDER BY id")).scalars().all()
        finally:
            conn.rollback()  # PostgreSQL: the table goes with the transaction; SQLite kept it
            table.drop(conn, checkfirst=True)
            conn.commit()
    return [(*row, raw_text) for row, raw_text in zip(read, raw)]


def test_values_read_back_as_they_were_stored(app):
    # Not the list with 1e300 and -0.0: JSONB writes numbers its own way (1e300 as an integer).
    stored = [v for i, v in enumerate(VALUES) if i != 1 and not (isinstance(v, dict) and 1 in v)]
    rows = _store(app, [{"id": i, "j": v} for i, v in enumerate(stored)])
    assert [row[1] for row in rows] == stored


def test_none_is_json_null_and_sql_null_stays_sql_null(app):
    rows = _store(app, [{"id": 1, "j": None}, {"id": 2, "j": null()}, {"id": 3, "j": JSON.NULL}])
    assert [(row[1], row[2]) for row in rows] == [(None, False), (None, True), (None, False)]


@pytest.mark.skipif(not ON_SERVICES, reason="PostgreSQL refuses these; SQLite stores any text")
@pytest.mark.parametrize("value", NOT_FINITE + ["a\x00b", {"k\x00": 1}], ids=repr)
def test_postgresql_still_refuses_nan_infinity_and_nul(app, value):
    with pytest.raises(exc.DataError):
        _store(app, [{"id": 1, "j": value}])


@pytest.mark.skipif(ON_SERVICES, reason="SQLite's text; PostgreSQL normalises JSONB")
@pytest.mark.parametrize("value", [{"text": "é", "n": [1, 2.5]}, {"x": float("nan")}], ids=repr)
def test_sqlite_keeps_the_standard_json_text(app, value):
    """The logs search matches a term as json.dumps escapes it inside the stored text."""
    (row,) = _store(app, [{"id": 1, "j": value}])
    assert row[3] == json.dumps(value)
    read = row[1]
    assert read == value or math.isnan(read["x"])
