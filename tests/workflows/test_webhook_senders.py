"""Webhooks as real senders call them: each scheme's signature end to end, retried and
concurrent deliveries (one run), and the methods a webhook accepts."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import standardwebhooks
import stripe
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, update

from automateos.db_types import utcnow
from automateos.engine.models import ExecutionLog
from automateos.extensions import db
from automateos.workflows.deliveries import WebhookDelivery, purge_deliveries
from tests.conftest import assert_error, wait_for_log, webhook_flow
from tests.workflows.sender_secrets import SECRETS

ECHO = {"id": "echo", "type": "transform", "params": {"fields": {"body": "{{ input.body }}", "q": "{{ input.query }}",
                                                                 "method": "{{ input.method }}"}}}
SIGNATURE_HEADERS = {"automateos": "X-AutomateOS-Signature", "github": "X-Hub-Signature-256",
                     "stripe": "Stripe-Signature", "slack": "X-Slack-Signature",
                     "shopify": "X-Shopify-Hmac-Sha256", "standard-webhooks": "webhook-signature"}


def hook_url(workflow: dict) -> str:
    return "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]


def signed(scheme: str, body: bytes, at: int | None = None, delivery: str = "d-1", secret: str | None = None) -> dict[str, str]:
    """Headers of ``body`` as the sender signs it, with the sender's own library where it has one."""
    secret, at = secret or SECRETS[scheme], int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    headers = {
        "automateos": lambda: {"X-AutomateOS-Signature": "sha256=" + digest.hexdigest(), "Idempotency-Key": delivery},
        "github": lambda: {"X-Hub-Signature-256": "sha256=" + digest.hexdigest(), "X-GitHub-Delivery": delivery,
                           "X-GitHub-Event": "push"},
        "stripe": lambda: {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body.decode(), secret,
                                                                                                 timestamp=at)},
        "slack": lambda: {"X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=str(at), body=body),
                          "X-Slack-Request-Timestamp": str(at)},
        "shopify": lambda: {"X-Shopify-Hmac-Sha256": base64.b64encode(digest.digest()).decode(),
                            "X-Shopify-Event-Id": delivery, "X-Shopify-Topic": "orders/create"},
        "standard-webhooks": lambda: {
            "webhook-id": delivery, "webhook-timestamp": str(at),
            "webhook-signature": standardwebhooks.Webhook(secret).sign(delivery, datetime.fromtimestamp(at, tz=timezone.utc),
                                                                       body.decode())},
    }[scheme]()
    return {**headers, "Content-Type": "application/json"}


def event_body(scheme: str, delivery: str = "d-1", amount: int = 3) -> bytes:
    # Stripe's and Slack's delivery ids are in the body.
    return json.dumps({"id": delivery, "event_id": delivery, "type": "ping", "amount": amount}).encode()


def run_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ExecutionLog))
        db.session.remove()
        return count


# --- each scheme, end to end -----------------------------------------------------------

@pytest.mark.parametrize("scheme", list(SECRETS))
def test_a_delivery_signed_by_the_sender_starts_a_run(app, client, user, scheme):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"verify": {"scheme": scheme, "secret": SECRETS[scheme]}}))
    body = event_body(scheme)
    resp = client.post(hook_url(wf), data=body, headers=signed(scheme, body))
    assert resp.status_code == 202, resp.get_json()
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["result"]["body"]["amount"] == 3
    # The signature is transport: not in the run's payload.
    assert SIGNATURE_HEADERS[scheme].lower() not in {name.lower() for name in log["payload"]["headers"]}


@pytest.mark.parametrize("scheme", list(SECRETS))
def test_forged_deliveries_are_401_and_start_nothing(app, client, user, scheme):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"verify": {"scheme": scheme, "secret": SECRETS[scheme]}}))
    body = event_body(scheme)
    good = signed(scheme, body)
    tampered = client.post(hook_url(wf), data=event_body(scheme, amount=300), headers=good)
    wrong = client.post(hook_url(wf), data=body, headers=signed(scheme, body, secret="whsec_" + base64.b64encode(b"x" * 24).decode()))
    missing = client.post(hook_url(wf), data=body, headers={k: v for k, v in good.items() if k != SIGNATURE_HEADERS[scheme]})
    for resp in (tampered, wrong, missing):
        body_ = assert_error(resp, 401)
        assert SECRETS[scheme] not in json.dumps(body_)
    assert "Missing" in missing.get_json()["message"]
    assert run_count(app) == 0


