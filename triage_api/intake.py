"""The police side of the intake stream: a consumer group that never loses an entry.

Each consumer reads new entries of ``intake:reports`` with ``>``, handles them, and acknowledges only
after success. Entries a dead consumer read but never acknowledged are taken over with XAUTOCLAIM
once they have been idle for ``claim_idle_ms``; an entry delivered ``max_deliveries`` times without
success goes to the dead-letter stream ``intake:dead`` (with its original id) and is acknowledged,
so one poisonous entry cannot block the queue. Blocking reads time out, so a consumer stops promptly.

>>> GROUP, DEAD_LETTER
('police', 'intake:dead')
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from triage_api.outbox import STREAM

__all__ = ["DEAD_LETTER", "GROUP", "Consumer", "Entry", "claim_stale", "ensure_group", "read_new"]

log = logging.getLogger("triage_api.intake")

GROUP = "police"
DEAD_LETTER = "intake:dead"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    fields: dict[str, str]


def ensure_group(client: redis.Redis) -> None:
    """Create the consumer group (and the stream) if missing; idempotent."""
    try:
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _entries(raw: Any) -> list[Entry]:
    return [
        Entry(entry_id.decode(), {k.decode(): v.decode() for k, v in fields.items()})
        for entry_id, fields in raw
        if fields is not None  # an entry trimmed from the stream while pending
    ]


def claim_stale(client: redis.Redis, consumer: str, *, idle_ms: int, count: int) -> list[Entry]:
    """Take over entries another consumer read but left unacknowledged for ``idle_ms``."""
    reply: Any = client.xautoclaim(STREAM, GROUP, consumer, min_idle_time=idle_ms, start_id="0-0", count=count)
    return _entries(reply[1])  # [next start, claimed entries, deleted ids]


def read_new(client: redis.Redis, consumer: str, *, count: int, block_ms: int | None = None) -> list[Entry]:
    """Entries never delivered to the group before."""
    raw: Any = client.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms)
    return [entry for stream_reply in raw or [] for entry in _entries(stream_reply[1])]  # [[stream, entries]]


class Consumer:
    """One member of the police consumer group; ``handle`` raising means "not done, deliver again"."""

    def __init__(
        self,
        client: redis.Redis,
        name: str,
        handle: Callable[[Entry], None],
        *,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        block_ms: int = 1_000,
        batch: int = 50,
    ) -> None:
        self.client, self.name, self.handle = client, name, handle
        self.claim_idle_ms, self.max_deliveries = claim_idle_ms, max_deliveries
        self.block_ms, self.batch = block_ms, batch
        ensure_group(client)

    def poll(self) -> int:
        """One round: take over stale entries, then read new ones; returns how many were handled."""
        done = self._process(claim_stale(self.client, self.name, idle_ms=self.claim_idle_ms, count=self.batch))
        return done + self._process(read_new(self.client, self.name, count=self.batch, block_ms=self.block_ms))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll()
            except redis.RedisError as exc:
                log.warning("intake stream unreachable (%s); retrying", type(exc).__name__)
                stop.wait(1.0)

    def _deliveries(self, entry_id: str) -> int:
        info = self.client.xpending_range(STREAM, GROUP, min=entry_id, max=entry_id, count=1)
        return int(info[0]["times_delivered"]) if info else 0

    def _process(self, entries: list[Entry]) -> int:
        done = 0
        for entry in entries:
            try:
                self.handle(entry)
            except Exception as exc:  # noqa: BLE001 - any failure means: deliver again later
                if self._deliveries(entry.id) >= self.max_deliveries:
                    self._dead_letter(entry, type(exc).__name__)
                else:
                    log.warning("entry %s not handled (%s); it will be delivered again", entry.id, type(exc).__name__)
                continue
            self.client.xack(STREAM, GROUP, entry.id)
            done += 1
        return done

    def _dead_letter(self, entry: Entry, error: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        fields: dict[Any, Any] = {**entry.fields, "original_id": entry.id, "error": error}
        pipe.xadd(DEAD_LETTER, fields)
        pipe.xack(STREAM, GROUP, entry.id)
        pipe.execute()
        log.error("entry %s dead-lettered after %d deliveries (%s)", entry.id, self.max_deliveries, error)
