"""Fixtures of the history tests: workflows made through the API, and execution logs
written straight into the tables with chosen times and statuses (data setup, fast)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from automateos.db_types import utcnow
from automateos.extensions import db
from automateos.engine.models import ExecutionLog, StepLog
from automateos.workflows.models import Workflow
from tests.conftest import ApiUser, webhook_flow

FLOW = webhook_flow({"id": "shape", "type": "transform", "params": {"fields": {"x": "{{ input.body.x }}"}}})


@dataclass
class LogRow:
    """A log as written by the fixture: what the tests expect the API to find."""

    id: int
    workflow_id: int
    status: str
    trigger: str
    started_at: datetime
    payload: Any
    result: Any
    error: Any


@pytest.fixture
def workflow(user: ApiUser) -> dict[str, Any]:
    """A webhook workflow of ``user``, as the API returns it."""
    return user.create_workflow(FLOW, name="Orders in")


@pytest.fixture
def other_workflow(other_user: ApiUser) -> dict[str, Any]:
    """A workflow of ``other_user``."""
    return other_user.create_workflow(FLOW, name="Not yours")


@pytest.fixture
def add_logs(app: Flask) -> Callable[..., list[LogRow]]:
    """Factory: write ``n`` logs of a workflow (each with two steps) and commit.

    ``age`` is how long ago the newest of them started; each further log started one
    second earlier (``spacing``), so the order of the list is known.
    """

    def add(workflow: dict[str, Any], n: int = 1, *, status: str = "success", trigger: str = "webhook",
            age: timedelta = timedelta(minutes=5), spacing: timedelta = timedelta(seconds=1),
            payload: Any = None, result: Any = None, error: Any = None, started_at: datetime | None = None) -> list[LogRow]:
        with app.app_context():
            wf = db.session.get(Workflow, workflow["id"])
            newest = started_at or utcnow() - age
            logs = []
            for i in range(n):
                when = newest - spacing * i
                logs.append(ExecutionLog(
                    workflow_id=wf.id, owner_id=wf.owner_id, status=status, trigger=trigger,
                    workflow_version=wf.version, definition=wf.definition, started_at=when, updated_at=when,
                    finished_at=when + timedelta(milliseconds=250) if status in ("success", "failed") else None,
                    payload=payload if payload is not None else {"body": {"x": i}},
                    result=result, error=error,
                ))
            db.session.add_all(logs)
            db.session.flush()
            db.session.add_all(StepLog(log_id=log.id, node_id=node, type=kind, status="success", attempts=1)
                               for log in logs for node, kind in (("hook", "webhook"), ("shape", "transform")))
            rows = [LogRow(log.id, log.workflow_id, log.status, log.trigger, log.started_at, log.payload,
                           log.result, log.error) for log in logs]
            db.session.commit()
            return rows

    return add


@pytest.fixture
def existing(app: Flask) -> Callable[..., set[int]]:
    """The ids of the logs in the database (optionally of some ids only)."""

    def ids(among: list[int] | None = None) -> set[int]:
        with app.app_context():
            query = select(ExecutionLog.id)
            if among is not None:
                query = query.where(ExecutionLog.id.in_(among))
            return set(db.session.scalars(query))

    return ids


@pytest.fixture
def step_count(app: Flask) -> Callable[[list[int]], int]:
    """How many steps the given logs still have."""

    def count(log_ids: list[int]) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(StepLog).where(StepLog.log_id.in_(log_ids)))

    return count


def ids_of(page: dict[str, Any]) -> list[int]:
    """The ids of a page of logs, in order."""
    return [item["id"] for item in page["items"]]
