#!/usr/bin/env python3
"""Does a PostgreSQL driver let other greenlets run while it waits? (docs/decisions.md)

    .venv/bin/python bench/gevent_db.py [--driver psycopg|psycopg2] [--greenlets 20]

Patches the process as gunicorn's gevent worker does, then starts ``--greenlets``
greenlets that each open a connection and run ``SELECT pg_sleep(0.05)`` ``--queries``
times, beside a ticker greenlet that wakes every millisecond. A driver that waits
through gevent's hub finishes in about ``queries x 50 ms`` whatever the number of
greenlets, and the ticker never stalls; a driver that blocks in C serialises every query
(``greenlets x queries x 50 ms``) and the ticker (an open SSE stream, another request)
stalls for as long as each query. psycopg 3 is what the app uses; psycopg2 is measured
when it is importable (``pip install psycopg2-binary`` in another virtualenv: the app's
does not carry it). Only 127.0.0.1; nothing is written but the JSON in ``bench/results/``.
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # first, as gunicorn's gevent worker does before the app is imported

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import gevent  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parents[1] / "bench" / "results"
SLEEP = 0.05


def connector(driver: str, dsn: str) -> tuple[Callable[[], Any], str]:
    """A function opening a connection with ``driver``, and how that driver waits."""
    if driver == "psycopg":
        import psycopg
        import psycopg.waiting

        return (lambda: psycopg.connect(dsn, autocommit=True)), psycopg.waiting.wait.__name__
    import psycopg2

    return (lambda: psycopg2.connect(dsn)), "libpq in C (no wait callback set)"


def measure(driver: str, dsn: str, greenlets: int, queries: int) -> dict[str, Any]:
    """Wall time of the greenlets' queries and the longest stall of the 1 ms ticker."""
    connect, waits_with = connector(driver, dsn)
    connections = [connect() for _ in range(greenlets)]
    gaps: list[float] = []
    running = True

    def ticker() -> None:
        last = time.perf_counter()
        while running:
            gevent.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    def work(conn: Any) -> None:
        cur = conn.cursor()
        for _ in range(queries):
            cur.execute(f"SELECT pg_sleep({SLEEP})")
            cur.fetchall()

    tick = gevent.spawn(ticker)
    gevent.sleep(0.05)
    t0 = time.perf_counter()
    gevent.joinall([gevent.spawn(work, c) for c in connections], timeout=greenlets * queries * SLEEP * 4 + 30)
    wall = time.perf_counter() - t0
    running = False
    tick.join(2)
    for conn in connections:
        conn.close()
    return {"driver": driver, "waits_with": waits_with, "greenlets": greenlets, "queries_each": queries,
            "wall_s": wall, "ideal_cooperative_s": queries * SLEEP, "serial_s": greenlets * queries * SLEEP,
            "ticker_max_stall_ms": max(gaps) * 1000 if gaps else None}


def main() -> int:
    """Measure the drivers asked for (or both when importable); print and write the JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--driver", choices=("psycopg", "psycopg2"), action="append")
    p.add_argument("--greenlets", type=int, default=20)
    p.add_argument("--queries", type=int, default=5)
    p.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    drivers = args.driver or ["psycopg", "psycopg2"]
    results = []
    for driver in drivers:
        try:
            results.append(measure(driver, args.dsn, args.greenlets, args.queries))
        except ImportError as exc:
            print(f"{driver}: not importable here ({exc})")
    print("| driver | waits with | greenlets x queries | wall | cooperative ideal | serial | 1 ms ticker's longest stall |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['driver']} | {r['waits_with']} | {r['greenlets']} x {r['queries_each']} | {r['wall_s']:.2f} s "
              f"| {r['ideal_cooperative_s']:.2f} s | {r['serial_s']:.2f} s | {r['ticker_max_stall_ms']:.0f} ms |")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS_DIR / f"gevent_db-{stamp}.json").write_text(json.dumps({"when": stamp, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
