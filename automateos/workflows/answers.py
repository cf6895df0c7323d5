"""Waiting for a webhook's answer with ``respond: using_node``: the first ``respond``
step the run records, or the run itself once it ends without one.

Waits on the event bus, not by polling: it subscribes to the owner's events first and
only then reads the database, so an answer committed in between is never missed. The
answer is read from the database (events carry no step output).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..bus import EventIdTooOld, get_bus
from ..engine.models import FINISHED_EXECUTION, ExecutionLog, StepLog
from ..extensions import db
from ..nodes.builtin.respond import RespondNode

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """What the run says to the webhook's caller: a respond node's output
    ``{status, headers, body}``, or else the finished run."""

    response: dict[str, Any] | None = None
    run: ExecutionLog | None = None


def current_answer(log_id: int) -> Answer | None:
    """The answer as the database has it now, or None while the run has none yet."""
    db.session.rollback()  # a new transaction sees the commits made meanwhile
    output = db.session.execute(
        select(StepLog.output)
        .where(StepLog.log_id == log_id, StepLog.type == RespondNode.type, StepLog.status == "success")
        .order_by(StepLog.finished_at, StepLog.id).limit(1)
    ).first()
    # A respond step's output is an answer unless the run's save policy dropped it.
    if output is not None and isinstance(output[0], dict) and "status" in output[0]:
        return Answer(response=output[0])
    log = db.session.get(ExecutionLog, log_id, populate_existing=True,
                         options=[undefer(ExecutionLog.result), undefer(ExecutionLog.error)])
    if log is not None and log.status in FINISHED_EXECUTION:
        return Answer(run=log)
    return None


def _may_answer(event: Any, log_id: int) -> bool:
    """An event after which the answer may be in the database."""
    if event.log_id != log_id:
        return False
    data = json.loads(event.data)
    if event.type == "step.updated":
        return data.get("type") == RespondNode.type and data.get("status") == "success"
    return event.type == "execution.updated" and data.get("status") in FINISHED_EXECUTION


def wait_on_bus(owner_id: int, timeout: float, read: Callable[[], T | None],
                may_change: Callable[[Any], bool], what: str) -> T | None:
    """``read()`` once it gives something, or None after ``timeout`` seconds.

    Subscribes to the owner's events first and only then reads, so a commit made in
    between is never missed; reads again after each event ``may_change`` accepts. When
    the bus fails, answers with what ``read()`` says now (``what`` names it in the log).
    """
    if (found := read()) is not None:
        return found  # there already (e.g. its first segment ran here): no need for the bus
    deadline = time.monotonic() + timeout
    try:
        with get_bus().subscribe(owner_id) as subscription:
            if (found := read()) is not None:
                return found
            db.session.rollback()  # hold no database connection while waiting
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    if any(may_change(event) for event in subscription.wait(remaining)):
                        if (found := read()) is not None:
                            return found
                        db.session.rollback()
                except EventIdTooOld as exc:  # fell behind the buffer: the database knows
                    subscription.seek(exc.latest)
                    if (found := read()) is not None:
                        return found
    except Exception:  # the bus is down: answer with what the database says now
        logger.exception("waiting for %s on the event bus failed", what)
        return read()
    return None


def wait_for_answer(log_id: int, owner_id: int, timeout: float) -> Answer | None:
    """The run's answer, or None if it has none after ``timeout`` seconds."""
    return wait_on_bus(owner_id, timeout, lambda: current_answer(log_id), lambda event: _may_answer(event, log_id),
                       f"the answer of execution {log_id}")
