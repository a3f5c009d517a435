"""The operators' queue: ``GET /v1/queue`` (open reports, P1 first, then oldest), ``GET /v1/queue/events``
(live changes as server-sent events), ``POST /v1/reports/{id}/claim|release|forward``, and
``GET /v1/reference`` (the names the console shows)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from triage_api import assignment, worklist
from triage_api.auth import Principal, authenticate
from triage_api.deps import require
from triage_api.engine.data import load_yaml
from triage_api.engine.provinces import province_names
from triage_api.engine.triage import indicator_codes
from triage_api.errors import ProblemError
from triage_api.lifecycle import STATUSES, LifecycleError
from triage_api.models import Report
from triage_api.ratelimit import limit
from triage_api.routers.reports import get_report
from triage_api.schemas import Channel, ForwardCreate, Problem, QueueItem, ReferencePublic, ReportPublic

router = APIRouter(prefix="/v1", tags=["queue"])
_READ_LIMIT = Depends(limit("read", "reads_per_minute"))
_READERS = require("operator", "supervisor", "police", "auditor")
_WORKERS = require("operator", "supervisor")
_ERRORS: dict[int | str, dict[str, object]] = {401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
                                               409: {"model": Problem}, 422: {"model": Problem}}

POLL_S = 1.0  # how often the live stream looks at the database
OVERLAP = timedelta(seconds=5)  # a report committed late (group commit) still carries an earlier time: look back
HEARTBEAT_S = 15.0
REAUTH_S = 30.0  # a revoked or expired credential ends the stream within this


def item(report: Report) -> QueueItem:
    return QueueItem(
        id=report.id, receipt_code=report.receipt_code, channel=report.channel,  # type: ignore[arg-type]
        received_at=report.received_at, updated_at=report.updated_at, province=report.province,
        urgency=report.urgency, status=report.status,  # type: ignore[arg-type]
        indicators=[str(i["code"]) for i in report.indicators], claimed_by=report.claimed_by,
    )


def _filters(
    province: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    channel: Annotated[Channel | None, Query()] = None,
    indicator: Annotated[str | None, Query(max_length=40)] = None,
) -> worklist.QueueFilter:
    if province and province not in province_names():
        raise ProblemError(422, "unknown_province", "Tỉnh phải là một trong 34 tỉnh, thành.", "Province must be one of the 34.")
    if status and status not in STATUSES:
        raise ProblemError(422, "unknown_status", "Trạng thái không hợp lệ.", "Unknown status.")
    if indicator and indicator not in indicator_codes():
        raise ProblemError(422, "unknown_indicator", "Dấu hiệu không có trong danh mục.", "Unknown indicator code.")
    return worklist.QueueFilter(province=province or None, status=status or None, channel=channel, indicator=indicator or None)


Filters = Annotated[worklist.QueueFilter, Depends(_filters)]


@router.get("/queue", response_model=list[QueueItem], dependencies=[_READ_LIMIT], responses=_ERRORS)
def get_queue(
    request: Request, filters: Filters, _principal: Annotated[Principal, Depends(_READERS)],
    limit_: Annotated[int, Query(alias="limit", ge=1, le=500)] = 200,
) -> list[QueueItem]:
    return [item(r) for r in worklist.open_reports(request.app.state.sessions, filters, limit=limit_)]


def _event(kind: str, data: str) -> bytes:
    return f"event: {kind}\ndata: {data}\n\n".encode()


async def _changes(request: Request, bearer: str) -> AsyncIterator[bytes]:
    """Every report created or changed from a few seconds before the stream opened, each change once."""
    sessions = request.app.state.sessions
    since = datetime.now(UTC) - OVERLAP
    seen: dict[str, datetime] = {}
    loop = asyncio.get_running_loop()
    # a stream ends by itself (settings.stream_lifetime_s) and the console opens the next at once, losing
    # nothing (the overlap): uvicorn waits for open responses before it stops, and would wait forever
    lifetime = float(request.app.state.settings.stream_lifetime_s)
    opened = last_beat = last_auth = loop.time()
    yield b"retry: 2000\n\n"
    while not await request.is_disconnected() and loop.time() - opened < lifetime:
        polled_at = datetime.now(UTC)
        for report in await asyncio.to_thread(worklist.all_changed_since, sessions, since):
            if seen.get(report.id) != report.updated_at:
                seen[report.id] = report.updated_at
                yield _event("report", item(report).model_dump_json())
        since = polled_at - OVERLAP
        seen = {k: v for k, v in seen.items() if v > since}
        now = loop.time()
        if now - last_auth >= REAUTH_S:
            last_auth = now
            if await asyncio.to_thread(authenticate, sessions, bearer) is None:
                yield _event("expired", json.dumps({"code": "unauthenticated"}))
                return
        if now - last_beat >= HEARTBEAT_S:
            last_beat = now
            yield b": heartbeat\n\n"
        await asyncio.sleep(POLL_S)


@router.get("/queue/events", dependencies=[_READ_LIMIT], response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "`event: report` per change"},
                       401: {"model": Problem}, 403: {"model": Problem}})
def queue_events(request: Request, _principal: Annotated[Principal, Depends(_READERS)]) -> StreamingResponse:
    """Server-sent events: one ``report`` event (a QueueItem) per report created or changed. Send the
    bearer header (read it with ``fetch`` and a stream reader: never put a token in a URL)."""
    bearer = request.headers["authorization"].partition(" ")[2].strip()
    return StreamingResponse(_changes(request, bearer), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _act(request: Request, principal: Principal, report_id: str, change: Callable[[], object]) -> ReportPublic:
    try:
        change()
    except LifecycleError as error:
        status_code = 404 if error.code == "report_not_found" else 409
        raise ProblemError(status_code, error.code, error.vi, error.en) from None
    return get_report(report_id, request, principal)  # audited there, as every read of personal fields


@router.post("/reports/{report_id}/claim", response_model=ReportPublic, dependencies=[_READ_LIMIT], responses=_ERRORS)
def claim(report_id: str, request: Request, principal: Annotated[Principal, Depends(_WORKERS)]) -> ReportPublic:
    sessions = request.app.state.sessions
    return _act(request, principal, report_id, lambda: assignment.claim(sessions, report_id, actor=principal.name))


@router.post("/reports/{report_id}/release", response_model=ReportPublic, dependencies=[_READ_LIMIT], responses=_ERRORS)
def release(report_id: str, request: Request, principal: Annotated[Principal, Depends(_WORKERS)]) -> ReportPublic:
    sessions = request.app.state.sessions
    return _act(request, principal, report_id, lambda: assignment.release(
        sessions, report_id, actor=principal.name, supervisor=principal.role == "supervisor"))


@router.post("/reports/{report_id}/forward", response_model=ReportPublic, dependencies=[_READ_LIMIT], responses=_ERRORS)
def forward(report_id: str, body: ForwardCreate, request: Request,
            principal: Annotated[Principal, Depends(_WORKERS)]) -> ReportPublic:
    state = request.app.state

    def change() -> None:
        assignment.check_holder(state.sessions, report_id, actor=principal.name, supervisor=principal.role == "supervisor")
        assignment.forward(state.sessions, state.cipher, report_id, body.target, actor=principal.name, note=body.note)

    return _act(request, principal, report_id, change)


@lru_cache(maxsize=1)
def _reference() -> ReferencePublic:
    taxonomy: dict[str, dict[str, str]] = load_yaml("indicators.yml")["indicators"]
    return ReferencePublic(indicators={code: spec.get("short", spec["vi"]) for code, spec in taxonomy.items()},
                           provinces=sorted(province_names()))


@router.get("/reference", response_model=ReferencePublic)
def reference() -> ReferencePublic:
    """Indicator labels and the 34 provinces, for the console's filters and forms (no personal data)."""
    return _reference()


