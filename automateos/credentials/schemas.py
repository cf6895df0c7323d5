"""Schemas of the credentials API. Secret values appear in request bodies only."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import PageArgsSchema, page_envelope


class CredentialListArgsSchema(PageArgsSchema):
    """Page of the caller's credentials, optionally of one type (a node form's picker)."""

    type = fields.String(validate=validate.Length(min=1, max=100))


class CredentialInSchema(Schema):
    """A new credential: ``data`` holds the fields of its ``type`` (GET /api/credential-types)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(keys=fields.String(), required=True, load_only=True,
                       metadata={"description": "the type's fields; secret ones are write-only"})


class CredentialPatchSchema(Schema):
    """Rename and/or change fields: ``data`` is merged into the stored fields (a field
    left out keeps its value; ``null`` removes it). The type cannot change."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_only=True)


class CredentialSchema(Schema):
    """A credential as the API shows it: never a secret value."""

    id = fields.Integer()
    name = fields.String()
    type = fields.String()
    data = fields.Dict(metadata={"description": "values of the type's non-secret fields"})
    secrets = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(("set", "unset"))),
                          metadata={"description": "each secret field of the type: set or unset"})
    problem = fields.String(allow_none=True, metadata={
        "description": "why the credential cannot be used (type not installed, data unreadable), or null"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


CredentialPageSchema = page_envelope(CredentialSchema)


class CredentialTypeSchema(Schema):
    """A credential type declared by an installed package."""

    name = fields.String()
    display_name = fields.String()
    description = fields.String()
    version = fields.Integer()
    secret_fields = fields.List(fields.String())
    fields_schema = fields.Dict(metadata={"description": "JSON Schema of the fields (secret ones writeOnly)"})
