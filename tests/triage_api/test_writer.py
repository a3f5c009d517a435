"""Group commit: concurrent submissions share transactions, and nothing about a report changes for it."""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from cryptography.fernet import Fernet
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from tests.triage_api.test_outbox import sessions_for, stream_ids
from triage_api.crypto import FieldCipher
from triage_api.db import connect, session_maker
from triage_api.models import OutboxEntry, Report, ReportEvent
from triage_api.outbox import Relay
from triage_api.reports import IdempotencyConflict, Unstorable, prepare, store
from triage_api.schemas import ReportCreate
from triage_api.writer import Writer

CIPHER = FieldCipher([Fernet.generate_key().decode()])


def body(n: int, narrative: str = "tren fb co nguoi tuyen di lao lam viec nhe luong cao") -> ReportCreate:
    return ReportCreate(channel="web", consent="anonymous", narrative=f"{narrative} ({n})")  # type: ignore[arg-type]


def test_concurrent_reports_share_transactions_and_each_is_stored_whole(database_url: str) -> None:
    sessions = sessions_for(database_url)
    commits = Counter[str]()
    event.listen(sessions.kw["bind"], "commit", lambda conn: commits.update(["commit"]))
    writer = Writer(sessions)
    gate = threading.Barrier(40)

    def one(n: int) -> str:
        pending = prepare(CIPHER, body(n), f"key-{n}")
        gate.wait()  # all forty hand over at the same moment
        return writer.write(pending).report.id

    with ThreadPoolExecutor(40) as pool:
        ids = list(pool.map(one, range(40)))
    writer.stop()
    assert len(set(ids)) == 40
    assert commits["commit"] < 40  # some reports shared a commit
    with sessions() as s:
        for table in (Report, ReportEvent, OutboxEntry):
            assert s.scalar(select(func.count()).select_from(table)) == 40


def test_the_same_key_twice_in_one_batch_is_one_report_and_a_different_body_is_refused(database_url: str) -> None:
    sessions = sessions_for(database_url)
    first, again = prepare(CIPHER, body(1), "same-key"), prepare(CIPHER, body(1), "same-key")
    other = prepare(CIPHER, body(2), "same-key")
    outcomes = store(sessions, [first, again, other])
    assert outcomes[0].created and not outcomes[1].created  # type: ignore[union-attr]
    assert outcomes[1].report.id == outcomes[0].report.id  # type: ignore[union-attr]
    assert isinstance(outcomes[2], IdempotencyConflict)
    later = store(sessions, [prepare(CIPHER, body(1), "same-key")])[0]
    assert not later.created and later.report.receipt_code == first.report.receipt_code  # type: ignore[union-attr]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1


def test_the_same_key_sent_to_two_processes_at_once_is_one_report(database_url: str) -> None:
    """A client that retries against another API worker before the first answered: both store at the same
    moment, one creates the report, the other answers with it (on PostgreSQL, the insert's ON CONFLICT waits
    for the first)."""
    sessions = sessions_for(database_url)
    for n in range(10):
        twins = [prepare(CIPHER, body(n), f"twin-{n}") for _ in range(2)]
        gate = threading.Barrier(2)

        def one(pending: object, gate: threading.Barrier = gate) -> object:
            gate.wait()
            return store(sessions, [pending])[0]  # type: ignore[list-item]

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(one, twins))
        assert sorted(o.created for o in outcomes) == [False, True]  # type: ignore[attr-defined]
        assert outcomes[0].report.id == outcomes[1].report.id  # type: ignore[attr-defined]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 10
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == 10
        assert s.scalar(select(func.count()).select_from(ReportEvent)) == 10


def test_a_receipt_code_clash_in_a_batch_stores_every_report_with_codes_of_their_own(database_url: str) -> None:
    sessions = sessions_for(database_url)
    a, b, c = (prepare(CIPHER, body(n), f"k{n}") for n in range(3))
    b.report.receipt_code = a.report.receipt_code  # 1 in 10^10 in life; here on purpose
    outcomes = store(sessions, [a, b, c])
    assert all(o.created for o in outcomes)  # type: ignore[union-attr]
    with sessions() as s:
        codes = s.scalars(select(Report.receipt_code)).all()
    assert len(codes) == 3 and len(set(codes)) == 3


