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

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.lifecycle import OPEN
from triage_api.models import Report

__all__ = ["QueueFilter", "changed_since", "open_reports"]


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


def changed_since(sessions: sessionmaker[Session], since: datetime, *, limit: int = 500) -> list[Report]:
    """Every report created or changed after ``since`` (any status: a closed one leaves the list), oldest change first."""
    query = select(Report).where(Report.updated_at > since).order_by(Report.updated_at, Report.id).limit(limit)
    with sessions() as session:
        return list(session.scalars(query))
