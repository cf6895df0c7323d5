"""Public webhook endpoint: ``/api/hooks/{token}`` starts a run of the token's workflow.

A delivery goes through, in this order: the token (404), the method (405 with ``Allow``),
the body's size (413), the signature of the webhook's scheme (401), the body (400), then
the delivery id: one seen within the window starts nothing and is answered as the first
one was (``Idempotent-Replayed: true``). Otherwise the run is recorded, the delivery id
in the same transaction, and the caller answered as ``respond`` says: at once (202), with
the finished run (``when_finished``) or with the answer of the run's respond node
(``using_node``). docs/webhooks.md tells what to set on each sender.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from .. import jsonbody
from ..engine.models import ExecutionLog
from ..engine.service import start_execution
from ..errors import abort
from ..extensions import db
from ..nodes.builtin.respond import RespondNode
from ..nodes.builtin.triggers import WebhookTrigger
from ..nodes.params import load_params
from ..redaction import redact
from . import answers, deliveries, service, signatures
from .schemas import HookAcceptedSchema

blp = Blueprint("hooks", __name__, url_prefix="/api/hooks", description="Webhook triggers (public)")

# Signatures are transport, not input: never in a run's payload (ours whatever the scheme,
# the scheme's own besides). Credentials are kept as "[redacted]" (REDACT_NAMES), so a
# workflow can still see that one was sent.
PRIVATE_HEADERS = frozenset({signatures.SCHEMES["automateos"].signature_header.lower()})
REPLAYED_HEADER = "Idempotent-Replayed"
ANSWER_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
READ_CHUNK = 64 * 1024


def read_body(limit: int) -> bytes:
    """The whole request body, or 413 once it passes ``limit`` bytes, however it is sent
    (sized or chunked): at most ``limit + 1`` bytes are ever read, nothing is cut."""
    if (request.content_length or 0) > limit:
        abort(413, message=f"Webhook body too large (limit {limit} bytes).")
    stream, body = request.stream, bytearray()
    while len(body) <= limit:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
    abort(413, message=f"Webhook body too large (limit {limit} bytes).")


def hook_params(raw: dict[str, Any]) -> dict[str, Any]:
    """The trigger's params with their defaults; the older top-level ``secret`` is read as
    ``verify: {scheme: automateos}``. 422 if they no longer load (saved under older rules)."""
    try:
        params = load_params(WebhookTrigger, raw)
    except ValidationError as err:
        abort(422, message="This webhook's settings are invalid; its owner must fix them.",
              errors=err.normalized_messages())
    if params["verify"] is None and params["secret"]:
        params["verify"] = {"scheme": "automateos", "secret": params["secret"],
                            "tolerance_seconds": signatures.DEFAULT_TOLERANCE_SECONDS}
    return params


def check_signature(verify: dict[str, Any] | None, body: bytes) -> None:
    """401, with the reason, unless the delivery is signed as ``verify`` says."""
    if verify is None:
        return
    try:
        signatures.verify(verify["scheme"], verify["secret"], request.headers, body,
                          tolerance_seconds=verify["tolerance_seconds"])
    except signatures.SignatureRefused as exc:
        abort(401, message=str(exc))


def _flat(multi: Any) -> dict[str, Any]:
    # A name given once is a value, given several times a list of them.
    return {k: v[0] if len(v) == 1 else v for k, v in multi.lists()}


def parse_body(body: bytes) -> Any:
    """The body as the workflow sees it: JSON (strictly parsed), form fields, or text;
    :class:`~automateos.jsonbody.BadJSON` when it cannot be stored as it is."""
    mimetype = request.mimetype or ""
    if not body:
        return {}
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return jsonbody.parse(body)
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        parser = request.make_form_data_parser()
        _stream, form, _files = parser.parse(io.BytesIO(body), mimetype, len(body), request.mimetype_params)
        parsed: Any = _flat(form)
    else:
        parsed = body.decode("utf-8", errors="replace")
    jsonbody.check_storable(parsed)
    return parsed


def request_payload(body: bytes, private_headers: frozenset[str] = PRIVATE_HEADERS) -> dict[str, Any]:
    """The webhook trigger's input, ``{body, headers, query, method}``, without the
    ``private_headers`` (lower-case names) and with the values of secret names redacted;
    400 when something in it cannot be stored as it is."""
    try:
        payload = {
            "body": parse_body(body),
            "headers": {k: v for k, v in request.headers.items() if k.lower() not in private_headers},
            "query": _flat(request.args),
            "method": request.method,
        }
        jsonbody.check_storable(payload["query"])
        jsonbody.check_storable(payload["headers"])
    except jsonbody.BadJSON as exc:
        abort(400, message=str(exc))
    return redact(payload)


def ended(log_id: int, end: service.RunEnd) -> tuple[dict[str, Any], int]:
    """A finished run as the webhook tells it: status, result, and the error's message."""
    error = (end.error or {}).get("message") if end.status == "failed" else None
    return {"log_id": log_id, "status": end.status, "result": end.result, "error": error}, 200


