"""Webhook signature schemes, checked against what the senders themselves publish and ship.

Each scheme is verified against the sender's published example where there is one
(GitHub, Slack, Standard Webhooks) and against deliveries signed by the sender's own
library (``stripe``, ``slack_sdk``, ``standardwebhooks``); our verdict is compared with the
library's on the same deliveries. Shopify publishes no test vector and ships no Python
verifier, so its deliveries are signed here with ``hmac`` and ``base64`` as its docs say.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
import standardwebhooks
import stripe
from slack_sdk.signature import SignatureVerifier

from automateos.nodes.builtin.triggers import SIGNATURE_SCHEMES
from automateos.workflows.signatures import (
    SCHEMES,
    BadSecret,
    SignatureRefused,
    delivery_id,
    standard_webhooks_key,
    verify,
)
from tests.workflows.sender_secrets import SECRETS

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z: every test runs at a fixed "now"
WRONG_SECRETS = {
    "automateos": "not-the-secret",
    "github": "It's a Secret to Nobody",
    "stripe": "whsec_test_other",
    "slack": "00000000000000000000000000000000",
    "shopify": "shpss_other",
    "standard-webhooks": "whsec_" + base64.b64encode(b"another key of 24 bytes!").decode(),
}
BODY = b'{"id": "evt_1NqXyZ2eZvKYlo2C", "event_id": "Ev0PV52K21", "type": "ping", "amount": 3}'


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- each sender's signer: its own library where it ships one --------------------------

def sign_automateos(secret: str, body: bytes, at: int) -> dict[str, str]:
    return {"X-AutomateOS-Signature": "sha256=" + hex_hmac(secret, body)}


def sign_github(secret: str, body: bytes, at: int) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hex_hmac(secret, body), "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}


def sign_stripe(secret: str, body: bytes, at: int) -> dict[str, str]:
    return {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=at)}


def sign_slack(secret: str, body: bytes, at: int) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(at), body=body)
    return {"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": str(at)}


def sign_shopify(secret: str, body: bytes, at: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(), "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5"}


def sign_standard(secret: str, body: bytes, at: int) -> dict[str, str]:
    msg_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    signature = standardwebhooks.Webhook(secret).sign(msg_id, datetime.fromtimestamp(at, tz=timezone.utc), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(at), "webhook-signature": signature}


SIGNERS: dict[str, Callable[[str, bytes, int], dict[str, str]]] = {
    "automateos": sign_automateos,
    "github": sign_github,
    "stripe": sign_stripe,
    "slack": sign_slack,
    "shopify": sign_shopify,
    "standard-webhooks": sign_standard,
}
TIMESTAMPED = ("stripe", "slack", "standard-webhooks")
TIMESTAMP_HEADERS = {"stripe": None, "slack": "X-Slack-Request-Timestamp", "standard-webhooks": "webhook-timestamp"}


def refusal(scheme: str, secret: str, headers: dict[str, str], body: bytes, **kwargs) -> str | None:
    """Why ``verify`` refuses the delivery, or None when it accepts it."""
    try:
        verify(scheme, secret, headers, body, now=kwargs.pop("now", NOW), **kwargs)
    except SignatureRefused as exc:
        return str(exc)
    return None


def test_the_node_offers_exactly_the_schemes_we_verify():
    assert set(SIGNATURE_SCHEMES) == set(SCHEMES)


# --- published values ------------------------------------------------------------------

def test_github_published_example():
    # docs.github.com, "Validating webhook deliveries": secret, payload, expected signature.
    headers = {"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}
    assert refusal("github", "It's a Secret to Everybody", headers, b"Hello, World!") is None
    assert refusal("github", "It's a Secret to Everybody", headers, b"Hello, World?") is not None


SLACK_DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_DOC_HEADERS = {
    "X-Slack-Request-Timestamp": "1531420618",
    "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
}


def test_slack_published_example():
    # api.slack.com/authentication/verifying-requests-from-slack: the worked example.
    assert refusal("slack", "8f742231b10e8888abcd99yyyzzz85a5", SLACK_DOC_HEADERS, SLACK_DOC_BODY, now=1531420618 + 30) is None
    # The same delivery a day later is a replay.
    assert "away from now" in refusal("slack", "8f742231b10e8888abcd99yyyzzz85a5", SLACK_DOC_HEADERS, SLACK_DOC_BODY,
                                      now=1531420618 + 86400)


STANDARD_DOC = {  # the Standard Webhooks reference libraries' test vector
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "headers": {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
                "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    "body": b'{"test": 2432232314}',
}


def test_standard_webhooks_published_example():
    secret, headers, body = STANDARD_DOC["secret"], STANDARD_DOC["headers"], STANDARD_DOC["body"]
    assert refusal("standard-webhooks", secret, headers, body, now=1614265330) is None
    # The secret without its prefix is the same key; several signatures, one of them good.
    assert refusal("standard-webhooks", secret.removeprefix("whsec_"), headers, body, now=1614265330) is None
    several = {**headers, "webhook-signature": "v1,bm9wZQ== v1a,ignored " + headers["webhook-signature"]}
    assert refusal("standard-webhooks", secret, several, body, now=1614265330) is None


def test_svix_headers_are_read_as_standard_webhooks():
    svix = {name.replace("webhook-", "svix-"): value for name, value in STANDARD_DOC["headers"].items()}
    assert refusal("standard-webhooks", STANDARD_DOC["secret"], svix, STANDARD_DOC["body"], now=1614265330) is None
    assert delivery_id("standard-webhooks", svix, STANDARD_DOC["body"]) == "msg_p5jXN8AQM9LWM0D4loKWxJek"


# --- every scheme: valid, tampered, wrong secret, missing header, malformed -----------

@pytest.mark.parametrize("scheme", list(SIGNERS))
def test_signed_by_the_sender_is_accepted(scheme):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    assert refusal(scheme, SECRETS[scheme], headers, BODY) is None
    # Header names are case-insensitive, as HTTP says.
    assert refusal(scheme, SECRETS[scheme], {k.upper(): v for k, v in headers.items()}, BODY) is None


@pytest.mark.parametrize("scheme", list(SIGNERS))
def test_tampered_body_is_refused(scheme):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    for tampered in (BODY.replace(b"3", b"4"), BODY + b"\n", BODY[:-1], b""):
        reason = refusal(scheme, SECRETS[scheme], headers, tampered)
        assert reason is not None and "does not match" in reason


@pytest.mark.parametrize("scheme", list(SIGNERS))
def test_wrong_secret_is_refused(scheme):
    headers = SIGNERS[scheme](WRONG_SECRETS[scheme], BODY, NOW)
    reason = refusal(scheme, SECRETS[scheme], headers, BODY)
    assert reason is not None and "does not match" in reason


@pytest.mark.parametrize("scheme", list(SIGNERS))
def test_missing_signature_header_is_refused(scheme):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    name = SCHEMES[scheme].signature_header
    without = {k: v for k, v in headers.items() if k.lower() != name.lower()}
    assert refusal(scheme, SECRETS[scheme], without, BODY) == f"Missing {name} header."
    assert refusal(scheme, SECRETS[scheme], {**without, name: "  "}, BODY) == f"Missing {name} header."
    assert refusal(scheme, SECRETS[scheme], {}, BODY).startswith("Missing ")


MALFORMED = {
    "automateos": ["md5=abc", "sha256=", "sha256=zz" + "0" * 62, "sha256=" + "0" * 63, "757107ea0eb2509fc211221cce984b8a"],
    "github": ["sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0", "sha256=nothex", "sha256=" + "a" * 65],
    "stripe": ["v1=" + "a" * 64, "t=abc,v1=" + "a" * 64, "t=1767225600", "t=1767225600,v1=nothex",
               "t=1767225600,v0=" + "a" * 64, "garbage", "t=1767225600,,v1=" + "a" * 64],
    "slack": ["a" * 64, "v1=" + "a" * 64, "v0=short", "v0=" + "g" * 64],
    "shopify": ["not base64!", "abc", "====" ],
    "standard-webhooks": ["g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,***", "v2,abcd", "v1a,abcd"],
}


@pytest.mark.parametrize(("scheme", "value"), [(s, v) for s, values in MALFORMED.items() for v in values])
def test_malformed_signature_header_is_refused(scheme, value):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    headers[SCHEMES[scheme].signature_header] = value
    reason = refusal(scheme, SECRETS[scheme], headers, BODY)
    assert reason is not None and ("Malformed" in reason or "does not match" in reason)


@pytest.mark.parametrize("scheme", list(SIGNERS))
def test_a_refusal_never_holds_the_secret_or_the_expected_signature(scheme):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    reasons = [refusal(scheme, SECRETS[scheme], headers, BODY + b"x"),
               refusal(scheme, SECRETS[scheme], {}, BODY),
               refusal(scheme, SECRETS[scheme], {k: v + "," for k, v in headers.items()}, BODY)]
    expected = set(headers.values())
    for reason in reasons:
        assert reason and SECRETS[scheme] not in reason
        assert not any(value in reason for value in expected if len(value) > 20)


# --- timestamps: stale, future, malformed ----------------------------------------------

@pytest.mark.parametrize("scheme", TIMESTAMPED)
@pytest.mark.parametrize("offset", [-301, 301, -86_400, 10 * 365 * 86_400])
def test_timestamp_outside_the_tolerance_is_refused(scheme, offset):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW + offset)
    reason = refusal(scheme, SECRETS[scheme], headers, BODY)
    assert reason is not None and "away from now" in reason


@pytest.mark.parametrize("scheme", TIMESTAMPED)
@pytest.mark.parametrize("offset", [-300, -120, 0, 120, 300])
def test_timestamp_within_the_tolerance_is_accepted(scheme, offset):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW + offset)
    assert refusal(scheme, SECRETS[scheme], headers, BODY) is None


@pytest.mark.parametrize("scheme", TIMESTAMPED)
def test_the_tolerance_is_configurable(scheme):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW - 90)
    assert refusal(scheme, SECRETS[scheme], headers, BODY, tolerance_seconds=60) is not None
    assert refusal(scheme, SECRETS[scheme], headers, BODY, tolerance_seconds=120) is None


@pytest.mark.parametrize("scheme", ("slack", "standard-webhooks"))
@pytest.mark.parametrize("stamp", ["", "abc", "-5", "1.5", "1e9", "9" * 40, " 1767225600x"])
def test_malformed_timestamp_header_is_refused(scheme, stamp):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW)
    headers[TIMESTAMP_HEADERS[scheme]] = stamp
    assert refusal(scheme, SECRETS[scheme], headers, BODY) is not None


def test_a_replayed_timestamp_cannot_be_moved_forward():
    """Changing Stripe's t= (or Slack's timestamp header) to look fresh breaks the signature."""
    old = sign_stripe(SECRETS["stripe"], BODY, NOW - 3600)["Stripe-Signature"]
    fresh = old.replace(f"t={NOW - 3600}", f"t={NOW}")
    assert "does not match" in refusal("stripe", SECRETS["stripe"], {"Stripe-Signature": fresh}, BODY)
    slack = sign_slack(SECRETS["slack"], BODY, NOW - 3600) | {"X-Slack-Request-Timestamp": str(NOW)}
    assert "does not match" in refusal("slack", SECRETS["slack"], slack, BODY)


def test_stripe_accepts_any_of_several_v1_signatures():
    good = sign_stripe(SECRETS["stripe"], BODY, NOW)["Stripe-Signature"]
    stamp, v1 = good.split(",")
    header = f"{stamp},v1={'0' * 64},{v1},v0={'1' * 64}"
    assert refusal("stripe", SECRETS["stripe"], {"Stripe-Signature": header}, BODY) is None
    # A rolled secret: Stripe signs with the old and the new one during the overlap.
    old = sign_stripe("whsec_old", BODY, NOW)["Stripe-Signature"].split(",")[1]
    assert refusal("stripe", SECRETS["stripe"], {"Stripe-Signature": f"{stamp},{old},{v1}"}, BODY) is None


def test_standard_webhooks_id_is_signed():
    headers = sign_standard(SECRETS["standard-webhooks"], BODY, NOW) | {"webhook-id": "msg_other"}
    assert "does not match" in refusal("standard-webhooks", SECRETS["standard-webhooks"], headers, BODY)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp"])
def test_standard_webhooks_needs_id_and_timestamp(missing):
    headers = sign_standard(SECRETS["standard-webhooks"], BODY, NOW)
    del headers[missing]
    assert refusal("standard-webhooks", SECRETS["standard-webhooks"], headers, BODY) == f"Missing {missing} header."


def test_slack_needs_its_timestamp_header():
    headers = sign_slack(SECRETS["slack"], BODY, NOW)
    del headers["X-Slack-Request-Timestamp"]
    assert refusal("slack", SECRETS["slack"], headers, BODY) == "Missing X-Slack-Request-Timestamp header."


@pytest.mark.parametrize("secret", ["whsec_", "whsec_not base64!", "***", ""])
def test_unusable_standard_webhooks_secret(secret):
    with pytest.raises(BadSecret):
        standard_webhooks_key(secret)
    headers = sign_standard(SECRETS["standard-webhooks"], BODY, NOW)
    assert "unusable" in refusal("standard-webhooks", secret, headers, BODY)


def test_unpadded_standard_webhooks_secret_is_the_same_key():
    key = base64.b64encode(b"sixteen byte key").decode()
    assert key.endswith("=") and standard_webhooks_key(key.rstrip("=")) == b"sixteen byte key"


# --- our verdict is the sender's library's verdict -------------------------------------

class FixedClock:
    """slack_sdk's clock, stopped at a given time."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


