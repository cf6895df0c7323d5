"""The ``automateos`` console script: the Flask CLI with the app already set.

``automateos logs stats``, ``automateos db upgrade``, ``automateos serve`` are
``flask --app wsgi ...`` without the ``--app``, and work through ``.venv/bin/automateos``
with or without an activated venv (no global ``flask`` picked up by mistake).
"""
from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from . import create_app_or_exit


def _build_app() -> Flask:
    """The app of the environment; a refused configuration prints its lines and exits 1."""
    return create_app_or_exit(1)


def main() -> None:
    """Run the Flask CLI on the app built from the environment."""
    cli = FlaskGroup(name="automateos", create_app=_build_app,
                     help="AutomateOS: serve, migrate (db), inspect runs (logs, executions), workers.")
    cli.main(prog_name="automateos")


if __name__ == "__main__":
    main()
