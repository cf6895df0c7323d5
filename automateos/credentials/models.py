"""Credentials: a user's named secret of one credential type, sealed at rest."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import BigIntId, UTCDateTime, id_max, utcnow
from ..extensions import db


class Credential(db.Model):
    """One credential: its fields live only in ``ciphertext`` (crypto.py).

    ``id`` is a bigint, the range of routing's plain ``<id:...>`` converter, so a path id
    past it is 404 before any query.
    """

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(100))
    ciphertext: Mapped[str] = mapped_column(Text)
    # Id of the key that sealed ``ciphertext`` (crypto.key_id): rotation moves rows off it.
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        # Never the ciphertext: a repr ends up in logs and tracebacks.
        return f"<Credential {self.id} {self.type!r} owner={self.owner_id}>"


# Ids past this cannot exist (``credentials.id`` is a bigint, like routing's ``<id:...>``).
CREDENTIAL_ID_MAX = id_max(Credential.__table__.c.id)
