"""The credentials API: owner only, validated by the type, secrets write-only."""
from __future__ import annotations

import json

import pytest

from automateos.credentials.models import Credential
from automateos.credentials.service import decrypt_for_run
from automateos.extensions import db
from tests.conftest import assert_error
from tests.credentials.conftest import ACME_DATA, ACME_SECRET, make_credential


def no_secret_in(resp, *secrets: str) -> None:
    """Neither the body nor any header of ``resp`` holds a secret, even in part."""
    text = resp.get_data(as_text=True) + json.dumps(dict(resp.headers))
    for secret in secrets:
        for part in (secret, secret[:8], secret[-8:]):
            assert part not in text, f"{part!r} leaked in {resp.request.method} {resp.request.path}"


def test_create_shows_non_secret_values_and_which_secrets_are_set(user):
    resp = user.post("/api/credentials", {"name": "Acme prod", "type": "acme_test", "data": ACME_DATA})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["name"] == "Acme prod" and body["type"] == "acme_test" and body["problem"] is None
    assert body["data"] == {"account": "acme-corp", "region": "eu", "port": 8443}  # region: its default
    assert body["secrets"] == {"api_key": "set"}
    no_secret_in(resp, ACME_SECRET)


def test_a_field_of_a_type_json_cannot_hold_is_stored_as_its_json_form(user):
    body = make_credential(user, data={**ACME_DATA, "expires": "2027-01-31"})
    assert body["data"]["expires"] == "2027-01-31"


def test_no_response_of_any_endpoint_holds_a_secret(user):
    created = make_credential(user)
    cid = created["id"]
    calls = [
        user.get("/api/credentials"), user.get(f"/api/credentials/{cid}"),
        user.patch(f"/api/credentials/{cid}", {"name": "renamed"}),
        user.patch(f"/api/credentials/{cid}", {"data": {"region": "us"}}),
        user.patch(f"/api/credentials/{cid}", {"data": {"port": "not a port"}}),  # 422
        user.post("/api/credentials", {"name": "bad", "type": "acme_test",
                                       "data": {**ACME_DATA, "region": "mars"}}),  # 422
        user.get("/api/credential-types"),
    ]
    for resp in calls:
        assert resp.status_code < 500
        no_secret_in(resp, ACME_SECRET)
    assert user.delete(f"/api/credentials/{cid}").status_code == 204


def test_list_is_paginated_newest_first_and_only_the_callers(user, other_user):
    first, second = make_credential(user, "one"), make_credential(user, "two")
    make_credential(other_user, "theirs")
    page = user.get("/api/credentials?limit=1").get_json()
    assert page["total"] == 2 and [c["id"] for c in page["items"]] == [second["id"]]
    page = user.get("/api/credentials?limit=1&offset=1").get_json()
    assert [c["name"] for c in page["items"]] == [first["name"]]


def test_list_filters_by_type_for_a_pickers_sake(user):
    acme = make_credential(user, "acme")
    make_credential(user, "bearer", data={"token": "t" * 12}, type_="bearer_token")
    page = user.get("/api/credentials?type=acme_test").get_json()
    assert page["total"] == 1 and page["items"][0]["id"] == acme["id"]
    assert user.get("/api/credentials?type=nothing").get_json()["total"] == 0
    assert_error(user.get("/api/credentials?type="), 422)


def test_another_users_credential_is_404_like_one_that_does_not_exist(user, other_user):
    theirs = make_credential(other_user)
    missing = assert_error(user.get(f"/api/credentials/{theirs['id'] + 1000}"), 404)
    for resp in (user.get(f"/api/credentials/{theirs['id']}"),
                 user.patch(f"/api/credentials/{theirs['id']}", {"name": "mine now"}),
                 user.delete(f"/api/credentials/{theirs['id']}")):
        assert assert_error(resp, 404) == missing
    # untouched
    assert other_user.get(f"/api/credentials/{theirs['id']}").get_json()["name"] == theirs["name"]


@pytest.mark.parametrize("url", ["/api/credentials/0", "/api/credentials/abc",
                                 "/api/credentials/9223372036854775808"])
def test_ids_that_cannot_exist_are_404(user, url):
    assert_error(user.get(url), 404)


