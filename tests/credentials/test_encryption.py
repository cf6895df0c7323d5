"""Encryption at rest, checked on the raw database row."""
from __future__ import annotations

import base64

import pytest
from sqlalchemy import text

from automateos.credentials.crypto import CryptoError, Keyring, generate_key, key_id, parse_key
from automateos.extensions import db
from tests.credentials.conftest import ACME_DATA, ACME_SECRET, SUITE_KEY, make_credential


def raw_rows(app) -> list[dict]:
    """Every credentials row as the database holds it, each column as text."""
    with app.app_context():
        with db.engine.connect() as conn:
            rows = [{k: str(v) for k, v in row._mapping.items()} for row in conn.execute(text("SELECT * FROM credentials"))]
        db.session.remove()
    return rows


def substrings(value: str, size: int = 4) -> set[str]:
    return {value[i:i + size] for i in range(len(value) - size + 1)}


def test_the_row_holds_no_plaintext_not_even_a_substring(app, user):
    # (name and type are stored in clear: the values here share nothing with them)
    make_credential(user, "Production", data={**ACME_DATA, "account": "globex-industries"})
    (row,) = raw_rows(app)
    stored = " ".join(row.values())
    blob = base64.urlsafe_b64decode(row["ciphertext"])
    for value in (ACME_SECRET, "globex-industries"):
        # 5 characters: a random base64 text holds a given 4 by chance once in ~10**5 runs
        for part in substrings(value, 5):
            assert part not in stored and part.encode() not in blob, part
    assert "api_key" not in stored and "account" not in stored  # not even the field names
    assert row["key_id"] == key_id(parse_key(SUITE_KEY))


def test_the_same_data_seals_differently_each_time(app, user):
    make_credential(user, "a"), make_credential(user, "b")
    first, second = raw_rows(app)
    assert first["ciphertext"] != second["ciphertext"]


def test_a_ciphertext_moved_to_another_users_row_does_not_open(app, user, other_user):
    mine = make_credential(user)
    theirs = make_credential(other_user, data={**ACME_DATA, "api_key": "other-users-key-123"})
    with app.app_context():
        db.session.execute(text("UPDATE credentials SET ciphertext = (SELECT ciphertext FROM credentials "
                                "WHERE id = :src) WHERE id = :dst"), {"src": mine["id"], "dst": theirs["id"]})
        db.session.commit()
        db.session.remove()
    body = other_user.get(f"/api/credentials/{theirs['id']}").get_json()
    assert body["problem"] and body["data"] == {} and body["secrets"] == {}
    assert user.get(f"/api/credentials/{mine['id']}").get_json()["problem"] is None


def test_a_tampered_ciphertext_does_not_open(app, user):
    cid = make_credential(user)["id"]
    with app.app_context():
        ciphertext = db.session.execute(text("SELECT ciphertext FROM credentials")).scalar_one()
        blob = bytearray(base64.urlsafe_b64decode(ciphertext))
        blob[-1] ^= 1
        db.session.execute(text("UPDATE credentials SET ciphertext = :c"),
                           {"c": base64.urlsafe_b64encode(bytes(blob)).decode()})
        db.session.commit()
        db.session.remove()
    assert "cannot be decrypted" in user.get(f"/api/credentials/{cid}").get_json()["problem"]


def test_keyring_seals_with_its_primary_and_opens_with_any_of_its_keys():
    old, new = generate_key(), generate_key()
    sealed, kid = Keyring.from_settings(old).seal(7, "t", {"k": "v"})
    ring = Keyring.from_settings(new, (old,))
    assert ring.open(7, "t", sealed, kid) == {"k": "v"}
    assert ring.seal(7, "t", {})[1] == key_id(parse_key(new))
    for owner, type_name in ((8, "t"), (7, "u")):
        with pytest.raises(CryptoError):
            ring.open(owner, type_name, sealed, kid)
    with pytest.raises(CryptoError, match="not configured"):
        Keyring.from_settings(new).open(7, "t", sealed, kid)
    assert old not in repr(ring) and new not in repr(ring)


@pytest.mark.parametrize("bad", ["", "short", "a" * 44, base64.urlsafe_b64encode(b"x" * 16).decode(), "é" * 44])
def test_a_key_that_is_not_32_bytes_of_base64_is_refused(bad):
    with pytest.raises(CryptoError):
        parse_key(bad)


def test_a_key_in_standard_base64_is_taken_too():
    # Render's generateValue gives 256 random bits in standard base64 (+ and /).
    raw = bytes(range(200, 232))  # encodes with both '+' and '/'
    text = base64.b64encode(raw).decode()
    assert "+" in text and "/" in text and parse_key(text) == raw