def library_accepts(scheme: str, secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """The sender's own library's verdict on a delivery (at ``now``: Slack's library only;
    Stripe's and Standard Webhooks' read the real clock)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if scheme == "stripe":
        try:
            stripe.WebhookSignature.verify_header(body, lowered.get("stripe-signature"), secret, tolerance=300)
            return True
        except stripe.SignatureVerificationError:
            return False
    if scheme == "slack":
        verifier = SignatureVerifier(secret, clock=FixedClock(time.time() if now is None else now))
        return verifier.is_valid(body, lowered.get("x-slack-request-timestamp"), lowered.get("x-slack-signature"))
    if scheme == "standard-webhooks":
        try:
            standardwebhooks.Webhook(secret).verify(body, lowered, json_parse=False)
            return True
        except standardwebhooks.WebhookVerificationError:
            return False
    raise AssertionError(scheme)


def deliveries(scheme: str, now: int) -> list[tuple[str, dict[str, str], bytes]]:
    """(case, headers, body): good ones, forged ones, old ones."""
    secret, sign = SECRETS[scheme], SIGNERS[scheme]
    return [
        ("valid", sign(secret, BODY, now), BODY),
        ("valid, other body", sign(secret, b"hello", now - 10), b"hello"),
        ("tampered", sign(secret, BODY, now), BODY + b" "),
        ("wrong secret", sign(WRONG_SECRETS[scheme], BODY, now), BODY),
        ("stale", sign(secret, BODY, now - 400), BODY),
        ("missing", {}, BODY),
    ]


@pytest.mark.parametrize("scheme", TIMESTAMPED)
def test_our_verdict_is_the_libraries_verdict(scheme):
    now = int(time.time())  # the libraries read the real clock
    for case, headers, body in deliveries(scheme, now):
        ours = refusal(scheme, SECRETS[scheme], headers, body, now=now) is None
        theirs = library_accepts(scheme, SECRETS[scheme], headers, body, now)
        assert ours == theirs == case.startswith("valid"), case


def test_stripe_constructs_the_event_we_accept():
    now = int(time.time())
    headers = sign_stripe(SECRETS["stripe"], BODY, now)
    assert refusal("stripe", SECRETS["stripe"], headers, BODY, now=now) is None
    event = stripe.Webhook.construct_event(BODY, headers["Stripe-Signature"], SECRETS["stripe"])
    assert event["id"] == delivery_id("stripe", headers, BODY) == "evt_1NqXyZ2eZvKYlo2C"


def test_the_libraries_accept_the_published_examples_we_accept():
    """The examples checked above, run through the senders' libraries too."""
    assert library_accepts("slack", "8f742231b10e8888abcd99yyyzzz85a5", SLACK_DOC_HEADERS, SLACK_DOC_BODY, 1531420618)
    assert standardwebhooks.Webhook(STANDARD_DOC["secret"]).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", datetime.fromtimestamp(1614265330, tz=timezone.utc), '{"test": 2432232314}',
    ) == STANDARD_DOC["headers"]["webhook-signature"]


