"""bot/stores.py against a real redis-server that stops and comes back: the conversation goes on, returns
to Redis, and nothing is kept in memory longer than it should be."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rasa.core.lock import TicketLock
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import stores
from bot.stores import Breaker, RedisAway, ResilientRedisLockStore, ResilientRedisTrackerStore
from triage_api.devservices import RedisServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    try:
        own = RedisServer(tmp_path)
    except FileNotFoundError:
        pytest.skip("redis-server is not installed: cannot test the Redis stores")
    own.start()
    yield own
    own.stop()


def store_on(server: RedisServer) -> ResilientRedisTrackerStore:
    return ResilientRedisTrackerStore(Domain.empty(), host="127.0.0.1", port=server.port, db=0, record_exp=3600,
                                      key_prefix="bot")


def said(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in (tracker.events if tracker else []) if isinstance(e, UserUttered)]


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [UserUttered(t) for t in texts])


def test_an_outage_mid_form_keeps_the_conversation_and_it_goes_back_to_redis(server: RedisServer,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_on(server)
    run = asyncio.new_event_loop().run_until_complete
    run(store.save(conversation("a", "cứu em")))
    server.stop()
    during = run(store.retrieve("a"))
    assert said(during) == ["cứu em"]  # Redis away: the recent copy
    during.update(UserUttered("đang diễn ra"))
    run(store.save(during))  # held only here
    assert said(run(store.retrieve("a"))) == ["cứu em", "đang diễn ra"]
    server.start()
    monkeypatch.setattr(store.breaker, "until", 0.0)  # the pause is over
    run(store.save(conversation("b", "xin chào")))  # any save writes the waiting conversations back
    fresh = store_on(server)
    assert said(run(fresh.retrieve("a"))) == ["cứu em", "đang diễn ra"]
    assert redis.Redis(port=server.port).ttl("bot:tracker:a") > 0  # the expiry applies as before


def test_a_failure_pauses_redis_so_a_dead_host_costs_one_timeout(server: RedisServer) -> None:
    store = store_on(server)
    run = asyncio.new_event_loop().run_until_complete
    server.stop()
    run(store.retrieve("x"))
    calls = []
    store.red.get = lambda *a, **k: calls.append(a)  # type: ignore[method-assign]
    for _ in range(10):
        run(store.retrieve("x"))
        run(store.save(conversation("x", "tin")))
    assert calls == [] and said(run(store.retrieve("x"))) == ["tin"]
    breaker = Breaker(pause_s=5, clock=lambda: 100.0)
    breaker.failed()
    with pytest.raises(RedisAway):
        breaker.check()


def test_memory_holds_nothing_past_its_time(server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_on(server)
    run = asyncio.new_event_loop().run_until_complete
    now = [1000.0]
    monkeypatch.setattr(stores.time, "monotonic", lambda: now[0])
    run(store.save(conversation("saved", "a")))
    store._remember(conversation("held", "b"), only_here=True)
    now[0] += stores.RECENT_S + 1
    store._remember(conversation("new", "c"), only_here=False)
    assert set(store._recent) == {"held", "new"}  # the copy of a conversation Redis holds is gone; the held one waits
    now[0] += store.expire_s
    store._remember(conversation("newer", "d"), only_here=False)
    assert set(store._recent) == {"newer"}  # nothing outlives Redis's own expiry


def test_forget_deletes_everywhere(server: RedisServer) -> None:
    store = store_on(server)
    run = asyncio.new_event_loop().run_until_complete
    run(store.save(conversation("f", "bí mật")))
    store.forget("f")
    assert run(store_on(server).retrieve("f")) is None and "f" not in store._recent


def test_locks_fall_back_to_memory_while_redis_is_away(server: RedisServer) -> None:
    locks = ResilientRedisLockStore(EndpointConfig(url="127.0.0.1", port=server.port, db=0, key_prefix="bot"))
    locks.save_lock(TicketLock("c"))
    assert locks.get_lock("c") is not None
    server.stop()
    locks.save_lock(TicketLock("d"))
    assert locks.get_lock("d") is not None  # from memory
    locks.delete_lock("d")
    assert locks.get_lock("d") is None
