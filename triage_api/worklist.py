"""The operators' work list: open reports, most urgent first, then those waiting longest.

A listing carries codes, times, province, urgency, indicators and who holds a report — no personal
field — so reading it reveals no one and needs no audit entry; opening a report does (``GET
/v1/reports/{id}``). ``changed_since`` feeds the console's live updates: it reads the database, so it
works the same behind several API workers and on SQLite.

>>> QueueFilter(indicator="CONFINEMENT").keeps({"indicators": [{"code": "CONFINEMENT"}]})
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.lifecycle import OPEN
from triage_api.models import Report

__all__ = ["QueueFilter", "all_changed_since", "changed_since", "open_reports"]


PAGE = 500  # rows of changes read at a time


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilter:
    province: str | None = None
    status: str | None = None  # one status; None means every open one
    channel: str | None = None
    indicator: str | None = None

    def keeps(self, report: Report | dict[str, Any]) -> bool:
        """The indicator test, done in Python: indicators are a JSON list, alike on SQLite and PostgreSQL."""
        indicators = report["indicators"] if isinstance(report, dict) else report.indicators
        return self.indicator is None or any(i.get("code") == self.indicator for i in indicators)


def open_reports(sessions: sessionmaker[Session], filters: QueueFilter, *, limit: int = 200) -> list[Report]:
    """Reports matching ``filters`` (open ones unless a status is asked for): P1 first, then P2…, each oldest first."""
    query = select(Report)
    query = query.where(Report.status == filters.status) if filters.status else query.where(Report.status.in_(OPEN))
    if filters.province:
        query = query.where(Report.province == filters.province)
    if filters.channel:
        query = query.where(Report.channel == filters.channel)
    query = query.order_by(Report.urgency, Report.received_at, Report.id)
    found: list[Report] = []
    with sessions() as session:
        for report in session.scalars(query.execution_options(yield_per=500)):
            if filters.keeps(report):
                found.append(report)
                if len(found) >= limit:
                    break
    return found


def changed_since(sessions: sessionmaker[Session], since: datetime, *, after_id: str | None = None,
                  limit: int | None = None) -> list[Report]:
    """Reports created or changed after ``since`` (any status: a closed one leaves the list), oldest change first,
    at most ``limit`` (``PAGE``). With ``after_id`` the cursor is (``since``, ``after_id``): the next page also holds the
    rows stamped exactly ``since`` whose id sorts after it (the relay stamps a whole batch with one time)."""
    after = Report.updated_at > since
    if after_id is not None:
        after = or_(after, and_(Report.updated_at == since, Report.id > after_id))
    query = select(Report).where(after).order_by(Report.updated_at, Report.id).limit(limit or PAGE)
    with sessions() as session:
        return list(session.scalars(query))


def all_changed_since(sessions: sessionmaker[Session], since: datetime) -> list[Report]:
    """Every report changed after ``since``, page after page while a page comes back full (a backlog of
    thousands stamped at one instant is sent whole, none skipped)."""
    found: list[Report] = []
    cursor: tuple[datetime, str | None] = (since, None)
    while True:
        page = changed_since(sessions, cursor[0], after_id=cursor[1])
        found.extend(page)
        if len(page) < PAGE:
            return found
        cursor = (page[-1].updated_at, page[-1].id)
