"""``GET /metrics``: Prometheus text — request counts and times, the P1 wait, the outbox and intake backlog."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from triage_api.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(exposition, request.app.state.sessions, request.app.state.redis)
    return Response(body, media_type=CONTENT_TYPE)
