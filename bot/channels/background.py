"""What a webhook answered for at once and is still doing: Zalo and Telegram expect their 200 quickly
and resend on a slow answer, so a message is acknowledged first and handled in a tracked task; shutdown
waits for those tasks, within a limit, so it never hangs on a stuck turn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)
DRAIN_S = 10.0  # how long shutdown waits for the messages being handled


class Background:
    def __init__(self, name: str, *, drain_s: float = DRAIN_S) -> None:
        self.name, self.drain_s = name, drain_s
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for every task, including any started meanwhile (tests; shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Shutdown: wait for the running tasks at most ``drain_s``, then leave them."""
        try:
            await asyncio.wait_for(self.drain(), self.drain_s)
        except asyncio.TimeoutError:
            logger.warning("%s: messages still being handled at shutdown were stopped", self.name)
