"""Webhook signatures: one verifier per sender's scheme, and each scheme's delivery id.

Every verifier works on the raw body bytes exactly as received, compares digests in
constant time (``hmac.compare_digest`` on bytes), and refuses a timestamped delivery whose
timestamp is further than the tolerance from now, in either direction (a replay, or a
clock that cannot be trusted). A refusal raises :class:`SignatureRefused` with a reason
fit to show the caller: it names the header and what is wrong, never the secret or the
expected signature.

Schemes (the sender's documentation is the reference for each):

- ``automateos``: ``X-AutomateOS-Signature: sha256=<hex HMAC-SHA256(body)>``.
- ``github``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>``.
- ``stripe``: ``Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...]`` over ``"<ts>.<body>"``;
  the ``whsec_...`` secret is the HMAC key as written (Stripe does not decode it).
- ``slack``: ``X-Slack-Signature: v0=<hex>`` over ``"v0:<ts>:<body>"``, the timestamp in
  ``X-Slack-Request-Timestamp``.
- ``shopify``: ``X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(body)>``.
- ``standard-webhooks``: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature:
  v1,<base64> [v1,<base64>...]`` over ``"<id>.<ts>.<body>"``, keyed by the base64-decoded
  secret (``whsec_`` prefix optional); Svix's ``svix-*`` headers are read the same way.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..nodes.builtin.triggers import decode_standard_webhooks_secret

DEFAULT_TOLERANCE_SECONDS = 300
DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key"
# Unix seconds as digits; 12 digits reach the year 33658, more is never a real timestamp.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

Headers = Mapping[str, str]


class SignatureRefused(Exception):
    """The delivery is not signed as its scheme requires; ``str(exc)`` says why."""


class BadSecret(ValueError):
    """A secret that cannot be a key of its scheme (e.g. not base64 for Standard Webhooks)."""


@dataclass(frozen=True)
class Scheme:
    """How one sender signs its deliveries.

    Parameters:
      name: the scheme's name in the webhook node's ``verify.scheme``.
      signature_header: the header that carries the signature (kept out of the payload).
      check: ``check(secret, headers, body, tolerance_seconds, now)``; raises
        :class:`SignatureRefused`. ``headers`` has lower-case names.
      own_id: the sender's own delivery id from ``(headers, body)``, or None.
    """

    name: str
    signature_header: str
    check: Callable[[str, Headers, bytes, int, float], None]
    own_id: Callable[[Headers, bytes], str | None]


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _header(headers: Headers, name: str) -> str:
    """The value of ``name``, or a refusal saying it is missing."""
    value = headers.get(name.lower())
    if value is None or not value.strip():
        raise SignatureRefused(f"Missing {name} header.")
    return value.strip()


def _hex(value: str, header: str) -> bytes:
    if not _HEX_SHA256.fullmatch(value):
        raise SignatureRefused(f"Malformed {header} header.")
    return bytes.fromhex(value)


def _base64(value: str, header: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRefused(f"Malformed {header} header.") from None


def _matches(expected: bytes, given: list[bytes], header: str) -> None:
    # Every candidate is compared (no early exit on the first), each in constant time.
    if not any([hmac.compare_digest(expected, candidate) for candidate in given]):
        raise SignatureRefused(f"{header} does not match the body.")


def _timestamp(value: str, header: str, tolerance_seconds: int, now: float) -> int:
    """``value`` as Unix seconds, refused when malformed or outside the tolerance."""
    if not _TIMESTAMP.fullmatch(value):
        raise SignatureRefused(f"Malformed {header} header.")
    stamp = int(value)
    if abs(now - stamp) > tolerance_seconds:
        raise SignatureRefused(f"{header} is more than {tolerance_seconds} s away from now (replayed or clock skew).")
    return stamp


def _sha256_prefixed(header: str) -> Callable[[str, Headers, bytes, int, float], None]:
    """The check of ``<header>: sha256=<hex>`` over the body alone (ours, GitHub's)."""

    def check(secret: str, headers: Headers, body: bytes, tolerance_seconds: int, now: float) -> None:
        value = _header(headers, header)
        if not value.startswith("sha256="):
            raise SignatureRefused(f"Malformed {header} header: expected sha256=<hex>.")
        _matches(_hmac(secret.encode(), body), [_hex(value.removeprefix("sha256=").strip(), header)], header)

    return check


def _check_stripe(secret: str, headers: Headers, body: bytes, tolerance_seconds: int, now: float) -> None:
    name = "Stripe-Signature"
    stamp, signatures = None, []
    for item in _header(headers, name).split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureRefused(f"Malformed {name} header.")
        if key == "t" and stamp is None:
            stamp = value
        elif key == "v1":  # v0 is Stripe's test-mode scheme, never a valid live signature
            signatures.append(_hex(value, name))
    if stamp is None:
        raise SignatureRefused(f"Malformed {name} header: no t=<timestamp>.")
    if not signatures:
        raise SignatureRefused(f"Malformed {name} header: no v1 signature.")
    signed_at = _timestamp(stamp, f"{name} timestamp", tolerance_seconds, now)
    # Stripe signs the timestamp as its integer form ("%d"), whatever zeros were sent.
    _matches(_hmac(secret.encode(), b"%d." % signed_at + body), signatures, name)


def _check_slack(secret: str, headers: Headers, body: bytes, tolerance_seconds: int, now: float) -> None:
    name, stamp_name = "X-Slack-Signature", "X-Slack-Request-Timestamp"
    value = _header(headers, name)
    stamp = _header(headers, stamp_name)
    if not value.startswith("v0="):
        raise SignatureRefused(f"Malformed {name} header: expected v0=<hex>.")
    given = _hex(value.removeprefix("v0="), name)
    _timestamp(stamp, stamp_name, tolerance_seconds, now)
    _matches(_hmac(secret.encode(), b"v0:" + stamp.encode() + b":" + body), [given], name)


def _check_shopify(secret: str, headers: Headers, body: bytes, tolerance_seconds: int, now: float) -> None:
    name = "X-Shopify-Hmac-Sha256"
    _matches(_hmac(secret.encode(), body), [_base64(_header(headers, name), name)], name)


def standard_webhooks_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: base64 after an optional ``whsec_``.

    Raises :class:`BadSecret` when it is not base64 or decodes to nothing.
    """
    key = decode_standard_webhooks_secret(secret)
    if key is None:
        raise BadSecret("A Standard Webhooks secret is base64, optionally after whsec_.")
    if not key:
        raise BadSecret("A Standard Webhooks secret may not be empty.")
    return key


def _standard_header(headers: Headers, suffix: str) -> str:
    """``webhook-<suffix>``, or Svix's ``svix-<suffix>`` when only that one was sent."""
    if headers.get(f"webhook-{suffix}") is None and headers.get(f"svix-{suffix}") is not None:
        return _header(headers, f"svix-{suffix}")
    return _header(headers, f"webhook-{suffix}")


def _check_standard(secret: str, headers: Headers, body: bytes, tolerance_seconds: int, now: float) -> None:
    name = "webhook-signature"
    msg_id = _standard_header(headers, "id")
    stamp = _standard_header(headers, "timestamp")
    value = _standard_header(headers, "signature")
    signatures = []
    for item in value.split():
        version, sep, encoded = item.partition(",")
        if not sep:
            raise SignatureRefused(f"Malformed {name} header: expected v1,<base64>.")
        if version == "v1":  # v1a (asymmetric) and later versions are not ours to check
            signatures.append(_base64(encoded, name))
    if not signatures:
        raise SignatureRefused(f"Malformed {name} header: no v1 signature.")
    signed_at = _timestamp(stamp, "webhook-timestamp", tolerance_seconds, now)
    try:
        key = standard_webhooks_key(secret)
    except BadSecret as exc:  # saving refuses such a secret; an old definition may hold one
        raise SignatureRefused(f"The webhook's secret is unusable: {exc}") from None
    _matches(_hmac(key, msg_id.encode() + b".%d." % signed_at + body), signatures, name)


def _no_id(headers: Headers, body: bytes) -> str | None:
    return None


def _header_id(name: str) -> Callable[[Headers, bytes], str | None]:
    def own_id(headers: Headers, body: bytes) -> str | None:
        value = headers.get(name.lower(), "").strip()
        return value or None

    return own_id


def _json_field(field: str) -> Callable[[Headers, bytes], str | None]:
    """The delivery id in a top-level string field of a JSON body (Stripe's event ``id``)."""

    def own_id(headers: Headers, body: bytes) -> str | None:
        try:
            value: Any = json.loads(body)
        except ValueError:  # also UnicodeDecodeError: not JSON, so no id in it
            return None
        found = value.get(field) if isinstance(value, dict) else None
        return found if isinstance(found, str) and found.strip() else None

    return own_id


def _standard_id(headers: Headers, body: bytes) -> str | None:
    value = (headers.get("webhook-id") or headers.get("svix-id") or "").strip()
    return value or None


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme("automateos", "X-AutomateOS-Signature", _sha256_prefixed("X-AutomateOS-Signature"), _no_id),
        Scheme("github", "X-Hub-Signature-256", _sha256_prefixed("X-Hub-Signature-256"), _header_id("X-GitHub-Delivery")),
        Scheme("stripe", "Stripe-Signature", _check_stripe, _json_field("id")),
        # Slack's Events API retries with the same event_id; commands and actions carry none.
        Scheme("slack", "X-Slack-Signature", _check_slack, _json_field("event_id")),
        Scheme("shopify", "X-Shopify-Hmac-Sha256", _check_shopify, _header_id("X-Shopify-Event-Id")),
        Scheme("standard-webhooks", "webhook-signature", _check_standard, _standard_id),
    )
}


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify(
    scheme: str,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Check that ``body`` with ``headers`` is signed with ``secret`` the way ``scheme`` signs.

    Raises :class:`SignatureRefused` (with a reason that holds no secret) when it is not,
    and ``KeyError`` for an unknown scheme (saving a workflow refuses those).
    """
    SCHEMES[scheme].check(secret, _lower(headers), body, tolerance_seconds, time.time() if now is None else now)


def delivery_id(
    scheme: str | None,
    headers: Mapping[str, str],
    body: bytes,
    fallback_header: str = DEFAULT_IDEMPOTENCY_HEADER,
) -> str | None:
    """The id that makes a retried delivery recognisable: the scheme's own (GitHub's
    ``X-GitHub-Delivery``, Stripe's event id, ``webhook-id``, ...) when the delivery has
    one, else the value of ``fallback_header``; None when there is neither."""
    lowered = _lower(headers)
    own = SCHEMES[scheme].own_id(lowered, body) if scheme else None
    if own:
        return own
    value = lowered.get(fallback_header.lower(), "").strip()
    return value or None
