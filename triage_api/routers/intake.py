"""The police intake queue over HTTP, for consumers without Redis access: pull entries, acknowledge them.

Same consumer group as the Redis consumers (:mod:`triage_api.intake`): a pulled entry that is not
acknowledged is delivered again to whoever pulls after it has been idle for 30 seconds.
"""

from __future__ import annotations

from typing import Annotated, Any

import redis
from fastapi import APIRouter, Depends, Request

from triage_api.auth import Principal
from triage_api.deps import require
from triage_api.errors import ProblemError
from triage_api.intake import GROUP, Entry, claim_stale, ensure_group, read_new
from triage_api.lifecycle import LifecycleError, move
from triage_api.outbox import STREAM
from triage_api.ratelimit import limit
from triage_api.schemas import IntakeAck, IntakeEntry, IntakePull, Problem

router = APIRouter(prefix="/v1/intake", tags=["intake"], dependencies=[Depends(limit("intake", "reads_per_minute"))])
CLAIM_IDLE_MS = 30_000
_UNAVAILABLE = ProblemError(503, "intake_unavailable", "Hàng đợi tiếp nhận tạm thời không truy cập được. Thử lại sau ít phút.",
                            "The intake queue is unreachable for now. Retry in a few minutes.")


def _client(request: Request) -> redis.Redis:
    client: redis.Redis | None = getattr(request.app.state, "redis", None)
    if client is None:
        raise _UNAVAILABLE
    return client


def _public(entry: Entry) -> IntakeEntry:
    f = entry.fields
    return IntakeEntry(entry_id=entry.id, report_id=f["report_id"], urgency=f["urgency"],  # type: ignore[arg-type]
                       province=f["province"], indicators=[c for c in f["indicators"].split(",") if c],
                       channel=f["channel"], consent=f["consent"], received_at=f["received_at"])


@router.post("/pull", response_model=list[IntakeEntry], responses={401: {"model": Problem}, 503: {"model": Problem}})
def pull(body: IntakePull, request: Request,
         principal: Annotated[Principal, Depends(require("police", "service"))]) -> list[IntakeEntry]:
    client = _client(request)
    consumer = f"{principal.name}/{body.consumer}"
    try:
        ensure_group(client)
        entries = claim_stale(client, consumer, idle_ms=CLAIM_IDLE_MS, count=body.count)
        if len(entries) < body.count:
            entries += read_new(client, consumer, count=body.count - len(entries))
    except redis.RedisError:
        raise _UNAVAILABLE from None
    return [_public(e) for e in entries]


@router.post("/ack", response_model=list[str], responses={401: {"model": Problem}, 503: {"model": Problem}})
def ack(body: IntakeAck, request: Request,
        principal: Annotated[Principal, Depends(require("police", "service"))]) -> list[str]:
    """Acknowledge entries (their reports become «acknowledged»); returns the ids acknowledged."""
    client, state = _client(request), request.app.state
    done: list[str] = []
    try:
        for entry_id in body.entry_ids:
            found: Any = client.xrange(STREAM, min=entry_id, max=entry_id)
            if not found:
                continue
            report_id = found[0][1][b"report_id"].decode()
            try:
                move(state.sessions, state.cipher, report_id, "acknowledged", actor=principal.name)
            except LifecycleError:
                pass  # already further along (or closed): acknowledging the entry is still right
            client.xack(STREAM, GROUP, entry_id)
            done.append(entry_id)
    except redis.RedisError:
        raise _UNAVAILABLE from None
    return done
