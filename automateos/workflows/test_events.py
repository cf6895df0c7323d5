"""Test events: a webhook workflow's test URL, ``/api/hooks/{token}/test``.

The editor arms the URL for a few minutes (:func:`arm`); the next delivery there is
checked as the real webhook checks it (size, method, signature), captured as the payload
a run would get, and kept as the trigger's sample data, but starts no run. Capturing
disarms the URL (one conditional UPDATE: of concurrent deliveries, one wins) and, after
the commit, announces ``workflow.test_event`` on the owner's event stream.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select, update

from ..bus import get_bus
from ..db_types import utcnow
from ..errors import abort
from ..extensions import db
from .models import TriggerSample, Workflow
from .service import WEBHOOK_TOKEN
from .webhooks import checked_delivery

logger = logging.getLogger(__name__)

blp = Blueprint("hook_tests", __name__, url_prefix="/api/hooks", description="Webhook test events (public)")

TEST_EVENT = "workflow.test_event"
# Long enough to switch to the sender's page and send one; short enough that a URL left
# armed does not wait for strangers.
DEFAULT_LISTEN_SECONDS = 300


class ListeningSchema(Schema):
    """The armed test URL: send one delivery to ``url`` before ``expires_at``."""

    url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class CapturedEventSchema(Schema):
    """A test event was captured (no run started)."""

    status = fields.String(required=True, metadata={"description": "always `captured`"})
    captured_at = fields.DateTime(required=True)


class TriggerSampleSchema(Schema):
    """The trigger's sample data: the last test event captured, and whether the URL listens."""

    node_id = fields.String(allow_none=True, metadata={"description": "the trigger node that caught it"})
    sample = fields.Raw(allow_none=True, metadata={"description": "the payload a run would have had: "
                                                                  "{body, headers, query, method}; null before any"})
    captured_at = fields.DateTime(allow_none=True)
    listening_until = fields.DateTime(allow_none=True, metadata={"description": "the test URL takes one delivery "
                                                                                "until then; null when disarmed"})


def listen_seconds() -> int:
    """How long an armed test URL waits (``WEBHOOK_TEST_LISTEN_SECONDS``, default 300)."""
    return int(current_app.config.get("WEBHOOK_TEST_LISTEN_SECONDS", DEFAULT_LISTEN_SECONDS))


def listen_url(workflow: Workflow) -> str:
    """The absolute test URL of a workflow."""
    return f"{request.host_url.rstrip('/')}/api/hooks/{workflow.webhook_token}/test"


def arm(workflow: Workflow) -> dict[str, Any]:
    """Make the test URL take the next delivery for :func:`listen_seconds`; 409 unless
    the workflow starts with a webhook."""
    if workflow.trigger_type != "webhook":
        abort(409, message="Only a workflow that starts with a webhook has a test URL.")
    until = utcnow() + timedelta(seconds=listen_seconds())
    row = db.session.get(TriggerSample, workflow.id)
    if row is None:
        row = TriggerSample(workflow_id=workflow.id)
        db.session.add(row)
    row.listening_until = until
    db.session.commit()
    return {"url": listen_url(workflow), "expires_at": until}


def disarm(workflow: Workflow) -> None:
    """Stop the test URL listening (nothing to do when it does not)."""
    db.session.execute(update(TriggerSample).where(TriggerSample.workflow_id == workflow.id)
                       .values(listening_until=None))
    db.session.commit()


def sample_of(workflow: Workflow) -> dict[str, Any]:
    """The trigger's sample data as :class:`TriggerSampleSchema` shows it (nulls before any)."""
    row = db.session.get(TriggerSample, workflow.id)
    listening = row.listening_until if row is not None and row.listening_until and row.listening_until > utcnow() \
        else None
    return {
        "node_id": row.node_id if row else None, "sample": row.sample if row else None,
        "captured_at": row.captured_at if row else None, "listening_until": listening,
    }


def _listening_workflow(token: str) -> Workflow:
    """The webhook workflow whose test URL listens now, or 404 (active or not: the editor
    tests a workflow before switching it on)."""
    now = utcnow()
    workflow = None
    if WEBHOOK_TOKEN.fullmatch(token):
        workflow = db.session.scalar(
            select(Workflow).join(TriggerSample, TriggerSample.workflow_id == Workflow.id)
            .where(Workflow.webhook_token == token, Workflow.trigger_type == "webhook",
                   TriggerSample.listening_until > now)
        )
    if workflow is None:
        abort(404, message="This test URL is not listening: press 'Listen for test event' in the editor first.")
    return workflow


def capture(token: str) -> datetime:
    """Take a delivery on the test URL as the trigger's sample; returns when it was captured."""
    workflow = _listening_workflow(token)
    payload = checked_delivery(workflow).payload  # the real webhook's checks and codes
    now, node_id = utcnow(), workflow.trigger_node()["id"]
    captured = db.session.execute(
        update(TriggerSample)
        .where(TriggerSample.workflow_id == workflow.id, TriggerSample.listening_until > now)
        .values(listening_until=None, sample=payload, node_id=node_id, captured_at=now)
    ).rowcount
    if not captured:  # a concurrent delivery took it, or time ran out while reading
        db.session.rollback()
        abort(404, message="This test URL is not listening: press 'Listen for test event' in the editor first.")
    db.session.commit()
    _announce(workflow, node_id, now, payload.get("method"))
    return now


def _announce(workflow: Workflow, node_id: str, captured_at: datetime, method: Any) -> None:
    """``workflow.test_event`` on the owner's stream; the sample stays in the database
    (events are small), the editor fetches it. A bus failure is logged: it is stored."""
    data = {"workflow_id": workflow.id, "node_id": node_id, "captured_at": captured_at.isoformat(), "method": method}
    try:
        get_bus().publish(workflow.owner_id, TEST_EVENT, data, workflow_id=workflow.id)
    except Exception:
        logger.exception("could not announce the test event of workflow %s", workflow.id)


def _captured(token: str) -> dict[str, Any]:
    """The answer to a capture, dumped here for the methods ``blp.response`` does not wrap."""
    return CapturedEventSchema().dump({"status": "captured", "captured_at": capture(token)})


@blp.route("/<token>/test")
class HookTest(MethodView):
    reads_own_body = True  # WEBHOOK_MAX_BYTES applies here too

    @blp.doc(security=[])  # public, as the webhook: the token in the URL is the credential
    @blp.response(200, CapturedEventSchema)
    @blp.alt_response(401, description="Bad or missing signature (the URL stays armed)")
    @blp.alt_response(404, description="Unknown token, or the test URL is not listening")
    @blp.alt_response(405, description="A method the webhook does not accept")
    @blp.alt_response(413, description="Body over WEBHOOK_MAX_BYTES")
    def post(self, token: str) -> Any:
        """Capture a test event: checked like a real delivery, kept as the trigger's sample, not run."""
        return {"status": "captured", "captured_at": capture(token)}

    # The other methods a webhook may accept (its ``methods`` param says which).
    def get(self, token: str) -> Any:
        """Capture a test event sent with GET."""
        return _captured(token)

    def put(self, token: str) -> Any:
        """Capture a test event sent with PUT."""
        return _captured(token)

    def patch(self, token: str) -> Any:
        """Capture a test event sent with PATCH."""
        return _captured(token)

    def delete(self, token: str) -> Any:
        """Capture a test event sent with DELETE."""
        return _captured(token)