def test_the_api_needs_a_token(client):
    for resp in (client.get("/api/credentials"), client.get("/api/credential-types"),
                 client.post("/api/credentials", json={"name": "x", "type": "acme_test", "data": {}})):
        assert_error(resp, 401)


def test_an_unknown_type_is_422_on_type(user):
    body = assert_error(user.post("/api/credentials", {"name": "x", "type": "nope", "data": {}}), 422)
    assert "type" in body["errors"]["json"]


def test_bad_data_is_422_field_by_field(user):
    body = assert_error(user.post("/api/credentials", {"name": "x", "type": "acme_test", "data": {
        "api_key": "short", "region": "mars", "port": 70000, "extra": 1}}), 422)
    assert set(body["errors"]["json"]["data"]) == {"account", "api_key", "region", "port", "extra"}


@pytest.mark.parametrize("body", [
    {"type": "acme_test", "data": ACME_DATA},
    {"name": "", "type": "acme_test", "data": ACME_DATA},
    {"name": "x" * 201, "type": "acme_test", "data": ACME_DATA},
    {"name": "x", "type": "acme_test", "data": "not an object"},
    {"name": "x", "type": "acme_test"},
    {"name": "x", "type": "acme_test", "data": ACME_DATA, "owner_id": 1},
])
def test_malformed_bodies_are_422(user, body):
    assert_error(user.post("/api/credentials", body), 422)


def test_patch_merges_fields_and_keeps_the_secret_it_was_not_sent(app, user):
    cid = make_credential(user)["id"]
    resp = user.patch(f"/api/credentials/{cid}", {"name": "renamed", "data": {"region": "us", "port": None}})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["name"] == "renamed" and body["data"] == {"account": "acme-corp", "region": "us"}
    assert body["secrets"] == {"api_key": "set"}
    assert opened(app, cid)["api_key"] == ACME_SECRET


def opened(app, cid: int) -> dict:
    """The credential's fields, as the engine gets them."""
    with app.app_context():
        owner_id = db.session.get(Credential, cid).owner_id
        data = dict(decrypt_for_run(owner_id, cid, "acme_test"))
        db.session.remove()
    return data


def test_patch_replaces_a_secret(app, user):
    cid = make_credential(user)["id"]
    resp = user.patch(f"/api/credentials/{cid}", {"data": {"api_key": "sk_live_rotated_0001"}})
    assert resp.status_code == 200 and resp.get_json()["secrets"] == {"api_key": "set"}
    no_secret_in(resp, "sk_live_rotated_0001")
    assert opened(app, cid)["api_key"] == "sk_live_rotated_0001"


def test_patch_validates_the_merged_fields_and_cannot_change_the_type(user):
    cid = make_credential(user)["id"]
    body = assert_error(user.patch(f"/api/credentials/{cid}", {"data": {"api_key": None}}), 422)
    assert "api_key" in body["errors"]["json"]["data"]
    assert_error(user.patch(f"/api/credentials/{cid}", {"type": "bearer_token"}), 422)
    assert user.get(f"/api/credentials/{cid}").get_json()["secrets"] == {"api_key": "set"}


def test_delete_removes_it(user):
    cid = make_credential(user)["id"]
    assert user.delete(f"/api/credentials/{cid}").status_code == 204
    assert_error(user.get(f"/api/credentials/{cid}"), 404)


def test_credential_types_list_their_fields_as_json_schema(user):
    types = {t["name"]: t for t in user.get("/api/credential-types").get_json()}
    assert {"bearer_token", "basic_auth", "header_auth", "acme_test"} <= set(types)
    acme = types["acme_test"]
    assert acme["display_name"] == "Acme (test)" and acme["secret_fields"] == ["api_key"]
    schema = acme["fields_schema"]
    assert schema["type"] == "object" and set(schema["required"]) == {"account", "api_key"}
    assert schema["properties"]["api_key"]["writeOnly"] is True
    assert schema["properties"]["region"]["enum"] == ["eu", "us"]
    assert "writeOnly" not in schema["properties"]["account"]


def test_the_endpoints_are_in_the_openapi_spec(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/credentials"])
    assert {"get", "patch", "delete"} <= set(paths["/api/credentials/{credential_id}"])
    assert "get" in paths["/api/credential-types"]
