"""Serialising the engine's writes where the database cannot lock rows.

PostgreSQL locks a run's row (``SELECT ... FOR UPDATE``) for each read-decide-write
transaction. SQLite has one writer and no row locks, and the embedded default runs in one
process: there the engine's transactions (and lease renewals) take one process lock.
"""
from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any, ContextManager

from sqlalchemy.engine import Engine

from ..extensions import db

_sqlite_lock = threading.Lock()


def serialised(engine: Engine | None = None) -> ContextManager[Any]:
    """A lock around an engine transaction on SQLite; nothing on PostgreSQL.

    ``engine`` defaults to the current app's (threads without an app context pass theirs).
    """
    dialect = (engine or db.engine).dialect.name
    return _sqlite_lock if dialect == "sqlite" else nullcontext()
