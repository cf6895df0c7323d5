"""Request and response schemas of the auth API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class CredentialsSchema(Schema):
    """Email and password, for register and login."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=1024))


class LoginSchema(Schema):
    """Login takes any password length: a short one is just wrong, not malformed."""

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class UserSchema(Schema):
    """A user as the API shows it."""

    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class TokenPairSchema(Schema):
    """What login and refresh return."""

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "access token lifetime, seconds"})
