"""Workflow rules: ownership, validation, versioning, schedule times."""
from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select

from ..db_types import utcnow
from ..engine.graph import InvalidDefinition, validate_definition
from ..engine.scheduler import next_fire_time
from ..engine.service import start_execution
from ..errors import abort
from ..extensions import db
from ..engine.models import ExecutionLog
from ..nodes.params import validate_params
from ..nodes.registry import get_node_type
from ..redaction import redact
from .models import WORKFLOW_ID_MAX, Workflow

# What secrets.token_urlsafe produces; anything else cannot be a token (and NUL would
# reach PostgreSQL, which refuses it in text).
WEBHOOK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_definition(definition: Any) -> str:
    """Validate a definition (422 naming the node and field); returns its trigger type."""
    try:
        graph = validate_definition(definition, get_node_type, validate_params)
    except InvalidDefinition as exc:
        abort(422, message=exc.problems[0], errors={"definition": exc.problems})
    return graph.nodes[graph.roots()[0]]["type"]


def owned_workflows(owner_id: int):
    """Query of the caller's workflows, newest first."""
    return select(Workflow).where(Workflow.owner_id == owner_id).order_by(Workflow.id.desc())


def get_owned(owner_id: int, workflow_id: int) -> Workflow:
    """The caller's workflow, or 404 (also when it exists but is someone else's, or when
    the id is past the column's range, where no workflow can be)."""
    workflow = db.session.get(Workflow, workflow_id) if 1 <= workflow_id <= WORKFLOW_ID_MAX else None
    if workflow is None or workflow.owner_id != owner_id:
        abort(404, message="Workflow not found.")
    return workflow


def _schedule_next(workflow: Workflow) -> None:
    if workflow.trigger_type == "schedule" and workflow.active:
        workflow.next_run_at = next_fire_time(workflow.trigger_params(), utcnow())
    else:
        workflow.next_run_at = None


def create(owner_id: int, data: dict[str, Any]) -> Workflow:
    """Save a new workflow after validating its definition."""
    workflow = Workflow(owner_id=owner_id, webhook_token=secrets.token_urlsafe(32), version=1, **data)
    workflow.trigger_type = check_definition(workflow.definition)
    _schedule_next(workflow)
    db.session.add(workflow)
    db.session.commit()
    return workflow


def update(workflow: Workflow, data: dict[str, Any]) -> Workflow:
    """Apply a full or partial update; a changed definition bumps ``version``."""
    if "definition" in data and data["definition"] != workflow.definition:
        workflow.trigger_type = check_definition(data["definition"])
        workflow.version += 1
    reschedule = any(k in data for k in ("definition", "active"))
    for name, value in data.items():
        setattr(workflow, name, value)
    if reschedule:
        _schedule_next(workflow)
    db.session.commit()
    return workflow


def delete(workflow: Workflow) -> None:
    """Delete a workflow with its execution history."""
    db.session.delete(workflow)
    db.session.commit()


def find_webhook_workflow(token: str) -> Workflow:
    """The active webhook-triggered workflow of a token, or 404."""
    workflow = None
    if WEBHOOK_TOKEN.fullmatch(token):
        workflow = db.session.scalar(select(Workflow).where(Workflow.webhook_token == token))
    if workflow is None or not workflow.active or workflow.trigger_type != "webhook":
        abort(404, message="No active webhook for this URL.")
    return workflow


def run_now(owner_id: int, workflow_id: int, payload: Any) -> ExecutionLog:
    """Start a manual run of the caller's workflow; secrets in ``payload`` are redacted
    before it is stored."""
    return start_execution(get_owned(owner_id, workflow_id), "manual", redact(payload))
