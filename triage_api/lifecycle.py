"""A report's lifecycle: received → queued → acknowledged → in progress → resolved, or closed.

Every change is a row of ``report_events`` (who, when, from, to, and the reason when there is
one, encrypted since it may describe people). Closing without action always needs a reason and who
closed it; an operator may override the urgency, with a reason, and both values stay in the history.

>>> can_move("queued", "acknowledged"), can_move("resolved", "queued")
(True, False)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from triage_api.crypto import FieldCipher
from triage_api.models import Report, ReportEvent

__all__ = ["OPEN", "STATUSES", "LifecycleError", "can_move", "move", "override_urgency"]

STATUSES = ("received", "queued", "acknowledged", "in_progress", "resolved", "closed")
OPEN = frozenset({"received", "queued", "acknowledged", "in_progress"})
_NEXT = {
    "received": {"queued", "acknowledged"},  # police may pull a report before the relay has queued it
    "queued": {"acknowledged"},
    "acknowledged": {"in_progress", "resolved"},
    "in_progress": {"resolved"},
}


class LifecycleError(Exception):
    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(code)
        self.code, self.vi, self.en = code, vi, en


def can_move(current: str, to: str) -> bool:
    return to in _NEXT.get(current, set()) or (to == "closed" and current in OPEN)


def _report(session: Session, report_id: str) -> Report:
    report = session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise LifecycleError("report_not_found", "Không tìm thấy báo cáo.", "No such report.")
    return report


def move(
    sessions: sessionmaker[Session],
    cipher: FieldCipher,
    report_id: str,
    to: str,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Change the status; moving to where the report already is does nothing (retries are safe)."""
    if to not in STATUSES:
        raise LifecycleError("unknown_status", "Trạng thái không hợp lệ.", "Unknown status.")
    if to == "closed" and not (reason and reason.strip()):
        raise LifecycleError("reason_required", "Đóng báo cáo cần ghi lý do.", "Closing a report needs a reason.")
    with sessions() as session:
        report = _report(session, report_id)
        if report.status == to:
            return report
        if not can_move(report.status, to):
            raise LifecycleError(
                "invalid_transition", "Không thể chuyển báo cáo sang trạng thái này.",
                f"A report cannot go from {report.status} to {to}.",
            )
        at = now or datetime.now(UTC)
        session.add(ReportEvent(
            report_id=report.id, at=at, actor=actor, kind="status", from_value=report.status, to_value=to,
            reason_enc=cipher.encrypt(reason) if reason else None,
        ))
        report.status, report.updated_at = to, at
        session.commit()
        return report


def override_urgency(
    sessions: sessionmaker[Session], cipher: FieldCipher, report_id: str, to: str, *, actor: str, reason: str
) -> Report:
    if to not in ("P1", "P2", "P3", "P4"):
        raise LifecycleError("unknown_urgency", "Mức khẩn cấp không hợp lệ.", "Unknown urgency.")
    if not reason.strip():
        raise LifecycleError("reason_required", "Đổi mức khẩn cấp cần ghi lý do.", "Overriding the urgency needs a reason.")
    with sessions() as session:
        report = _report(session, report_id)
        at = datetime.now(UTC)
        session.add(ReportEvent(
            report_id=report.id, at=at, actor=actor, kind="urgency", from_value=report.urgency, to_value=to,
            reason_enc=cipher.encrypt(reason),
        ))
        report.urgency, report.updated_at = to, at
        session.commit()
        return report
