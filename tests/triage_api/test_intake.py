"""The police consumer group on real Redis: acknowledge after success, reclaim from the dead, dead-letter."""

import time

import pytest
import redis
from sqlalchemy import select

from tests.triage_api.test_outbox import CIPHER, sessions_for, submit_many
from triage_api.intake import DEAD_LETTER, GROUP, Consumer, Entry
from triage_api.lifecycle import move
from triage_api.models import Report, ReportEvent
from triage_api.outbox import STREAM, publish_pending


def acknowledge(sessions, name: str):  # type: ignore[no-untyped-def]
    def handle(entry: Entry) -> None:
        move(sessions, CIPHER, entry.fields["report_id"], "acknowledged", actor=f"police:{name}")
    return handle


def pending(client: redis.Redis) -> int:
    return int(client.xpending(STREAM, GROUP)["pending"])


def test_a_consumer_acknowledges_what_it_handled(clean_redis: redis.Redis, tmp_path: object) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    ids = submit_many(sessions, 3)
    publish_pending(sessions, clean_redis)
    consumer = Consumer(clean_redis, "police-1", acknowledge(sessions, "police-1"), block_ms=10)
    assert consumer.poll() == 3
    assert pending(clean_redis) == 0
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Report).where(Report.id.in_(ids)))} == {"acknowledged"}
        actors = {e.actor for e in s.scalars(select(ReportEvent).where(ReportEvent.to_value == "acknowledged"))}
    assert actors == {"police:police-1"}


def test_entries_of_a_consumer_that_died_are_reclaimed(clean_redis: redis.Redis, tmp_path: object) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    ids = submit_many(sessions, 4)
    publish_pending(sessions, clean_redis)
    Consumer(clean_redis, "police-dead", acknowledge(sessions, "x"), block_ms=10)  # creates the group
    # police-dead reads the entries and dies before acknowledging any
    clean_redis.xreadgroup(GROUP, "police-dead", {STREAM: ">"}, count=10)
    assert pending(clean_redis) == 4
    survivor = Consumer(clean_redis, "police-2", acknowledge(sessions, "police-2"), claim_idle_ms=1500, block_ms=10)
    assert survivor.poll() == 0  # not idle long enough yet: not stolen from a live consumer
    time.sleep(1.6)
    assert survivor.poll() == 4
    assert pending(clean_redis) == 0
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Report).where(Report.id.in_(ids)))} == {"acknowledged"}


def test_an_entry_that_keeps_failing_goes_to_the_dead_letter_stream(clean_redis: redis.Redis, tmp_path: object) -> None:
    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    (report_id,) = submit_many(sessions, 1)
    publish_pending(sessions, clean_redis)

    def broken(entry: Entry) -> None:
        raise ValueError("cannot handle")

    consumer = Consumer(clean_redis, "police-3", broken, claim_idle_ms=0, max_deliveries=3, block_ms=10)
    for _ in range(5):
        consumer.poll()
    assert pending(clean_redis) == 0
    ((_dead_id, fields),) = clean_redis.xrange(DEAD_LETTER)
    assert fields[b"report_id"].decode() == report_id and fields[b"error"] == b"ValueError"


def test_consumers_survive_redis_going_away(own_redis, tmp_path: object) -> None:  # type: ignore[no-untyped-def]
    import threading

    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    client = redis.Redis.from_url(own_redis.url, socket_timeout=1, socket_connect_timeout=1)
    consumer = Consumer(client, "police-4", acknowledge(sessions, "police-4"), block_ms=50)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    own_redis.stop()
    time.sleep(0.3)
    own_redis.start()
    ids = submit_many(sessions, 2)
    publish_pending(sessions, client)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with sessions() as s:
            if {r.status for r in s.scalars(select(Report).where(Report.id.in_(ids)))} == {"acknowledged"}:
                break
        time.sleep(0.1)
    stop.set()
    thread.join(5)
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Report).where(Report.id.in_(ids)))} == {"acknowledged"}


@pytest.mark.parametrize(("start", "to", "ok"), [("queued", "acknowledged", True), ("resolved", "queued", False),
                                                  ("received", "closed", True), ("closed", "resolved", False)])
def test_lifecycle_moves(start: str, to: str, ok: bool) -> None:
    from triage_api.lifecycle import can_move

    assert can_move(start, to) is ok
