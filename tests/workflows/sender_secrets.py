"""Signing secrets of each scheme, shaped as each sender issues them (shared by the
signature unit tests and the end-to-end sender tests)."""
from __future__ import annotations

SECRETS = {
    "automateos": "shh-its-a-secret",
    "github": "It's a Secret to Everybody",
    "stripe": "whsec_test_5fQ2x8Yk0aZ1bC3dE4fG6hJ7",
    "slack": "8f742231b10e8888abcd99yyyzzz85a5",
    "shopify": "shpss_0123456789abcdef",
    "standard-webhooks": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}
