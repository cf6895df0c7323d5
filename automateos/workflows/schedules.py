"""Schedule triggers: when a cron fires next, and starting the runs that are due.

The ticker (``automateos.ticker``) calls :func:`fire_due_schedules` on its period; saving
a schedule workflow sets its first ``next_run_at`` with :func:`next_fire_time`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select

from ..db_types import utcnow
from ..engine.service import start_execution
from ..extensions import db
from .models import Workflow


def next_fire_time(params: dict[str, Any], after: datetime) -> datetime:
    """The first time the cron of a schedule trigger fires after ``after`` (in UTC)."""
    zone = ZoneInfo(params.get("timezone") or "UTC")
    return croniter(params["cron"], after.astimezone(zone)).get_next(datetime).astimezone(ZoneInfo("UTC"))


def fire_due_schedules(now: datetime | None = None) -> int:
    """Start one run for every active schedule that is due; returns how many started.

    Missed fire times (the platform was down) are not replayed one by one: the run fires
    once and the next time is computed from now, as cron does.
    """
    now = now or utcnow()
    query = (select(Workflow).where(Workflow.trigger_type == "schedule", Workflow.active.is_(True),
                                    Workflow.next_run_at <= now).limit(100))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for workflow in db.session.scalars(query).all():
        scheduled_at = workflow.next_run_at
        workflow.next_run_at = next_fire_time(workflow.trigger_params(), now)
        start_execution(workflow, "schedule", {"scheduled_at": scheduled_at.isoformat()})  # commits
        fired += 1
    db.session.commit()
    return fired
