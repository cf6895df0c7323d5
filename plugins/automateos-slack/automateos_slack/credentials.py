"""The credential types of the Slack nodes: a bot token, or an incoming webhook URL."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from automateos.credentials.types import CredentialType

SLACK_API_URL = "https://slack.com/api"


class SlackBotFields(Schema):
    """A Slack app's bot token, and the Web API it is valid for."""

    token = fields.String(required=True, validate=[validate.Length(min=10, max=512), validate.Regexp(
        r"^xox[bpe]-[A-Za-z0-9-]+$", error="Not a Slack token (xoxb-..., from the app's OAuth & Permissions page).")],
        metadata={"description": "Bot User OAuth Token, xoxb-... (write-only once saved); needs the chat:write scope."})
    api_url = fields.Url(load_default=SLACK_API_URL, require_tld=False, schemes={"https", "http"},
                         metadata={"description": "Slack's Web API; https://slack-gov.com/api for GovSlack."})


class SlackBot(CredentialType):
    """A Slack bot token, for ``slack_message`` (chat.postMessage)."""

    name = "slack_bot"
    display_name = "Slack bot token"
    description = "A Slack app's bot token (xoxb-...) with the chat:write scope."
    fields_schema = SlackBotFields
    secret_fields = ("token",)  # never returned by the API, never logged


class SlackWebhookFields(Schema):
    """An incoming webhook: its URL is the secret (anyone holding it can post)."""

    url = fields.Url(required=True, require_tld=False, schemes={"https", "http"},
                     validate=validate.Length(max=2048),
                     metadata={"description": "https://hooks.slack.com/services/T.../B.../... (write-only once saved)."})


class SlackWebhook(CredentialType):
    """A Slack incoming webhook URL, for ``slack_webhook_message``."""

    name = "slack_webhook"
    display_name = "Slack incoming webhook"
    description = "The URL of a Slack incoming webhook (it posts to one channel)."
    fields_schema = SlackWebhookFields
    secret_fields = ("url",)
