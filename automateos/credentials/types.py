"""Credential types: what a plugin declares so that its nodes can hold a secret.

A credential type is a class registered under the ``automateos.credentials`` entry-point
group, the entry-point name being its ``name`` (the same path as node types take through
``automateos.nodes``)::

    class SlackToken(CredentialType):
        \"\"\"A Slack bot token.\"\"\"

        name = "slack"
        display_name = "Slack"
        fields_schema = SlackTokenFields        # a marshmallow Schema
        secret_fields = ("token",)

    # pyproject.toml
    [project.entry-points."automateos.credentials"]
    slack = "automateos_slack:SlackToken"

A node that uses a credential declares ``credential_type`` (a type's ``name``) and a param
``credential = CredentialId()`` (automateos/nodes/base.py) that holds a credential id; the
engine opens it for the run with ``service.decrypt_for_run``. A type that fails to import
or breaks the contract is reported and skipped, never fatal.
"""
from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any, ClassVar

from apispec import APISpec
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from marshmallow import Schema

ENTRY_POINT_GROUP = "automateos.credentials"
# Metadata of a node param that holds a credential id (nodes.base.CredentialId sets it;
# apispec exports "x-" keys as they are, so the editor reads it from the JSON Schema).
CREDENTIAL_PARAM_KEY = "x-credential"
_JSON_SCHEMA_VERSION = "3.1.0"  # OpenAPI 3.1's Schema Object is JSON Schema 2020-12

logger = logging.getLogger(__name__)


class CredentialType:
    """Base class of every credential type.

    Parameters (class attributes):
      name: the type's id, equal to its entry-point name (``[a-z0-9_]``, as node types).
      display_name: what the dashboard shows.
      description: one line of help for the user.
      fields_schema: marshmallow Schema of the fields; ``POST /api/credentials`` validates
        ``data`` with it (unknown fields are refused) and ``GET /api/credential-types``
        exports it as JSON Schema.
      secret_fields: names of the fields that are write-only: never returned, never logged.
        Every other field is returned with its value (a host, a user name).
      version: bumped when the fields change.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    description: ClassVar[str] = ""
    fields_schema: ClassVar[type[Schema]]
    secret_fields: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[int] = 1


def credential_params(node_cls: type) -> dict[str, str | None]:
    """``{param name: credential type}`` of the params of ``node_cls`` that hold a
    credential id: fields exported with ``x-credential`` (``automateos.nodes.base.
    CredentialId``), of the node's ``credential_type`` (None when it declares none)."""
    schema = getattr(node_cls, "params_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return {}
    kind = getattr(node_cls, "credential_type", None)
    return {field.data_key or name: kind for name, field in schema._declared_fields.items()
            if field.metadata.get(CREDENTIAL_PARAM_KEY)}


def contract_problem(entry_name: str, cls: object) -> str | None:
    """Why ``cls`` is not a usable credential type for entry point ``entry_name``, or None."""
    if not (isinstance(cls, type) and issubclass(cls, CredentialType)):
        return "is not a subclass of automateos.credentials.types.CredentialType"
    if getattr(cls, "name", None) != entry_name:
        return f"declares name {getattr(cls, 'name', None)!r}, entry point says {entry_name!r}"
    if not isinstance(getattr(cls, "display_name", None), str) or not cls.display_name:
        return "declares no display_name"
    schema = getattr(cls, "fields_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return "fields_schema is not a marshmallow Schema class"
    unknown = set(cls.secret_fields) - set(schema._declared_fields)
    if unknown:
        return f"secret_fields names fields the schema lacks: {sorted(unknown)}"
    return None


class CredentialTypeRegistry:
    """The installed credential types (entry points, read once) plus those registered
    in-process (tests, and apps that embed a type), and what failed to load."""

    def __init__(self) -> None:
        self._discovered: dict[str, type[CredentialType]] | None = None
        self._registered: dict[str, type[CredentialType]] = {}
        self.problems: list[str] = []

    def discover(self) -> dict[str, type[CredentialType]]:
        """Read the entry points now (not cached): usable types by name; problems are
        logged and kept in ``problems``."""
        found: dict[str, type[CredentialType]] = {}
        problems: list[str] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                cls = ep.load()
            except Exception:  # a third party's import error must not be fatal
                logger.exception("credential type %r failed to import and is skipped", ep.name)
                problems.append(f"{ep.name}: failed to import")
                continue
            problem = contract_problem(ep.name, cls)
            if problem is None and ep.name in found and found[ep.name] is not cls:
                problem = f"is registered twice; keeping {found[ep.name].__module__}.{found[ep.name].__name__}"
            if problem:
                logger.error("credential type %r %s; skipped", ep.name, problem)
                problems.append(f"{ep.name}: {problem}")
                continue
            found[ep.name] = cls
        self._discovered, self.problems = found, problems
        return found

    def all(self) -> dict[str, type[CredentialType]]:
        """Every usable type by name: installed ones, then registered ones."""
        discovered = self._discovered if self._discovered is not None else self.discover()
        return {**discovered, **self._registered}

    def get(self, name: str) -> type[CredentialType] | None:
        """The type called ``name``, or None when no installed package declares it."""
        return self.all().get(name)

    def register(self, cls: type[CredentialType]) -> type[CredentialType]:
        """Add a type in-process (usable as a class decorator); ValueError when it breaks
        the contract or its name is taken by another class."""
        problem = contract_problem(getattr(cls, "name", ""), cls)
        if problem:
            raise ValueError(f"credential type {cls!r} {problem}")
        current = self.get(cls.name)
        if current is not None and current is not cls:
            raise ValueError(f"credential type {cls.name!r} is already registered")
        self._registered[cls.name] = cls
        return cls

    def unregister(self, name: str) -> None:
        """Remove a type added by :meth:`register` (no effect on installed ones)."""
        self._registered.pop(name, None)


registry = CredentialTypeRegistry()
get_credential_type = registry.get
register_credential_type = registry.register


def fields_json_schema(cred_type: type[CredentialType]) -> dict[str, Any]:
    """JSON Schema of the type's fields, nested schemas inline, secret ones ``writeOnly``."""
    converter = OpenAPIConverter(
        openapi_version=_JSON_SCHEMA_VERSION,
        schema_name_resolver=lambda schema: None,  # no spec to $ref into: inline
        spec=APISpec("automateos-credential-fields", "1", _JSON_SCHEMA_VERSION),
    )
    schema = converter.schema2jsonschema(cred_type.fields_schema)
    for name in cred_type.secret_fields:
        prop = schema.get("properties", {}).get(cred_type.fields_schema._declared_fields[name].data_key or name)
        if prop is not None:
            prop.update({"writeOnly": True, "format": "password"})
    return schema


def describe(cred_type: type[CredentialType]) -> dict[str, Any]:
    """The catalogue entry of one type, as ``GET /api/credential-types`` shows it."""
    return {
        "name": cred_type.name, "display_name": cred_type.display_name,
        "description": cred_type.description, "version": cred_type.version,
        "secret_fields": list(cred_type.secret_fields), "fields_schema": fields_json_schema(cred_type),
    }
