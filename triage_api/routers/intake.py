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
from triage_api.intake import GROUP, ensure_group
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


def _entry(entry_id: bytes, fields: dict[bytes, bytes]) -> IntakeEntry:
    f = {k.decode(): v.decode() for k, v in fields.items()}
    return IntakeEntry(entry_id=entry_id.decode(), report_id=f["report_id"], urgency=f["urgency"],  # type: ignore[arg-type]
                       province=f["province"], indicators=[c for c in f["indicators"].split(",") if c],
                       channel=f["channel"], consent=f["consent"], received_at=f["received_at"])


@router.post("/pull", response_model=list[IntakeEntry], responses={401: {"model": Problem}, 503: {"model": Problem}})
def pull(body: IntakePull, request: Request,
         principal: Annotated[Principal, Depends(require("police", "service"))]) -> list[IntakeEntry]:
    client = _client(request)
    consumer = f"{principal.name}/{body.consumer}"
    try:
        ensure_group(client)
        claimed: Any = client.xautoclaim(STREAM, GROUP, consumer, min_idle_time=CLAIM_IDLE_MS, start_id="0-0", count=body.count)
        entries = [(i, f) for i, f in claimed[1] if f is not None]
        if len(entries) < body.count:
            fresh: Any = client.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=body.count - len(entries))
            for stream_reply in fresh or []:
                entries += list(stream_reply[1])
    except redis.RedisError:
        raise _UNAVAILABLE from None
    return [_entry(i, f) for i, f in entries]


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
