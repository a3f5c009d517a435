"""Who is working on a report, and where it was sent: claim, release and forward.

A claim says "I have this one" so two operators never call the same family back; only its holder
(or a supervisor) releases it. Forwarding to the police or to victim support is a step of the
report's history with its target and an optional note (encrypted: it may describe people). Each is
a ``report_events`` row, like every lifecycle change (:mod:`triage_api.lifecycle`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session, sessionmaker

from triage_api.crypto import FieldCipher
from triage_api.lifecycle import OPEN, LifecycleError
from triage_api.models import Report, ReportEvent

__all__ = ["ForwardTarget", "check_holder", "claim", "forward", "release"]

ForwardTarget = Literal["police", "victim_support"]


def _open_report(session: Session, report_id: str) -> Report:
    report = session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise LifecycleError("report_not_found", "Không tìm thấy báo cáo.", "No such report.")
    if report.status not in OPEN:
        raise LifecycleError("report_not_open", "Báo cáo này đã xong hoặc đã đóng.", "This report is finished or closed.")
    return report


def check_holder(sessions: sessionmaker[Session], report_id: str, *, actor: str, supervisor: bool = False) -> None:
    """A claimed report is acted on (closed, re-graded, forwarded) only by its holder or a supervisor; an
    unclaimed one by anyone allowed the action (the police's flow never claims)."""
    with sessions() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise LifecycleError("report_not_found", "Không tìm thấy báo cáo.", "No such report.")
        if report.claimed_by is not None and report.claimed_by != actor and not supervisor:
            raise LifecycleError("claimed_by_other",
                                 "Báo cáo này đang có người khác xử lý: chỉ người đó (hoặc giám sát viên) mới thao tác được.",
                                 "Someone else holds this report: only the holder (or a supervisor) may act on it.")


def claim(sessions: sessionmaker[Session], report_id: str, *, actor: str) -> Report:
    """Take a report; taking one you already hold does nothing (a double click is safe)."""
    with sessions() as session:
        report = _open_report(session, report_id)
        taken = LifecycleError("claimed_by_other", "Báo cáo này đang có người khác xử lý.",
                               "Someone else is working on this report.")
        if report.claimed_by == actor:
            return report
        if report.claimed_by is not None:
            raise taken
        at = datetime.now(UTC)
        # one conditional UPDATE decides between two operators claiming at once (SELECT … FOR UPDATE is a
        # no-op on SQLite): only the one whose UPDATE finds the report still free gets it
        won: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Report).where(Report.id == report_id, Report.status.in_(OPEN), Report.claimed_by.is_(None))
            .values(claimed_by=actor, claimed_at=at, updated_at=at).execution_options(synchronize_session=False))
        if won.rowcount != 1:
            session.rollback()
            session.expire_all()
            again = _open_report(session, report_id)
            if again.claimed_by == actor:  # our own double click won
                return again
            raise taken
        session.add(ReportEvent(report_id=report.id, at=at, actor=actor, kind="claim", from_value=None, to_value=None))
        session.commit()
        session.refresh(report)
        return report


def release(sessions: sessionmaker[Session], report_id: str, *, actor: str, supervisor: bool = False) -> Report:
    """Give a report back to the queue: its holder may, and a supervisor may for anyone."""
    with sessions() as session:
        report = session.get(Report, report_id, with_for_update=True)
        if report is None:
            raise LifecycleError("report_not_found", "Không tìm thấy báo cáo.", "No such report.")
        if report.claimed_by is None:
            return report
        if report.claimed_by != actor and not supervisor:
            raise LifecycleError("claimed_by_other", "Chỉ người đang xử lý (hoặc giám sát viên) mới trả lại được.",
                                 "Only the holder (or a supervisor) may release this report.")
        at = datetime.now(UTC)
        session.add(ReportEvent(report_id=report.id, at=at, actor=actor, kind="release", from_value=None, to_value=None))
        report.claimed_by, report.claimed_at, report.updated_at = None, None, at
        session.commit()
        return report


def forward(
    sessions: sessionmaker[Session], cipher: FieldCipher, report_id: str, target: ForwardTarget, *,
    actor: str, note: str | None = None,
) -> Report:
    """Record that the report was sent to ``target``; the note is kept encrypted like every reason."""
    with sessions() as session:
        report = _open_report(session, report_id)
        at = datetime.now(UTC)
        session.add(ReportEvent(report_id=report.id, at=at, actor=actor, kind="forward", from_value=None, to_value=target,
                                reason_enc=cipher.encrypt(note) if note and note.strip() else None))
        report.updated_at = at
        session.commit()
        return report
