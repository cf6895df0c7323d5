"""Key rotation: re-seal every credential under one key, batch by batch.

Each batch is one transaction: its rows are locked, opened with whatever key sealed
them, sealed again under the target key and committed together. A row is only written
if it is still under the key it was read with (a PATCH in between already re-sealed it).
Stopped at any point, a rotation leaves every row readable (sealed under the old key or
the target, both in the ring) and running it again takes up the rows left.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from ..extensions import db
from .crypto import CryptoError, Keyring
from .models import Credential

DEFAULT_BATCH_SIZE = 100

logger = logging.getLogger(__name__)


@dataclass
class Batch:
    """What one committed batch did.

    Parameters:
      resealed: rows moved to the target key.
      failed: ids of rows that could not be opened (their key is not in the ring).
      last_id: the highest id the batch looked at.
    """

    resealed: int
    failed: list[int] = field(default_factory=list)
    last_id: int = 0


def remaining(target_key_id: str) -> int:
    """How many rows are not sealed under the target key yet."""
    return db.session.scalar(select(func.count()).where(Credential.key_id != target_key_id)) or 0


def rotate(ring: Keyring, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Batch]:
    """Re-seal every row not under ``ring.primary``; yields after each committed batch.

    ``ring`` must hold the target as its primary and every key rows may be sealed with.
    """
    after = 0
    while True:
        rows = db.session.scalars(
            select(Credential).where(Credential.key_id != ring.primary, Credential.id > after)
            .order_by(Credential.id).limit(batch_size).with_for_update()
        ).all()
        if not rows:
            db.session.rollback()
            return
        batch = Batch(0, last_id=rows[-1].id)
        for row in rows:
            try:
                data = ring.open(row.owner_id, row.type, row.ciphertext, row.key_id)
            except CryptoError as exc:
                logger.error("credential %s not rotated: %s", row.id, exc)
                batch.failed.append(row.id)
                continue
            ciphertext, key_id = ring.seal(row.owner_id, row.type, data)
            # Core UPDATE: updated_at keeps its value (a rotation is no change of the user's).
            db.session.execute(
                update(Credential).where(Credential.id == row.id, Credential.key_id == row.key_id)
                .values(ciphertext=ciphertext, key_id=key_id, updated_at=Credential.updated_at)
            )
            batch.resealed += 1
        db.session.commit()
        db.session.expunge_all()  # the ORM copies of the batch hold stale ciphertexts
        after = batch.last_id
        yield batch
