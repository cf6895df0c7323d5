"""Which key the app uses: production refuses to start without one."""
from __future__ import annotations

import logging

import pytest
from flask import Flask

from automateos.credentials import keys
from automateos.credentials.crypto import derive_development_key, generate_key, key_id, parse_key


def bare_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": "s" * 40, **config})
    return app


def test_production_refuses_to_start_without_a_key():
    with pytest.raises(RuntimeError, match="AUTOMATEOS_ENCRYPTION_KEY must be set"):
        keys.init_app(bare_app(ENV_NAME="production"))


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_malformed_key_is_refused_everywhere(env):
    with pytest.raises(RuntimeError, match="32 bytes"):
        keys.init_app(bare_app(ENV_NAME=env, ENCRYPTION_KEY="not-a-key"))
    with pytest.raises(RuntimeError, match="32 bytes"):
        keys.init_app(bare_app(ENV_NAME=env, ENCRYPTION_KEY=generate_key(), ENCRYPTION_KEYS_OLD="bad"))


def test_production_starts_with_a_key():
    key = generate_key()
    app = bare_app(ENV_NAME="production", ENCRYPTION_KEY=key)
    keys.init_app(app)
    assert app.extensions[keys.EXTENSION].primary == key_id(parse_key(key))


def test_development_derives_a_key_from_the_secret_and_warns(caplog):
    app = bare_app(ENV_NAME="development")
    with caplog.at_level(logging.WARNING, logger="automateos.credentials.keys"):
        keys.init_app(app)
    assert "AUTOMATEOS_ENCRYPTION_KEY is not set" in caplog.text
    assert app.extensions[keys.EXTENSION].primary == key_id(parse_key(derive_development_key("s" * 40)))


def test_old_and_new_keys_are_accepted_for_reading():
    primary, new, old1, old2 = (generate_key() for _ in range(4))
    app = bare_app(ENCRYPTION_KEY=primary, ENCRYPTION_KEY_NEW=new, ENCRYPTION_KEYS_OLD=f"{old1}, {old2}")
    keys.init_app(app)
    ring = app.extensions[keys.EXTENSION]
    assert ring.primary == key_id(parse_key(primary))
    assert set(ring.keys) == {key_id(parse_key(k)) for k in (primary, new, old1, old2)}


def test_the_keyring_problem_is_what_a_config_check_reports():
    assert keys.keyring_problem({"SECRET_KEY": "x"}).startswith("AUTOMATEOS_ENCRYPTION_KEY must be set")
    assert keys.keyring_problem({"ENCRYPTION_KEY": generate_key()}) is None
