"""Execution logs: queries, retention, the ``flask logs`` CLI."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the logs CLI (when present)."""
    try:
        from .cli import logs_cli
    except ImportError:  # the CLI arrives with the history issue
        return
    app.cli.add_command(logs_cli)
