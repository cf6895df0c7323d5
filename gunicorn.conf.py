"""Gunicorn settings: ``gunicorn -c gunicorn.conf.py`` (Procfile, render.yaml, bench/sse.py).

Worker class: gevent. Every open ``GET /api/events`` stream holds its worker's attention
for hours; with gevent a stream is a greenlet blocked in Redis ``XREAD`` and 1,000 of them
cost little, while gthread needs one OS thread per stream. Measured with bench/sse.py
(docs/events.md, "Serving"). gevent's monkey patching makes redis-py cooperative, and
psycopg 3 sees the patched ``select`` and waits through it instead of blocking in C
(``psycopg.waiting``), so database calls yield to other greenlets too. That is why
nothing here imports the app: it must load in the worker, after patching.

Graceful shutdown (SIGTERM): open streams end at once instead of holding the worker for
``graceful_timeout``; EventSource reconnects after ``retry:`` with its Last-Event-ID.

Environment: ``PORT`` / ``GUNICORN_BIND``, ``WEB_CONCURRENCY`` (workers),
``GUNICORN_WORKER_CLASS`` (gevent | gthread), ``GUNICORN_WORKER_CONNECTIONS`` (gevent:
concurrent connections per worker), ``GUNICORN_THREADS`` (gthread),
``GUNICORN_CONTROL_SOCKET`` (a path turns on gunicorn's control socket; off by default).
"""
import logging
import os
import signal
import threading

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# One worker per core of a 2-core box: since issue 9 a when_finished call runs its first
# segment here, ~10-14 ms of this process's CPU per call against ~0.2 ms on the dramatiq
# worker (bench/vs_n8n.py), so the web is CPU-bound; three workers measured no better
# (docs/decisions.md, "Engine process model").
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
# gevent: open connections per worker, streams included (bench/sse.py held 1,000 streams
# on two workers; a waiting greenlet costs a few KB). gthread: threads per worker, and
# every open stream occupies one.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
threads = int(os.environ.get("GUNICORN_THREADS", "600"))
backlog = 2048
timeout = 30
graceful_timeout = 20
keepalive = 5
preload_app = False  # psycopg must be imported after gevent patched the worker
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # e.g. "-"; off by default
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two
# servers on a host would take it from each other, so it is only on when given a path.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def _close_streams() -> None:
    from automateos.events import shutdown_streams

    shutdown_streams()


def _gevent_patched() -> bool:
    """True in a gevent worker (the class may come from the command line, not this file)."""
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("threading"))


def post_worker_init(worker) -> None:
    """Close the event streams as soon as the worker is told to stop gracefully."""
    previous = signal.getsignal(signal.SIGTERM)
    cooperative = _gevent_patched()

    def on_term(signum, frame):
        # Not in the handler itself: closing streams takes locks the handler may interrupt
        # (under gevent, in a greenlet: the handler may not block, even to start a thread).
        if cooperative:
            import gevent

            gevent.spawn(_close_streams)
        else:
            threading.Thread(target=_close_streams, name="close-event-streams", daemon=True).start()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)
    import psycopg.waiting  # wait_c blocks the whole process; under gevent it must not be chosen

    logging.getLogger("gunicorn.error").info(
        "worker %s: psycopg waits with %s", worker.pid, psycopg.waiting.wait.__name__)


def worker_int(worker) -> None:
    """SIGINT/SIGQUIT: the worker stops now; tell the streams first."""
    _close_streams()


def worker_exit(server, worker) -> None:
    """The worker is leaving: nothing may keep streaming."""
    _close_streams()
