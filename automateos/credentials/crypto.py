"""Encryption at rest of credential data: AES-256-GCM under a ring of named keys.

Each row stores one ciphertext of the JSON of its fields and the id of the key that
sealed it, so a row is opened with exactly its key (no trial decryption) and rotation
knows which rows are left. The owner and the type are bound to the ciphertext as
associated data: a ciphertext copied onto another user's row, or another type, does not
open.

Keys are 32 random bytes in base64, URL-safe or standard (``flask credentials
generate-key``; Render's ``generateValue``). The
ring holds the primary key (``AUTOMATEOS_ENCRYPTION_KEY``: seals every write), the key a
rotation moves to (``AUTOMATEOS_ENCRYPTION_KEY_NEW``) and retired keys still accepted for
reading (``AUTOMATEOS_ENCRYPTION_KEYS_OLD``, comma-separated).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12  # GCM's standard nonce; random per seal (2**32 seals per key stay safe)
FORMAT = b"automateos.credential.v1"


class CryptoError(Exception):
    """A ciphertext that cannot be opened (unknown key, tampered, wrong owner or type),
    or a key that is not one. Messages never hold key or plaintext material."""


def generate_key() -> str:
    """A new random key in the form the settings take."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """The 32 bytes of a key given in base64 (URL-safe or standard); CryptoError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise CryptoError("an encryption key must be 32 bytes in base64") from None
    if len(raw) != KEY_BYTES:
        raise CryptoError("an encryption key must be 32 bytes in base64")
    return raw


def derive_development_key(secret: str) -> str:
    """A key derived from the app's SECRET_KEY, for development only: anyone who knows
    the secret can open the data."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"automateos credentials dev key")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8"))).decode("ascii")


def key_id(raw: bytes) -> str:
    """A short public name of a key (a hash: it reveals nothing of the key)."""
    return hashlib.sha256(b"automateos.key-id:" + raw).hexdigest()[:16]


def _associated_data(owner_id: int, type_name: str) -> bytes:
    return FORMAT + b"|" + json.dumps([owner_id, type_name]).encode("utf-8")


@dataclass
class Keyring:
    """The keys this process can seal and open with.

    Parameters:
      primary: id of the key that seals every write.
      keys: key id -> raw key, for opening.
    """

    primary: str
    keys: dict[str, bytes] = field(repr=False)

    @classmethod
    def from_settings(cls, primary: str, extra: tuple[str, ...] = ()) -> Keyring:
        """A ring sealing with ``primary`` and opening with it and every key of ``extra``."""
        raw = parse_key(primary)
        keys = {key_id(raw): raw}
        for text in extra:
            other = parse_key(text)
            keys.setdefault(key_id(other), other)
        return cls(key_id(raw), keys)

    def with_primary(self, text: str) -> Keyring:
        """The same ring sealing with ``text`` (added to it) instead."""
        raw = parse_key(text)
        return Keyring(key_id(raw), {**self.keys, key_id(raw): raw})

    def seal(self, owner_id: int, type_name: str, data: dict[str, Any]) -> tuple[str, str]:
        """``(ciphertext, key id)`` of ``data`` under the primary key."""
        nonce = os.urandom(NONCE_BYTES)
        plaintext = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        sealed = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext, _associated_data(owner_id, type_name))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii"), self.primary

    def open(self, owner_id: int, type_name: str, ciphertext: str, sealed_with: str) -> dict[str, Any]:
        """The data sealed in ``ciphertext``; CryptoError when it cannot be opened."""
        raw = self.keys.get(sealed_with)
        if raw is None:
            raise CryptoError(f"sealed with key {sealed_with}, which is not configured")
        try:
            blob = base64.urlsafe_b64decode(ciphertext.encode("ascii"))
            plaintext = AESGCM(raw).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                            _associated_data(owner_id, type_name))
        except (InvalidTag, binascii.Error, ValueError):
            raise CryptoError(f"ciphertext does not open with key {sealed_with} for this owner and type") from None
        return json.loads(plaintext)
