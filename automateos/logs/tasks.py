"""The logs package's background work: the retention policy as a Dramatiq actor, which
the ticker sends on its period (``RETENTION_INTERVAL_SECONDS``). The same pass forgets
webhook deliveries older than any idempotency window."""
from __future__ import annotations

import dramatiq

from ..engine.broker import QUEUE, current_broker
from ..workflows.deliveries import purge_deliveries
from .retention import apply_retention_policy


@dramatiq.actor(broker=current_broker, queue_name=QUEUE, max_retries=0, time_limit=3600 * 1000)
def apply_retention() -> None:
    """Delete execution logs past the retention policy, and deliveries past every window."""
    apply_retention_policy()
    purge_deliveries()


LOGS_ACTORS = (apply_retention,)
