"""Workflow endpoints: CRUD, manual run, node catalogue; test events and previews."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from ..engine.schemas import ExecutionLogSummarySchema
from ..pagination import PageArgsSchema, paginate
from . import preview, service, test_events
from .schemas import RunInSchema, WorkflowInSchema, WorkflowPatchSchema, WorkflowPageSchema, WorkflowSchema

blp = Blueprint("workflows", __name__, url_prefix="/api/workflows", description="Workflows (owner only)")


@blp.route("")
class Workflows(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WorkflowPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The caller's workflows, newest first."""
        return paginate(service.owned_workflows(current_user.id), args["limit"], args["offset"])

    @blp.arguments(WorkflowInSchema)
    @blp.response(201, WorkflowSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a workflow (its definition is validated: 422 names the node and field)."""
        return service.create(current_user.id, data)


@blp.route("/<workflow_id:workflow_id>")
class WorkflowItem(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, WorkflowSchema)
    def get(self, workflow_id: int) -> Any:
        """One workflow."""
        return service.get_owned(current_user.id, workflow_id)

    @blp.arguments(WorkflowInSchema)
    @blp.response(200, WorkflowSchema)
    def put(self, data: dict[str, Any], workflow_id: int) -> Any:
        """Replace a workflow."""
        return service.update(service.get_owned(current_user.id, workflow_id), data)

    @blp.arguments(WorkflowPatchSchema(partial=True))
    @blp.response(200, WorkflowSchema)
    def patch(self, data: dict[str, Any], workflow_id: int) -> Any:
        """Change some fields of a workflow."""
        return service.update(service.get_owned(current_user.id, workflow_id), data)

    @blp.response(204)
    def delete(self, workflow_id: int) -> None:
        """Delete a workflow and its execution history."""
        service.delete(service.get_owned(current_user.id, workflow_id))


@blp.route("/<workflow_id:workflow_id>/run")
class WorkflowRun(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(RunInSchema)
    @blp.response(202, ExecutionLogSummarySchema)
    def post(self, data: dict[str, Any], workflow_id: int) -> Any:
        """Run a workflow now with ``payload`` as its trigger's input (any trigger type)."""
        return service.run_now(current_user.id, workflow_id, data["payload"])


@blp.route("/<workflow_id:workflow_id>/test-listen")
class WorkflowTestListen(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, test_events.ListeningSchema)
    @blp.alt_response(409, description="The workflow does not start with a webhook")
    def post(self, workflow_id: int) -> Any:
        """Arm the test URL: its next delivery is checked, kept as the trigger's sample and not run."""
        return test_events.arm(service.get_owned(current_user.id, workflow_id))

    @blp.response(204)
    def delete(self, workflow_id: int) -> None:
        """Disarm the test URL."""
        test_events.disarm(service.get_owned(current_user.id, workflow_id))


@blp.route("/<workflow_id:workflow_id>/sample")
class WorkflowSample(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, test_events.TriggerSampleSchema)
    def get(self, workflow_id: int) -> Any:
        """The trigger's sample data (the last test event) and whether the test URL listens."""
        return test_events.sample_of(service.get_owned(current_user.id, workflow_id))


@blp.route("/<workflow_id:workflow_id>/preview")
class WorkflowPreview(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(preview.PreviewInSchema)
    @blp.response(200, preview.PreviewSchema)
    @blp.alt_response(409, description="No test event captured yet")
    def post(self, data: dict[str, Any], workflow_id: int) -> Any:
        """Evaluate a node's params against the trigger's sample (errors by param, nothing runs)."""
        workflow = service.get_owned(current_user.id, workflow_id)
        return preview.preview(workflow, test_events.sample_of(workflow), data["node_id"], data.get("params"))
