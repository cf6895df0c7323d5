"""Execution logs, the read side of runs: queries, retention, the ``flask logs`` CLI."""
from __future__ import annotations

import warnings
from typing import Any, Callable

from alembic import context as migration_context
from flask import Flask

from ..engine.broker import declare_actors
from ..extensions import api
from .cli import logs_cli
from .tasks import LOGS_ACTORS
from .views import blp


def _only_on_its_dialect(previous: Callable[..., bool] | None) -> Callable[..., bool]:
    """An Alembic ``include_object`` hook: schema objects marked ``info["only_on"]``
    (the PostgreSQL search index) are compared on that dialect only, so that
    ``flask db check`` is silent on SQLite too."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        if only_on and migration_context.get_context().dialect.name != only_on:
            return False
        return previous(obj, name, type_, reflected, compare_to) if previous else True

    return include_object


def init_app(app: Flask) -> None:
    """Register the logs API, the ``flask logs`` CLI, the retention actor on the app's
    broker (after ``engine.init_app``) and the migration hook for dialect-specific indexes."""
    api.register_blueprint(blp)
    app.cli.add_command(logs_cli)
    declare_actors(app, *LOGS_ACTORS)
    migrate_config = app.extensions.get("migrate")
    if migrate_config is not None:
        args = migrate_config.configure_args
        args["include_object"] = _only_on_its_dialect(args.get("include_object"))
        # Alembic warns that it cannot compare the expression index on SQLite, where
        # the hook above leaves it out anyway.
        warnings.filterwarnings("ignore", message=".*expression-based index 'ix_execution_logs_search'")
