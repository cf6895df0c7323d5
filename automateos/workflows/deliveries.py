"""Webhook deliveries already seen: a delivery the sender retries starts no second run.

A delivery is recognised by its id (see :func:`automateos.workflows.signatures.delivery_id`).
The first request with an id inserts a row keyed by ``(workflow_id, delivery_id)`` in the
transaction that records its run; a unique constraint, not a read-then-write, makes every
concurrent duplicate lose: PostgreSQL holds the others' inserts until the first commits
and then reports the conflict, SQLite serialises the writers. A row older than the
workflow's window no longer counts: the next delivery with that id takes it over (one
conditional UPDATE, so again only one of several concurrent retries wins).
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import BigIntId, UTCDateTime, utcnow
from ..extensions import db

MAX_KEY_LENGTH = 200
# A first request records its run and, a moment later, the run's id on its delivery row:
# a duplicate that arrives in between waits this long at most, re-reading the row.
FIRST_RUN_WAIT_SECONDS = 10.0
_FIRST_RUN_POLL_SECONDS = 0.02
# The longest window a webhook can set (its idempotency.window_hours is at most 720).
LONGEST_WINDOW = timedelta(hours=720)


class WebhookDelivery(db.Model):
    """A delivery id a workflow's webhook received, and the run it started."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("workflow_id", "delivery_id", name="uq_webhook_deliveries_workflow_delivery"),
        Index("ix_webhook_deliveries_received", "received_at"),  # purging old rows
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH + 10))
    # Set just after the run is committed; a deleted run takes its delivery with it, so a
    # retry after that starts a new one.
    log_id: Mapped[int | None] = mapped_column(ForeignKey("execution_logs.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def delivery_key(delivery_id: str) -> str:
    """The id as stored: as sent when short, else its SHA-256 (ids come from the caller)."""
    if len(delivery_id) <= MAX_KEY_LENGTH:
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()


def claim(workflow_id: int, delivery_id: str, window: timedelta) -> int | None:
    """Record ``delivery_id`` for the workflow in the current transaction (not committed).

    Returns the delivery row's id when this request is the first within ``window`` (it
    must then start the run and :func:`attach` it), or None for a duplicate (the session
    is rolled back: nothing of it is kept).
    """
    key, now = delivery_key(delivery_id), utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    row_id = db.session.scalar(
        insert(WebhookDelivery)
        .values(workflow_id=workflow_id, delivery_id=key, received_at=now)
        .on_conflict_do_nothing(index_elements=["workflow_id", "delivery_id"])
        .returning(WebhookDelivery.id)
    )
    if row_id is None:  # seen before: counts only within the window, else it is taken over
        row_id = db.session.scalar(
            update(WebhookDelivery)
            .where(WebhookDelivery.workflow_id == workflow_id, WebhookDelivery.delivery_id == key,
                   WebhookDelivery.received_at < now - window)
            .values(received_at=now, log_id=None)
            .returning(WebhookDelivery.id)
        )
    if row_id is None:
        db.session.rollback()
    return row_id


def attach(row_id: int, log_id: int) -> None:
    """Note on the delivery the run it started, and commit."""
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == row_id).values(log_id=log_id))
    db.session.commit()


def first_run(workflow_id: int, delivery_id: str, timeout: float = FIRST_RUN_WAIT_SECONDS) -> int | None:
    """The id of the run the first delivery with ``delivery_id`` started; None when it has
    none (its row or its run is gone, or the first request died between its two commits)."""
    key, deadline = delivery_key(delivery_id), time.monotonic() + timeout
    query = select(WebhookDelivery.log_id).where(WebhookDelivery.workflow_id == workflow_id,
                                                 WebhookDelivery.delivery_id == key)
    while True:
        found = db.session.execute(query).first()
        # Ends the read: the next one sees the first request's second commit, and the
        # sleep holds no connection (the first request needs one from the same pool).
        db.session.rollback()
        if found is None or found.log_id is not None or time.monotonic() >= deadline:
            return None if found is None else found.log_id
        time.sleep(_FIRST_RUN_POLL_SECONDS)


def purge_deliveries(older_than: datetime | None = None) -> int:
    """Delete delivery rows older than ``older_than`` (default: the longest window, so no
    webhook can still need them); returns how many. For a periodic job."""
    cutoff = older_than or utcnow() - LONGEST_WINDOW
    deleted = db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.received_at < cutoff)).rowcount
    db.session.commit()
    return deleted
