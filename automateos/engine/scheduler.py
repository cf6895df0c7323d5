"""The periodic heart: fires due ``schedule`` triggers, reconciles stalled runs and sends
the retention actor on their periods.

Every worker process runs a Ticker, but only the holder of a Redis lock acts, so a
schedule fires once however many processes run. In embedded mode there is one process
and the ticker is always the leader. The lock's lease is a few ticks long and given back
on a graceful stop, so a killed or restarted worker holds up the reconciler for seconds.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import redis
from croniter import croniter
from flask import Flask
from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from ..workflows.models import Workflow
from . import actors
from .reconciler import reconcile
from .service import send_steps, start_execution

logger = logging.getLogger(__name__)


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


class Leadership:
    """A Redis lock with a lease, renewed while held; always held without Redis."""

    def __init__(self, redis_url: str | None, key: str, ttl_seconds: float):
        # Short timeouts: a Redis outage must not stall the ticker's thread for long.
        self.client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5) if redis_url else None
        self.key, self.ttl_ms, self.token = key, int(ttl_seconds * 1000), uuid.uuid4().hex

    def acquire(self) -> bool:
        """Take or renew the lock; True while this process leads."""
        if self.client is None:
            return True
        if self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return True
        # Renew only our own lease (compare-and-set in one round trip).
        renew = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
        return bool(self.client.eval(renew, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        """Give the lock back if we hold it, so a successor leads at once."""
        if self.client is None:
            return
        release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
        try:
            self.client.eval(release, 1, self.key, self.token)
        except redis.RedisError:  # Redis is down: the lease lapses by itself
            logger.warning("could not release the ticker lock %s", self.key)


class Ticker(threading.Thread):
    """Background thread that does the periodic work while it leads."""

    def __init__(self, app: Flask):
        super().__init__(name="automateos-ticker", daemon=True)
        self.app = app
        config = app.config
        self.periods = {"reconcile": float(config["RECONCILE_INTERVAL_SECONDS"]),
                        "apply_retention": float(config["RETENTION_INTERVAL_SECONDS"])}
        # Tick as often as the most frequent job needs: a 1 s reconcile period must not
        # wait for a 15 s schedule tick.
        self.interval = min(p for p in (float(config["SCHEDULER_INTERVAL_SECONDS"]), *self.periods.values()) if p > 0)
        self.last_done = {name: time.monotonic() for name in self.periods}
        # Three ticks: a leader that missed two is gone (killed, hung), and its successor
        # takes over within seconds, not after a fixed half minute.
        self.leadership = Leadership(config["REDIS_URL"], f"{config['REDIS_NAMESPACE']}:ticker",
                                     ttl_seconds=max(self.interval * 3, 3))
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:  # keep ticking: a database blip must not end scheduling
                logger.exception("ticker failed")

    def stop(self) -> None:
        """Stop ticking and hand the lead over (a graceful worker shutdown)."""
        self.stopping.set()
        self.join(timeout=self.interval + 5)
        self.leadership.release()

    def due(self, name: str) -> bool:
        """True (and the period restarts) when ``name``'s period has run out."""
        now, period = time.monotonic(), self.periods[name]
        if period <= 0 or now - self.last_done[name] < period:
            return False
        self.last_done[name] = now
        return True

    def tick(self) -> None:
        """One round of periodic work, if this process leads."""
        if not self.leadership.acquire():
            return
        with self.app.app_context():
            try:
                fire_due_schedules()
                # Here, not as a message: a reconcile queued behind a backlog would run
                # alongside the next ones, each resending the same steps.
                if self.due("reconcile"):
                    send_steps(reconcile())
            finally:
                db.session.remove()
        if self.due("apply_retention"):
            actors.apply_retention.send()
