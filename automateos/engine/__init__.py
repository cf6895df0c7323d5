"""The execution engine: graph rules, expressions, the broker, actors and the node runner."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from . import actors
from .broker import is_embedded, start_inprocess_worker

executions_cli = AppGroup("executions", help="Execution engine maintenance.")


@executions_cli.command("reconcile")
@click.option("--older-than", type=click.IntRange(min=0), default=None,
              help="Seconds without movement before a run counts as stalled (default: config).")
def reconcile_command(older_than: int | None) -> None:
    """Resend the work of executions that stopped moving."""
    from .reconciler import reconcile
    from .service import send_steps

    sends = reconcile(timedelta(seconds=older_than) if older_than is not None else None)
    send_steps(sends)
    click.echo(f"resent {len(sends)} step(s)")


def init_app(app: Flask) -> None:
    """Bind the actors to ``app``; in embedded mode also run the worker and the ticker here."""
    actors.bind_app(app)
    app.cli.add_command(executions_cli)
    if is_embedded() and app.config["RUN_EMBEDDED_SERVICES"]:
        start_inprocess_worker(app.config["EMBEDDED_WORKER_THREADS"])
        if app.config["SCHEDULER_INTERVAL_SECONDS"] > 0:
            from .scheduler import Ticker

            Ticker(app).start()
