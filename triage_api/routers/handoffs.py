"""Handoffs: ``POST /v1/handoffs`` (the bot flags a conversation), ``GET /v1/handoffs`` (open ones, audited),
``POST /v1/handoffs/{id}/take`` (an operator takes one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from triage_api import handoffs
from triage_api.audit import record
from triage_api.auth import Principal
from triage_api.deps import require
from triage_api.errors import ProblemError
from triage_api.ratelimit import limit
from triage_api.schemas import HandoffAccepted, HandoffCreate, HandoffOpen, Problem

router = APIRouter(prefix="/v1", tags=["handoffs"])
_LIMIT = Depends(limit("read", "reads_per_minute"))


@router.post("/handoffs", status_code=status.HTTP_201_CREATED, response_model=HandoffAccepted, dependencies=[_LIMIT],
             responses={200: {"model": HandoffAccepted, "description": "Already open for this conversation"},
                        401: {"model": Problem}, 403: {"model": Problem}})
def post_handoff(
    body: HandoffCreate, request: Request, response: Response,
    principal: Annotated[Principal, Depends(require("service", "operator", "supervisor"))],
) -> HandoffAccepted:
    state = request.app.state
    handoff, created = handoffs.request(state.sessions, state.cipher, body.conversation_id, body.channel)
    if not created:
        response.status_code = status.HTTP_200_OK
    return HandoffAccepted(id=handoff.id, channel=handoff.channel, created_at=handoff.created_at)  # type: ignore[arg-type]


@router.get("/handoffs", response_model=list[HandoffOpen], dependencies=[_LIMIT],
            responses={401: {"model": Problem}, 403: {"model": Problem}})
def get_handoffs(
    request: Request, principal: Annotated[Principal, Depends(require("operator", "supervisor"))],
) -> list[HandoffOpen]:
    state = request.app.state
    record(state.sessions, principal, "list_handoffs", None, ["conversation_id"])  # audited before it is shown
    return [HandoffOpen.model_validate(h) for h in handoffs.open_handoffs(state.sessions, state.cipher)]


@router.post("/handoffs/{handoff_id}/take", status_code=status.HTTP_204_NO_CONTENT, dependencies=[_LIMIT],
             responses={401: {"model": Problem}, 403: {"model": Problem}, 409: {"model": Problem}})
def take_handoff(
    handoff_id: str, request: Request, principal: Annotated[Principal, Depends(require("operator", "supervisor"))],
) -> Response:
    if not handoffs.take(request.app.state.sessions, handoff_id, principal.name):
        raise ProblemError(409, "handoff_not_open", "Yêu cầu này không còn mở (đã có người nhận hoặc không tồn tại).",
                           "This handoff is not open (taken already, or unknown).")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
