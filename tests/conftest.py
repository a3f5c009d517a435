import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from tests.services import RedisServer, postgres_url
from triage_api.db import connect, with_search_path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for the session: REDIS_URL, or a server of our own."""
    import os

    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis this test may stop and restart."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clean_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete("intake:reports", "intake:dead", *client.keys("intake:published:*"))
    yield client
    client.delete("intake:reports", "intake:dead", *client.keys("intake:published:*"))
    client.close()


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty database: a SQLite file in ``directory``, or on PostgreSQL a schema of its own, dropped
    afterwards, so tests (and a benchmark) running at once on one server never see each other's rows."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'reports.sqlite3'}"
        return
    url = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = connect(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, for this test alone."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian chromium through Playwright (tests/browser.py); skipped with the reason where missing."""
    from tests.browser import launched

    yield from launched()
