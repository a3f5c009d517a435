"""Conversation and lock stores that keep the bot talking while Redis is away (``endpoints.yml``).

Rasa's own Redis stores fail every turn while Redis is down: the lock store raises before the message
is read, and the fail-safe tracker store forgets the conversation on every retrieve. A person writing
in that minute would get nothing back. These two keep Redis as the store of record and fall back to
this process's memory only for as long as Redis does not answer:

- :class:`ResilientRedisTrackerStore` — keeps the conversations of the last 15 minutes in memory as
  well, so an outage in the middle of a form does not lose it; a conversation that goes on during the
  outage is held in memory until Redis takes it back on the next save, and read from there first. It
  is still personal data: held in this process only, never written anywhere else; the expiry in Redis
  (``record_exp``) applies as before.
- :class:`ResilientRedisLockStore` — locks fall back to an in-memory lock store. With several Rasa
  replicas this is per replica during the outage (the load balancer's sticky sessions keep one
  conversation on one replica); with one replica nothing changes.

Errors are logged by class, never with a conversation's content.
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
RECENT_S = 15 * 60  # how long a conversation saved to Redis is also kept here, for an outage that starts mid-form
RECENT_MAX = 10_000


class ResilientRedisTrackerStore(RedisTrackerStore):
    def __init__(self, domain: Domain, host: str = "localhost", port: int = 6379, db: int = 0, **kwargs: Any) -> None:
        super().__init__(domain, host=host, port=int(port), db=int(db), **kwargs)
        self.red.connection_pool.connection_kwargs.update(socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        # sender id → (saved at, serialised tracker, saved only here): the conversations of the last minutes
        self._recent: OrderedDict[str, tuple[float, str, bool]] = OrderedDict()

    def _remember(self, tracker: DialogueStateTracker, *, only_here: bool) -> None:
        now = time.monotonic()
        self._recent[tracker.sender_id] = (now, self.serialise_tracker(tracker), only_here)
        self._recent.move_to_end(tracker.sender_id)
        while self._recent:
            sender, (saved, _, kept_only_here) = next(iter(self._recent.items()))
            if (now - saved < RECENT_S or kept_only_here) and len(self._recent) <= RECENT_MAX:
                break
            self._recent.pop(sender)

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        try:
            await super().save(tracker, timeout)
        except redis.RedisError as error:
            logger.warning("tracker store unreachable (%s): the conversation goes on in memory", type(error).__name__)
            self._remember(tracker, only_here=True)
            return
        self._remember(tracker, only_here=False)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        recent = self._recent.get(sender_id)
        if recent is not None and recent[2]:  # newer than anything Redis holds
            return self.deserialise_tracker(sender_id, recent[1])
        try:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        except redis.RedisError as error:
            logger.warning("tracker store unreachable (%s): the conversation goes on in memory", type(error).__name__)
            return self.deserialise_tracker(sender_id, recent[1]) if recent is not None else None


class ResilientRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        kwargs = {k: v for k, v in endpoint_config.kwargs.items() if k != "type"}
        super().__init__(host=endpoint_config.url or "localhost", socket_timeout=TIMEOUT_S, **kwargs)
        self._memory = InMemoryLockStore()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        try:
            return super().get_lock(conversation_id)
        except redis.RedisError as error:
            logger.warning("lock store unreachable (%s): locking in memory", type(error).__name__)
            return self._memory.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._memory.conversation_locks.pop(conversation_id, None)
        try:
            super().delete_lock(conversation_id)
        except redis.RedisError as error:
            logger.warning("lock store unreachable (%s)", type(error).__name__)

    def save_lock(self, lock: TicketLock) -> None:
        try:
            super().save_lock(lock)
        except redis.RedisError as error:
            logger.warning("lock store unreachable (%s): locking in memory", type(error).__name__)
            self._memory.save_lock(lock)
