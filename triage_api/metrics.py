"""What ``GET /metrics`` tells Prometheus, and the access log: counts and times, never what anyone wrote.

Two kinds of figure:

- **per request**, counted by :class:`RequestObserver` (a pure ASGI middleware) under the route's
  *template* (``/v1/reports/{report_id}``), never the raw path: requests, their status and duration.
  Each uvicorn worker counts its own; set ``PROMETHEUS_MULTIPROC_DIR`` to add them up across workers.
- **the state of the work**, read from the database and Redis at each scrape, so every worker gives the
  same answer: reports by urgency and status, P1 reports nobody has acknowledged yet and how long the
  oldest has waited, the outbox backlog, the intake stream's length and what the police group still holds.

The same middleware writes one access-log line per request (method, route template, status, milliseconds,
and the report id when the path has one), so no query string or body can reach a log.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage_api.intake import GROUP
from triage_api.models import OutboxEntry, Report
from triage_api.outbox import STREAM

__all__ = ["CONTENT_TYPE", "RequestObserver", "exposition"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REPORT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
WAITING = ("received", "queued")  # nobody has acknowledged the report yet
log = logging.getLogger("triage_api.access")

_REQUESTS = Counter("triage_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
_DURATION = Histogram(
    "triage_http_request_duration_seconds", "Time to answer an HTTP request", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class RequestObserver:
    """Counts and times every HTTP request and logs it by route template, without path values or bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_see(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_see)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"  # labels stay a fixed set
            _REQUESTS.labels(method, route, str(status)).inc()
            _DURATION.labels(route).observe(elapsed)
            extra: dict[str, Any] = {"method": method, "route": route, "status": status, "ms": round(elapsed * 1000, 1)}
            report_id = str((scope.get("path_params") or {}).get("report_id") or "")
            if REPORT_ID.fullmatch(report_id):  # a path value is logged only when it is an id, never free text
                extra["report_id"] = report_id
            log.info("%s %s %d", method, route, status, extra=extra)


class WorkCollector(Collector):
    """Gauges read from the database and the intake stream at each scrape."""

    def __init__(self, sessions: sessionmaker[Session], client: redis.Redis | None) -> None:
        self.sessions, self.client = sessions, client

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        reports = GaugeMetricFamily("triage_reports", "Reports in the database by urgency and status", labels=["urgency", "status"])
        with self.sessions() as session:
            for urgency, status, count in session.execute(
                select(Report.urgency, Report.status, func.count()).group_by(Report.urgency, Report.status)
            ):
                reports.add_metric([urgency, status], count)
            waiting, oldest = session.execute(
                select(func.count(), func.min(Report.received_at)).where(Report.urgency == "P1", Report.status.in_(WAITING))
            ).one()
            backlog, oldest_row = session.execute(
                select(func.count(), func.min(OutboxEntry.created_at)).where(OutboxEntry.published_at.is_(None))
            ).one()
        yield reports
        yield GaugeMetricFamily("triage_p1_waiting", "P1 reports not yet acknowledged", value=waiting)
        yield GaugeMetricFamily("triage_p1_oldest_waiting_seconds", "How long the oldest unacknowledged P1 report has waited",
                                value=_age(now, oldest))
        yield GaugeMetricFamily("triage_outbox_pending", "Reports stored but not yet published to the intake stream", value=backlog)
        yield GaugeMetricFamily("triage_outbox_oldest_pending_seconds", "Age of the oldest unpublished outbox row",
                                value=_age(now, oldest_row))
        yield from self._stream()

    def _stream(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("triage_redis_up", "1 when the intake stream's Redis answers")
        if self.client is None:
            up.add_metric([], 0)
            yield up
            return
        try:
            length = int(self.client.xlen(STREAM))
            groups = {g["name"].decode() if isinstance(g["name"], bytes) else g["name"]: g for g in self.client.xinfo_groups(STREAM)}
        except redis.ResponseError:  # no stream yet
            length, groups = 0, {}
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("triage_intake_stream_length", "Entries in the intake stream", value=length)
        group = groups.get(GROUP)
        yield GaugeMetricFamily("triage_intake_unacknowledged", "Entries the police group has read but not acknowledged",
                                value=int(group["pending"]) if group else 0)
        lag = group.get("lag") if group else None
        yield GaugeMetricFamily("triage_intake_unread", "Entries no police consumer has read yet",
                                value=int(lag) if lag is not None else (0 if group else length))


def _age(now: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())


def exposition(sessions: sessionmaker[Session], client: redis.Redis | None) -> bytes:
    """The Prometheus text for one scrape."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_PROCESS)
    registry.register(WorkCollector(sessions, client))
    return generate_latest(registry)


class _ProcessCounters(Collector):
    """This process's request counters, for a scrape without the multiprocess directory."""

    def collect(self) -> Iterator[Metric]:
        yield from _REQUESTS.collect()
        yield from _DURATION.collect()


_PROCESS = _ProcessCounters()
