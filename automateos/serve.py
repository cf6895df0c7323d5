"""``flask --app wsgi serve``: the whole platform in one process (what ``make run`` runs).

The development web server, an embedded Dramatiq worker on the app's broker and the
ticker, started here explicitly: ``create_app`` never starts a thread, so ``flask db``,
``flask logs``, gunicorn and the tests build the same app without side effects.
"""
from __future__ import annotations

import signal
import sys
from types import FrameType

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from .engine.broker import start_worker, stop_worker
from .ticker import Ticker


class EmbeddedServices:
    """The in-process worker and ticker of ``app``, started and stopped together.

    Parameters:
        app: the app whose broker the worker consumes.
        threads: worker threads.
    """

    def __init__(self, app: Flask, threads: int):
        self.app, self.threads = app, threads
        self.ticker: Ticker | None = None

    def start(self) -> "EmbeddedServices":
        """Start the worker, then the ticker (unless the config turns it off)."""
        start_worker(self.app, self.threads)
        if Ticker.wanted(self.app):
            self.ticker = Ticker(self.app)
            self.ticker.start()
        return self

    def stop(self) -> None:
        """Stop the ticker (handing its lead over), then the worker (running steps finish)."""
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        stop_worker(self.app)


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)  # unwinds through serve's finally: the worker and the ticker stop cleanly


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=None, type=click.IntRange(min=1),
              help="Embedded worker threads (default: EMBEDDED_WORKER_THREADS).")
def serve_command(host: str, port: int, threads: int | None) -> None:
    """Serve the API and dashboard with an embedded worker and ticker (development)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  (the proxy's app)
    services = EmbeddedServices(app, threads or int(app.config["EMBEDDED_WORKER_THREADS"])).start()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        # No reloader: it would run a second worker and ticker in its child process.
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        services.stop()
