"""Dramatiq entry point: ``dramatiq worker`` imports this module in every worker process.

It builds the app (so actors get their app context), declares the actors on the Redis
broker and starts the ticker (schedules, reconciler, retention) under a Redis lock.
"""
import dramatiq
from dramatiq.middleware import Middleware

from automateos import create_app
from automateos.engine import actors  # noqa: F401  (declares the actors)
from automateos.engine.broker import broker

app = create_app()


class TickerMiddleware(Middleware):
    """Start the periodic ticker once the worker process has booted."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from automateos.engine.scheduler import Ticker

        if app.config["SCHEDULER_INTERVAL_SECONDS"] > 0:
            Ticker(app).start()


broker.add_middleware(TickerMiddleware())
