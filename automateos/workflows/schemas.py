"""Schemas of the workflow API."""
from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields, validate

from ..pagination import page_envelope

SAVE_POLICIES = ("all", "failed_only", "none")


class WorkflowInSchema(Schema):
    """A workflow as written by the client (POST, PUT; PATCH takes any subset)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    definition = fields.Dict(required=True, metadata={"description": "nodes and edges, see DESIGN.md"})
    active = fields.Boolean(load_default=True)
    retention_days = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650),
                                    metadata={"description": "overrides LOG_RETENTION_DAYS"})
    keep_failed_days = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650),
                                      metadata={"description": "retention of failed runs, may exceed retention_days"})
    save = fields.String(load_default="all", attribute="save_policy", validate=validate.OneOf(SAVE_POLICIES),
                         metadata={"description": "keep payload/result bodies of all runs, failed runs only, or none"})


class WorkflowPatchSchema(WorkflowInSchema):
    """PATCH body: any subset of the writable fields."""


class WorkflowSchema(Schema):
    """A workflow as the API shows it."""

    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    definition = fields.Dict()
    active = fields.Boolean()
    version = fields.Integer()
    trigger_type = fields.String()
    webhook_url = fields.Method("_webhook_url")
    next_run_at = fields.DateTime(allow_none=True)
    retention_days = fields.Integer(allow_none=True)
    keep_failed_days = fields.Integer(allow_none=True)
    save = fields.String(attribute="save_policy")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _webhook_url(self, workflow: Any) -> str:
        return f"{request.host_url.rstrip('/')}/api/hooks/{workflow.webhook_token}"


WorkflowPageSchema = page_envelope(WorkflowSchema)


class RunInSchema(Schema):
    """Body of a manual run."""

    payload = fields.Raw(load_default=None, allow_none=True, metadata={"description": "any JSON"})


class HookAcceptedSchema(Schema):
    """A webhook call was accepted (or finished, with ``respond: when_finished``)."""

    log_id = fields.Integer(required=True)
    status = fields.String()
    result = fields.Raw(allow_none=True)
    error = fields.String(allow_none=True)
