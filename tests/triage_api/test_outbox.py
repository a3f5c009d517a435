"""The outbox relay against real Redis, on SQLite and on PostgreSQL: every report in the stream once."""

import time
import uuid
from collections import Counter

import pytest
import redis
from cryptography.fernet import Fernet
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.services import RedisServer
from triage_api.crypto import FieldCipher
from triage_api.db import connect, migrate, session_maker
from triage_api.models import OutboxEntry, Report, ReportEvent
from triage_api.outbox import STREAM, Relay, publish_pending
from triage_api.reports import submit
from triage_api.schemas import ReportCreate

CIPHER = FieldCipher([Fernet.generate_key().decode()])
SECRET = "Trần Văn Bình 0912000333"


def sessions_for(database_url: str) -> sessionmaker[Session]:
    engine = connect(database_url)
    migrate(engine)
    return session_maker(engine)


def submit_many(sessions: sessionmaker[Session], count: int) -> list[str]:
    ids = []
    for n in range(count):
        body = ReportCreate(channel="hotline", consent="share_with_police", contact="0912000333",
                            narrative=f"{SECRET} báo: em trai bị giữ ở Campuchia, lần {n}")
        ids.append(submit(sessions, CIPHER, body, str(uuid.uuid4())).report.id)
    return ids


def stream_ids(client: redis.Redis) -> Counter[str]:
    return Counter(fields[b"report_id"].decode() for _, fields in client.xrange(STREAM))


def test_each_report_reaches_the_stream_once(database_url: str, clean_redis: redis.Redis) -> None:
    sessions = sessions_for(database_url)
    ids = submit_many(sessions, 5)
    assert publish_pending(sessions, clean_redis) == 5
    assert publish_pending(sessions, clean_redis) == 0
    assert stream_ids(clean_redis) == Counter(ids)
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Report))} == {"queued"}
        published = {o.report_id: o.published_at for o in s.scalars(select(OutboxEntry))}
        steps = s.scalars(select(ReportEvent).where(ReportEvent.to_value == "queued")).all()
        # each report's history records the step once, by the relay, at the moment it was published
        assert sorted((e.report_id, e.actor, e.kind, e.from_value, e.at) for e in steps) == sorted(
            (rid, "system:relay", "status", "received", published[rid]) for rid in ids
        )


def test_a_report_already_further_on_is_published_but_not_moved_back(database_url: str, clean_redis: redis.Redis) -> None:
    """An operator may take a report up before the relay gets to it: it goes out, its status and history stay."""
    sessions = sessions_for(database_url)
    ahead, waiting = submit_many(sessions, 2)
    with sessions() as s:
        s.execute(update(Report).where(Report.id == ahead).values(status="in_progress"))
        s.commit()
    assert publish_pending(sessions, clean_redis) == 2
    assert stream_ids(clean_redis) == Counter([ahead, waiting])
    with sessions() as s:
        assert {r.id: r.status for r in s.scalars(select(Report))} == {ahead: "in_progress", waiting: "queued"}
        moved = s.scalars(select(ReportEvent.report_id).where(ReportEvent.to_value == "queued")).all()
        assert moved == [waiting]
        assert None not in s.scalars(select(OutboxEntry.published_at)).all()


def test_a_relay_that_dies_before_marking_publishes_nothing_twice(database_url: str, clean_redis: redis.Redis) -> None:
    sessions = sessions_for(database_url)
    ids = submit_many(sessions, 4)
    publish_pending(sessions, clean_redis)
    with sessions() as s:  # as if the relay had died after XADD, before its commit
        s.execute(update(OutboxEntry).values(published_at=None))
        s.commit()
    assert publish_pending(sessions, clean_redis) == 4  # marked now…
    assert stream_ids(clean_redis) == Counter(ids)  # …but each is in the stream once


def test_stream_entries_carry_no_personal_data(database_url: str, clean_redis: redis.Redis) -> None:
    sessions = sessions_for(database_url)
    submit_many(sessions, 2)
    publish_pending(sessions, clean_redis)
    for _, fields in clean_redis.xrange(STREAM):
        assert {k.decode() for k in fields} == {"report_id", "urgency", "province", "indicators", "channel", "consent", "received_at"}
        joined = b" ".join(fields.values()).decode()
        assert "Trần" not in joined and "0912000333" not in joined


