"""The schema: several API workers starting at once migrate one after the other, never into each other."""

import threading

from sqlalchemy import inspect

from triage_api.db import connect, migrate


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
