"""What a ``dramatiq`` worker process started by the tests imports (like worker.py).

The worker runs in another process with the test run's environment: the same
``DATABASE_URL`` (the test database), the same ``REDIS_URL`` and the same
``AUTOMATEOS_REDIS_NAMESPACE``. TestConfig derives the namespace from its own pid, so
this config takes it from the environment instead, where the test process put it.
"""
import os

import dramatiq

from automateos import create_app
from automateos.engine.broker import get_broker
from config import TestConfig


class WorkerProcessConfig(TestConfig):
    """The test run's database and Redis namespace."""

    REDIS_NAMESPACE = os.environ["AUTOMATEOS_REDIS_NAMESPACE"]


app = create_app(WorkerProcessConfig)
dramatiq.set_broker(get_broker(app))  # the broker ``dramatiq`` consumes: this app's
