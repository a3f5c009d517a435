"""Per-sender rate limits and message-size limits, one policy for every channel.

>>> limits = SenderLimits(per_minute=2, max_chars=10, clock=lambda: 0.0)
>>> [limits.check("a") for _ in range(4)]
[<Verdict.ALLOW: 'allow'>, <Verdict.ALLOW: 'allow'>, <Verdict.WARN: 'warn'>, <Verdict.DROP: 'drop'>]
>>> limits.check("b"), limits.too_long("x" * 11)
(<Verdict.ALLOW: 'allow'>, True)

A refused sender is told once per window (``WARN``: send the kind "slow down" reply), then dropped quietly
(``DROP``), so a flood never makes the bot flood back. Counts live in memory, per Rasa process."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW_S = 60.0
MAX_SENDERS = 100_000  # memory bound: the oldest senders are forgotten first


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"
    DROP = "drop"


class SenderLimits:
    def __init__(self, *, per_minute: int = 20, max_chars: int = 2000, max_body_bytes: int = 64 * 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.max_chars, self.max_body_bytes = per_minute, max_chars, max_body_bytes
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._warned: dict[str, float] = {}

    @classmethod
    def from_env(cls) -> SenderLimits:
        """``CHANNEL_MESSAGES_PER_MINUTE`` (20), ``CHANNEL_MAX_MESSAGE_CHARS`` (2000), ``CHANNEL_MAX_BODY_BYTES`` (65536)."""
        return cls(per_minute=int(os.environ.get("CHANNEL_MESSAGES_PER_MINUTE") or 20),
                   max_chars=int(os.environ.get("CHANNEL_MAX_MESSAGE_CHARS") or 2000),
                   max_body_bytes=int(os.environ.get("CHANNEL_MAX_BODY_BYTES") or 64 * 1024))

    def check(self, sender: str) -> Verdict:
        now = self._clock()
        hits = self._hits.pop(sender, None) or deque()
        self._hits[sender] = hits  # re-inserted: dict order is least recently seen first
        while hits and now - hits[0] >= WINDOW_S:
            hits.popleft()
        if len(self._hits) > MAX_SENDERS:
            oldest = next(iter(self._hits))
            self._hits.pop(oldest)
            self._warned.pop(oldest, None)
        if len(hits) < self.per_minute:
            hits.append(now)
            return Verdict.ALLOW
        warned = self._warned.get(sender)
        if warned is not None and now - warned < WINDOW_S:
            return Verdict.DROP
        self._warned[sender] = now
        return Verdict.WARN

    def too_long(self, text: str) -> bool:
        return len(text) > self.max_chars

    def body_too_big(self, body: bytes | None) -> bool:
        return len(body or b"") > self.max_body_bytes