@pytest.mark.parametrize("scheme", ["stripe", "slack", "standard-webhooks"])
def test_a_replayed_or_future_delivery_is_401(app, client, user, scheme):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"verify": {"scheme": scheme, "secret": SECRETS[scheme],
                                                                         "tolerance_seconds": 60}}))
    body = event_body(scheme)
    for offset in (-3600, -61, 3600):
        resp = client.post(hook_url(wf), data=body, headers=signed(scheme, body, at=int(time.time()) + offset))
        assert "away from now" in assert_error(resp, 401)["message"]
    assert client.post(hook_url(wf), data=body, headers=signed(scheme, body, at=int(time.time()) - 30)).status_code == 202


def test_the_older_secret_param_still_verifies_our_scheme(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"secret": SECRETS["automateos"]}))
    body = b'{"a": 1}'
    assert client.post(hook_url(wf), data=body, headers=signed("automateos", body)).status_code == 202
    assert_error(client.post(hook_url(wf), data=body, headers=signed("automateos", body, secret="nope")), 401)


# --- retried deliveries: one run -------------------------------------------------------

@pytest.mark.parametrize("scheme", list(SECRETS))
def test_a_retried_delivery_starts_no_second_run(app, client, user, scheme):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"verify": {"scheme": scheme, "secret": SECRETS[scheme]}}))
    body = event_body(scheme, delivery="evt-7")
    first = client.post(hook_url(wf), data=body, headers=signed(scheme, body, delivery="evt-7"))
    time.sleep(1.1)  # a retry is signed anew (a new timestamp where the scheme has one)
    again = client.post(hook_url(wf), data=body, headers=signed(scheme, body, delivery="evt-7"))
    assert first.status_code == again.status_code == 202
    assert again.get_json()["log_id"] == first.get_json()["log_id"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    other = event_body(scheme, delivery="evt-8")
    assert client.post(hook_url(wf), data=other, headers=signed(scheme, other, delivery="evt-8")).get_json()["log_id"] \
        != first.get_json()["log_id"]
    assert run_count(app) == 2


def test_the_idempotency_header_is_configurable_and_scoped_to_the_workflow(app, client, user):
    params = {"idempotency": {"header": "X-Request-Id"}}
    a = user.create_workflow(webhook_flow(ECHO, hook_params=params))
    b = user.create_workflow(webhook_flow(ECHO, hook_params=params))
    ids = [client.post(hook_url(wf), json={}, headers={"X-Request-Id": "r-1"}).get_json()["log_id"] for wf in (a, a, b)]
    assert ids[0] == ids[1] != ids[2]
    # Idempotency-Key is not this webhook's header: two runs.
    assert client.post(hook_url(a), json={}, headers={"Idempotency-Key": "k"}).get_json()["log_id"] != \
        client.post(hook_url(a), json={}, headers={"Idempotency-Key": "k"}).get_json()["log_id"]
    # No id at all: never a duplicate.
    assert client.post(hook_url(a), json={}).get_json()["log_id"] != client.post(hook_url(a), json={}).get_json()["log_id"]


def test_a_delivery_id_outside_the_window_starts_a_new_run(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"idempotency": {"window_hours": 1}}))
    first = client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "k-1"}).get_json()["log_id"]
    assert client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "k-1"}).get_json()["log_id"] == first
    with app.app_context():  # the first delivery, 61 minutes ago
        db.session.execute(update(WebhookDelivery).values(received_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
        db.session.remove()
    later = client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "k-1"})
    assert later.get_json()["log_id"] != first and "Idempotent-Replayed" not in later.headers
    assert client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "k-1"}).get_json()["log_id"] == \
        later.get_json()["log_id"]


