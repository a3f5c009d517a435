"""Retention: a report's personal fields are erased a set time after it was resolved or closed.

What remains — codes, times, province, urgency, the history of who did what — is what the
statistics need and identifies no one. Run ``python -m triage_api retention`` daily (cron, a
Kubernetes CronJob…); running it twice erases nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from triage_api.models import AuditEntry, Report, ReportEvent

__all__ = ["erase_expired"]

ACTOR = "system:retention"
_FIELDS = ("contact_enc", "narrative_enc", "people_enc", "suspects_enc", "commune_enc", "explanation_enc")


def erase_expired(sessions: sessionmaker[Session], *, retention_days: int, now: datetime | None = None) -> int:
    """Erase the personal fields of reports finished more than ``retention_days`` ago; returns how many."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    with sessions() as session:
        due = list(session.scalars(
            select(Report)
            .where(Report.status.in_(("resolved", "closed")), Report.updated_at <= cutoff)
            .where(or_(*(getattr(Report, f).is_not(None) for f in _FIELDS)))
        ))
        for report in due:
            for field in _FIELDS:
                setattr(report, field, None)
            session.execute(update(ReportEvent).where(ReportEvent.report_id == report.id).values(reason_enc=None))
            session.add(ReportEvent(report_id=report.id, at=now, actor=ACTOR, kind="erased"))
            session.add(AuditEntry(at=now, actor=ACTOR, role="service", action="erase", report_id=report.id,
                                   fields=[f.removesuffix("_enc") for f in _FIELDS]))
        session.commit()
        return len(due)
