"""Workflow CRUD, versioning, validation and owner isolation."""
from __future__ import annotations

from tests.conftest import assert_error, webhook_flow

TRANSFORM = {"id": "shape", "type": "transform", "params": {"fields": {"total": "{{ input.body.amount }}"}}}


def test_create_get_list_update_delete(user):
    created = user.create_workflow(webhook_flow(TRANSFORM), name="Orders", description="in")
    assert created["version"] == 1 and created["active"] is True and created["trigger_type"] == "webhook"
    token = created["webhook_url"].rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, url-safe base64

    assert user.get(f"/api/workflows/{created['id']}").get_json()["name"] == "Orders"
    page = user.get("/api/workflows?limit=10").get_json()
    assert page["total"] == 1 and page["items"][0]["id"] == created["id"] and page["limit"] == 10

    renamed = user.patch(f"/api/workflows/{created['id']}", {"name": "Orders v2"}).get_json()
    assert renamed["name"] == "Orders v2" and renamed["version"] == 1  # definition unchanged

    new_def = webhook_flow({**TRANSFORM, "params": {"fields": {"x": 1}}})
    changed = user.put(f"/api/workflows/{created['id']}", {"name": "Orders", "definition": new_def}).get_json()
    assert changed["version"] == 2 and changed["definition"] == new_def

    assert user.delete(f"/api/workflows/{created['id']}").status_code == 204
    assert_error(user.get(f"/api/workflows/{created['id']}"), 404)


def test_list_is_paginated_newest_first(user):
    ids = [user.create_workflow(webhook_flow(), name=f"w{i}")["id"] for i in range(5)]
    first = user.get("/api/workflows?limit=2").get_json()
    second = user.get("/api/workflows?limit=2&offset=2").get_json()
    assert [w["id"] for w in first["items"]] == ids[::-1][:2]
    assert [w["id"] for w in second["items"]] == ids[::-1][2:4]
    assert first["total"] == 5
    assert_error(user.get("/api/workflows?limit=0"), 422)
    assert_error(user.get("/api/workflows?limit=201"), 422)
    assert_error(user.get("/api/workflows?offset=-1"), 422)


def test_another_users_workflow_is_404_on_every_verb(user, other_user):
    wf = user.create_workflow(webhook_flow(TRANSFORM))
    url = f"/api/workflows/{wf['id']}"
    assert_error(other_user.get(url), 404)
    assert_error(other_user.put(url, {"name": "x", "definition": webhook_flow()}), 404)
    assert_error(other_user.patch(url, {"name": "x"}), 404)
    assert_error(other_user.delete(url), 404)
    assert_error(other_user.post(f"{url}/run", {"payload": {}}), 404)
    assert other_user.get("/api/workflows").get_json()["total"] == 0
    assert user.get(url).get_json()["name"] == "wf"  # untouched


def test_workflow_endpoints_need_a_token(client):
    assert_error(client.get("/api/workflows"), 401)
    assert_error(client.post("/api/workflows", json={}), 401)


def test_invalid_definitions_are_422_naming_node_and_field(user):
    # Every kind of mistake, each at its field: tests/workflows/test_definition_schema.py.
    call = {"id": "call", "type": "http_request", "params": {"url": "not a url"}}
    body = assert_error(user.post("/api/workflows", {"name": "bad", "definition": webhook_flow(TRANSFORM, call)}), 422)
    assert body["errors"] == {"json": {"definition": {"nodes": {"2": {"params": {"url": ["Not a valid URL."]}}}}}}
    assert user.get("/api/workflows").get_json()["total"] == 0  # nothing saved


def test_invalid_update_leaves_the_workflow_as_it_was(user):
    wf = user.create_workflow(webhook_flow(TRANSFORM))
    bad = webhook_flow({"id": "x", "type": "fail", "params": {}})
    assert_error(user.patch(f"/api/workflows/{wf['id']}", {"definition": bad, "name": "changed"}), 422)
    after = user.get(f"/api/workflows/{wf['id']}").get_json()
    assert after["definition"] == wf["definition"] and after["name"] == wf["name"] and after["version"] == 1


def test_expressions_are_not_type_checked_at_save_time(user):
    wf = user.create_workflow(webhook_flow({"id": "d", "type": "delay", "params": {"seconds": "{{ input.body.wait }}"}}))
    assert wf["version"] == 1


def test_node_catalogue_lists_every_builtin_with_json_schema(client):
    nodes = {n["type"]: n for n in client.get("/api/nodes").get_json()}
    assert set(nodes) >= {"webhook", "manual", "schedule", "http_request", "transform", "filter", "if", "merge", "delay", "fail"}
    assert nodes["if"]["outputs"] == ["true", "false"]
    assert nodes["webhook"]["category"] == "trigger"
    # The editor lets only joining nodes take several inputs, and shows what blocks.
    assert nodes["merge"]["joins_branches"] and not nodes["transform"]["joins_branches"]
    assert nodes["delay"]["blocking"] and not nodes["transform"]["blocking"]
    http = nodes["http_request"]["params_schema"]
    assert http["type"] == "object" and "url" in http["properties"] and "url" in http.get("required", [])
    fields = nodes["transform"]["params_schema"]["properties"]["fields"]
    assert fields["type"] == "object" and fields.get("minProperties") == 1 and "minLength" not in fields
    conditions = nodes["filter"]["params_schema"]["properties"]["conditions"]
    assert conditions["type"] == "array" and "properties" in conditions["items"]  # inlined, no dangling $ref
