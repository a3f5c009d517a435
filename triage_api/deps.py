"""Short dependencies so endpoints read like prose: ``principal: Annotated[Principal, Depends(require("police"))]``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from triage_api.auth import Principal, Role, authenticate
from triage_api.errors import ProblemError

__all__ = ["require"]

_UNAUTHENTICATED = ProblemError(
    401, "unauthenticated", "Cần đăng nhập (Authorization: Bearer …).", "Authentication required (Authorization: Bearer …)."
)


def require(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency that admits only these roles (401 without a valid credential, 403 with another role)."""

    def dependency(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise _UNAUTHENTICATED
        principal = authenticate(request.app.state.sessions, credential.strip())
        if principal is None:
            raise _UNAUTHENTICATED
        if principal.role not in roles:
            raise ProblemError(403, "forbidden", "Vai trò của bạn không được phép làm việc này.", "Your role may not do this.")
        request.state.principal = principal
        return principal

    return dependency
