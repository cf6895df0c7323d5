"""The engine's Dramatiq actors, and :func:`send_steps` that enqueues their work.

Actors take ids, never objects. They are declared on :data:`~.broker.current_broker`, so
a send goes to the current app's broker, and they run inside that app's context (its
broker's :class:`~.broker.AppContextMiddleware`).
"""
from __future__ import annotations

import logging

import dramatiq

from .broker import QUEUE, current_broker
from .reconciler import reconcile as find_stalled_work
from .runner import Send
from .runner import run_step as run_one_step

logger = logging.getLogger(__name__)


# Node failures are handled (and retried) by the engine itself; Dramatiq's own retries
# only cover infrastructure errors (database or Redis briefly gone), which are safe to
# repeat because a finished step is never run twice.
@dramatiq.actor(broker=current_broker, queue_name=QUEUE, max_retries=5, min_backoff=500, time_limit=3 * 3600 * 1000)
def run_step(log_id: int, node_id: str) -> None:
    """Run one node step of one execution and enqueue what follows."""
    send_steps(run_one_step(log_id, node_id))


@dramatiq.actor(broker=current_broker, queue_name=QUEUE, max_retries=0)
def reconcile() -> None:
    """Move on executions that stopped moving."""
    send_steps(find_stalled_work())


ENGINE_ACTORS = (run_step, reconcile)


def send_steps(sends: list[Send]) -> None:
    """Enqueue step messages on the current app's broker; a failure is logged, not raised:
    the run is in the database, and the reconciler resends what was not sent."""
    for send in sends:
        try:
            if send.delay_seconds:
                run_step.send_with_options(args=(send.log_id, send.node_id), delay=int(send.delay_seconds * 1000))
            else:
                run_step.send(send.log_id, send.node_id)
        except Exception:
            logger.exception("could not enqueue step %s of execution %s", send.node_id, send.log_id)
