"""Step leases: how long a worker holds the step it runs, and the heartbeat that renews it.

Claiming a step gives it ``lease_expires_at`` = now + ``STEP_LEASE_SECONDS``. While the
node works, the worker's heartbeat pushes it forward every third of that. A worker that
dies stops renewing: the lease lapses (about a minute by default) and the step is taken
over, whatever the node's own time limit (a ``delay`` may sleep an hour). The claim count
(``attempts``) fences the leases: a renewal or a record of an attempt that was taken over
changes nothing.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ContextManager, Iterator

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.engine import Engine

from ..db_types import utcnow
from ..extensions import db
from .models import StepLog
from .locking import serialised
from .process_thread import ProcessThread

logger = logging.getLogger(__name__)
RENEWALS_PER_LEASE = 3  # renew every third of the lease: two renewals may fail before it lapses


def lease_expiry(now: datetime) -> datetime:
    """When a lease taken or renewed ``now`` lapses."""
    return now + timedelta(seconds=current_app.config["STEP_LEASE_SECONDS"])


def lease_lapsed(step: StepLog, now: datetime) -> bool:
    """True when a running step's worker stopped renewing its lease: it may be taken over."""
    return step.lease_expires_at is None or step.lease_expires_at <= now


def lapsed_lease_condition(now: datetime) -> ColumnElement[bool]:
    """``lease_lapsed`` as SQL, for finding the running steps of dead workers."""
    return and_(StepLog.status == "running",
                or_(StepLog.lease_expires_at.is_(None), StepLog.lease_expires_at <= now))


@dataclass
class _Lease:
    step_id: int
    attempt: int
    seconds: float
    engine: Engine
    due: float  # time.monotonic() of the next renewal


class LeaseKeeper:
    """Renews the leases of the steps this process is running, from one thread.

    One thread for the process rather than one per running step: a worker process runs
    as many steps at once as it has worker threads, and one loop renews them all for one
    thread and one pooled connection, where a thread per step would cost a thread, its
    stack and a connection each. Each renewal is its own short transaction on one row,
    so it can never take part in a lock cycle with the engine's transactions.
    """

    def __init__(self) -> None:
        self._leases: dict[int, _Lease] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._thread = ProcessThread(self._run, "automateos-lease-keeper")

    @contextmanager
    def hold(self, step_id: int, attempt: int, seconds: float, engine: Engine) -> Iterator[None]:
        """Renew the lease of ``step_id`` (claimed as ``attempt``) until the block ends."""
        lease = _Lease(step_id, attempt, seconds, engine, time.monotonic() + seconds / RENEWALS_PER_LEASE)
        with self._guard:
            self._thread.ensure_started()
            self._leases[id(lease)] = lease
        self._wake.set()
        try:
            yield
        finally:
            with self._guard:
                self._leases.pop(id(lease), None)

    def _run(self) -> None:
        while True:
            self._wake.clear()  # before reading the leases: a hold() from now on wakes us
            with self._guard:
                leases = list(self._leases.values())
            now = time.monotonic()
            for lease in leases:
                if lease.due <= now:
                    self._renew(lease)
            with self._guard:
                next_due = min((lease.due for lease in self._leases.values()), default=None)
            self._wake.wait(None if next_due is None else max(0.0, next_due - time.monotonic()))

    def _renew(self, lease: _Lease) -> None:
        period = lease.seconds / RENEWALS_PER_LEASE
        expires = utcnow() + timedelta(seconds=lease.seconds)
        table = StepLog.__table__
        try:
            with serialised(lease.engine), lease.engine.begin() as conn:
                renewed = conn.execute(
                    table.update()
                    .where(table.c.id == lease.step_id, table.c.status == "running",
                           table.c.attempts == lease.attempt)
                    .values(lease_expires_at=expires)
                ).rowcount
        except Exception:  # the database may be briefly gone: try again soon, keep the thread
            logger.exception("could not renew the lease of step %s", lease.step_id)
            lease.due = time.monotonic() + min(1.0, period)
            return
        if renewed:
            lease.due = time.monotonic() + period
            return
        logger.warning("step %s attempt %s lost its lease (taken over): its outcome will not be recorded",
                       lease.step_id, lease.attempt)
        with self._guard:
            self._leases.pop(id(lease), None)


_keeper = LeaseKeeper()


def hold_lease(step_id: int, attempt: int) -> ContextManager[Any]:
    """Keep the lease of a step this worker is running alive for the duration of the block."""
    return _keeper.hold(step_id, attempt, float(current_app.config["STEP_LEASE_SECONDS"]), db.engine)
