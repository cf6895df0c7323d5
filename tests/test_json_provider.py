"""Response bodies written by orjson (json_provider.OrjsonProvider) carry the same JSON
as Flask's own provider: byte for byte when the text is ASCII."""
from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import date, datetime, timezone

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from automateos.json_provider import OrjsonProvider


@dataclasses.dataclass
class Point:
    x: int
    y: list[str]


SAME_BYTES = [
    {"b": 1, "a": [1, 2.5, -0.0, 1e22, True, None], "c": {"z": {}, "y": []}},
    [{"id": 1, "name": "x", "created_at": datetime(2026, 11, 28, 12, 0, 5, tzinfo=timezone.utc)}],
    {"day": date(2026, 1, 2), "amount": decimal.Decimal("1.10"), "id": uuid.UUID(int=7)},
    {"point": Point(1, ["a"]), "html": Markup("<b>x</b>")},
    {1: "int key", 2: "sorted by json only when keys are text"},  # orjson refuses: Flask answers
    {"big": 2**70, "small": -(2**64)},
    ["\ud800"],  # a lone surrogate: orjson refuses, Flask escapes it
    "text",
    None,
]


@pytest.fixture
def apps():
    flask_app, ours = Flask("standard"), Flask("orjson")
    ours.json = OrjsonProvider(ours)
    assert isinstance(flask_app.json, DefaultJSONProvider)
    return flask_app, ours


def body(app: Flask, value) -> bytes:
    with app.app_context():
        resp = app.json.response(value)
        assert resp.mimetype == "application/json"
        return resp.get_data()


@pytest.mark.parametrize("value", SAME_BYTES, ids=lambda v: repr(v)[:40])
def test_ascii_bodies_are_flasks_byte_for_byte(apps, value):
    flask_app, ours = apps
    assert body(ours, value) == body(flask_app, value)


def test_text_outside_ascii_is_utf8_with_the_same_value(apps):
    flask_app, ours = apps
    value = {"name": "Zoë", "city": "北京", "emoji": "😀"}
    assert body(ours, value) == (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()
    assert json.loads(body(ours, value)) == json.loads(body(flask_app, value))


def test_not_finite_numbers_are_null_not_invalid_json(apps):
    """Flask writes NaN, which no JSON parser accepts; nothing the app serves holds one."""
    flask_app, ours = apps
    assert body(flask_app, {"x": float("nan")}) == b'{"x":NaN}\n'
    assert json.loads(body(ours, {"x": float("nan"), "y": float("inf")})) == {"x": None, "y": None}


def test_jsonify_args_and_kwargs_as_flask(apps):
    flask_app, ours = apps
    for app in apps:
        with app.app_context():
            assert app.json.response(1, 2).get_json() == [1, 2]
            assert app.json.response(status="ok").get_data() == b'{"status":"ok"}\n'


def test_debug_output_is_flasks_indented_output(apps):
    flask_app, ours = apps
    flask_app.debug = ours.debug = True
    value = {"b": [1, {"c": "é"}], "a": None}
    assert body(ours, value) == body(flask_app, value)
    assert b"\n  " in body(ours, value)


def test_dumps_with_options_is_flasks(apps):
    flask_app, ours = apps
    with ours.app_context(), flask_app.app_context():
        assert ours.json.dumps({"b": 1, "a": "é"}, indent=1) == flask_app.json.dumps({"b": 1, "a": "é"}, indent=1)
        assert ours.json.dumps({"b": 1, "a": 2}) == '{"a":2,"b":1}'
        with pytest.raises(TypeError):
            ours.json.dumps({"x": object()})


def test_a_value_flask_refuses_is_refused(apps):
    for app in apps:
        with app.app_context(), pytest.raises(TypeError):
            app.json.response({"x": {1, 2}})
