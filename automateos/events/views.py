"""Live-events endpoints: ``GET /api/events`` (Server-Sent Events) and its stream token."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt, jwt_required, verify_jwt_in_request
from flask_smorest import Blueprint

from ..extensions import db
from ..logs import service as logs_service
from ..workflows import service as workflows_service
from ..bus import get_bus
from . import tokens
from .schemas import EventStreamArgsSchema, StreamTokenSchema
from .stream import StreamFilter, event_stream

blp = Blueprint("events", __name__, url_prefix="/api/events",
                description="Live execution events (Server-Sent Events), for the caller's runs only")

STREAM_DESCRIPTION = """\
`text/event-stream` of the caller's execution events. Each message has an `id` (resume
after it with the `Last-Event-ID` header or the `last_event_id` query parameter), an
`event` type and JSON `data`:

* `execution.created`, `execution.updated`: ExecutionEvent (the run's summary)
* `step.updated`: StepEvent
* `workflow.test_event`: TestEvent, a webhook's test URL captured a delivery (no run; the
  sample is at GET /api/workflows/{id}/sample)
* `events.ready`: ReadyEvent, once the replay after the id asked for is done
* `events.reset`: ResetEvent, when events after that id are no longer kept: refetch

The stream opens with `retry:` and a comment, and sends a `: ping` comment every 15 s.
It ends when the login session of its token does (logout, refresh-token reuse, expiry),
at the next ping at the latest.
"""


def _stream_caller() -> tokens.StreamCaller:
    """The caller: a stream token in ``?token=``, else an access token as Bearer."""
    token = request.args.get("token")
    if token is not None:
        return tokens.caller_of_stream_token(token)
    verify_jwt_in_request()
    return tokens.StreamCaller(current_user.id, get_jwt().get("sid"))


@blp.route("")
class Events(MethodView):
    @blp.arguments(EventStreamArgsSchema, location="query")
    @blp.response(200, content_type="text/event-stream", description=STREAM_DESCRIPTION)
    @blp.doc(security=[{"bearerAuth": []}, {"streamToken": []}], responses={"200": {
        "description": STREAM_DESCRIPTION, "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }})
    @blp.alt_response(401, description="Missing, invalid, expired or wrong-purpose token")
    @blp.alt_response(404, description="Unknown workflow_id or log_id")
    def get(self, args: dict[str, Any]) -> Response:
        """Follow your runs live: all of them, one workflow's (`workflow_id`) or one run (`log_id`)."""
        caller = _stream_caller()
        user_id = caller.user_id
        if args.get("workflow_id"):
            workflows_service.get_owned(user_id, args["workflow_id"])
        if args.get("log_id"):
            logs_service.get_owned_log(user_id, args["log_id"])
        last_event_id = request.headers.get("Last-Event-ID") or args.get("last_event_id")
        config = current_app.config
        frames = event_stream(
            get_bus(), user_id, last_event_id, StreamFilter(args.get("workflow_id"), args.get("log_id")),
            ping_seconds=float(config["EVENTS_PING_SECONDS"]), retry_ms=int(config["EVENTS_RETRY_MS"]),
            still_allowed=tokens.session_check(current_app._get_current_object(), caller.session_id),
        )
        db.session.remove()  # a stream lasts hours: hold no database connection meanwhile
        return Response(frames, mimetype="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
        })


@blp.route("/token")
class EventsToken(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, StreamTokenSchema)
    @blp.alt_response(401, description="Missing, invalid or expired access token")
    def post(self) -> Any:
        """A 60-second token for `GET /api/events?token=...` (EventSource cannot send headers).

        It opens the event stream and nothing else: no other endpoint accepts it, and the
        stream accepts no other token in its URL.
        """
        return tokens.issue_stream_token(current_user.id, get_jwt().get("sid"))
