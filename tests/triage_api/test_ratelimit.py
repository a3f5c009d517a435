"""Per-client rate limits: a flood from one client is refused with 429; others are not affected."""

import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from tests.triage_api.conftest import settings_for
from tests.triage_api.test_reports import report
from triage_api.auth import create_api_key
from triage_api.main import create_app


def test_one_client_flooding_reports_gets_429_with_retry_after(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}", reports_per_minute=3))
    with TestClient(app) as client:
        codes = [client.post("/v1/reports", json=report(), headers={"Idempotency-Key": str(uuid.uuid4())}).status_code
                 for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        refused = client.post("/v1/reports", json=report(), headers={"Idempotency-Key": str(uuid.uuid4())})
        assert refused.json()["code"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 61
        assert "113" in refused.json()["message_vi"]
        made_up = client.post("/v1/reports", json=report(),
                              headers={"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {uuid.uuid4()}"})
        assert made_up.status_code == 429  # a made-up credential buys no fresh window
        key = create_api_key(app.state.sessions, "bot", "service")
        for _ in range(3):  # a real credential is a client of its own
            other = client.post("/v1/reports", json=report(),
                                headers={"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {key}"})
            assert other.status_code == 201
