"""Secrets never stored: values under sensitive names are replaced before a run is recorded.

A run's payload is kept three times (the run, the trigger step's output, the next step's
input), so a credential sent to a webhook would sit in clear in the history. Names are
compared case-insensitively and without ``-`` or ``_``: ``X-Api-Key``, ``x_api_key`` and
``xApiKey`` are one name. Applied to webhook headers, query and body (at any depth), and
to the payloads of manual runs and re-runs.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app

REDACTED = "[redacted]"


def normalise(name: str) -> str:
    """The form names are compared in: lower case, without ``-`` and ``_``."""
    return name.lower().replace("-", "").replace("_", "")


class Redactor:
    """Replaces the values of the given names (keys of any object, at any depth)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(normalise(n) for n in names if n.strip())

    def is_secret(self, name: Any) -> bool:
        """True when a value under ``name`` must not be stored."""
        return isinstance(name, str) and normalise(name) in self.names

    def redact(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` with every secret's value replaced by ``[redacted]``."""
        if isinstance(value, dict):
            return {k: REDACTED if self.is_secret(k) else self.redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        return value


def current_redactor() -> Redactor:
    """The redactor of the app's ``REDACT_NAMES`` (config.py holds the defaults)."""
    names = tuple(current_app.config["REDACT_NAMES"])
    cached = current_app.extensions.get("automateos.redactor")
    if cached is None or cached[0] != names:  # config may change between tests
        cached = (names, Redactor(names))
        current_app.extensions["automateos.redactor"] = cached
    return cached[1]


def redact(value: Any) -> Any:
    """``value`` with the values of the app's ``REDACT_NAMES`` replaced by ``[redacted]``."""
    return current_redactor().redact(value)
