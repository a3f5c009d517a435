"""Statistics for the provincial plans: share of tips classified and resolved, time to
acknowledgement by urgency, counts by province, indicator, channel and urgency — for a month, a
quarter, a half-year or a year (Vietnam time), with every count of 1 or 2 suppressed so that no
small group of people can be singled out. CSV and XLSX exports carry the same cells.

>>> period_bounds("quarter", 2026, 4)[0].isoformat()
'2026-10-01T00:00:00+07:00'
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.models import Report, ReportEvent

__all__ = ["MIN_CELL", "Period", "Stats", "compute", "period_bounds", "to_csv", "to_xlsx"]

Period = Literal["month", "quarter", "half", "year"]
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_CELL = 3  # counts below this (but above zero) are published as null
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_bounds(period: Period, year: int, number: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of the ``number``-th month/quarter/half of ``year``, in Vietnam time."""
    months = _MONTHS[period]
    if not 1 <= number <= 12 // months:
        raise ValueError(f"a year has {12 // months} {period}s")
    first = (number - 1) * months + 1
    start = datetime(year, first, 1, tzinfo=VIETNAM)
    end_month = first + months
    end = datetime(year + (end_month > 12), (end_month - 1) % 12 + 1, 1, tzinfo=VIETNAM)
    return start, end


def _suppress(counts: Counter[str]) -> dict[str, int | None]:
    return {k: (v if v >= MIN_CELL else None) for k, v in sorted(counts.items())}


@dataclass(frozen=True, slots=True)
class Stats:
    period: str
    start: datetime
    end: datetime
    province: str | None
    received: int
    classified_share: float | None
    resolved_share: float | None  # resolved, over all received
    finished_share: float | None  # resolved or closed with a reason
    minutes_to_acknowledge: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    by_urgency: dict[str, int | None] = field(default_factory=dict)
    by_province: dict[str, int | None] = field(default_factory=dict)
    by_indicator: dict[str, int | None] = field(default_factory=dict)
    by_channel: dict[str, int | None] = field(default_factory=dict)


def compute(
    sessions: sessionmaker[Session], period: Period, year: int, number: int = 1, *, province: str | None = None
) -> Stats:
    start, end = period_bounds(period, year, number)
    with sessions() as session:
        query = select(Report).where(Report.received_at >= start, Report.received_at < end)
        if province:
            query = query.where(Report.province == province)
        reports = list(session.scalars(query))
        ids = [r.id for r in reports]
        acks: dict[str, datetime] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for event in session.scalars(select(ReportEvent).where(
                ReportEvent.report_id.in_(chunk), ReportEvent.to_value == "acknowledged").order_by(ReportEvent.id)):
                acks.setdefault(event.report_id, event.at)
    n = len(reports)

    def share(k: int) -> float | None:
        return round(k / n, 4) if n else None

    waits: dict[str, list[float]] = {u: [] for u in ("P1", "P2", "P3", "P4")}
    for r in reports:
        if r.id in acks:
            waits[r.urgency].append((acks[r.id] - r.received_at).total_seconds() / 60)
    to_ack: dict[str, dict[str, float | int | None]] = {}
    for urgency, values in waits.items():
        shown = len(values) >= MIN_CELL
        to_ack[urgency] = {
            "acknowledged": len(values) if shown or not values else None,
            "median": round(statistics.median(values), 1) if shown else None,
            "p90": round(statistics.quantiles(values, n=10)[-1], 1) if len(values) >= max(MIN_CELL, 2) else None,
        }
    return Stats(
        period=f"{period}:{year}-{number}", start=start, end=end, province=province, received=n,
        classified_share=share(sum(r.urgency in ("P1", "P2", "P3", "P4") for r in reports)),
        resolved_share=share(sum(r.status == "resolved" for r in reports)),
        finished_share=share(sum(r.status in ("resolved", "closed") for r in reports)),
        minutes_to_acknowledge=to_ack,
        by_urgency=_suppress(Counter(r.urgency for r in reports)),
        by_province=_suppress(Counter(r.province or "(không rõ)" for r in reports)),
        by_indicator=_suppress(Counter(i["code"] for r in reports for i in r.indicators)),
        by_channel=_suppress(Counter(r.channel for r in reports)),
    )


def _rows(stats: Stats) -> list[tuple[str, str, object]]:
    rows: list[tuple[str, str, object]] = [
        ("period", "", stats.period), ("start", "", stats.start.isoformat()), ("end", "", stats.end.isoformat()),
        ("province", "", stats.province or "all"), ("received", "", stats.received),
        ("classified_share", "", stats.classified_share), ("resolved_share", "", stats.resolved_share),
        ("finished_share", "", stats.finished_share),
    ]
    for urgency, cells in stats.minutes_to_acknowledge.items():
        rows += [(f"minutes_to_acknowledge.{name}", urgency, value) for name, value in cells.items()]
    for section in ("by_urgency", "by_province", "by_indicator", "by_channel"):
        rows += [(section, key, value) for key, value in getattr(stats, section).items()]
    return rows


def to_csv(stats: Stats) -> str:
    """section,key,value — a suppressed cell is written «<3»."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])
    for section, key, value in _rows(stats):
        writer.writerow([section, key, f"<{MIN_CELL}" if value is None and section.startswith("by_") else value])
    return out.getvalue()


def to_xlsx(stats: Stats) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Thống kê"
    sheet.append(["section", "key", "value"])
    for section, key, value in _rows(stats):
        sheet.append([section, key, f"<{MIN_CELL}" if value is None and section.startswith("by_") else value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
