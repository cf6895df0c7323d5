"""The credential type the ``example_create_item`` node needs."""
from __future__ import annotations

from marshmallow import Schema, fields

from automateos.credentials.types import CredentialType


class ExampleApiFields(Schema):
    """What a user enters once, on the dashboard's Credentials page."""

    base_url = fields.Url(required=True, require_tld=False, metadata={"description": "https://api.example.com"})
    api_key = fields.String(required=True, metadata={"description": "The API key (write-only once saved)."})


class ExampleApiKey(CredentialType):
    """An Example API key and the URL it is valid for."""

    name = "example_api"
    display_name = "Example API"
    description = "An API key for the Example API."
    fields_schema = ExampleApiFields
    secret_fields = ("api_key",)  # never returned by the API, never logged
