"""Execution log endpoints: lists and counts, one run, re-run, cleanup (owner only)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from ..engine.schemas import ExecutionLogPublicSchema, ExecutionLogSummarySchema
from . import service, summary
from .schemas import (
    CleanupArgsSchema, CleanupResultSchema, ExecutionLogPageSchema, LogCountSchema, LogFilterArgsSchema,
    LogListArgsSchema, OwnerLogFilterArgsSchema, OwnerLogListArgsSchema, RetryInSchema,
)
from .service import LogFilter
from .summary_schemas import (
    ExecutionStatsArgsSchema, ExecutionStatsSchema, WorkflowStatsArgsSchema, WorkflowStatsSchema,
)

blp = Blueprint("logs", __name__, url_prefix="/api", description="Execution logs (owner only)")

NOT_FOUND = {"description": "Not the caller's workflow or log (or it does not exist)"}


def _page(args: dict[str, Any], workflow_id: int | None = None) -> dict[str, Any]:
    return service.list_logs(LogFilter.from_args(current_user.id, args, workflow_id),
                             limit=args["limit"], offset=args["offset"], cursor=args.get("cursor"))


@blp.route("/workflows/<id:workflow_id>/logs")
class WorkflowLogs(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(LogListArgsSchema, location="query")
    @blp.response(200, ExecutionLogPageSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any], workflow_id: int) -> Any:
        """A workflow's runs, newest first: pass ``next_cursor`` back as ``cursor`` for
        the next page (or page by ``offset``)."""
        return _page(args, workflow_id)


@blp.route("/workflows/<id:workflow_id>/logs/count")
class WorkflowLogCount(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(LogFilterArgsSchema, location="query")
    @blp.response(200, LogCountSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any], workflow_id: int) -> Any:
        """How many of a workflow's runs match the list's filters."""
        return {"count": service.count_logs(LogFilter.from_args(current_user.id, args, workflow_id))}


@blp.route("/logs")
class Logs(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(OwnerLogListArgsSchema, location="query")
    @blp.response(200, ExecutionLogPageSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any]) -> Any:
        """The caller's runs over all their workflows (or one: ``workflow_id``), newest first."""
        return _page(args)


@blp.route("/logs/count")
class LogCount(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(OwnerLogFilterArgsSchema, location="query")
    @blp.response(200, LogCountSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any]) -> Any:
        """How many of the caller's runs match the filters."""
        return {"count": service.count_logs(LogFilter.from_args(current_user.id, args))}


@blp.route("/logs/cleanup")
class LogCleanup(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(CleanupArgsSchema, location="query")
    @blp.response(200, CleanupResultSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, args: dict[str, Any]) -> Any:
        """Delete the caller's finished runs older than ``days`` (queued and running runs
        are kept); ``dry_run`` only counts them."""
        return service.cleanup_logs(current_user.id, args["days"], status=args.get("status"),
                                    workflow_id=args.get("workflow_id"), dry_run=args["dry_run"])


@blp.route("/logs/<id:log_id>")
class LogItem(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, ExecutionLogPublicSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, log_id: int) -> Any:
        """One run: payload, result, error with traceback, and its steps in execution order."""
        return service.get_owned_log(current_user.id, log_id, full=True)


@blp.route("/logs/<id:log_id>/retry")
class LogRetry(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(RetryInSchema)
    @blp.response(202, ExecutionLogSummarySchema)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, description="The run has not finished yet")
    def post(self, data: dict[str, Any], log_id: int) -> Any:
        """Re-run a finished run: ``original`` with the definition it used, ``latest``
        with the workflow's current one; ``payload`` replaces its input."""
        return service.retry_log(current_user.id, log_id, data["mode"], data.get("payload", service.KEEP_PAYLOAD))


# --- the dashboard's numbers ----------------------------------------------------------

@blp.route("/stats/executions")
class ExecutionStats(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(ExecutionStatsArgsSchema, location="query")
    @blp.response(200, ExecutionStatsSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any]) -> Any:
        """The caller's runs by status per ``hour`` or ``day`` (default: the last 7 days),
        over all their workflows or one (``workflow_id``); empty buckets included."""
        return summary.executions_series(summary.SeriesQuery(
            owner_id=current_user.id, since=args["since"], until=args["until"], bucket=args["bucket"],
            utc_offset_minutes=args["utc_offset_minutes"], workflow_id=args.get("workflow_id")))


@blp.route("/stats/workflows")
class WorkflowStats(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(WorkflowStatsArgsSchema, location="query")
    @blp.response(200, WorkflowStatsSchema(many=True))
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, args: dict[str, Any]) -> Any:
        """Per workflow of the caller (or one: ``workflow_id``): its last run and the
        success rate of its newest ``recent`` runs, for the dashboard's cards."""
        recent = args.get("recent") or current_app.config["STATS_RECENT_RUNS"]
        return summary.workflow_summaries(current_user.id, recent, args.get("workflow_id"))
