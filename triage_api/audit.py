"""The audit log: every read of a report's personal fields, and every change, with who and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from triage_api.auth import Principal
from triage_api.models import AuditEntry

__all__ = ["record"]


def record(
    sessions: sessionmaker[Session], principal: Principal, action: str, report_id: str | None, fields: Sequence[str]
) -> None:
    with sessions() as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor=principal.name, role=principal.role, action=action,
                               report_id=report_id, fields=list(fields)))
        session.commit()
