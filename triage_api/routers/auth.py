"""``POST /v1/token``: the OAuth2 password flow for people who sign in; ``GET /v1/me``: who is signed in;
``POST /v1/logout``: sign out (the token stops working)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status

from triage_api.auth import ROLES, TOKEN_LIFETIME, Principal, issue_token, revoke_token
from triage_api.deps import require
from triage_api.errors import ProblemError
from triage_api.schemas import PrincipalPublic, Problem, TokenPublic

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/token", response_model=TokenPublic, responses={401: {"model": Problem}})
def token(request: Request, username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=256)]) -> TokenPublic:
    issued = issue_token(request.app.state.sessions, username, password)
    if issued is None:
        raise ProblemError(401, "invalid_credentials", "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
    return TokenPublic(access_token=issued[0], expires_in=int(TOKEN_LIFETIME.total_seconds()))


@router.get("/me", response_model=PrincipalPublic, responses={401: {"model": Problem}})
def me(principal: Annotated[Principal, Depends(require(*ROLES))]) -> PrincipalPublic:
    """Who this credential belongs to and its role (the console shows what the role may do)."""
    return PrincipalPublic(name=principal.name, role=principal.role)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses={401: {"model": Problem}})
def logout(request: Request, _principal: Annotated[Principal, Depends(require(*ROLES))]) -> Response:
    """Sign out: the caller's access token is deleted, so a copy left in a browser no longer works (204)."""
    revoke_token(request.app.state.sessions, request.headers["authorization"].partition(" ")[2].strip())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
