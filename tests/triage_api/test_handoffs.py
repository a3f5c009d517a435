"""Handoffs: the bot flags a conversation once, operators see it (audited) and take it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.triage_api.conftest import settings_for
from tests.triage_api.test_access import bearer
from triage_api.main import create_app
from triage_api.models import AuditEntry

CONVERSATION = "zalo-user-8841234567"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'h.sqlite3'}")), raise_server_exceptions=False) as c:
        yield c


def test_a_conversation_is_flagged_once_and_an_operator_takes_it(client: TestClient) -> None:
    bot = bearer(client, "service")
    first = client.post("/v1/handoffs", json={"conversation_id": CONVERSATION, "channel": "zalo"}, headers=bot)
    again = client.post("/v1/handoffs", json={"conversation_id": CONVERSATION, "channel": "zalo"}, headers=bot)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]

    operator = bearer(client, "operator", person=True)
    listed = client.get("/v1/handoffs", headers=operator).json()
    assert [(h["id"], h["conversation_id"], h["channel"]) for h in listed] == [(first.json()["id"], CONVERSATION, "zalo")]
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        assert s.scalars(select(AuditEntry.action)).all().count("list_handoffs") == 1
        stored = " ".join(str(v) for row in s.execute(text("SELECT * FROM handoffs")) for v in row)
    assert CONVERSATION not in stored  # encrypted at rest

    assert client.post(f"/v1/handoffs/{first.json()['id']}/take", headers=operator).status_code == 204
    assert client.post(f"/v1/handoffs/{first.json()['id']}/take", headers=operator).status_code == 409
    assert client.get("/v1/handoffs", headers=operator).json() == []
    later = client.post("/v1/handoffs", json={"conversation_id": CONVERSATION, "channel": "zalo"}, headers=bot)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]  # a new request after it was taken


def test_only_the_roles_that_need_it(client: TestClient) -> None:
    body = {"conversation_id": CONVERSATION, "channel": "telegram"}
    assert client.post("/v1/handoffs", json=body).status_code == 401
    assert client.post("/v1/handoffs", json=body, headers=bearer(client, "police")).status_code == 403
    assert client.get("/v1/handoffs", headers=bearer(client, "service")).status_code == 403
    assert client.get("/v1/handoffs", headers=bearer(client, "police")).status_code == 403
    bad = client.post("/v1/handoffs", json={"conversation_id": "", "channel": "fax"}, headers=bearer(client, "service"))
    assert bad.status_code == 422
