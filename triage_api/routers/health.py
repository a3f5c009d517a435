"""``GET /healthz``: the process is up. ``GET /readyz``: it can take reports — the database answers
(503 if not); Redis is reported but not required, since reports wait in the outbox while it is away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from triage_api import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def _checks(request: Request) -> dict[str, str]:
    checks = {}
    try:
        with request.app.state.sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure: not ready
        checks["database"] = f"down ({type(exc).__name__})"
    client = request.app.state.redis
    if client is None:
        checks["redis"] = "not configured"
    else:
        try:
            client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"down ({type(exc).__name__}): reports wait in the outbox"
    return checks


@router.get("/readyz", responses={503: {"description": "The database does not answer"}})
async def readyz(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(_checks, request)
    ready = checks["database"] == "ok"
    return JSONResponse({"status": "ok" if ready else "unavailable", "version": __version__, "checks": checks},
                        status_code=200 if ready else 503)
