#!/usr/bin/env python3
"""JSON micro-benchmark: the standard ``json`` path against orjson, where the app uses JSON.

    .venv/bin/python bench/json_micro.py

Three places (issue 9, "Fewer round trips"), each old against new on the same values:

- **request bodies**: ``jsonbody.parse_standard`` (``json.loads`` with a hook on every
  number, then the storable check) against ``jsonbody.parse`` (orjson, falling back to
  the standard path for anything it refuses or might read differently);
- **JSON columns** (PostgreSQL): what psycopg's ``Jsonb`` writes by default (``json.dumps``)
  against ``db_types.json_dumps``; and what psycopg reads JSONB with (``json.loads``)
  against ``db_types.json_loads`` (used once the engine is given it as ``json_deserializer``);
- **response bodies**: Flask's ``DefaultJSONProvider.response`` against
  ``json_provider.OrjsonProvider.response``.

The values are the benchmark's own traffic: the webhook body of ``vs_n8n.py``, a step's
output, the 40-transform workflow definition, a run record, and a 20 KB body of records.
Each figure is the best of 5 repeats of N calls (the least disturbed by the rest of a
shared machine), in microseconds per call. Nothing is started; nothing is written except
the JSON result in ``bench/results/``.
"""
from __future__ import annotations

import json
import sys
import timeit
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import orjson  # noqa: E402
from flask import Flask  # noqa: E402
from flask.json.provider import DefaultJSONProvider  # noqa: E402

from automateos import db_types, jsonbody  # noqa: E402
from automateos.json_provider import OrjsonProvider  # noqa: E402
from vs_n8n import chain  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"


def values() -> dict[str, Any]:
    """The values measured, by name."""
    records = [{"id": i, "name": f"customer {i}", "email": f"c{i}@example.com", "amount": i * 1.25,
                "tags": ["a", "b"], "active": i % 2 == 0, "note": None} for i in range(150)]
    run = {"id": 123, "workflow_id": 7, "status": "success", "trigger": "webhook",
           "started_at": "2026-11-28T12:00:00.000000+00:00", "finished_at": "2026-11-28T12:00:00.050000+00:00",
           "duration_ms": 50, "result": {"order": "A-1", "total": 300}, "error": None,
           "steps": [{"node_id": f"s{i}", "status": "success", "attempt": 1, "output": {"n": i + 2}}
                     for i in range(40)]}
    return {
        "webhook body": {"id": "A-1", "amount": 150},
        "step output": {"order": "A-1", "total": 300},
        "40-node definition": chain("when_finished"),
        "run record (40 steps)": run,
        "150 records (20 KB)": {"records": records},
    }


def best_us(fn: Callable[[], Any], number: int) -> float:
    """Best of 5 repeats, microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> int:
    """Measure each place on each value; print a table and write the JSON."""
    app = Flask(__name__)
    standard, fast = DefaultJSONProvider(app), OrjsonProvider(app)
    rows = []
    with app.app_context():
        for name, value in values().items():
            text = json.dumps(value).encode()
            stored = orjson.dumps(value)
            number = max(200, int(200_000 / max(len(text), 20)))
            assert jsonbody.parse(text) == jsonbody.parse_standard(text) == value
            assert json.loads(db_types.json_dumps(value)) == value
            assert json.loads(fast.response(value).get_data()) == json.loads(standard.response(value).get_data())
            pairs = {
                "request body: parse": (lambda: jsonbody.parse_standard(text), lambda: jsonbody.parse(text)),
                "column: write": (lambda: json.dumps(value).encode(), lambda: db_types.json_dumps(value)),
                "column: read": (lambda: json.loads(stored), lambda: db_types.json_loads(stored)),
                "response body": (lambda: standard.response(value), lambda: fast.response(value)),
            }
            for place, (old, new) in pairs.items():
                before, after = best_us(old, number), best_us(new, number)
                rows.append({"place": place, "value": name, "bytes": len(text), "json_us": before,
                             "orjson_us": after, "speedup": before / after})
    print("| place | value | bytes | standard json, us | orjson, us | speed-up |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['place']} | {r['value']} | {r['bytes']:,} | {r['json_us']:.1f} | {r['orjson_us']:.1f} "
              f"| {r['speedup']:.1f}x |")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"json_micro-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "rows": rows}, indent=2))
    print(f"JSON: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
