"""The app's keyring, built once from its settings when the app starts.

Settings (config.py reads them from the environment):
  ENCRYPTION_KEY       AUTOMATEOS_ENCRYPTION_KEY: seals every write. Unset: production
                       refuses to start; elsewhere a key derived from SECRET_KEY, with a
                       warning.
  ENCRYPTION_KEY_NEW   AUTOMATEOS_ENCRYPTION_KEY_NEW: the key a rotation moves to; also
                       accepted for reading, so rows a rotation already moved stay readable.
  ENCRYPTION_KEYS_OLD  AUTOMATEOS_ENCRYPTION_KEYS_OLD (comma-separated): retired keys still
                       accepted for reading until a rotation has moved every row off them.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app

from .crypto import CryptoError, Keyring, derive_development_key

EXTENSION = "automateos.credentials.keyring"

logger = logging.getLogger(__name__)


def _key_list(value: Any) -> tuple[str, ...]:
    """Keys from a setting: a comma-separated string or a sequence; blanks dropped."""
    items = value.split(",") if isinstance(value, str) else (value or ())
    return tuple(k.strip() for k in items if isinstance(k, str) and k.strip())


def keyring_problem(config: dict[str, Any]) -> str | None:
    """Why these settings cannot run in production, or None (config.py's check can call it)."""
    if not config.get("ENCRYPTION_KEY"):
        return "AUTOMATEOS_ENCRYPTION_KEY must be set (flask credentials generate-key)"
    try:
        build_keyring(config)
    except CryptoError as exc:
        return f"AUTOMATEOS_ENCRYPTION_KEY*: {exc}"
    return None


def build_keyring(config: dict[str, Any]) -> Keyring:
    """The keyring of these settings; CryptoError for a malformed key."""
    primary = config.get("ENCRYPTION_KEY") or derive_development_key(config["SECRET_KEY"])
    return Keyring.from_settings(primary, (*_key_list(config.get("ENCRYPTION_KEY_NEW")),
                                           *_key_list(config.get("ENCRYPTION_KEYS_OLD"))))


def init_app(app: Flask) -> None:
    """Build the app's keyring; RuntimeError for a malformed key, and in production
    without AUTOMATEOS_ENCRYPTION_KEY."""
    try:
        ring = build_keyring(app.config)
    except CryptoError as exc:
        raise RuntimeError(f"credentials: AUTOMATEOS_ENCRYPTION_KEY*: {exc}") from None
    if not app.config.get("ENCRYPTION_KEY"):
        if app.config.get("ENV_NAME") == "production":
            raise RuntimeError(f"credentials: {keyring_problem(app.config)}")
        logger.warning("AUTOMATEOS_ENCRYPTION_KEY is not set: credentials are sealed with a key derived "
                       "from SECRET_KEY (development only; production refuses to start without one)")
    app.extensions[EXTENSION] = ring


def current_keyring() -> Keyring:
    """The keyring of the current app."""
    return current_app.extensions[EXTENSION]
