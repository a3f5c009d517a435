"""Real Redis and PostgreSQL for integration tests.

Redis: ``REDIS_URL`` when set, else a ``redis-server`` of our own on a free loopback port (tests that
stop and restart Redis always get their own). PostgreSQL: ``TEST_DATABASE_URL`` when set, else the
local server CI provides (``postgresql://postgres@127.0.0.1:5432/test``); when neither answers the
test is skipped with the reason, never silently passed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy

from triage_api import devservices

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class RedisServer(devservices.RedisServer):
    def __init__(self, directory: Path) -> None:
        try:
            super().__init__(directory)
        except FileNotFoundError:
            pytest.skip("redis-server is not installed and REDIS_URL is not set: cannot run Redis tests")


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
    try:
        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        pytest.skip(f"PostgreSQL is not reachable at TEST_DATABASE_URL ({type(exc).__name__}): cannot run PostgreSQL tests")
    return url
