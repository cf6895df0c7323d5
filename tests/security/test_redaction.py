"""Secrets at rest: values under REDACT_NAMES never reach the database (issue 7).

Each test runs a workflow to the end, then reads the raw rows (the run's payload and
result, every step's input, output and error) straight from the tables.
"""
from __future__ import annotations

import json

from sqlalchemy import text

from automateos.extensions import db
from automateos.redaction import Redactor
from tests.conftest import wait_for_log, webhook_flow

SECRETS = ["hdr-api-key-1", "hdr-auth-token-2", "cookie-3", "bearer-4", "qs-token-5", "qs-access-6",
           "body-password-7", "deep-secret-8", "list-client-secret-9", "apikey-10"]
# Two steps after the trigger copy everything they see, so every row holds the input.
COPY = [
    {"id": "copy", "type": "transform", "params": {"fields": {"seen": "{{ input }}"}}},
    {"id": "again", "type": "transform", "params": {"fields": {"seen": "{{ input.seen }}", "all": "{{ nodes }}"}}},
]
MANUAL = {"nodes": [{"id": "m", "type": "manual"}, *COPY],
          "edges": [{"source": "m", "target": "copy"}, {"source": "copy", "target": "again"}]}


def raw_rows(app) -> str:
    """Every stored body of every run and step, as one text."""
    with app.app_context():
        runs = db.session.execute(text("SELECT payload, result, error FROM execution_logs")).all()
        steps = db.session.execute(text("SELECT input, output, error FROM step_logs")).all()
        db.session.remove()
    assert runs and steps
    return json.dumps([list(r) for r in runs + steps], default=str)


def assert_no_secret(app, *secrets: str) -> str:
    stored = raw_rows(app)
    leaked = [s for s in secrets if s in stored]
    assert not leaked, f"stored in clear: {leaked}"
    return stored


def test_webhook_headers_query_and_body_fields_are_redacted_in_every_row(app, client, user):
    wf = user.create_workflow(webhook_flow(*COPY))
    token = wf["webhook_url"].rsplit("/", 1)[1]
    client.set_cookie("sid", "cookie-3")  # the test client sends its own Cookie header
    resp = client.post(
        f"/api/hooks/{token}?token=qs-token-5&Access_Token=qs-access-6&page=2",
        json={"user": {"name": "Ada", "Password": "body-password-7", "settings": {"deep": {"secret": "deep-secret-8"}}},
              "apps": [{"client_secret": "list-client-secret-9", "id": 1}], "api-key": "apikey-10", "amount": 5},
        headers={"X-Api-Key": "hdr-api-key-1", "x-auth-token": "hdr-auth-token-2",
                 "Authorization": "Bearer bearer-4", "X-Shop": "kept"},
    )
    assert resp.status_code == 202
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["status"] == "success" and len(log["steps"]) == 3

    stored = assert_no_secret(app, *SECRETS)
    payload = log["payload"]
    headers = {k.lower(): v for k, v in payload["headers"].items()}
    assert {headers[h] for h in ("x-api-key", "x-auth-token", "cookie", "authorization")} == {"[redacted]"}
    assert headers["x-shop"] == "kept"
    assert payload["query"] == {"token": "[redacted]", "Access_Token": "[redacted]", "page": "2"}
    assert payload["body"]["user"] == {"name": "Ada", "Password": "[redacted]",
                                       "settings": {"deep": {"secret": "[redacted]"}}}
    assert payload["body"]["apps"] == [{"client_secret": "[redacted]", "id": 1}]
    assert payload["body"]["api-key"] == "[redacted]" and payload["body"]["amount"] == 5
    assert log["result"]["seen"]["body"]["amount"] == 5 and "kept" in stored


def test_form_fields_are_redacted(app, client, user):
    wf = user.create_workflow(webhook_flow(*COPY))
    resp = client.post("/api/hooks/" + wf["webhook_url"].rsplit("/", 1)[1],
                       data={"login": "ada", "passwd": "body-password-7"})
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["payload"]["body"] == {"login": "ada", "passwd": "[redacted]"}
    assert_no_secret(app, "body-password-7")


def test_manual_run_and_retry_payloads_are_redacted(app, user):
    wf = user.create_workflow(MANUAL)
    run = user.post(f"/api/workflows/{wf['id']}/run",
                    {"payload": {"api_key": "apikey-10", "items": [{"password": "body-password-7"}], "n": 1}})
    first = wait_for_log(app, user, run.get_json()["id"])
    assert first["payload"] == {"api_key": "[redacted]", "items": [{"password": "[redacted]"}], "n": 1}

    again = user.post(f"/api/logs/{first['id']}/retry", {"payload": {"nested": {"ACCESS_TOKEN": "qs-access-6"}}})
    second = wait_for_log(app, user, again.get_json()["id"])
    assert second["payload"] == {"nested": {"ACCESS_TOKEN": "[redacted]"}}
    kept = user.post(f"/api/logs/{first['id']}/retry", {})
    assert wait_for_log(app, user, kept.get_json()["id"])["payload"] == first["payload"]
    assert_no_secret(app, "apikey-10", "body-password-7", "qs-access-6")


def test_the_list_of_names_is_configurable(app, user, monkeypatch):
    monkeypatch.setitem(app.config, "REDACT_NAMES", ("customer_ref",))
    wf = user.create_workflow(MANUAL)
    run = user.post(f"/api/workflows/{wf['id']}/run", {"payload": {"customer-ref": "C-77", "password": "visible"}})
    log = wait_for_log(app, user, run.get_json()["id"])
    assert log["payload"] == {"customer-ref": "[redacted]", "password": "visible"}
    assert "C-77" not in raw_rows(app)


def test_names_match_whatever_their_case_dashes_or_underscores():
    redactor = Redactor(["X-Api-Key", "client_secret"])
    value = {"x_api_key": 1, "XAPIKEY": 2, "Client-Secret": 3, "clientsecret": [4], "x-api": 5, "secrets": 6}
    assert redactor.redact(value) == {"x_api_key": "[redacted]", "XAPIKEY": "[redacted]", "Client-Secret": "[redacted]",
                                      "clientsecret": "[redacted]", "x-api": 5, "secrets": 6}
