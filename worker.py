"""Dramatiq entry point: ``dramatiq worker`` imports this module in every worker process.

It builds the app and hands the app's broker (configured from the app's config, the
actors declared on it, each message run in the app's context) to Dramatiq as the global
broker that the CLI consumes, with the ticker (schedules, reconciler, retention) on it.
"""
from __future__ import annotations

import logging

import dramatiq

# Alembic announces its plugins at INFO when Flask-Migrate imports it: seven lines of
# noise in every worker process's boot, which never migrates.
logging.getLogger("alembic").setLevel(logging.WARNING)

from automateos import create_app_or_exit
from automateos.engine.broker import get_broker
from automateos.ticker import TickerMiddleware

# A refused configuration: one line per bad variable and dramatiq's "import failed" code,
# so the main process stops instead of logging a traceback per worker process.
DRAMATIQ_RET_IMPORT = 2

app = create_app_or_exit(DRAMATIQ_RET_IMPORT)
broker = get_broker(app)
broker.add_middleware(TickerMiddleware(app))
dramatiq.set_broker(broker)
