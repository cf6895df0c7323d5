"""The execution engine: a run end to end (models, statuses, the runner, the reconciler),
the app's broker and the engine's actors."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from .actors import ENGINE_ACTORS, send_steps
from .broker import init_broker
from .reconciler import reconcile

executions_cli = AppGroup("executions", help="Execution engine maintenance.")


@executions_cli.command("reconcile")
@click.option("--older-than", type=click.IntRange(min=0), default=None,
              help="Seconds without movement before a run counts as stalled (default: config).")
def reconcile_command(older_than: int | None) -> None:
    """Resend the work of executions that stopped moving."""
    sends = reconcile(timedelta(seconds=older_than) if older_than is not None else None)
    send_steps(sends)
    click.echo(f"resent {len(sends)} step(s)")


def init_app(app: Flask) -> None:
    """Give ``app`` its broker (from its config) with the engine's actors, and the
    ``flask executions`` CLI. No worker starts here: see ``automateos.serve``, worker.py."""
    init_broker(app, *ENGINE_ACTORS)
    app.cli.add_command(executions_cli)
