"""Execution log endpoints."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from . import service
from .schemas import ExecutionLogPublicSchema

blp = Blueprint("logs", __name__, url_prefix="/api", description="Execution logs (owner only)")


@blp.route("/logs/<id:log_id>")
class LogItem(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, ExecutionLogPublicSchema)
    def get(self, log_id: int) -> Any:
        """One run: payload, result, error with traceback, and its steps in execution order."""
        return service.get_owned_log(current_user.id, log_id, full=True)
