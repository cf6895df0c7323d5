"""The ``automateos`` console script: the Flask CLI with the app already set.

``automateos logs stats``, ``automateos db upgrade``, ``automateos serve`` are
``flask --app wsgi ...`` without the ``--app``, and work through ``.venv/bin/automateos``
with or without an activated venv (no global ``flask`` picked up by mistake).
"""
from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app_or_exit


def main() -> None:
    """Run the Flask CLI on the app built from the environment (a refused configuration
    prints its lines and exits 1)."""
    cli = FlaskGroup(name="automateos", create_app=create_app_or_exit,
                     help="AutomateOS: serve, migrate (db), inspect runs (logs, executions), workers.")
    cli.main(prog_name="automateos")


if __name__ == "__main__":
    main()
