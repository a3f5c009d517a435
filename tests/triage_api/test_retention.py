"""Retention: personal fields of finished reports go after the retention period; nothing else does."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tests.triage_api.test_outbox import CIPHER, sessions_for, submit_many
from triage_api.lifecycle import move
from triage_api.models import AuditEntry, Report, ReportEvent
from triage_api.retention import erase_expired


def test_only_reports_finished_long_enough_ago_are_erased_once(tmp_path: Path) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    old_closed, old_open, recent_closed = submit_many(sessions, 3)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    move(sessions, CIPHER, old_closed, "closed", actor="operator:lan", reason="Trùng, chị Hoa gọi lại", now=long_ago)
    move(sessions, CIPHER, recent_closed, "closed", actor="operator:lan", reason="Trùng")
    assert erase_expired(sessions, retention_days=365) == 1
    assert erase_expired(sessions, retention_days=365) == 0
    with sessions() as s:
        reports = {r.id: r for r in s.scalars(select(Report))}
        reasons = [e.reason_enc for e in s.scalars(select(ReportEvent).where(ReportEvent.report_id == old_closed))]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.report_id == old_closed)).one()
    erased = reports[old_closed]
    assert (erased.narrative_enc, erased.contact_enc, erased.people_enc, erased.explanation_enc) == (None,) * 4
    assert erased.urgency and erased.indicators and erased.status == "closed"  # statistics keep their inputs
    assert reasons and all(r is None for r in reasons)
    assert audit.action == "erase" and audit.actor == "system:retention"
    assert reports[old_open].narrative_enc and reports[recent_closed].narrative_enc
    assert uuid.UUID(old_closed)
