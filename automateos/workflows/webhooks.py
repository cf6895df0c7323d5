"""Public webhook endpoint: ``POST /api/hooks/{token}`` starts a run of the token's workflow."""
from __future__ import annotations

import hashlib
import hmac
import io
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import jsonbody
from ..engine.service import start_execution
from ..errors import abort
from ..redaction import redact
from . import service
from .schemas import HookAcceptedSchema

blp = Blueprint("hooks", __name__, url_prefix="/api/hooks", description="Webhook triggers (public)")

SIGNATURE_HEADER = "X-AutomateOS-Signature"
# Our own signature is transport, not input: never in a run's payload. Credentials are
# kept as "[redacted]" (REDACT_NAMES), so a workflow can still see that one was sent.
PRIVATE_HEADERS = {SIGNATURE_HEADER.lower()}
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


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is ``sha256=<hex HMAC-SHA256 of body with secret>``."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


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


def request_payload(body: bytes) -> dict[str, Any]:
    """The webhook trigger's input, ``{body, headers, query, method}``, with the values of
    secret names redacted; 400 when something in it cannot be stored as it is."""
    try:
        payload = {
            "body": parse_body(body),
            "headers": {k: v for k, v in request.headers.items() if k.lower() not in PRIVATE_HEADERS},
            "query": _flat(request.args),
            "method": request.method,
        }
        jsonbody.check_storable(payload["query"])
        jsonbody.check_storable(payload["headers"])
    except jsonbody.BadJSON as exc:
        abort(400, message=str(exc))
    return redact(payload)


@blp.route("/<token>")
class Hook(MethodView):
    reads_own_body = True  # the strict JSON check must not read past WEBHOOK_MAX_BYTES

    @blp.doc(security=[])  # public: the token in the URL (and the optional HMAC) is the credential
    @blp.response(202, HookAcceptedSchema)
    @blp.alt_response(200, schema=HookAcceptedSchema, description="Finished run (respond: when_finished)")
    @blp.alt_response(400, description="Body that cannot be stored as sent (invalid JSON, NaN, NUL, too deep)")
    @blp.alt_response(401, description="Bad or missing signature")
    @blp.alt_response(404, description="Unknown token or inactive workflow")
    @blp.alt_response(413, description="Body over WEBHOOK_MAX_BYTES, however it is sent")
    def post(self, token: str) -> Any:
        """Start a run. Accepts JSON, form data, text or an empty body."""
        workflow = service.find_webhook_workflow(token)
        body = read_body(int(current_app.config["WEBHOOK_MAX_BYTES"]))
        params = workflow.trigger_params()
        if params.get("secret") and not verify_signature(params["secret"], body, request.headers.get(SIGNATURE_HEADER)):
            abort(401, message=f"Missing or invalid {SIGNATURE_HEADER} header.")
        if params.get("respond") != "when_finished":
            log = start_execution(workflow, "webhook", request_payload(body))
            return {"log_id": log.id, "status": "queued"}
        log, end = service.start_run_here(workflow, "webhook", request_payload(body))
        end = service.wait_for_end(log, end, float(params.get("respond_timeout_seconds", 30)))
        if end is None:
            return {"log_id": log.id, "status": "running"}
        error = (end.error or {}).get("message") if end.status == "failed" else None
        return {"log_id": log.id, "status": end.status, "result": end.result, "error": error}, 200
