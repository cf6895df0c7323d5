"""Fixtures of the credentials tests: an app with the credentials API, its types, keys.

Until ``create_app`` wires the credentials package in, ``app`` here is a second app on
the suite's database with ``credentials.init_app`` applied (Flask allows no blueprint on
an app that has served requests); once wired, it is the suite's app itself.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, fields, validate
from sqlalchemy import text

from automateos import create_app, credentials
from automateos.credentials import keys
from automateos.credentials.crypto import generate_key
from automateos.credentials.types import CredentialType, registry
from automateos.extensions import db
from automateos.nodes.registry import clear_cache
from config import TestConfig

SUITE_KEY = generate_key()
# A folder laid out as site-packages: a plugin module and its *.dist-info folders.
PLUGIN_DIST = Path(__file__).parent / "dist"


@pytest.fixture(scope="session")
def app(app: Flask) -> Flask:
    """The app under test, with the credentials API and a known encryption key."""
    if "credentials" in app.blueprints:
        app.config["ENCRYPTION_KEY"] = SUITE_KEY
        keys.init_app(app)
        return app

    class CredentialsConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        ENCRYPTION_KEY = SUITE_KEY

    other = create_app(CredentialsConfig)
    credentials.init_app(other)
    return other


class AcmeFields(Schema):
    """A type with a secret, a non-secret and a typed field."""

    account = fields.String(required=True, validate=validate.Length(min=1, max=100))
    api_key = fields.String(required=True, validate=validate.Length(min=8))
    region = fields.String(load_default="eu", validate=validate.OneOf(("eu", "us")))
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    expires = fields.Date()


class AcmeKey(CredentialType):
    """An Acme API key (test type, registered in-process)."""

    name = "acme_test"
    display_name = "Acme (test)"
    fields_schema = AcmeFields
    secret_fields = ("api_key",)


@pytest.fixture(scope="session", autouse=True)
def credential_types() -> Iterator[None]:
    """A test type (the built-in ones come through setup.cfg's entry points)."""
    registry.register(AcmeKey)
    yield
    registry.unregister(AcmeKey.name)


@pytest.fixture(autouse=True)
def no_credentials_left(app: Flask) -> Iterator[None]:
    """Users are deleted after each test (their credentials cascade); this also holds on
    a database where the cascade did not run."""
    yield
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM credentials"))
        db.session.remove()


@contextmanager
def keyring(app: Flask, **settings: Any) -> Iterator[None]:
    """The app's keyring built from these settings for the block, then restored."""
    names = ("ENCRYPTION_KEY", "ENCRYPTION_KEY_NEW", "ENCRYPTION_KEYS_OLD")
    saved = {name: app.config.get(name) for name in names}
    app.config.update({name: settings.get(name) for name in names})
    keys.init_app(app)
    try:
        yield
    finally:
        app.config.update(saved)
        keys.init_app(app)


ACME_DATA = {"account": "acme-corp", "api_key": "sk_live_7f3a9c2e1b8d4f60", "port": 8443}
ACME_SECRET = ACME_DATA["api_key"]


def make_credential(user, name: str = "acme", data: dict | None = None, type_: str = "acme_test") -> dict:
    """Create a credential through the API; returns its JSON."""
    resp = user.post("/api/credentials", {"name": name, "type": type_, "data": data or ACME_DATA})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _rescan() -> None:
    importlib.invalidate_caches()
    clear_cache()
    registry.discover()


@contextmanager
def plugin_installed() -> Iterator[None]:
    """The test distributions in dist/ installed (on sys.path) for the block: a credential
    type ``acme_dist``, a node ``acme_send`` that uses it, and broken declarations."""
    sys.path.insert(0, str(PLUGIN_DIST))
    _rescan()
    try:
        yield
    finally:
        sys.path.remove(str(PLUGIN_DIST))
        sys.modules.pop("automateos_cred_testplugin", None)
        _rescan()


@pytest.fixture
def installed_plugin() -> Iterator[None]:
    """The test distributions installed for the whole test."""
    with plugin_installed():
        yield
