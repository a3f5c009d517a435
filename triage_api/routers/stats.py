"""``GET /v1/stats`` (JSON), ``/v1/stats.csv`` and ``/v1/stats.xlsx``: the plans' figures for a period."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from triage_api.auth import Principal
from triage_api.deps import require
from triage_api.engine.provinces import province_names
from triage_api.errors import ProblemError
from triage_api.ratelimit import limit
from triage_api.stats import Period, Stats, compute, to_csv, to_xlsx

router = APIRouter(prefix="/v1", tags=["statistics"], dependencies=[Depends(limit("stats", "reads_per_minute"))])
_READERS = Depends(require("supervisor", "auditor"))


def _stats(request: Request, period: Period, year: int, number: int, province: str | None) -> Stats:
    if province is not None and province not in province_names():
        raise ProblemError(422, "unknown_province", "Tỉnh phải là một trong 34 tỉnh, thành.", "Province must be one of the 34.")
    try:
        return compute(request.app.state.sessions, period, year, number, province=province)
    except ValueError:
        raise ProblemError(422, "invalid_period", "Kỳ báo cáo không hợp lệ.", "No such period.") from None


Params = tuple[Period, int, int, str | None]


def _params(
    period: Annotated[Period, Query()], year: Annotated[int, Query(ge=2020, le=2100)],
    number: Annotated[int, Query(ge=1, le=12)] = 1, province: Annotated[str | None, Query(max_length=40)] = None,
) -> Params:
    return period, year, number, province


@router.get("/stats")
def stats_json(request: Request, params: Annotated[Params, Depends(_params)],
               _principal: Annotated[Principal, _READERS]) -> dict[str, Any]:
    return asdict(_stats(request, *params))


@router.get("/stats.csv", response_class=Response)
def stats_csv(request: Request, params: Annotated[Params, Depends(_params)],
              _principal: Annotated[Principal, _READERS]) -> Response:
    return Response(to_csv(_stats(request, *params)), media_type="text/csv; charset=utf-8")


@router.get("/stats.xlsx", response_class=Response)
def stats_xlsx(request: Request, params: Annotated[Params, Depends(_params)],
               _principal: Annotated[Principal, _READERS]) -> Response:
    return Response(to_xlsx(_stats(request, *params)),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