# --- delivery ids ----------------------------------------------------------------------

@pytest.mark.parametrize(("scheme", "expected"), [
    ("github", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ("stripe", "evt_1NqXyZ2eZvKYlo2C"),
    ("slack", "Ev0PV52K21"),
    ("shopify", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
    ("standard-webhooks", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
])
def test_each_scheme_reads_its_own_delivery_id(scheme, expected):
    headers = SIGNERS[scheme](SECRETS[scheme], BODY, NOW) | {"Idempotency-Key": "ignored"}
    assert delivery_id(scheme, headers, BODY) == expected


@pytest.mark.parametrize("scheme", [None, "automateos", "slack", "shopify", "stripe", "github"])
def test_without_an_id_of_its_own_the_configured_header_is_used(scheme):
    form = b"command=%2Fdeploy&text=now"  # a Slack slash command: no event_id
    assert delivery_id(scheme, {"idempotency-key": " key-1 "}, form) == "key-1"
    assert delivery_id(scheme, {"X-Request-Id": "r-9"}, form, fallback_header="x-request-id") == "r-9"
    assert delivery_id(scheme, {"X-Other": "x"}, form) is None


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"id": 5}', b'{"id": ""}', b"\xff\xfe"])
def test_stripe_id_only_from_a_json_object_with_a_text_id(body):
    assert delivery_id("stripe", {}, body) is None


def test_stripe_signed_payload_matches_the_libraries_bytes():
    """Non-ASCII bodies: Stripe signs the UTF-8 text, we sign the raw bytes; they agree."""
    body = json.dumps({"id": "evt_1", "name": "Zoë ✓"}, ensure_ascii=False).encode()
    now = int(time.time())
    headers = sign_stripe(SECRETS["stripe"], body, now)
    assert refusal("stripe", SECRETS["stripe"], headers, body, now=now) is None
    assert library_accepts("stripe", SECRETS["stripe"], headers, body)
