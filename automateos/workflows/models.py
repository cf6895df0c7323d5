"""Workflows: a named, versioned node graph owned by one user."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import JSONType, UTCDateTime, id_max, utcnow
from ..extensions import db


class Workflow(db.Model):
    """A workflow definition (DESIGN.md JSON) with its trigger and retention settings."""

    __tablename__ = "workflows"
    __table_args__ = (Index("ix_workflows_schedule_due", "trigger_type", "active", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Derived from the definition on save, so triggers and the scheduler can query it.
    trigger_type: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    webhook_token: Mapped[str] = mapped_column(String(64), unique=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retention_days: Mapped[int | None] = mapped_column(Integer)
    keep_failed_days: Mapped[int | None] = mapped_column(Integer)
    save_policy: Mapped[str] = mapped_column(String(20), default="all")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def trigger_node(self) -> dict[str, Any]:
        """The trigger node (saving guarantees exactly one, of ``trigger_type``)."""
        return next(n for n in self.definition["nodes"] if n["type"] == self.trigger_type)

    def trigger_params(self) -> dict[str, Any]:
        """Params of the trigger node."""
        return self.trigger_node().get("params") or {}


class TriggerSample(db.Model):
    """A webhook workflow's test URL and what it caught: whether the URL listens (until
    ``listening_until``), and the last test event captured there, the trigger's sample
    data the editor previews expressions with. One row per workflow, made when the URL
    is first armed."""

    __tablename__ = "trigger_samples"

    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    listening_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    node_id: Mapped[str | None] = mapped_column(String(100))  # the trigger node that caught it
    # The payload a real run would have had ({body, headers, query, method}), redacted.
    sample: Mapped[Any] = mapped_column(JSONType, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Ids past this cannot exist (``workflows.id`` is PostgreSQL's 32-bit ``integer``).
WORKFLOW_ID_MAX = id_max(Workflow.__table__.c.id)
