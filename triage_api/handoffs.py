"""Handoffs: a person asked the bot for a human; operators see the open ones and take them.

The bot (role ``service``) flags a conversation with :func:`request`; asking twice while the first
request is open gives the same handoff. The conversation id is encrypted at rest; listing open
handoffs shows it (an operator needs it to answer on the channel), so every listing is audited.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from triage_api.crypto import FieldCipher
from triage_api.models import Handoff

__all__ = ["open_handoffs", "request", "take"]


def _hash(conversation_id: str) -> str:
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


def request(sessions: sessionmaker[Session], cipher: FieldCipher, conversation_id: str, channel: str) -> tuple[Handoff, bool]:
    """The open handoff of this conversation, made if there is none; and whether it was made now."""
    digest = _hash(conversation_id)
    with sessions() as session:
        found = session.scalars(
            select(Handoff).where(Handoff.conversation_hash == digest, Handoff.taken_at.is_(None))
        ).first()
        if found is not None:
            return found, False
        handoff = Handoff(id=str(uuid.uuid4()), conversation_hash=digest, conversation_enc=cipher.encrypt(conversation_id),
                          channel=channel, created_at=datetime.now(UTC))
        session.add(handoff)
        session.commit()
        return handoff, True


def open_handoffs(sessions: sessionmaker[Session], cipher: FieldCipher) -> list[dict[str, object]]:
    """Open handoffs, oldest first, with their conversation ids."""
    with sessions() as session:
        rows = session.scalars(select(Handoff).where(Handoff.taken_at.is_(None)).order_by(Handoff.created_at)).all()
        return [{"id": h.id, "channel": h.channel, "created_at": h.created_at,
                 "conversation_id": cipher.decrypt(h.conversation_enc)} for h in rows]


def take(sessions: sessionmaker[Session], handoff_id: str, actor: str) -> bool:
    """Mark a handoff taken by ``actor``; False when it does not exist or someone took it first."""
    with sessions() as session:
        result = session.execute(
            update(Handoff).where(Handoff.id == handoff_id, Handoff.taken_at.is_(None))
            .values(taken_by=actor, taken_at=datetime.now(UTC))
        )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
