"""A replay guard: each event id is accepted once within its window (Redis ``SET NX EX`` when a URL is given,
so several Rasa servers share it; otherwise in this process's memory).

>>> import asyncio
>>> guard = ReplayGuard(ttl_s=600)
>>> asyncio.run(guard.first_time("zalo:1")), asyncio.run(guard.first_time("zalo:1"))
(True, False)
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)
MAX_MEMORY_IDS = 200_000


class ReplayGuard:
    def __init__(self, *, ttl_s: float, redis_url: str | None = None, prefix: str = "channels:seen:") -> None:
        self.ttl_s, self.prefix = ttl_s, prefix
        self._seen: dict[str, float] = {}
        self._redis: Any = None
        if redis_url:
            import redis.asyncio

            self._redis = redis.asyncio.Redis.from_url(redis_url, socket_timeout=2)

    async def first_time(self, event_id: str) -> bool:
        key = hashlib.sha256(event_id.encode()).hexdigest()  # ids (user ids inside) never stored as given
        if self._redis is not None:
            try:
                return bool(await self._redis.set(self.prefix + key, b"1", nx=True, ex=int(self.ttl_s)))
            except Exception as error:  # noqa: BLE001 - Redis away: memory still catches replays to this process
                logger.warning("replay guard: Redis unreachable (%s), using memory", type(error).__name__)
        now = time.monotonic()
        if len(self._seen) > MAX_MEMORY_IDS or (self._seen and now - next(iter(self._seen.values())) > self.ttl_s):
            self._seen = {k: t for k, t in self._seen.items() if now - t <= self.ttl_s}
        if key in self._seen and now - self._seen[key] <= self.ttl_s:
            return False
        self._seen[key] = now
        return True
