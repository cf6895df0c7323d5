"""A node package as a third party ships it: a credential type and a node that uses it.

Installed for the tests by putting this folder on sys.path: importlib.metadata then finds
the ``*.dist-info`` folders next to it exactly as it finds pip-installed packages.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from automateos.credentials.types import CredentialType
from automateos.nodes.base import Node


class AcmeDistFields(Schema):
    """Fields of an Acme token."""

    token = fields.String(required=True)
    workspace = fields.String(load_default="main")


class AcmeDist(CredentialType):
    """An Acme token, declared through the entry points."""

    name = "acme_dist"
    display_name = "Acme (installed)"
    fields_schema = AcmeDistFields
    secret_fields = ("token",)


class AcmeDistCopy(AcmeDist):
    """The same name declared by a second distribution: a duplicate."""


class NotAType:
    """Declared under the credentials group but not a CredentialType."""

    name = "not_a_type"


class AcmeSendParams(Schema):
    """Params of acme_send (``credential`` is added by the contract: credential_type is set)."""

    channel = fields.String(required=True)


class AcmeSend(Node):
    """Posts to an Acme channel (here: reports what it was given)."""

    type = "acme_send"
    name = "Acme send"
    category = "action"
    credential_type = "acme_dist"
    params_schema = AcmeSendParams

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """Report whether a credential reached the node; log and echo its token as a
        careless author would (the engine must mask it before storing anything)."""
        token = (ctx.credential or {}).get("token")
        ctx.log.info("using credential %s (%r), token %s", ctx.credential, ctx.credential, token)
        return {"channel": params["channel"], "has_credential": bool(ctx.credential),
                "fields": sorted(ctx.credential or ()), "echo": f"Bearer {token}"}
