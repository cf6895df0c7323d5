"""Dramatiq entry point: ``dramatiq worker`` imports this module in every worker process.

It builds the app (so actors get their app context), declares the actors on the Redis
broker and starts the ticker (schedules, reconciler, retention) under a Redis lock.
"""
from __future__ import annotations

import dramatiq
from dramatiq.middleware import Middleware

from automateos import create_app
from automateos.engine import actors  # noqa: F401  (declares the actors)
from automateos.engine.broker import broker
from automateos.engine.scheduler import Ticker

app = create_app()


class TickerMiddleware(Middleware):
    """Run the periodic ticker while the worker process runs; hand its lead over on a
    graceful shutdown so another process's ticker takes over at once."""

    def __init__(self) -> None:
        self.ticker: Ticker | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if app.config["SCHEDULER_INTERVAL_SECONDS"] > 0:
            self.ticker = Ticker(app)
            self.ticker.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None


broker.add_middleware(TickerMiddleware())
