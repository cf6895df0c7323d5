"""The Slack nodes: ``slack_message`` posts with a bot token through chat.postMessage,
``slack_webhook_message`` through an incoming webhook. Both go through ``ctx.http`` (the
SSRF guard, timeouts, the size cap) and never put the token or the webhook URL in a
message, a log line or an output."""
from __future__ import annotations

from typing import Any

import requests
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from automateos.nodes.base import Node, NodeContext, NodeError, RetryableNodeError
from automateos.nodes.http import raise_for_status

TIMEOUT = (5.0, 15.0)  # (connect, read) seconds: well under the nodes' 30 s time limit
MAX_BLOCKS = 50  # Slack's limit per message
# chat.postMessage errors (answered with HTTP 200 and "ok": false) that may pass.
RETRYABLE_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout"})


class MessageParams(Schema):
    """What both nodes post; each may be an expression such as ``{{ input.text }}``."""

    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40_000),
                         metadata={"description": "Message text (mrkdwn); with blocks, the notification's fallback."})
    blocks = fields.List(fields.Dict(), load_default=None, allow_none=True, validate=validate.Length(max=MAX_BLOCKS),
                         metadata={"description": "Block Kit blocks (a JSON list), instead of or beside text."})
    thread_ts = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d+\.\d+$"),
                              metadata={"description": "ts of the message to reply to, in its thread."})

    @validates_schema
    def _needs_content(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("text") and not data.get("blocks"):
            raise ValidationError("give text, blocks or both", "text")


class SlackMessageParams(MessageParams):
    """Params of ``slack_message`` (the ``credential`` param, a ``slack_bot``, is added)."""

    channel = fields.String(required=True, validate=validate.Length(min=1, max=255),
                            metadata={"description": "Channel id (C0123...), #name, or a user id for a DM; "
                                                     "the bot must be in the channel."})


def _payload(params: dict[str, Any], *names: str) -> dict[str, Any]:
    """The JSON body: the given params that are set."""
    return {name: params[name] for name in names if params.get(name) not in (None, "", [])}


def _post(ctx: NodeContext, url: str, what: str, **kwargs: Any) -> requests.Response:
    """POST through ``ctx.http``; a failure to connect is retried, and its message never
    holds the URL (a webhook's URL is its secret)."""
    try:
        response = ctx.http.post(url, timeout=TIMEOUT, **kwargs)
    except NodeError:
        raise  # the SSRF guard's refusal, an oversized answer: already safe to show
    except requests.RequestException as exc:
        raise RetryableNodeError(f"could not reach {what}: {type(exc).__name__}") from None
    return raise_for_status(response, what=what)  # 429 / 5xx retried (Retry-After honoured), 4xx fails


class _SlackNode(Node):
    """What both Slack nodes share: an action that waits on Slack, retried on a rate limit
    or an outage."""

    category = "action"
    version = 1
    blocking = True  # it waits on Slack
    max_retries = 3
    retry_backoff = 2.0
    timeout_seconds = 30.0


class SlackMessage(_SlackNode):
    """Posts a message with a bot token (Slack's chat.postMessage); outputs ``{channel, ts}``
    (``ts`` identifies the message: pass it as ``thread_ts`` to reply in its thread).

    An answer ``{"ok": false, "error": ...}`` fails the step with Slack's error
    (``channel_not_found``, ``not_in_channel``, ``invalid_auth``, ...); a rate limit or a
    Slack outage is retried, waiting at least the ``Retry-After`` Slack gives.
    """

    type = "slack_message"
    name = "Slack message"
    description = "Posts a message to a Slack channel with a bot token (chat.postMessage)."
    params_schema = SlackMessageParams
    credential_type = "slack_bot"

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, Any]:
        """Call chat.postMessage and read Slack's verdict from the JSON answer."""
        assert ctx.credential is not None  # the engine fills it: credential_type is set
        url = f"{ctx.credential['api_url'].rstrip('/')}/chat.postMessage"
        response = _post(ctx, url, "Slack chat.postMessage",
                         json=_payload(params, "channel", "text", "blocks", "thread_ts"),
                         headers={"Authorization": f"Bearer {ctx.credential['token']}",
                                  "Content-Type": "application/json; charset=utf-8"})
        try:
            answer = response.json()
        except ValueError:
            raise RetryableNodeError(f"Slack answered HTTP {response.status_code} without JSON") from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            error = str(answer.get("error", "unknown_error")) if isinstance(answer, dict) else "unknown_error"
            if error in RETRYABLE_ERRORS:
                raise RetryableNodeError(f"Slack could not post the message: {error}")
            raise NodeError(f"Slack refused the message: {error}")
        for warning in (answer.get("response_metadata") or {}).get("warnings", []):
            ctx.log.warning("Slack warns: %s", warning)
        ctx.log.info("posted message %s to %s", answer.get("ts"), answer.get("channel"))
        return {"channel": answer.get("channel"), "ts": answer.get("ts")}


class SlackWebhookMessage(_SlackNode):
    """Posts a message through a Slack incoming webhook (it posts to the channel chosen
    when the webhook was made); outputs ``{ok: true}``.

    Slack answers errors as text with an HTTP status: ``no_service`` (404: the webhook was
    removed), ``invalid_payload`` (400), ``channel_is_archived`` (410), ... A 4xx fails the
    step with that text; a rate limit (429) or a 5xx is retried.
    """

    type = "slack_webhook_message"
    name = "Slack webhook message"
    description = "Posts a message to Slack through an incoming webhook."
    params_schema = MessageParams
    credential_type = "slack_webhook"

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, Any]:
        """POST the message to the webhook's URL."""
        assert ctx.credential is not None  # the engine fills it: credential_type is set
        _post(ctx, ctx.credential["url"], "the Slack incoming webhook",
              json=_payload(params, "text", "blocks", "thread_ts"))
        ctx.log.info("posted through the incoming webhook")
        return {"ok": True}


__all__ = ["MessageParams", "SlackMessage", "SlackMessageParams", "SlackWebhookMessage"]
