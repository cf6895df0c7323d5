"""Request bodies parsed by orjson get today's answers exactly (jsonbody.parse against
jsonbody.parse_standard): the same value, or the same refusal with the same message."""
from __future__ import annotations

import json
import random
from typing import Any

import pytest

from automateos.jsonbody import BadJSON, parse, parse_standard

EDGES = [
    b'{"id": "A-1", "amount": 150}', b"1e400", b"-1e400", b"NaN", b"[Infinity]", b"-Infinity",
    b"123456789012345678901234567890", b"18446744073709551615", b"18446744073709551616", b"-9223372036854775809",
    b'{"a": 1, "b": 2, "a": 3}', b'"\\ud800"', b'"\\u0000"', b'{"\\u0000": 1}', b'"\\\\u0000"',
    b"\xef\xbb\xbf{}", b"-0", b"1E2", b"0.1", b"4.9e-325", b"1.7976931348623157e309",
    b"[" * 64 + b"]" * 64, b"[" * 65 + b"]" * 65, b"[" * 2000 + b"]" * 2000,
    b'{"a":' * 64 + b"1" + b"}" * 64, b'{"a":' * 65 + b"1" + b"}" * 65,
    b'["' + b"[" * 100 + b'"]', b'"a\xff"', b'"\xed\xa0\x80"', b" {} ", b'{"a":1}x', b"'a'", b"", b"1" * 1001,
    b"1" * 999, b'"1234567890123456789"', b'"\\ud83d\\ude00"', b'{"a": [{"b": null, "c": true}]}', b'"a\tb"',
]


def answer(fn: Any, data: bytes | str, depth: int = 64) -> tuple[str, str]:
    try:
        return "value", repr(fn(data, depth))  # repr: 1 and 1.0 differ
    except BadJSON as exc:
        return "refused", str(exc)


@pytest.mark.parametrize("data", EDGES, ids=lambda d: repr(d[:40]))
def test_edge_cases_get_the_standard_answer(data):
    assert answer(parse, data) == answer(parse_standard, data)
    if data.isascii():
        text = data.decode()
        assert answer(parse, text) == answer(parse_standard, text)


def test_a_deeper_limit_is_kept_the_same_way():
    for depth in (1, 2, 10):
        for data in (b"[[1]]", b'{"a": {"b": {}}}', b"[" * 10 + b"]" * 10, b"[[], [[]]]"):
            assert answer(parse, data, depth) == answer(parse_standard, data, depth)


def test_random_fragments_get_the_standard_answer():
    """Texts glued from pieces that parse, refuse, or sit on a boundary of the rules."""
    pieces = [b"[", b"]", b"{", b"}", b'"a"', b":", b",", b"1", b"-", b"0", b".", b"e", b"9" * 10, b"null",
              b'"\\u0000"', b'"\\ud800"', b"1e400", b"NaN", b" ", b'"x":', b"true", b'"\xc3\xa9"', b"\xff"]
    rng = random.Random(9)
    for _ in range(20_000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert answer(parse, data) == answer(parse_standard, data), data


def test_random_values_get_the_standard_answer():
    """Valid JSON of every kind the rules care about, some of it nested near the limit."""
    rng = random.Random(11)
    leaves = [1, -5, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, 10**30, 1.5, -0.0, 1e300, "s", "é", "\x00", None, True,
              "\\u0000"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 70 or roll < 0.3:
            return rng.choice(leaves)
        if roll < 0.65:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(["a", "b", "ü", "\x00k"]): value(depth + 1) for _ in range(rng.randint(0, 3))}

    for _ in range(5_000):
        data = json.dumps(value(rng.choice([0, 0, 55, 62])), ensure_ascii=rng.random() < 0.5).encode()
        assert answer(parse, data) == answer(parse_standard, data), data[:200]
