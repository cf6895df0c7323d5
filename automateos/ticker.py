"""The periodic heart: fires due ``schedule`` triggers, reconciles stalled runs and sends
the retention actor, each on its period.

Every worker process runs a Ticker (worker.py; ``flask serve`` in embedded mode), but only
the holder of a Redis lock acts, so a schedule fires once however many processes run.
Without Redis there is one process and it always leads. The lock's lease is a few ticks
long and given back on a graceful stop, so a killed or restarted worker holds up the
reconciler for seconds.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

import dramatiq
import redis
from dramatiq.middleware import Middleware
from flask import Flask

from .engine.actors import send_steps
from .engine.reconciler import reconcile
from .extensions import db
from .logs.tasks import apply_retention
from .workflows.schedules import fire_due_schedules

logger = logging.getLogger(__name__)

# Renew only our own lease / give back only our own lock (compare-and-set in one round trip).
RENEW_SCRIPT = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
                "else return 0 end")
RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class Leadership:
    """A Redis lock with a lease, renewed while held; always held without Redis.

    Parameters:
        redis_url: the Redis that all processes share, or None (one process: it leads).
        key: the lock's key.
        ttl_seconds: the lease; a leader that does not renew within it loses the lead.
    """

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
        return bool(self.client.eval(RENEW_SCRIPT, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        """Give the lock back if we hold it, so a successor leads at once."""
        if self.client is None:
            return
        try:
            self.client.eval(RELEASE_SCRIPT, 1, self.key, self.token)
        except redis.RedisError:  # Redis is down: the lease lapses by itself
            logger.warning("could not release the ticker lock %s", self.key)


class Ticker(threading.Thread):
    """Background thread that does the periodic work while it leads.

    Parameters:
        app: the app whose config gives the periods and whose broker gets the messages.
    """

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

    @staticmethod
    def wanted(app: Flask) -> bool:
        """True when ``app``'s config asks for periodic work (tests turn it off)."""
        return float(app.config["SCHEDULER_INTERVAL_SECONDS"]) > 0

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:  # keep ticking: a database blip must not end scheduling
                logger.exception("ticker failed")

    def stop(self) -> None:
        """Stop ticking and hand the lead over (a graceful worker shutdown)."""
        self.stopping.set()
        if self.is_alive():
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
                if self.due("apply_retention"):
                    apply_retention.send()
            finally:
                db.session.remove()


class TickerMiddleware(Middleware):
    """Run a Ticker while a ``dramatiq worker`` process runs (worker.py adds it to the
    app's broker); hand the lead over on a graceful shutdown so that another process's
    ticker takes over at once.

    Parameters:
        app: the app whose config and broker the ticker uses.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.ticker: Ticker | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if Ticker.wanted(self.app):
            self.ticker = Ticker(self.app)
            self.ticker.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