def test_a_value_the_database_refuses_refuses_only_its_own_report(database_url: str) -> None:
    """PostgreSQL keeps no NUL in text; the schema refuses it at the door, and should one get past, the
    group commit must not take the other reports of its batch down with it."""
    sessions = sessions_for(database_url)
    a, bad, c = (prepare(CIPHER, body(n), f"v{n}") for n in range(3))
    bad.report.destination_country = "Lào\x00"  # past the schema, on purpose
    outcomes = store(sessions, [a, bad, c])
    assert outcomes[0].created and outcomes[2].created  # type: ignore[union-attr]
    if sessions.kw["bind"].dialect.name == "postgresql":
        assert isinstance(outcomes[1], Unstorable) and "Lào" not in outcomes[1].en + outcomes[1].vi
    with sessions() as s:
        stored = set(s.scalars(select(Report.id)).all())
    assert {a.report.id, c.report.id} <= stored


def test_a_database_that_is_down_fails_every_waiting_report_loudly() -> None:
    writer = Writer(session_maker(connect("postgresql://nobody@127.0.0.1:1/gone")))
    with pytest.raises(OperationalError):
        writer.write(prepare(CIPHER, body(1), "k"))
    writer.stop()
    with pytest.raises(RuntimeError):
        writer.write(prepare(CIPHER, body(2), "k2"))


def test_a_p1_report_is_published_at_once_not_at_the_next_interval(
    database_url: str, redis_url: str, clean_redis: redis.Redis
) -> None:
    sessions = sessions_for(database_url)
    relay = Relay(sessions, redis_url, interval_s=60)
    relay.start()
    writer = Writer(sessions, on_urgent=relay.nudge)
    try:
        time.sleep(0.3)  # the relay has looked once and now sleeps for its minute
        calm = writer.write(prepare(CIPHER, body(1), "calm")).report
        urgent = writer.write(prepare(CIPHER, body(2, "Cứu em với, em đang bị nhốt ở Campuchia"), "urgent")).report
        assert calm.urgency != "P1" and urgent.urgency == "P1"
        deadline = time.monotonic() + 10
        while urgent.id not in stream_ids(clean_redis) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert urgent.id in stream_ids(clean_redis)  # within seconds, not a minute
    finally:
        writer.stop()
        relay.stop()


def test_api_answers_only_after_the_report_is_committed(tmp_path: object) -> None:
    from fastapi.testclient import TestClient

    from tests.triage_api.conftest import settings_for
    from triage_api.main import create_app

    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path}/w.sqlite3"))) as client:
        answers = [client.post("/v1/reports", json={"channel": "web", "consent": "anonymous", "narrative": f"tin báo {n}"},
                               headers={"Idempotency-Key": str(uuid.uuid4())}) for n in range(5)]
        sessions = client.app.state.sessions  # type: ignore[attr-defined]
        with sessions() as s:
            stored = set(s.scalars(select(Report.receipt_code)).all())
    assert all(a.status_code == 201 for a in answers)
    assert {a.json()["receipt_code"] for a in answers} <= stored


def test_reports_handed_over_within_the_linger_share_one_transaction(database_url: str) -> None:
    sessions = sessions_for(database_url)
    commits = Counter[str]()
    event.listen(sessions.kw["bind"], "commit", lambda conn: commits.update(["commit"]))
    writer = Writer(sessions, linger_s=0.5)
    pending = [prepare(CIPHER, body(n), f"linger-{n}") for n in range(4)]

    def one(n: int) -> str:
        time.sleep(0.05 * n)  # one after another, 50 ms apart: without gathering, four transactions
        return writer.write(pending[n]).report.id

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(one, range(4)))
    writer.stop()
    assert len(set(ids)) == 4
    assert commits["commit"] == 1
