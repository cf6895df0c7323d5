"""``flask credentials rotate-key``: every row re-sealed under the new key, batch by batch,
the old key accepted until it finishes; an interrupted rotation resumes."""
from __future__ import annotations

from sqlalchemy import text

from automateos.credentials.crypto import Keyring, generate_key, key_id, parse_key
from automateos.credentials.rotation import rotate
from automateos.extensions import db
from tests.credentials.conftest import ACME_DATA, keyring, make_credential

OLD, NEW = generate_key(), generate_key()


def key_ids(app) -> list[str]:
    with app.app_context():
        ids = list(db.session.execute(text("SELECT key_id FROM credentials ORDER BY id")).scalars())
        db.session.remove()
    return ids


def readable(user) -> list[bool]:
    """For each of the user's credentials, whether the app can open it."""
    items = user.get("/api/credentials?limit=200").get_json()["items"]
    return [c["problem"] is None and c["data"].get("account") == ACME_DATA["account"] for c in items]


def kid(key: str) -> str:
    return key_id(parse_key(key))


def test_rotate_key_moves_every_row_to_the_new_key(app, user):
    with keyring(app, ENCRYPTION_KEY=OLD):
        for n in range(5):
            make_credential(user, f"c{n}")
        updated = [c["updated_at"] for c in user.get("/api/credentials").get_json()["items"]]
        result = app.test_cli_runner().invoke(args=["credentials", "rotate-key", "--new-key", NEW, "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "5 credential(s) to re-seal" in result.output and "done: 5 re-sealed, 0 left" in result.output
    assert result.output.count("re-sealed") == 4  # three batches of at most 2, then the total
    assert NEW not in result.output and OLD not in result.output
    assert key_ids(app) == [kid(NEW)] * 5

    with keyring(app, ENCRYPTION_KEY=NEW):
        assert readable(user) == [True] * 5
        # a rotation is no change of the user's
        assert [c["updated_at"] for c in user.get("/api/credentials").get_json()["items"]] == updated
    with keyring(app, ENCRYPTION_KEY=OLD):  # the old key alone no longer opens them
        assert readable(user) == [False] * 5


def test_an_interrupted_rotation_leaves_every_row_readable_and_resumes(app, user):
    with keyring(app, ENCRYPTION_KEY=OLD):
        for n in range(5):
            make_credential(user, f"c{n}")
    # The documented way: the new key becomes primary, the old one stays accepted.
    with keyring(app, ENCRYPTION_KEY=NEW, ENCRYPTION_KEYS_OLD=OLD):
        with app.app_context():
            ring = app.extensions["automateos.credentials.keyring"]
            batches = rotate(ring, batch_size=2)
            first = next(batches)  # one batch committed, then the process "dies"
            batches.close()
            db.session.remove()
        assert first.resealed == 2
        assert key_ids(app) == [kid(NEW)] * 2 + [kid(OLD)] * 3
        assert readable(user) == [True] * 5  # meanwhile the app reads both

        make_credential(user, "written during the rotation")  # sealed under the new key
        result = app.test_cli_runner().invoke(args=["credentials", "rotate-key", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        assert "done: 3 re-sealed, 0 left" in result.output
    assert key_ids(app) == [kid(NEW)] * 6
    with keyring(app, ENCRYPTION_KEY=NEW):  # the old key can go
        assert readable(user) == [True] * 6


def test_rows_under_an_unknown_key_are_reported_and_the_rest_rotated(app, user):
    lost = generate_key()
    with keyring(app, ENCRYPTION_KEY=lost):
        make_credential(user, "lost")
    with keyring(app, ENCRYPTION_KEY=OLD):
        make_credential(user, "kept")
        result = app.test_cli_runner().invoke(args=["credentials", "rotate-key", "--new-key", NEW])
    assert result.exit_code == 1
    assert "1 credential(s) could not be opened" in result.output and "AUTOMATEOS_ENCRYPTION_KEYS_OLD" in result.output
    assert key_ids(app) == [kid(lost), kid(NEW)]


def test_rotate_key_reads_the_new_key_from_the_environment(app, user, monkeypatch):
    with keyring(app, ENCRYPTION_KEY=OLD):
        make_credential(user)
        monkeypatch.setenv("AUTOMATEOS_ENCRYPTION_KEY_NEW", NEW)
        result = app.test_cli_runner().invoke(args=["credentials", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert key_ids(app) == [kid(NEW)]


def test_a_malformed_new_key_is_refused_before_any_row_changes(app, user):
    with keyring(app, ENCRYPTION_KEY=OLD):
        make_credential(user)
        result = app.test_cli_runner().invoke(args=["credentials", "rotate-key", "--new-key", "nope"])
    assert result.exit_code == 2 and "32 bytes" in result.output
    assert key_ids(app) == [kid(OLD)]


def test_status_and_generate_key(app, user):
    with keyring(app, ENCRYPTION_KEY=NEW, ENCRYPTION_KEYS_OLD=OLD):
        make_credential(user)
        out = app.test_cli_runner().invoke(args=["credentials", "status"]).output
    assert f"{kid(NEW)}  primary   1 credential(s)" in out and f"{kid(OLD)}  accepted  0 credential(s)" in out
    key = app.test_cli_runner().invoke(args=["credentials", "generate-key"]).output.strip()
    assert len(parse_key(key)) == 32 and Keyring.from_settings(key).primary == kid(key)
