"""Conversation and lock stores that keep the bot talking while Redis is away (``endpoints.yml``).

Rasa's own Redis stores fail every turn while Redis is down: the lock store raises before the message
is read, and the fail-safe tracker store forgets the conversation on every retrieve. A person writing
in that minute would get nothing back. These two keep Redis as the store of record and fall back to
this process's memory only for as long as Redis does not answer:

- :class:`ResilientRedisTrackerStore` — keeps the conversations saved in the last 15 minutes in memory
  as well, so an outage in the middle of a form does not lose it. A conversation that goes on during the
  outage is held in memory ("only here") and read from there first; once Redis answers again it is
  written back (a few at each save) and becomes an ordinary recent copy. Nothing here outlives Redis's
  own expiry (``record_exp``, the 7 days the privacy notice promises). It is still personal data: held in
  this process only, never written anywhere else.
- :class:`ResilientRedisLockStore` — locks fall back to an in-memory lock store. With several Rasa
  replicas this is per replica during the outage (the load balancer's sticky sessions keep one
  conversation on one replica); with one replica nothing changes.

Both skip Redis for :data:`PAUSE_S` after it failed, so a Redis host that stops answering (rather than
refusing connections) costs one timeout, not one per call for every conversation. Errors are logged by
class, never with a conversation's content.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
TIMEOUT_S = 1.0  # a Redis that does not answer within a second is treated as away
PAUSE_S = 5.0  # after a failure, Redis is not asked again for this long
RECENT_S = 15 * 60  # how long a conversation saved to Redis is also kept here, for an outage that starts mid-form
RECENT_MAX = 10_000
WRITE_BACK = 20  # conversations held only here that are written back to Redis at each successful save


class RedisAway(redis.ConnectionError):
    """Redis failed a moment ago: not asked again yet."""


class Breaker:
    """Remembers that Redis failed, so callers skip it for ``pause_s``."""

    def __init__(self, pause_s: float = PAUSE_S, clock: Any = time.monotonic) -> None:
        self.pause_s, self.clock, self.until = pause_s, clock, 0.0

    def check(self) -> None:
        if self.clock() < self.until:
            raise RedisAway("paused after a failure")

    def failed(self) -> None:
        self.until = self.clock() + self.pause_s


class ResilientRedisTrackerStore(RedisTrackerStore):
    def __init__(self, domain: Domain, host: str = "localhost", port: int = 6379, db: int = 0, **kwargs: Any) -> None:
        super().__init__(domain, host=host, port=int(port), db=int(db), **kwargs)
        self.red.connection_pool.connection_kwargs.update(socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        self.breaker = Breaker()
        self.expire_s = float(self.record_exp or 7 * 24 * 3600)
        # sender id → (saved at, serialised tracker, saved only here), least recently saved first
        self._recent: OrderedDict[str, tuple[float, str, bool]] = OrderedDict()

    def _remember(self, tracker: DialogueStateTracker, *, only_here: bool) -> None:
        now = time.monotonic()
        self._recent[tracker.sender_id] = (now, self.serialise_tracker(tracker), only_here)
        self._recent.move_to_end(tracker.sender_id)
        self._forget_old(now)

    def _forget_old(self, now: float) -> None:
        """Drop recent copies older than RECENT_S, anything older than Redis's expiry, and the oldest past RECENT_MAX."""
        for sender, (saved, _, only_here) in list(self._recent.items()):
            if now - saved < RECENT_S and len(self._recent) <= RECENT_MAX:
                break  # ordered by time: everything after is younger
            if not only_here or now - saved >= self.expire_s or len(self._recent) > RECENT_MAX:
                self._recent.pop(sender)

    async def _write_back(self) -> None:
        waiting = [s for s, (_, _, only_here) in self._recent.items() if only_here][:WRITE_BACK]
        for sender in waiting:
            saved, serialised, _ = self._recent[sender]
            await super().save(self.deserialise_tracker(sender, serialised))
            self._recent[sender] = (saved, serialised, False)

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        try:
            self.breaker.check()
            await super().save(tracker, timeout)
            self._remember(tracker, only_here=False)
            await self._write_back()
        except redis.RedisError as error:
            self._away(error)
            self._remember(tracker, only_here=True)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        recent = self._recent.get(sender_id)
        if recent is not None and recent[2]:  # newer than anything Redis holds
            return self.deserialise_tracker(sender_id, recent[1])
        try:
            self.breaker.check()
            return await super()._retrieve(sender_id, fetch_all_sessions)
        except redis.RedisError as error:
            self._away(error)
            return self.deserialise_tracker(sender_id, recent[1]) if recent is not None else None

    def _away(self, error: redis.RedisError) -> None:
        if not isinstance(error, RedisAway):  # a real failure: pause; a skipped call leaves the pause as it is
            logger.warning("tracker store unreachable (%s): conversations go on in memory", type(error).__name__)
            self.breaker.failed()

    def forget(self, sender_id: str) -> None:
        """Delete a conversation here and in Redis (raises if Redis is away: the caller retries)."""
        self._recent.pop(sender_id, None)
        self.red.delete(self.key_prefix + sender_id)


class ResilientRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        kwargs = {k: v for k, v in endpoint_config.kwargs.items() if k != "type"}
        super().__init__(host=endpoint_config.url or "localhost", socket_timeout=TIMEOUT_S, **kwargs)
        self._memory = InMemoryLockStore()
        self.breaker = Breaker()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        try:
            self.breaker.check()
            return super().get_lock(conversation_id)
        except redis.RedisError as error:
            self._away(error)
            return self._memory.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._memory.conversation_locks.pop(conversation_id, None)
        try:
            self.breaker.check()
            super().delete_lock(conversation_id)
        except redis.RedisError as error:
            self._away(error)

    def save_lock(self, lock: TicketLock) -> None:
        try:
            self.breaker.check()
            super().save_lock(lock)
        except redis.RedisError as error:
            self._away(error)
            self._memory.save_lock(lock)

    def _away(self, error: redis.RedisError) -> None:
        if not isinstance(error, RedisAway):
            logger.warning("lock store unreachable (%s): locking in memory", type(error).__name__)
            self.breaker.failed()
