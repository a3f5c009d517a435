"""Per-client rate limits: a sliding window per client and route group, in the process's memory.

A client is its credential (hashed) when it sends a *valid* one — the bot's service key, an operator's
token — else its address: a made-up ``Authorization`` header must not buy a fresh window (someone could
otherwise bury real P1 tips under fake ones). Valid credentials are remembered for a minute, so the check
costs one database look-up a minute per credential. Over the limit, the answer
is 429 with ``Retry-After``. Limits are per API process: behind several workers the effective limit
is that many times higher (a shared Redis window is the next step when that matters).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from triage_api.auth import authenticate
from triage_api.errors import ProblemError

__all__ = ["RateLimited", "limit"]


class RateLimited(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "rate_limited", "Bạn gửi quá nhiều yêu cầu. Vui lòng thử lại sau ít phút. Nếu khẩn cấp, gọi 113.",
                         "Too many requests. Please retry in a few minutes. In an emergency call 113.")
        self.retry_after = retry_after


class _Window:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, per_minute: int, now: float) -> int | None:
        """Record a request; the seconds to wait when over the limit, else None."""
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return int(hits[0] + 60 - now) + 1
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle clients rather than grow without bound
                for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                    del self._hits[key]
            return None


VALID_FOR_S = 60.0


async def _client(request: Request) -> str:
    address = "a:" + (request.client.host if request.client else "unknown")
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return address
    key = "c:" + hashlib.sha256(credential.strip().encode()).hexdigest()[:32]
    known: dict[str, float] = request.app.state.__dict__.setdefault("_valid_credentials", {})
    now = time.monotonic()
    if known.get(key, 0.0) > now:
        return key
    if await run_in_threadpool(authenticate, request.app.state.sessions, credential.strip()) is None:
        return address
    if len(known) > 10_000:
        known.clear()
    known[key] = now + VALID_FOR_S
    return key


def limit(group: str, setting: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency: at most ``settings.<setting>`` requests a minute per client for this route group.
    The window belongs to the application (``app.state``), so two apps in one process never share it."""

    async def dependency(request: Request) -> None:
        state = request.app.state
        per_minute = int(getattr(state.settings, setting))
        windows: dict[str, _Window] = state.rate_windows  # made by create_app
        window = windows.setdefault(group, _Window())
        wait = window.hit(await _client(request), per_minute, time.monotonic())
        if wait is not None:
            raise RateLimited(wait)

    return dependency