def still_running(log_id: int) -> tuple[dict[str, Any], int]:
    """The answer when the run has not said its last word within the webhook's timeout."""
    return {"log_id": log_id, "status": "running"}, 202


def node_response(answer: dict[str, Any]) -> Response | None:
    """The HTTP response a respond node's output describes; None when the output is not a
    valid answer (checked again: it comes from the database, headers go on the wire)."""
    try:
        checked = load_params(RespondNode, answer)
    except ValidationError:
        current_app.logger.warning("a respond step's output is not a valid answer; answering the default")
        return None
    status, headers, body = checked["status"], checked["headers"], checked["body"]
    response = current_app.response_class(status=status)
    given = {name.lower() for name in headers}
    if body is not None and status >= 200 and status not in (204, 304):
        if isinstance(body, str):
            response.set_data(body.encode())
            response.content_type = "text/plain; charset=utf-8"
        else:
            response.set_data(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
            response.content_type = "application/json"
    elif "content-type" not in given:
        del response.headers["Content-Type"]
    for name, value in headers.items():
        response.headers[name] = value
    # The answer is served from the dashboard's origin: whatever the workflow puts in it
    # (a page of its own), a browser runs nothing of it and guesses no other type.
    response.headers["Content-Security-Policy"] = ANSWER_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def answer(params: dict[str, Any], log: ExecutionLog, end: service.RunEnd | None) -> Any:
    """What ``params["respond"]`` answers about ``log`` (``end``: how it ended, when known)."""
    timeout = float(params["respond_timeout_seconds"])
    if params["respond"] == "using_node":
        found = answers.wait_for_answer(log.id, log.owner_id, timeout)
        if found is None:
            return still_running(log.id)
        if found.response is not None and (response := node_response(found.response)) is not None:
            return response
        if end is None and found.run is not None:
            end = service.RunEnd(found.run.status, found.run.result, found.run.error)
    end = service.wait_for_end(log, end, timeout)
    return ended(log.id, end) if end is not None else still_running(log.id)


def replay(workflow: Any, params: dict[str, Any], delivery_id: str) -> Any:
    """The answer to a delivery seen before: the first one's run, no new run."""
    log_id = deliveries.first_run(workflow.id, delivery_id)
    log = db.session.get(ExecutionLog, log_id) if log_id is not None else None
    if log is None:  # the first request died between its two commits (or its run was just deleted)
        abort(409, message="A delivery with this id was received but its run was not recorded; send it again later.")
    if params["respond"] == "immediately":
        reply: Any = ({"log_id": log.id, "status": log.status}, 202)
    else:
        reply = answer(params, log, None)
    if isinstance(reply, Response):
        reply.headers[REPLAYED_HEADER] = "true"
        return reply
    body, code = reply
    return body, code, {REPLAYED_HEADER: "true"}


@dataclass(frozen=True)
class Delivery:
    """A request that passed the webhook's checks: its params, raw body, signature scheme
    (None when unsigned) and the payload a run gets."""

    params: dict[str, Any]
    body: bytes
    scheme: str | None
    payload: dict[str, Any]


def checked_delivery(workflow: Any) -> Delivery:
    """The request to ``workflow``'s webhook after its checks, in order: the method (405
    with ``Allow``), the body's size (413), the signature (401), the body (400)."""
    params = hook_params(workflow.trigger_params())
    if request.method not in params["methods"]:
        abort(405, message=f"This webhook accepts {', '.join(params['methods'])}.",
              headers={"Allow": ", ".join(params["methods"])})
    body = read_body(int(current_app.config["WEBHOOK_MAX_BYTES"]))
    verify = params["verify"]
    check_signature(verify, body)
    scheme = verify["scheme"] if verify else None
    private = PRIVATE_HEADERS | {signatures.SCHEMES[scheme].signature_header.lower()} if scheme else PRIVATE_HEADERS
    return Delivery(params, body, scheme, request_payload(body, private))


def deliver(token: str) -> Any:
    """Take one delivery to ``token``'s webhook (see the module's docstring)."""
    workflow = service.find_webhook_workflow(token)
    delivery = checked_delivery(workflow)
    params, payload = delivery.params, delivery.payload
    delivery_id = signatures.delivery_id(delivery.scheme, request.headers, delivery.body, params["idempotency"]["header"])
    claimed = None
    if delivery_id is not None:
        claimed = deliveries.claim(workflow.id, delivery_id, timedelta(hours=params["idempotency"]["window_hours"]))
        if claimed is None:
            return replay(workflow, params, delivery_id)
    # The claim is in the session: the run's transaction commits it with the run.
    if params["respond"] == "immediately":
        log = start_execution(workflow, "webhook", payload)
        if claimed is not None:
            deliveries.attach(claimed, log.id)
        return {"log_id": log.id, "status": "queued"}
    log, end = service.start_run_here(workflow, "webhook", payload)
    if claimed is not None:
        deliveries.attach(claimed, log.id)
    return answer(params, log, end)


def documented(view: Any) -> Any:
    """The OpenAPI description every accepted method of the webhook shares."""
    for decorate in (
        blp.alt_response(413, description="Body over WEBHOOK_MAX_BYTES, however it is sent"),
        blp.alt_response(409, description="A delivery id whose first request did not record its run; send it again later"),
        blp.alt_response(405, description="A method the webhook does not accept (its methods are in Allow)"),
        blp.alt_response(404, description="Unknown token or inactive workflow"),
        blp.alt_response(401, description="Bad, missing, stale or future signature (the reason is the message)"),
        blp.alt_response(400, description="Body that cannot be stored as sent (invalid JSON, NaN, NUL, too deep)"),
        blp.alt_response(200, schema=HookAcceptedSchema,
                         description="Finished run (respond: when_finished or using_node without a respond node); "
                                     "with respond: using_node, whatever the respond node answers"),
        blp.response(202, HookAcceptedSchema,
                     description="Accepted (a retried delivery: the first one's run, with Idempotent-Replayed: true)"),
        blp.doc(security=[]),  # public: the token in the URL (and the optional signature) is the credential
    ):
        view = decorate(view)
    return view


@blp.route("/<token>")
class Hook(MethodView):
    """One webhook URL: the methods its workflow allows start runs (POST by default)."""

    reads_own_body = True  # the strict JSON check must not read past WEBHOOK_MAX_BYTES
    provide_automatic_options = False  # OPTIONS is a method the webhook does not accept: 405

    @documented
    def post(self, token: str) -> Any:
        """Start a run. Accepts JSON, form data, text or an empty body."""
        return deliver(token)

    @documented
    def get(self, token: str) -> Any:
        """Start a run from a GET (if the webhook's methods allow it): the query is its input."""
        return deliver(token)

    @documented
    def put(self, token: str) -> Any:
        """Start a run from a PUT (if the webhook's methods allow it)."""
        return deliver(token)

    @documented
    def patch(self, token: str) -> Any:
        """Start a run from a PATCH (if the webhook's methods allow it)."""
        return deliver(token)

    @documented
    def delete(self, token: str) -> Any:
        """Start a run from a DELETE (if the webhook's methods allow it)."""
        return deliver(token)

    def head(self, token: str) -> Any:
        """Never a run: 405 (a HEAD would otherwise be served by GET)."""
        return deliver(token)

    def options(self, token: str) -> Any:
        """Never a run: 405 with the methods the webhook accepts."""
        return deliver(token)
