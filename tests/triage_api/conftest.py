from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from triage_api.main import create_app
from triage_api.settings import Settings


def settings_for(database_url: str, redis_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url, "redis_url": redis_url, "data_keys": SecretStr(Fernet.generate_key().decode()),
        "relay_interval_s": 0.05, "reports_per_minute": 10_000, "reads_per_minute": 10_000,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on a fresh SQLite database, without Redis: reports wait in the outbox."""
    db = tmp_path_factory.mktemp("db") / "reports.sqlite3"
    with TestClient(create_app(settings_for(f"sqlite:///{db}")), raise_server_exceptions=False) as c:
        yield c
