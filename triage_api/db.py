"""Database engine and schema migrations (Alembic), for SQLite by default and PostgreSQL in production.

``connect(url)`` gives an engine with sane settings for either; ``migrate(engine)`` brings the schema
to the newest migration in ``triage_api/migrations`` (run at start-up, so a fresh machine needs no
step of its own).
"""

from __future__ import annotations

import fcntl
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["connect", "migrate", "session_maker", "with_search_path"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def connect(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, pool_size=10, max_overflow=20)
    event.listen(engine, "checkout", _alive)
    return engine


def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection is checked before use without a round trip: an idle connection has
    nothing to read unless the server ended it (a restart, an administrator, an idle timeout sends its
    FATAL message and closes the socket), so a readable or closed socket is discarded and the pool takes a
    fresh one. ``pool_pre_ping`` did the same with a ``SELECT 1`` every checkout — a round trip for each
    transaction, half of a group commit's. A peer that vanishes without closing (a cut cable) is not seen
    here; the failed statement then invalidates the pool (SQLAlchemy's disconnect handling) and the
    request gets a 503 to retry."""
    if dbapi_connection.closed:
        raise DisconnectionError("connection closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as exc:
        raise DisconnectionError("connection unusable") from exc
    if readable:
        raise DisconnectionError("the server ended the connection")


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections work in ``schema`` (tests and benchmarks keep to their own)."""
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_maker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_MIGRATION_LOCK = 7_204_101  # a PostgreSQL advisory lock id: one migrating process at a time


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration. Several API workers starting at once take turns:
    an advisory lock on PostgreSQL, a lock file beside the database on SQLite."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _sqlite_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
