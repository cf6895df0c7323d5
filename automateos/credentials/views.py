"""Credential endpoints (owner only): CRUD and the catalogue of credential types."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from ..pagination import paginate
from . import service
from .schemas import CredentialInSchema, CredentialListArgsSchema, CredentialPageSchema, CredentialPatchSchema, \
    CredentialSchema, CredentialTypeSchema
from .types import describe, registry

blp = Blueprint("credentials", __name__, url_prefix="/api/credentials",
                description="Credentials for nodes (owner only; secrets write-only)")
types_blp = Blueprint("credential_types", __name__, url_prefix="/api/credential-types",
                      description="Credential types declared by installed packages")


@blp.route("")
class Credentials(MethodView):
    decorators = [jwt_required()]

    @blp.arguments(CredentialListArgsSchema, location="query")
    @blp.response(200, CredentialPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The caller's credentials, newest first; ``type`` keeps those of one type."""
        query = service.owned_credentials(current_user.id, args.get("type"))
        page = paginate(query, args["limit"], args["offset"])
        return {**page, "items": [service.present(c) for c in page["items"]]}

    @blp.arguments(CredentialInSchema)
    @blp.response(201, CredentialSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a credential (``data`` is validated by its type: 422 names the field)."""
        return service.present(service.create(current_user.id, data["name"], data["type"], data["data"]))


@blp.route("/<id:credential_id>")
class CredentialItem(MethodView):
    decorators = [jwt_required()]

    @blp.response(200, CredentialSchema)
    def get(self, credential_id: int) -> Any:
        """One credential."""
        return service.present(service.get_owned(current_user.id, credential_id))

    @blp.arguments(CredentialPatchSchema)
    @blp.response(200, CredentialSchema)
    def patch(self, data: dict[str, Any], credential_id: int) -> Any:
        """Rename, or replace some fields (secrets included) of a credential."""
        return service.present(service.update(service.get_owned(current_user.id, credential_id), data))

    @blp.response(204)
    @blp.alt_response(409, description="Used by workflows (named in the message)")
    def delete(self, credential_id: int) -> None:
        """Delete a credential no workflow uses."""
        service.delete(service.get_owned(current_user.id, credential_id))


@types_blp.route("")
class CredentialTypes(MethodView):
    decorators = [jwt_required()]

    @types_blp.response(200, CredentialTypeSchema(many=True))
    def get(self) -> Any:
        """Every installed credential type with the JSON Schema of its fields."""
        return [describe(t) for _, t in sorted(registry.all().items())]
