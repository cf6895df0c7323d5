"""The logs package's background work: the retention policy as a Dramatiq actor, which
the ticker sends on its period (``RETENTION_INTERVAL_SECONDS``)."""
from __future__ import annotations

import dramatiq

from ..engine.broker import QUEUE, current_broker
from .retention import apply_retention_policy


@dramatiq.actor(broker=current_broker, queue_name=QUEUE, max_retries=0, time_limit=3600 * 1000)
def apply_retention() -> None:
    """Delete execution logs past the retention policy."""
    apply_retention_policy()


LOGS_ACTORS = (apply_retention,)
