"""Trigger nodes: where a run starts. Each passes on the payload the engine gives it."""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from automateos.expressions import is_expression

from ..base import Node, NodeContext

RESPOND_MODES = ("immediately", "when_finished", "using_node")
# The schemes automateos.workflows.signatures verifies (a test holds the two lists equal:
# nodes sit below workflows, so this module cannot import that one).
SIGNATURE_SCHEMES = ("automateos", "github", "stripe", "slack", "shopify", "standard-webhooks")
STANDARD_WEBHOOKS_PREFIX = "whsec_"
WEBHOOK_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_IDEMPOTENCY = {"header": "Idempotency-Key", "window_hours": 24}
# An HTTP header name is an RFC 9110 token.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _valid_cron(value: str) -> None:
    if not croniter.is_valid(value):
        raise ValidationError(f"{value!r} is not a valid cron expression.")


def _valid_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone.") from None


def valid_header_name(value: str) -> None:
    """Refuse what is not an HTTP header name (the webhook's idempotency header, the respond node's)."""
    if not HEADER_NAME.fullmatch(value):
        raise ValidationError(f"{value!r} is not an HTTP header name.")


def decode_standard_webhooks_secret(secret: str) -> bytes | None:
    """A Standard Webhooks secret's key bytes: base64 after an optional ``whsec_``, its
    padding restored (senders may drop it, the reference libraries accept that); None when
    it is not base64. Saving checks it here; workflows.signatures keys its HMAC with it."""
    encoded = secret.strip().removeprefix(STANDARD_WEBHOOKS_PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


class VerifyParams(Schema):
    """How the webhook checks that a delivery comes from its sender."""

    scheme = fields.String(
        required=True,
        validate=validate.OneOf(SIGNATURE_SCHEMES),
        metadata={"description": "The sender's signature scheme (docs/webhooks.md: what to set on each sender)."},
    )
    secret = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "The signing secret the sender shows (Stripe's and Standard Webhooks' start with whsec_)."},
    )
    tolerance_seconds = fields.Integer(
        load_default=300,
        validate=validate.Range(min=1, max=3600),
        metadata={"description": "Timestamped schemes (stripe, slack, standard-webhooks): the largest age, or "
                                 "distance into the future, a delivery may have; further is refused as a replay."},
    )

    @validates_schema
    def _usable_secret(self, data: dict[str, Any], **kwargs: Any) -> None:
        secret = data.get("secret")
        if data.get("scheme") == "standard-webhooks" and isinstance(secret, str) and not is_expression(secret) \
                and not decode_standard_webhooks_secret(secret):
            raise ValidationError("A Standard Webhooks secret is base64, optionally after whsec_.", "secret")


class IdempotencyParams(Schema):
    """How the webhook recognises a delivery the sender retried."""

    header = fields.String(
        load_default=DEFAULT_IDEMPOTENCY["header"],
        validate=valid_header_name,
        metadata={"description": "Header holding the delivery id, used when the scheme has no id of its own "
                                 "(GitHub's X-GitHub-Delivery, Stripe's event id, webhook-id ...)."},
    )
    window_hours = fields.Integer(
        load_default=DEFAULT_IDEMPOTENCY["window_hours"],
        validate=validate.Range(min=1, max=24 * 30),
        metadata={"description": "A delivery id seen again within this many hours starts no new run."},
    )


class WebhookParams(Schema):
    """Params of the ``webhook`` trigger."""

    respond = fields.String(
        load_default="immediately",
        validate=validate.OneOf(RESPOND_MODES),
        metadata={"description": "Answer at once (202), wait for the run to finish, or answer with what "
                                 "the run's respond node says (using_node)."},
    )
    secret = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Shorthand of verify {scheme: automateos, secret}: callers sign the body "
                                 "with HMAC-SHA256 in X-AutomateOS-Signature."},
    )
    @pre_load
    def _unset_verify_is_none(self, data: Any, **_kwargs: Any) -> Any:
        """A form leaves an optional object as ``{}`` (or its defaults only): a ``verify``
        naming neither scheme nor secret means no verification, as ``null`` does."""
        if isinstance(data, dict) and isinstance(data.get("verify"), dict) and \
                not ({"scheme", "secret"} & data["verify"].keys()):
            data = {**data, "verify": None}
        return data

    verify = fields.Nested(
        VerifyParams,
        load_default=None,
        allow_none=True,
        metadata={"description": "Check each delivery's signature the way its sender signs."},
    )
    idempotency = fields.Nested(
        IdempotencyParams,
        load_default=lambda: dict(DEFAULT_IDEMPOTENCY),
        metadata={"description": "Retried deliveries start no new run.", "default": DEFAULT_IDEMPOTENCY},
    )
    methods = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_METHODS)),
        load_default=lambda: ["POST"],
        validate=validate.Length(min=1, max=len(WEBHOOK_METHODS)),
        metadata={"description": "HTTP methods the webhook accepts; any other is 405.", "default": ["POST"]},
    )
    respond_timeout_seconds = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "How long a when_finished or using_node call waits for its answer."},
    )

    @validates_schema
    def _one_way_to_verify(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("secret") and data.get("verify"):
            raise ValidationError("Give either secret or verify, not both.", "secret")

    @validates_schema
    def _distinct_methods(self, data: dict[str, Any], **kwargs: Any) -> None:
        methods = data.get("methods") or []
        if isinstance(methods, list) and len(set(methods)) != len(methods):
            raise ValidationError("Each method once.", "methods")


class ScheduleParams(Schema):
    """Params of the ``schedule`` trigger."""

    cron = fields.String(
        required=True,
        validate=_valid_cron,
        metadata={"description": "When to run, e.g. '*/15 * * * *'."},
    )
    timezone = fields.String(
        load_default="UTC",
        validate=_valid_timezone,
        metadata={"description": "IANA time zone the cron expression is read in."},
    )


class _Trigger(Node):
    """A trigger's output is its input: the payload of the run."""

    category = "trigger"
    max_retries = 0  # the payload is already recorded; replaying a trigger adds nothing
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Pass the run's payload on."""
        return input


class WebhookTrigger(_Trigger):
    """Starts a run when its URL receives an HTTP request."""

    type = "webhook"
    name = "Webhook"
    description = "Starts the workflow when its URL is called; outputs body, headers, query and method."
    params_schema = WebhookParams


class ManualTrigger(_Trigger):
    """Starts a run from the dashboard or the API with a given payload."""

    type = "manual"
    name = "Manual run"
    description = "Starts the workflow on demand; outputs the payload given to the run."


class ScheduleTrigger(_Trigger):
    """Starts a run on a cron schedule."""

    type = "schedule"
    name = "Schedule"
    description = "Starts the workflow on a cron schedule; outputs {scheduled_at}."
    params_schema = ScheduleParams