def test_a_long_delivery_id_is_kept_by_its_hash(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    key = "k" * 2000
    ids = [client.post(hook_url(wf), json={}, headers={"Idempotency-Key": key}).get_json()["log_id"] for _ in range(2)]
    other = client.post(hook_url(wf), json={}, headers={"Idempotency-Key": key + "x"}).get_json()["log_id"]
    assert ids[0] == ids[1] != other


def test_a_retry_of_a_when_finished_delivery_gets_the_first_result(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"respond": "when_finished"}))
    first = client.post(hook_url(wf), json={"n": 1}, headers={"Idempotency-Key": "w-1"})
    again = client.post(hook_url(wf), json={"n": 2}, headers={"Idempotency-Key": "w-1"})
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.get_json()["result"]["body"] == {"n": 1}
    assert run_count(app) == 1


@pytest.mark.parametrize("scheme", ["automateos", "github", "standard-webhooks"])
def test_twenty_concurrent_duplicates_make_one_run(app, user, scheme):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"verify": {"scheme": scheme, "secret": SECRETS[scheme]}}))
    body = event_body(scheme, delivery="same")
    headers = signed(scheme, body, delivery="same")
    start, answers = threading.Barrier(20), []

    def send() -> None:
        client = app.test_client()
        start.wait()
        resp = client.post(hook_url(wf), data=body, headers=headers)
        answers.append((resp.status_code, resp.get_json(), resp.headers.get("Idempotent-Replayed")))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20 and {code for code, _, _ in answers} == {202}, answers
    assert len({answer["log_id"] for _, answer, _ in answers}) == 1
    assert sorted(replayed or "" for _, _, replayed in answers) == [""] + ["true"] * 19
    assert run_count(app) == 1
    assert wait_for_log(app, user, answers[0][1]["log_id"])["status"] == "success"


# --- methods ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_each_allowed_method_carries_its_query_and_body(app, client, user, method):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"methods": [method]}))
    resp = client.open(hook_url(wf) + "?order=7&tag=a&tag=b", method=method, json={"n": 1})
    assert resp.status_code == 202, resp.get_json()
    result = wait_for_log(app, user, resp.get_json()["log_id"])["result"]
    assert result == {"body": {"n": 1}, "q": {"order": "7", "tag": ["a", "b"]}, "method": method}


def test_a_get_without_a_body_is_its_query(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"methods": ["GET"]}))
    resp = client.get(hook_url(wf) + "?code=abc")
    assert wait_for_log(app, user, resp.get_json()["log_id"])["result"] == {"body": {}, "q": {"code": "abc"}, "method": "GET"}


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_a_method_the_webhook_does_not_accept_is_405_with_allow(app, client, user, method):
    wf = user.create_workflow(webhook_flow(ECHO))
    resp = client.open(hook_url(wf), method=method, json={})
    assert resp.status_code == 405 and resp.headers["Allow"] == "POST"
    if method != "HEAD":  # a HEAD answer has no body
        assert_error(resp, 405)
    multi = user.create_workflow(webhook_flow(ECHO, hook_params={"methods": ["PUT", "POST"]}))
    assert client.open(hook_url(multi), method="DELETE").headers["Allow"] == "PUT, POST"
    assert run_count(app) == 0


def test_an_unknown_token_is_404_whatever_the_method(client):
    for method in ("GET", "POST", "DELETE"):
        assert_error(client.open("/api/hooks/not-a-token", method=method), 404)


def test_a_retry_after_its_run_was_deleted_starts_a_new_run(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    first = client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "gone"}).get_json()["log_id"]
    wait_for_log(app, user, first)
    with app.app_context():
        db.session.delete(db.session.get(ExecutionLog, first))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0  # went with its run
        db.session.remove()
    again = client.post(hook_url(wf), json={}, headers={"Idempotency-Key": "gone"})
    assert again.status_code == 202 and "Idempotent-Replayed" not in again.headers
    assert wait_for_log(app, user, again.get_json()["log_id"])["status"] == "success" and run_count(app) == 1


def test_purge_deletes_only_deliveries_past_every_window(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    for key in ("old", "new"):
        client.post(hook_url(wf), json={}, headers={"Idempotency-Key": key})
    with app.app_context():
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.delivery_id == "old")
                           .values(received_at=utcnow() - timedelta(hours=721)))
        db.session.commit()
        assert purge_deliveries() == 1
        assert db.session.scalars(select(WebhookDelivery.delivery_id)).all() == ["new"]
        db.session.remove()
