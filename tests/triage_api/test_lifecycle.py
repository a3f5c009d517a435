"""A report's lifecycle: allowed moves only, closing needs a reason and who, history keeps everything."""

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.triage_api.test_outbox import CIPHER, sessions_for, submit_many
from triage_api.lifecycle import LifecycleError, move, override_urgency
from triage_api.models import ReportEvent


def test_a_report_goes_through_its_life_and_every_step_is_recorded(tmp_path: Path) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (rid,) = submit_many(sessions, 1)
    for status in ("queued", "acknowledged", "in_progress", "resolved"):
        assert move(sessions, CIPHER, rid, status, actor="police:hn-01").status == status
    with sessions() as s:
        steps = [(e.from_value, e.to_value) for e in s.scalars(select(ReportEvent).where(ReportEvent.report_id == rid).order_by(ReportEvent.id))]
    assert steps == [(None, "received"), ("received", "queued"), ("queued", "acknowledged"),
                     ("acknowledged", "in_progress"), ("in_progress", "resolved")]


def test_moving_again_to_the_same_status_is_harmless(tmp_path: Path) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (rid,) = submit_many(sessions, 1)
    move(sessions, CIPHER, rid, "acknowledged", actor="police:a")
    move(sessions, CIPHER, rid, "acknowledged", actor="police:a")
    with sessions() as s:
        assert len(list(s.scalars(select(ReportEvent).where(ReportEvent.to_value == "acknowledged")))) == 1


@pytest.mark.parametrize(("to", "reason", "code"), [("closed", None, "reason_required"), ("closed", "  ", "reason_required"),
                                                     ("resolved", None, "invalid_transition"), ("lost", None, "unknown_status")])
def test_refused_moves(tmp_path: Path, to: str, reason: str | None, code: str) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (rid,) = submit_many(sessions, 1)
    with pytest.raises(LifecycleError) as refused:
        move(sessions, CIPHER, rid, to, actor="operator:lan", reason=reason)
    assert refused.value.code == code


def test_closing_records_who_and_why_encrypted(tmp_path: Path) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (rid,) = submit_many(sessions, 1)
    move(sessions, CIPHER, rid, "closed", actor="operator:lan", reason="Trùng với báo cáo của chị Hoa hôm qua")
    with sessions() as s:
        event = s.scalars(select(ReportEvent).where(ReportEvent.to_value == "closed")).one()
    assert event.actor == "operator:lan" and event.reason_enc and "Hoa" not in event.reason_enc
    assert CIPHER.decrypt(event.reason_enc).startswith("Trùng")


def test_an_urgency_override_keeps_both_values(tmp_path: Path) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (rid,) = submit_many(sessions, 1)
    before = override_urgency(sessions, CIPHER, rid, "P1", actor="operator:lan", reason="Gọi lại: đang bị nhốt").urgency
    with sessions() as s:
        event = s.scalars(select(ReportEvent).where(ReportEvent.kind == "urgency")).one()
    assert before == "P1" and event.to_value == "P1" and event.from_value in ("P1", "P2", "P3", "P4")
    with pytest.raises(LifecycleError):
        override_urgency(sessions, CIPHER, rid, "P2", actor="operator:lan", reason=" ")
