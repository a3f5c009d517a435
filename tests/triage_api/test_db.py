"""The database: workers starting at once migrate one after the other; connections the server ended are replaced."""

import threading
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from tests.conftest import empty_database
from tests.services import postgres_url
from triage_api.crypto import FieldCipher, new_key
from triage_api.db import connect, migrate, session_maker
from triage_api.models import Report
from triage_api.reports import prepare, store
from triage_api.schemas import ReportCreate


def test_workers_migrating_at_once_do_not_collide(database_url: str) -> None:
    errors: list[BaseException] = []

    def start_worker() -> None:
        engine = connect(database_url)
        try:
            migrate(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=start_worker) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    engine = connect(database_url)
    assert {"reports", "outbox", "report_events", "audit_log", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_connections_the_server_ended_are_replaced_before_use(tmp_path: Path) -> None:
    """PostgreSQL restarted, or an administrator ended the backends: the pool notices before handing a
    connection out (a closed socket, not a round trip) and the next report is stored without an error."""
    with empty_database("postgresql", tmp_path) as url:
        engine = connect(url)
        migrate(engine)
        sessions = session_maker(engine)
        held = [engine.connect() for _ in range(3)]  # three pooled connections, each with its backend
        backends = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in held]
        for c in held:
            c.close()
        admin = connect(postgres_url())
        with admin.begin() as c:
            ended = [c.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one() for pid in backends]
        admin.dispose()
        assert all(ended)
        cipher = FieldCipher([new_key()])
        body = ReportCreate(channel="web", consent="anonymous", narrative="em bi giu o campuchia")  # type: ignore[arg-type]
        for n in range(3):
            outcome = store(sessions, [prepare(cipher, body, f"after-restart-{n}")])[0]
            assert getattr(outcome, "created", False)
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(Report)) == 3
            assert s.execute(text("SELECT pg_backend_pid()")).scalar_one() not in backends
        engine.dispose()


def test_the_relay_finds_waiting_rows_by_the_partial_index(tmp_path: Path) -> None:
    """PostgreSQL reads the waiting rows from the index of unpublished ids, in order, not the whole outbox."""
    with empty_database("postgresql", tmp_path) as url:
        engine = connect(url)
        migrate(engine)
        with engine.begin() as c:
            c.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the planner show its index choice
            plan = "\n".join(c.execute(text(
                "EXPLAIN SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED"
            )).scalars())
        engine.dispose()
    assert "ix_outbox_unpublished" in plan and "Sort" not in plan
