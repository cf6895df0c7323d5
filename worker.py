"""Dramatiq entry point: ``dramatiq worker`` imports this module in every worker process.

It builds the app and hands the app's broker (configured from the app's config, the
actors declared on it, each message run in the app's context) to Dramatiq as the global
broker that the CLI consumes, with the ticker (schedules, reconciler, retention) on it.
"""
from __future__ import annotations

import dramatiq

from automateos import create_app
from automateos.engine.broker import get_broker
from automateos.ticker import TickerMiddleware

app = create_app()
broker = get_broker(app)
broker.add_middleware(TickerMiddleware(app))
dramatiq.set_broker(broker)
