"""Secrets are never logged: every record of every logger, at DEBUG, through a whole
credential life (create, read, replace, a bad request, use by a run, rotation, delete)."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from automateos.credentials.crypto import generate_key
from automateos.credentials.models import Credential
from automateos.credentials.service import CredentialError, decrypt_for_run
from automateos.extensions import db
from tests.credentials.conftest import ACME_DATA, keyring

SECRET = "sk_live_never_logged_4242"
REPLACED = "sk_live_replaced_never_logged_77"


class Recorder(logging.Filter):
    """A filter on the root handler path that keeps every record's final text."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(f"{record.name}: {text} {record.__dict__}")
        return True


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder, handler, root = Recorder(), logging.StreamHandler(open("/dev/null", "w")), logging.getLogger()
    handler.addFilter(recorder)
    handler.setLevel(logging.DEBUG)
    # SQLAlchemy's own loggers too, at DEBUG: every statement, its parameters and the
    # rows it returned.
    loggers = (root, logging.getLogger("sqlalchemy.engine"))
    levels = [logger.level for logger in loggers]
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        handler.stream.close()


def test_no_log_record_holds_a_secret(app, user, recorder):
    data = {**ACME_DATA, "api_key": SECRET}
    cid = user.post("/api/credentials", {"name": "logged?", "type": "acme_test", "data": data}).get_json()["id"]
    user.get(f"/api/credentials/{cid}")
    user.get("/api/credentials")
    user.patch(f"/api/credentials/{cid}", {"data": {"api_key": REPLACED}})
    user.patch(f"/api/credentials/{cid}", {"data": {"api_key": "x", "port": 0}})  # 422 naming the fields
    user.post("/api/credentials", {"name": "bad", "type": "acme_test", "data": {**data, "region": SECRET}})
    with app.app_context():
        owner_id = db.session.get(Credential, cid).owner_id
        fields = decrypt_for_run(owner_id, cid, "acme_test")
        logging.getLogger("a.node").info("my credential is %s; %r", fields, fields)  # a careless node
        with pytest.raises(CredentialError):
            decrypt_for_run(owner_id, cid, "bearer_token")
        logging.getLogger("a.node").info("row %r", db.session.get(Credential, cid))
        db.session.remove()
    with keyring(app, ENCRYPTION_KEY=generate_key(), ENCRYPTION_KEYS_OLD=app.config["ENCRYPTION_KEY"]):
        assert app.test_cli_runner().invoke(args=["credentials", "rotate-key"]).exit_code == 0
        assert user.delete(f"/api/credentials/{cid}").status_code == 204

    logged = "\n".join(recorder.texts)
    # the recorder did see the logs: the node's line, the statements that wrote the rows
    assert "my credential is" in logged and "INSERT INTO credentials" in logged and "UPDATE credentials" in logged
    for secret in (SECRET, REPLACED):
        for part in (secret, secret[:10], secret[-10:]):
            assert part not in logged
