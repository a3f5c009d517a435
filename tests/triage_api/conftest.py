import pytest
from fastapi.testclient import TestClient

from triage_api.main import create_app
from triage_api.settings import Settings


@pytest.fixture(scope="session")
def client() -> TestClient:
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
        yield c
