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
