"""Credential types: discovered through the entry points of installed packages; a
broken declaration is reported and skipped, never fatal."""
from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from automateos.credentials.types import CredentialType, credential_params, registry
from automateos.nodes.base import Node
from tests.credentials.conftest import plugin_installed


@pytest.mark.usefixtures("installed_plugin")
def test_installed_types_are_discovered_and_broken_ones_reported(app, user):
    assert registry.get("acme_dist").display_name == "Acme (installed)"
    problems = "\n".join(registry.problems)
    assert "broken_import: failed to import" in problems
    assert "wrong_name: declares name 'acme_dist', entry point says 'wrong_name'" in problems
    assert "not_a_type: is not a subclass" in problems
    assert "acme_dist: is registered twice" in problems
    names = {t["name"] for t in user.get("/api/credential-types").get_json()}
    assert "acme_dist" in names and not names & {"broken_import", "wrong_name", "not_a_type"}

    out = app.test_cli_runner().invoke(args=["credentials", "types"]).output
    assert "acme_dist" in out and "Acme (installed)" in out
    assert "broken_import" in out and "skipped" in out


def test_an_uninstalled_type_leaves_its_credentials_listed_with_a_problem(app, user):
    with plugin_installed():
        cid = user.post("/api/credentials", {"name": "x", "type": "acme_dist",
                                             "data": {"token": "tok-uninstalled-42"}}).get_json()["id"]
    body = user.get(f"/api/credentials/{cid}").get_json()
    assert body["problem"] == "Credential type 'acme_dist' is not installed."
    assert body["data"] == {} and body["secrets"] == {"token": "set", "workspace": "set"}  # all hidden
    assert user.patch(f"/api/credentials/{cid}", {"data": {"token": "new"}}).status_code == 422
    assert user.patch(f"/api/credentials/{cid}", {"name": "renamed"}).status_code == 200
    assert user.delete(f"/api/credentials/{cid}").status_code == 204


class Fields(Schema):
    token = fields.String(required=True)


@pytest.mark.parametrize(("attrs", "problem"), [
    ({"name": "t1", "display_name": "T", "fields_schema": Fields, "secret_fields": ("nope",)}, "lacks"),
    ({"name": "t2", "display_name": "", "fields_schema": Fields}, "display_name"),
    ({"name": "t3", "display_name": "T", "fields_schema": dict}, "marshmallow Schema"),
    ({"name": "bearer_token", "display_name": "T", "fields_schema": Fields}, "already registered"),
])
def test_register_refuses_a_class_that_breaks_the_contract(attrs, problem):
    with pytest.raises(ValueError, match=problem):
        registry.register(type("Bad", (CredentialType,), attrs))


def test_credential_params_are_the_params_of_kind_credential():
    class Needs(Node):
        """Uses a bearer token."""

        type = "needs"
        name = "Needs"
        credential_type = "bearer_token"

    assert credential_params(Needs) == {"credential": "bearer_token"}
    assert credential_params(Node) == {}
