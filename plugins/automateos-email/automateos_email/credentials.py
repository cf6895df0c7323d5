"""The ``smtp`` credential type: where and how ``email_send`` connects."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from automateos.credentials.types import CredentialType

SECURITY_MODES = ("starttls", "tls", "none")


class SmtpFields(Schema):
    """What a user enters once, on the dashboard's Credentials page."""

    host = fields.String(required=True, validate=validate.Length(min=1, max=253),
                         metadata={"description": "SMTP server host name, e.g. smtp.example.com."})
    port = fields.Integer(load_default=587, validate=validate.Range(min=1, max=65535),
                          metadata={"description": "587 for STARTTLS, 465 for implicit TLS, 25 for none."})
    security = fields.String(load_default="starttls", validate=validate.OneOf(SECURITY_MODES),
                             metadata={"description": "starttls: upgrade a plain connection (port 587); "
                                                      "tls: TLS from the first byte (port 465); "
                                                      "none: no encryption (a trusted relay only)."})
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1024),
                             metadata={"description": "Login; leave empty for a relay without authentication."})
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8192),
                             metadata={"description": "Password or app password (write-only once saved)."})
    timeout = fields.Float(load_default=20.0, validate=validate.Range(min=1, max=50),
                           metadata={"description": "Seconds to wait on each network operation "
                                                    "(below the node's 60 s time limit)."})
    ca_certificate = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=65536),
                                   metadata={"description": "PEM of a CA to trust besides the system's "
                                                            "(a server with a private or self-signed certificate)."})

    @validates_schema
    def _login_needs_both(self, data: dict, **kwargs: object) -> None:
        if bool(data.get("username")) != bool(data.get("password")):
            raise ValidationError("give both username and password, or neither", "password")


class SmtpCredential(CredentialType):
    """An SMTP server and the login to send through it."""

    name = "smtp"
    display_name = "SMTP server"
    description = "An SMTP server (host, port, TLS mode) and its login, for the email_send node."
    fields_schema = SmtpFields
    secret_fields = ("password",)  # never returned by the API, never logged
