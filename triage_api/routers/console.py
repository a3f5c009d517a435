"""The operator console: static pages under ``/console/`` (HTML, one CSS file, one small JS module per
page; no framework, nothing from outside the stack). Every answer carries a strict
Content-Security-Policy, so a page can reach nothing but this origin, run no inline script, and be
framed by no one."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from triage_api.errors import ProblemError

__all__ = ["CSP", "router"]

router = APIRouter(tags=["console"], include_in_schema=False)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml"}
_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY", "Cache-Control": "no-cache",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}


@lru_cache(maxsize=1)
def _files() -> dict[str, tuple[bytes, str]]:
    """The console's files, read once: a fixed list, so no path from a URL ever reaches the file system."""
    folder = resources.files("triage_api") / "console"
    found: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _TYPES:
            found[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return found


@router.get("/console")
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)


@router.get("/console/")
def console_index() -> Response:
    return console_file("index.html")


@router.get("/console/{name}")
def console_file(name: str) -> Response:
    found = _files().get(name)
    if found is None:
        raise ProblemError(404, "not_found", "Không tìm thấy trang này.", "No such page.")
    body, media_type = found
    return Response(body, media_type=media_type, headers=_HEADERS)
