"""A credential named by a saved workflow cannot be deleted (409 naming the workflows),
and the engine's door, ``decrypt_for_run``, checks owner and type."""
from __future__ import annotations

import pytest

from automateos.credentials.crypto import generate_key
from automateos.credentials.models import Credential
from automateos.credentials.service import CredentialError, Secrets, credential_problems, credentials_in_use, \
    decrypt_for_run
from automateos.extensions import db
from automateos.nodes.base import NodeError
from tests.conftest import assert_error, webhook_flow
from tests.credentials.conftest import ACME_SECRET, keyring, make_credential

pytestmark = pytest.mark.usefixtures("installed_plugin")
TOKEN = "acme-token-5b1e0c7d9a"


def acme_flow(credential_id: int) -> dict:
    return webhook_flow({"id": "send", "type": "acme_send", "params": {"channel": "ops", "credential": credential_id}})


def owner_id(app, cid: int) -> int:
    with app.app_context():
        found = db.session.get(Credential, cid).owner_id
        db.session.remove()
    return found


def test_deleting_a_credential_in_use_is_409_naming_the_workflows(user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    make_credential(user, "unused", data={"token": TOKEN}, type_="acme_dist")
    first = user.create_workflow(acme_flow(cid), name="Nightly report")
    user.create_workflow(acme_flow(cid), name="Alerts")
    user.create_workflow(acme_flow(cid + 1), name="Uses the other one")

    body = assert_error(user.delete(f"/api/credentials/{cid}"), 409)
    assert body["errors"]["workflows"] == ["Alerts", "Nightly report"]
    assert "Alerts" in body["message"] and "Nightly report" in body["message"]
    assert user.get(f"/api/credentials/{cid}").status_code == 200

    # Still used by "Alerts" once "Nightly report" is gone; free once no workflow names it.
    assert user.delete(f"/api/workflows/{first['id']}").status_code == 204
    assert assert_error(user.delete(f"/api/credentials/{cid}"), 409)["errors"]["workflows"] == ["Alerts"]
    alerts = next(w for w in user.get("/api/workflows").get_json()["items"] if w["name"] == "Alerts")
    assert user.patch(f"/api/workflows/{alerts['id']}", {"definition": acme_flow(cid + 1)}).status_code == 200
    assert user.delete(f"/api/credentials/{cid}").status_code == 204


def test_another_users_workflow_naming_my_id_does_not_block_my_delete(app, user, other_user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    other_user.create_workflow(acme_flow(cid), name="Borrowed")
    with app.app_context():
        assert credentials_in_use(cid) == []
    assert user.delete(f"/api/credentials/{cid}").status_code == 204


def test_decrypt_for_run_gives_the_fields_to_the_owner_for_the_right_type(app, user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    with app.app_context():
        secrets = decrypt_for_run(owner_id(app, cid), cid, "acme_dist")
    assert secrets == {"token": TOKEN, "workspace": "main"} and isinstance(secrets, Secrets)
    assert TOKEN not in repr(secrets) and TOKEN not in str(secrets) and "'token': '***'" in repr(secrets)


def test_decrypt_for_run_refuses_another_owner_another_type_and_non_ids(app, user, other_user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    theirs = owner_id(app, make_credential(other_user)["id"])
    mine = owner_id(app, cid)
    with app.app_context():
        for args, words in [
            ((theirs, cid, "acme_dist"), "does not exist"),
            ((mine, cid + 10_000, "acme_dist"), "does not exist"),
            ((mine, cid, "acme_test"), "is of type 'acme_dist'"),
            ((mine, "1", "acme_dist"), "not a credential id"),
            ((mine, True, "acme_dist"), "not a credential id"),
            ((mine, 2**63, "acme_dist"), "not a credential id"),
        ]:
            with pytest.raises(CredentialError, match=words) as raised:
                decrypt_for_run(*args)
            assert isinstance(raised.value, NodeError)  # fails the step without retry
            assert TOKEN not in str(raised.value)


def test_decrypt_for_run_says_when_the_key_is_missing(app, user):
    with keyring(app, ENCRYPTION_KEY=generate_key()):
        cid = make_credential(user)["id"]
    with app.app_context():
        with pytest.raises(CredentialError, match="cannot be decrypted: sealed with key [0-9a-f]{16}"):
            decrypt_for_run(owner_id(app, cid), cid, "acme_test")


def test_a_node_param_of_kind_credential_is_exported_for_the_editor(client):
    nodes = {n["type"]: n for n in client.get("/api/nodes").get_json()}
    assert nodes["acme_send"]["params_schema"]["properties"]["credential"]["x-credential"] is True


def test_in_use_reads_only_params_of_kind_credential(app, user):
    cid = make_credential(user)["id"]
    # The same number in a param that holds no credential does not count.
    user.create_workflow(webhook_flow({"id": "d", "type": "delay", "params": {"seconds": cid}}), name="Waits")
    with app.app_context():
        assert credentials_in_use(cid) == []
    assert ACME_SECRET  # the credential itself is an ordinary one


def test_credential_problems_name_the_node_and_param_of_a_bad_reference(app, user, other_user):
    mine = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    wrong_type = make_credential(user)["id"]
    theirs = make_credential(other_user, data={"token": TOKEN}, type_="acme_dist")["id"]
    definition = webhook_flow(
        {"id": "ok", "type": "acme_send", "params": {"channel": "a", "credential": mine}},
        {"id": "theirs", "type": "acme_send", "params": {"channel": "a", "credential": theirs}},
        {"id": "typed", "type": "acme_send", "params": {"channel": "a", "credential": wrong_type}},
        {"id": "expr", "type": "acme_send", "params": {"channel": "a", "credential": "{{ input.body.c }}"}},
    )
    with app.app_context():
        problems = credential_problems(owner_id(app, mine), definition)
    assert problems == {
        "theirs": {"credential": [f"Credential {theirs} does not exist."]},
        "typed": {"credential": [f"Credential {wrong_type} ('acme') is of type 'acme_test'; this node needs 'acme_dist'."]},
    }


def test_scrub_masks_the_secret_values_in_what_a_node_produced(app, user):
    cid = make_credential(user, data={"token": TOKEN, "workspace": "ops"}, type_="acme_dist")["id"]
    with app.app_context():
        secrets = decrypt_for_run(owner_id(app, cid), cid, "acme_dist")
    produced = {"echo": TOKEN, "header": f"Bearer {TOKEN}", TOKEN: [1, {"deep": f"x{TOKEN}x"}], "workspace": "ops", "n": 3}
    assert secrets.scrub(produced) == {
        "echo": "[redacted]", "header": "Bearer [redacted]", "[redacted]": [1, {"deep": "x[redacted]x"}],
        "workspace": "ops", "n": 3,  # a non-secret field's value is left as it is
    }
    assert secrets.scrub(f"failed with {TOKEN}") == "failed with [redacted]"


def test_scrub_without_the_type_masks_every_text_field_but_short_ones():
    secrets = Secrets({"user": "alice-admin", "pin": 123456, "region": "eu", "on": True})
    assert secrets.scrub("alice-admin 123456 eu True") == "[redacted] [redacted] eu True"
    assert Secrets({"a": "secret-one", "b": "secret-one-longer"}).scrub("secret-one-longer") == "[redacted]"
