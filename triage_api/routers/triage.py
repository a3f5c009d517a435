"""``POST /v1/triage``: urgency, indicators with evidence, entities and an explanation for one message."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from triage_api.engine.triage import triage
from triage_api.engine.validate import check_text
from triage_api.errors import ProblemError
from triage_api.schemas import Problem, TriagePublic, TriageRequest

router = APIRouter(prefix="/v1", tags=["triage"])

@router.post(
    "/triage",
    response_model=TriagePublic,
    responses={400: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
)
def post_triage(body: TriageRequest, request: Request) -> TriagePublic:
    problem = check_text(body.text, max_chars=request.app.state.settings.max_text_chars)
    if problem is not None:
        raise ProblemError.of_text(problem)
    result = triage(body.text)
    return TriagePublic.model_validate(
        {**asdict(result), "indicators": [asdict(i) for i in result.indicators]}
    )
