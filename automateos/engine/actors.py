"""Dramatiq actors. They take ids, never objects, and run inside the Flask app context."""
from __future__ import annotations

import functools
from typing import Any, Callable

import dramatiq
from flask import Flask

from ..extensions import db
from . import broker as _broker  # noqa: F401  (sets the global broker before declaring)
from .broker import QUEUE

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The app whose context the actors run in (the web app, or worker.py's)."""
    global _app
    _app = app


def in_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run an actor body inside the bound app's context, and release its DB session."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _app is None:
            raise RuntimeError("no Flask app bound: import worker.py or call create_app()")
        with _app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


# Node failures are handled (and retried) by the engine itself; Dramatiq's own retries
# only cover infrastructure errors (database or Redis briefly gone), which are safe to
# repeat because a finished step is never run twice.
@dramatiq.actor(queue_name=QUEUE, max_retries=5, min_backoff=500, time_limit=3 * 3600 * 1000)
@in_app_context
def run_step(log_id: int, node_id: str) -> None:
    """Run one node step of one execution and enqueue what follows."""
    from .runner import run_step as run
    from .service import send_steps

    send_steps(run(log_id, node_id))


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
@in_app_context
def reconcile() -> None:
    """Move on executions that stopped moving."""
    from .reconciler import reconcile as find_and_fix
    from .service import send_steps

    send_steps(find_and_fix())


@dramatiq.actor(queue_name=QUEUE, max_retries=0, time_limit=3600 * 1000)
@in_app_context
def apply_retention() -> None:
    """Delete execution logs past the retention policy."""
    from ..logs.retention import apply_retention_policy

    apply_retention_policy()
