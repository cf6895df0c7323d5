"""A run's records: one ExecutionLog per run, one StepLog per node of the run.

The engine owns them (it is the only writer); ``logs/`` reads them.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, column, func, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..db_types import BigIntId, JSONType, UTCDateTime, utcnow
from ..extensions import db



class ExecutionStatus(StrEnum):
    """Where a run is. Stored as its value; members compare equal to plain strings."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class StepStatus(StrEnum):
    """Where one node's step of a run is."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


class Trigger(StrEnum):
    """What started a run."""

    WEBHOOK = "webhook"
    MANUAL = "manual"
    SCHEDULE = "schedule"
    RETRY = "retry"


EXECUTION_STATUSES = tuple(s.value for s in ExecutionStatus)
FINISHED_EXECUTION = (ExecutionStatus.SUCCESS.value, ExecutionStatus.FAILED.value)
STEP_STATUSES = tuple(s.value for s in StepStatus)
FINISHED_STEP = (StepStatus.SUCCESS.value, StepStatus.FAILED.value, StepStatus.SKIPPED.value)
TRIGGERS = tuple(t.value for t in Trigger)

# PostgreSQL: an immutable SQL function (migration 0002) that joins a run's bodies into
# the one text the ``q`` search matches; its trigram GIN index serves ``ILIKE '%q%'``.
SEARCH_TEXT_FUNCTION = "automateos_log_search_text"


def search_text_index() -> Index:
    """The trigram index of the ``q`` search (PostgreSQL only: ``info["only_on"]``)."""
    document = getattr(func, SEARCH_TEXT_FUNCTION)(column("payload"), column("result"), column("error"))
    return Index(
        "ix_execution_logs_search", document.label("search_text"),
        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
        info={"only_on": "postgresql"},
    ).ddl_if(dialect="postgresql")


class ExecutionLog(db.Model):
    """The record of one run. Bodies (payload, result, definition) are deferred so lists
    never load them."""

    __tablename__ = "execution_logs"
    __table_args__ = (
        Index("ix_execution_logs_workflow_started", "workflow_id", "started_at", "id"),
        Index("ix_execution_logs_owner_started", "owner_id", "started_at", "id"),
        Index("ix_execution_logs_status_updated", "status", "updated_at"),
        # Lists and counts filtered by status; retention and cleanup walk it per status.
        Index("ix_execution_logs_workflow_status_started", "workflow_id", "status", "started_at", "id"),
        # Cleanups of everyone's history walk it oldest first, in the order rows were written.
        Index("ix_execution_logs_started", "started_at", "id"),
        # "What failed lately" across all of an owner's workflows.
        Index("ix_execution_logs_owner_failed", "owner_id", "started_at", "id",
              postgresql_where=text("status = 'failed'"), sqlite_where=text("status = 'failed'")),
        # Deleting a run sets retry_of of its re-runs to NULL: without this index every
        # deleted row would scan the table.
        Index("ix_execution_logs_retry_of", "retry_of",
              postgresql_where=text("retry_of IS NOT NULL"), sqlite_where=text("retry_of IS NOT NULL")),
        search_text_index(),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    trigger: Mapped[str] = mapped_column(String(16))
    workflow_version: Mapped[int] = mapped_column(Integer)
    retry_of: Mapped[int | None] = mapped_column(ForeignKey("execution_logs.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Last movement of the run; the reconciler looks for runs that stopped moving.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The workflow's ``save`` policy when the run started: finishing it needs no SELECT of
    # the workflow. NULL (runs older than migration 0004, finished ones) reads as "all".
    save_policy: Mapped[str | None] = mapped_column(String(20), nullable=True)
    definition: Mapped[dict[str, Any]] = deferred(mapped_column(JSONType))
    payload: Mapped[Any] = deferred(mapped_column(JSONType, nullable=True))
    result: Mapped[Any] = deferred(mapped_column(JSONType, nullable=True))
    error: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSONType, nullable=True))

    steps: Mapped[list["StepLog"]] = relationship(
        back_populates="log", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(StepLog.started_at.is_(None), StepLog.started_at, StepLog.id)",
    )


class StepLog(db.Model):
    """One node's part in a run: status, attempts, input, output, error, log lines, timings,
    and the version of the node that ran it."""

    __tablename__ = "step_logs"
    __table_args__ = (
        UniqueConstraint("log_id", "node_id", name="uq_step_logs_log_node"),
        # The reconciler looks for running steps whose lease lapsed (a dead worker's): only
        # running steps are indexed, so the index stays as small as the work in flight.
        Index("ix_step_logs_running_lease", "lease_expires_at",
              postgresql_where=text("status = 'running'"), sqlite_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("execution_logs.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The port the output left on; None when the node stopped its branch.
    output_port: Mapped[str | None] = mapped_column(String(50))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While running: until when the worker running the step holds it. Its heartbeat pushes
    # this forward; once it lapses (the worker died) the step is taken over.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    input: Mapped[Any] = deferred(mapped_column(JSONType, nullable=True))
    output: Mapped[Any] = deferred(mapped_column(JSONType, nullable=True))
    error: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSONType, nullable=True))
    # The lines the node logged (``ctx.log``) in its last attempt, ``{level, message, time}``,
    # secrets masked; deferred like the output (lists never need them).
    logs: Mapped[list[dict[str, str]] | None] = deferred(mapped_column(JSONType, nullable=True))
    # What ran the step: ``{"node": 1, "package": ..., "package_version": ...}`` (the node
    # type's ``version`` and its distribution's), so a run shows which plugin version ran it.
    node_version: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    log: Mapped[ExecutionLog] = relationship(back_populates="steps")
