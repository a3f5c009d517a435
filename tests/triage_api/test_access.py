"""Who may see and change what: roles, credentials, the audit log, and the HTTP intake queue."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.triage_api.conftest import settings_for
from tests.triage_api.test_reports import SECRET_NAME, SECRET_PHONE, report
from triage_api.auth import create_api_key, create_user
from triage_api.main import create_app
from triage_api.models import AuditEntry, ReportEvent

PASSWORD = "một mật khẩu đủ dài 2026"


@pytest.fixture
def app_client(tmp_path: Path, clean_redis: redis.Redis, redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}", redis_url)), raise_server_exceptions=False) as c:
        yield c


def bearer(client: TestClient, role: str, *, person: bool = False) -> dict[str, str]:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    if person:
        create_user(sessions, name, role, PASSWORD)  # type: ignore[arg-type]
        r = client.post("/v1/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    return {"Authorization": f"Bearer {create_api_key(sessions, name, role)}"}  # type: ignore[arg-type]


def submitted(client: TestClient, **overrides: Any) -> dict[str, Any]:
    r = client.post("/v1/reports", json=report(**overrides), headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201
    return r.json()  # type: ignore[no-any-return]


def test_reading_a_report_needs_a_credential(app_client: TestClient) -> None:
    rid = submitted(app_client)["id"]
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = app_client.get(f"/v1/reports/{rid}", headers=headers)
        assert r.status_code == 401 and SECRET_NAME not in r.text
    assert app_client.get(f"/v1/reports/{rid}", headers=bearer(app_client, "service")).status_code == 403


def test_each_role_sees_what_it_needs_and_every_read_is_audited(app_client: TestClient) -> None:
    rid = submitted(app_client)["id"]  # consent: confidential
    operator = app_client.get(f"/v1/reports/{rid}", headers=bearer(app_client, "operator", person=True)).json()
    police = app_client.get(f"/v1/reports/{rid}", headers=bearer(app_client, "police")).json()
    auditor = app_client.get(f"/v1/reports/{rid}", headers=bearer(app_client, "auditor", person=True)).json()
    assert SECRET_NAME in operator["narrative"] and operator["contact"] == SECRET_PHONE
    assert SECRET_NAME in police["narrative"] and police["contact"] is None  # confidential: not for police
    assert auditor["narrative"] is None and auditor["contact"] is None and auditor["urgency"] == "P1"
    with app_client.app.state.sessions() as s:  # type: ignore[attr-defined]
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.report_id == rid)))
    assert {(a.role, a.action) for a in audit} == {("operator", "read"), ("police", "read"), ("auditor", "read")}
    assert [a.fields for a in audit if a.role == "auditor"] == [[]]  # a view without personal fields is recorded too
    assert all(SECRET_NAME not in str(a.fields) for a in audit)


def test_police_see_the_contact_when_the_reporter_agreed(app_client: TestClient) -> None:
    rid = submitted(app_client, consent="share_with_police")["id"]
    assert app_client.get(f"/v1/reports/{rid}", headers=bearer(app_client, "police")).json()["contact"] == SECRET_PHONE


def test_wrong_passwords_and_unknown_users_get_the_same_answer(app_client: TestClient) -> None:
    bearer(app_client, "operator", person=True)
    wrong = app_client.post("/v1/token", data={"username": "operator-x", "password": "sai"})
    unknown = app_client.post("/v1/token", data={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401 and wrong.json()["code"] == unknown.json()["code"]


def test_operators_close_with_a_reason_and_override_urgency(app_client: TestClient) -> None:
    rid = submitted(app_client)["id"]
    operator = bearer(app_client, "operator", person=True)
    r = app_client.post(f"/v1/reports/{rid}/status", json={"to": "closed"}, headers=operator)
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = app_client.post(f"/v1/reports/{rid}/urgency", json={"to": "P2", "reason": "Gọi lại: đã an toàn"}, headers=operator)
    assert r.status_code == 200 and r.json()["urgency"] == "P2"
    r = app_client.post(f"/v1/reports/{rid}/status", json={"to": "closed", "reason": "Trùng báo cáo"}, headers=operator)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert [h["kind"] for h in r.json()["history"]][-2:] == ["urgency", "status"]
    assert r.json()["history"][-1]["reason"] == "Trùng báo cáo"
    police = bearer(app_client, "police")
    assert app_client.post(f"/v1/reports/{rid}/urgency", json={"to": "P1", "reason": "x"}, headers=police).status_code == 403
    assert app_client.post(f"/v1/reports/{rid}/status", json={"to": "resolved"}, headers=operator).status_code == 409


def test_a_receipt_code_tells_only_the_status(app_client: TestClient) -> None:
    accepted = submitted(app_client)
    r = app_client.get(f"/v1/receipts/{accepted['receipt_code'].lower().replace('-', '')}")
    assert r.status_code == 200 and set(r.json()) == {"receipt_code", "status", "updated_at", "message_vi"}
    assert app_client.get("/v1/receipts/AAAA-AAAAA").status_code == 404
    assert app_client.get("/v1/receipts/not-a-code").status_code == 404


def test_police_without_redis_access_pull_and_acknowledge_over_http(app_client: TestClient) -> None:
    ids = {submitted(app_client)["id"] for _ in range(3)}
    police = bearer(app_client, "police")
    entries: list[dict[str, Any]] = []
    for _ in range(50):  # the relay publishes within a few of its intervals
        entries += app_client.post("/v1/intake/pull", json={"consumer": "hn-1", "count": 10}, headers=police).json()
        if {e["report_id"] for e in entries} >= ids:
            break
        import time

        time.sleep(0.1)
    mine = [e for e in entries if e["report_id"] in ids]
    assert {e["report_id"] for e in mine} == ids and all(SECRET_NAME not in str(e) for e in mine)
    acked = app_client.post("/v1/intake/ack", json={"consumer": "hn-1", "entry_ids": [e["entry_id"] for e in mine]}, headers=police)
    assert sorted(acked.json()) == sorted(e["entry_id"] for e in mine)
    for rid in ids:
        assert app_client.get(f"/v1/reports/{rid}", headers=police).json()["status"] == "acknowledged"
    with app_client.app.state.sessions() as s:  # type: ignore[attr-defined]
        actors = {e.actor for e in s.scalars(select(ReportEvent).where(ReportEvent.to_value == "acknowledged"))}
    assert len(actors) == 1 and next(iter(actors)).startswith("key:police-")
