"""``POST /v1/token``: the OAuth2 password flow for people who sign in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from triage_api.auth import TOKEN_LIFETIME, issue_token
from triage_api.errors import ProblemError
from triage_api.schemas import Problem, TokenPublic

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/token", response_model=TokenPublic, responses={401: {"model": Problem}})
def token(request: Request, username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=256)]) -> TokenPublic:
    issued = issue_token(request.app.state.sessions, username, password)
    if issued is None:
        raise ProblemError(401, "invalid_credentials", "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
    return TokenPublic(access_token=issued[0], expires_in=int(TOKEN_LIFETIME.total_seconds()))
