"""After a full run of a node that uses a credential, no secret is anywhere: not in the
run's rows (payload, steps' input, output, error, log lines), not in an event; not even
when the node logs its credential and returns its token."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from automateos.bus import get_bus
from automateos.extensions import db
from tests.conftest import wait_for_log, webhook_flow
from tests.credentials.conftest import make_credential

TOKEN = "acme-run-token-9d8c7b6a5f"


@pytest.mark.usefixtures("installed_plugin")
def test_a_run_uses_the_credential_and_stores_no_secret(app, user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    workflow = user.create_workflow(webhook_flow(
        {"id": "send", "type": "acme_send", "params": {"channel": "ops", "credential": cid}}))
    resp = user.post(f"/api/workflows/{workflow['id']}/run", {"payload": {"n": 1}})
    assert resp.status_code == 202, resp.get_json()
    log = wait_for_log(app, user, resp.get_json()["id"], timeout=10)

    everything = json.dumps(log)
    with app.app_context():
        for table in ("execution_logs", "step_logs"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
            everything += json.dumps([[str(v) for v in row] for row in rows])
        owner_id = db.session.execute(text("SELECT owner_id FROM credentials")).scalar_one()
        db.session.remove()
    with get_bus(app).subscribe(owner_id, "0-0") as events:
        everything += json.dumps([[e.type, e.data] for e in events.wait(0.5)])

    assert log["status"] == "success", log
    send = next(s for s in log["steps"] if s["node_id"] == "send")
    assert send["output"]["has_credential"] is True and send["output"]["fields"] == ["token", "workspace"]
    assert send["output"]["echo"] == "Bearer [redacted]"  # the node echoed it: masked before storing
    for part in (TOKEN, TOKEN[:10], TOKEN[-10:]):
        assert part not in everything


def _run_with_credential(app, user, credential: object) -> dict:
    """Run acme_send with ``credential`` given at run time (an expression, so that the save
    cannot check it) and up to three retries allowed; the finished run's detail."""
    workflow = user.create_workflow(webhook_flow(
        {"id": "send", "type": "acme_send", "max_retries": 3, "retry_backoff": 0.01,
         "params": {"channel": "ops", "credential": "{{ trigger.cid }}"}}))
    resp = user.post(f"/api/workflows/{workflow['id']}/run", {"payload": {"cid": credential}})
    assert resp.status_code == 202, resp.get_json()
    return wait_for_log(app, user, resp.get_json()["id"], timeout=10)


@pytest.mark.usefixtures("installed_plugin")
def test_a_credential_given_by_expression_is_opened_at_run_time(app, user):
    cid = make_credential(user, data={"token": TOKEN}, type_="acme_dist")["id"]
    log = _run_with_credential(app, user, cid)
    assert log["status"] == "success", log["error"]
    assert log["steps"][-1]["output"]["has_credential"] is True


@pytest.mark.usefixtures("installed_plugin")
@pytest.mark.parametrize("case", ["missing", "other_owner", "wrong_type"])
def test_a_credential_the_run_may_not_use_fails_the_step_at_once(app, user, other_user, case):
    if case == "missing":
        cid, expected = 987654, "Credential 987654 does not exist"
    elif case == "other_owner":
        cid = make_credential(other_user, data={"token": TOKEN}, type_="acme_dist")["id"]
        expected = f"Credential {cid} does not exist"  # someone else's reads as missing
    else:
        cid = make_credential(user, type_="acme_test")["id"]
        expected = f"is of type 'acme_test'; this node needs a credential of type 'acme_dist'"
    log = _run_with_credential(app, user, cid)
    send = next(s for s in log["steps"] if s["node_id"] == "send")
    assert log["status"] == "failed"
    assert send["status"] == "failed" and send["attempts"] == 1  # three retries allowed, none used
    assert send["error"]["type"] == "CredentialError" and expected in send["error"]["message"]
    assert expected in log["error"]["message"]
    assert TOKEN not in str(log)