def test_reports_wait_in_the_outbox_while_redis_is_down(database_url: str, own_redis: RedisServer) -> None:
    sessions = sessions_for(database_url)
    client = redis.Redis.from_url(own_redis.url, socket_timeout=1, socket_connect_timeout=1)
    own_redis.stop()
    ids = submit_many(sessions, 3)  # taking reports does not need Redis
    with pytest.raises(redis.RedisError):
        publish_pending(sessions, client)
    with sessions() as s:
        first = s.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).first()
        assert first is not None and first.attempts == 1 and first.last_error and first.published_at is None
    own_redis.start()
    assert publish_pending(sessions, client) == 3
    assert stream_ids(client) == Counter(ids)


def test_a_thousand_reports_survive_redis_stopping_part_way(database_url: str, own_redis: RedisServer) -> None:
    """The issue's fault test: Redis stops during the submissions and comes back; afterwards every
    report is in the stream exactly once and the database holds all of them."""
    sessions = sessions_for(database_url)
    relay = Relay(sessions, own_redis.url, interval_s=0.02)
    relay.start()
    try:
        ids = submit_many(sessions, 300)
        own_redis.stop()
        ids += submit_many(sessions, 400)
        own_redis.start()
        ids += submit_many(sessions, 300)
        client = redis.Redis.from_url(own_redis.url)
        deadline = time.monotonic() + 60
        while sum(stream_ids(client).values()) < 1000 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        relay.stop()
    seen = stream_ids(client)
    assert len(ids) == 1000 and set(seen) == set(ids) and set(seen.values()) == {1}
    with sessions() as s:
        assert s.query(Report).count() == 1000
        assert s.query(OutboxEntry).filter(OutboxEntry.published_at.is_(None)).count() == 0


def test_a_burst_of_nudges_shares_one_batch_and_each_report_still_goes_out(database_url: str, clean_redis: redis.Redis,
                                                                         redis_url: str) -> None:
    writes, reads = sessions_for(database_url), sessions_for(database_url)
    batches = Counter[str]()  # the relay commits only when it published something
    event.listen(reads.kw["bind"], "commit", lambda conn: batches.update(["batch"]))
    relay = Relay(reads, redis_url, interval_s=60, min_gap_s=1.0)
    relay.start()
    try:
        time.sleep(1.2)  # the relay has looked once, and its gap has passed
        ids = []
        for _ in range(3):  # three P1 reports 100 ms apart, each nudging the relay
            ids += submit_many(writes, 1)
            relay.nudge()
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        while set(ids) - set(stream_ids(clean_redis)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(ids) <= set(stream_ids(clean_redis))
        assert batches["batch"] == 2  # the first report at once, the other two together a gap later
    finally:
        relay.stop()


def test_an_entry_redis_refuses_holds_back_only_itself(database_url: str, clean_redis: redis.Redis) -> None:
    """One batch goes out in one script call; an entry Redis will not take (here a row whose payload is no
    stream entry) must not keep the others out of the stream, and it waits, its attempt counted."""
    sessions = sessions_for(database_url)
    ids = submit_many(sessions, 3)
    with sessions() as s:
        s.execute(update(OutboxEntry).where(OutboxEntry.report_id == ids[1]).values(payload={}))
        s.commit()
    with pytest.raises(redis.RedisError):
        publish_pending(sessions, clean_redis)
    assert stream_ids(clean_redis) == Counter([ids[0], ids[2]])
    with sessions() as s:
        rows = {o.report_id: o for o in s.scalars(select(OutboxEntry))}
        assert rows[ids[1]].published_at is None and rows[ids[1]].attempts == 1 and rows[ids[1]].last_error
        assert rows[ids[0]].published_at is not None and rows[ids[2]].published_at is not None
        assert {r.id: r.status for r in s.scalars(select(Report))} == {ids[0]: "queued", ids[1]: "received", ids[2]: "queued"}
