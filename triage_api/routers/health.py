"""``GET /healthz``: is the process up and is the engine loaded."""

from __future__ import annotations

from fastapi import APIRouter

from triage_api import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
