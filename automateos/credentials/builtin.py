"""Credential types that come with AutomateOS, for any HTTP API: registered through the
``automateos.credentials`` entry points of the project's own setup.cfg, as a third
party's would be."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .types import CredentialType

_HEADER_NAME = validate.Regexp(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", error="Not a valid HTTP header name.")


class BearerTokenFields(Schema):
    """Fields of a bearer token."""

    token = fields.String(required=True, validate=validate.Length(min=1, max=8192))


class BearerToken(CredentialType):
    """A token sent as ``Authorization: Bearer <token>``."""

    name = "bearer_token"
    display_name = "Bearer token"
    description = "A token sent as 'Authorization: Bearer <token>'."
    fields_schema = BearerTokenFields
    secret_fields = ("token",)


class BasicAuthFields(Schema):
    """Fields of HTTP basic authentication."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    password = fields.String(required=True, validate=validate.Length(max=8192))


class BasicAuth(CredentialType):
    """A user name and password for HTTP basic authentication."""

    name = "basic_auth"
    display_name = "Basic auth"
    description = "A user name and password for HTTP basic authentication."
    fields_schema = BasicAuthFields
    secret_fields = ("password",)


class HeaderAuthFields(Schema):
    """Fields of a secret header."""

    header = fields.String(required=True, validate=[validate.Length(min=1, max=256), _HEADER_NAME])
    value = fields.String(required=True, validate=validate.Length(min=1, max=8192))


class HeaderAuth(CredentialType):
    """A header with a secret value, such as ``X-Api-Key``."""

    name = "header_auth"
    display_name = "Header auth"
    description = "A header with a secret value, such as X-Api-Key."
    fields_schema = HeaderAuthFields
    secret_fields = ("value",)

