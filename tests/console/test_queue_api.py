"""The queue's API: order, filters, no personal field in a listing, claim / release / forward, closing
needs a reason, who may see what, every view in the audit log, and the console's security headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.triage_api.conftest import settings_for
from triage_api.auth import create_user
from triage_api.main import create_app
from triage_api.models import AuditEntry, Report
from triage_api.worklist import changed_since

PASSWORD = "một mật khẩu đủ dài 2026"
SECRET = "Nguyễn Thị Hoa"
P1 = f"Cứu em với, {SECRET} đang bị nhốt ở Campuchia, họ đòi tiền chuộc"
P2 = "Em trai tôi bị giữ hộ chiếu ở Lào nhưng vẫn đi lại được"
P3 = "Có trang tuyển người đi Campuchia làm việc nhẹ lương cao"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'q.sqlite3'}")), raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, role: str) -> dict[str, str]:
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    create_user(client.app.state.sessions, name, role, PASSWORD)  # type: ignore[attr-defined]
    r = client.post("/v1/token", data={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def submit(client: TestClient, narrative: str, *, age_minutes: int = 0, **fields: Any) -> str:
    body = {"channel": "web", "consent": "confidential", "contact": "0912 345 678", "narrative": narrative, **fields}
    r = client.post("/v1/reports", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    rid: str = r.json()["id"]
    if age_minutes:
        with client.app.state.sessions() as s:  # type: ignore[attr-defined]
            at = datetime.now(UTC) - timedelta(minutes=age_minutes)
            s.execute(update(Report).where(Report.id == rid).values(received_at=at, updated_at=at))
            s.commit()
    return rid


def test_the_queue_puts_p1_first_then_the_longest_waiting(client: TestClient) -> None:
    old_p3 = submit(client, P3, age_minutes=90)
    new_p2 = submit(client, P2, age_minutes=5)
    old_p2 = submit(client, P2, age_minutes=60)
    new_p1 = submit(client, P1)
    queue = client.get("/v1/queue", headers=login(client, "operator")).json()
    assert [r["id"] for r in queue] == [new_p1, old_p2, new_p2, old_p3]
    assert [r["urgency"] for r in queue] == ["P1", "P2", "P2", "P3"]


def test_filters_by_province_status_channel_and_indicator(client: TestClient) -> None:
    headers = login(client, "operator")
    hanoi = submit(client, P1, location={"province": "Hà Nội"})
    hotline = submit(client, P2, channel="hotline")
    advert = submit(client, P3)

    def ids(**q: str) -> list[str]:
        return [r["id"] for r in client.get("/v1/queue", params=q, headers=headers).json()]

    assert ids(province="Hà Nội") == [hanoi]
    assert ids(channel="hotline") == [hotline]
    assert ids(indicator="DECEPTIVE_RECRUITMENT") == [advert]
    assert ids(indicator="CONFINEMENT") == [hanoi]
    assert ids(status="received") == ids()
    assert ids(status="closed") == []
    for bad in ({"province": "Atlantis"}, {"status": "lost"}, {"channel": "fax"}, {"indicator": "NOPE"}, {"limit": "0"}):
        r = client.get("/v1/queue", params=bad, headers=headers)
        assert r.status_code == 422 and r.json()["message_vi"] and r.json()["message_en"], bad
        assert "Atlantis" not in r.text


def test_a_listing_shows_no_personal_field_to_anyone(client: TestClient) -> None:
    submit(client, P1)
    for role in ("operator", "supervisor", "police", "auditor"):
        r = client.get("/v1/queue", headers=login(client, role))
        assert r.status_code == 200 and len(r.json()) == 1
        assert SECRET not in r.text and "0912" not in r.text and "narrative" not in r.text
    assert client.get("/v1/queue").status_code == 401
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        assert s.scalars(select(AuditEntry)).all() == []  # nothing personal shown: nothing to audit


def test_claim_release_and_who_may(client: TestClient) -> None:
    rid = submit(client, P1)
    lan, minh, boss = login(client, "operator"), login(client, "operator"), login(client, "supervisor")
    assert client.post(f"/v1/reports/{rid}/claim", headers=lan).status_code == 200
    assert client.post(f"/v1/reports/{rid}/claim", headers=lan).status_code == 200  # again: nothing changes
    taken = client.post(f"/v1/reports/{rid}/claim", headers=minh)
    assert taken.status_code == 409 and taken.json()["code"] == "claimed_by_other" and taken.json()["message_vi"]
    assert client.post(f"/v1/reports/{rid}/release", headers=minh).status_code == 409
    queue = client.get("/v1/queue", headers=minh).json()
    assert queue[0]["claimed_by"].startswith("user:operator-")
    assert client.post(f"/v1/reports/{rid}/release", headers=boss).status_code == 200  # a supervisor may
    assert client.post(f"/v1/reports/{rid}/claim", headers=minh).status_code == 200
    kinds = [e["kind"] for e in client.get(f"/v1/reports/{rid}", headers=boss).json()["history"]]
    assert kinds == ["received", "claim", "release", "claim"]
    assert client.post(f"/v1/reports/{rid}/claim", headers=login(client, "auditor")).status_code == 403
    assert client.post(f"/v1/reports/{rid}/claim", headers=login(client, "police")).status_code == 403
    assert client.post("/v1/reports/nope/claim", headers=lan).status_code == 404


def test_forward_is_kept_in_the_history_and_closing_needs_a_reason(client: TestClient) -> None:
    rid = submit(client, P1)
    operator = login(client, "operator")
    r = client.post(f"/v1/reports/{rid}/forward", json={"target": "police", "note": f"đã gọi cho {SECRET}"}, headers=operator)
    assert r.status_code == 200
    forward = r.json()["history"][-1]
    assert (forward["kind"], forward["to_value"], forward["reason"]) == ("forward", "police", f"đã gọi cho {SECRET}")
    assert client.post(f"/v1/reports/{rid}/forward", json={"target": "victim_support"}, headers=operator).status_code == 200
    bad = client.post(f"/v1/reports/{rid}/forward", json={"target": "press"}, headers=operator)
    assert bad.status_code == 422
    auditor_view = client.get(f"/v1/reports/{rid}", headers=login(client, "auditor")).json()
    assert SECRET not in str(auditor_view) and auditor_view["history"][1]["reason"] is None

    for reason in (None, "", "   "):
        refused = client.post(f"/v1/reports/{rid}/status", json={"to": "closed", "reason": reason}, headers=operator)
        assert refused.status_code == 422 and refused.json()["code"] == "reason_required", reason
    assert client.post(f"/v1/reports/{rid}/status", json={"to": "closed", "reason": "trùng tin báo"},
                       headers=operator).status_code == 200
    assert client.get("/v1/queue", headers=operator).json() == []
    late = client.post(f"/v1/reports/{rid}/claim", headers=operator)
    assert late.status_code == 409 and late.json()["code"] == "report_not_open"


def test_roles_without_the_right_see_no_personal_field_and_every_view_is_audited(client: TestClient) -> None:
    rid = submit(client, P1)
    operator = client.get(f"/v1/reports/{rid}", headers=login(client, "operator")).json()
    auditor = client.get(f"/v1/reports/{rid}", headers=login(client, "auditor")).json()
    police = client.get(f"/v1/reports/{rid}", headers=login(client, "police")).json()
    assert SECRET in operator["narrative"] and operator["contact"] == "0912 345 678"
    assert all(auditor[k] is None for k in ("narrative", "explanation", "contact", "people_at_risk", "suspects", "commune"))
    assert police["contact"] is None  # confidential: not for the police
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        audit = {(a.role, a.action): a.fields for a in s.scalars(select(AuditEntry).where(AuditEntry.report_id == rid))}
    assert set(audit) == {("operator", "read"), ("auditor", "read"), ("police", "read")}
    assert "narrative" in audit[("operator", "read")] and "contact" in audit[("operator", "read")]
    assert audit[("auditor", "read")] == [] and "contact" not in audit[("police", "read")]


def test_changed_since_returns_new_and_changed_reports_once_ordered(client: TestClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    first, second = submit(client, P2), submit(client, P1)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    assert [r.id for r in changed_since(sessions, before)] == [first, second]
    mark = datetime.now(UTC)
    client.post(f"/v1/reports/{first}/claim", headers=login(client, "operator"))
    assert [r.id for r in changed_since(sessions, mark)] == [first]


def test_the_live_stream_needs_a_credential(client: TestClient) -> None:
    assert client.get("/v1/queue/events").status_code == 401
    assert client.get("/v1/queue/events", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_live_stream_sends_recent_reports_and_ends_by_itself(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_api.routers import queue

    monkeypatch.setattr(client.app.state.settings, "stream_lifetime_s", 0.3)  # type: ignore[attr-defined]
    monkeypatch.setattr(queue, "POLL_S", 0.05)
    rid = submit(client, P1)
    with client.stream("GET", "/v1/queue/events", headers=login(client, "operator")) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = list(r.iter_lines())  # returns: the stream ended
    data = [line[6:] for line in lines if line.startswith("data: ")]
    assert "event: report" in lines and len(data) == 1  # polled several times, sent once
    assert f'"id":"{rid}"' in data[0] and SECRET not in "".join(lines)


def test_console_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/console/", "/console/report.html", "/console/hotline.html", "/console/stats.html",
                 "/console/common.js", "/console/console.css"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe" not in csp and r.headers["x-content-type-options"] == "nosniff"
        assert "http://" not in r.text and "https://" not in r.text.replace("http://www.w3.org/2000/svg", "")
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/"
    for bad in ("/console/..%2Fmain.py", "/console/nope.html", "/console/__init__.py"):
        r = client.get(bad)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_reference_names_every_indicator_and_the_34_provinces(client: TestClient) -> None:
    body = client.get("/v1/reference").json()
    assert len(body["provinces"]) == 34 and body["indicators"]["CONFINEMENT"] == "bị giam giữ"


def test_queue_and_claims_work_the_same_on_postgresql_and_sqlite(database_url: str) -> None:
    with TestClient(create_app(settings_for(database_url)), raise_server_exceptions=False) as client:
        advert, urgent = submit(client, P3, age_minutes=30), submit(client, P1)
        lan, minh = login(client, "operator"), login(client, "operator")
        assert [r["id"] for r in client.get("/v1/queue", headers=lan).json()] == [urgent, advert]
        assert [r["id"] for r in client.get("/v1/queue", params={"indicator": "CONFINEMENT", "limit": 1},
                                            headers=lan).json()] == [urgent]
        assert client.post(f"/v1/reports/{urgent}/claim", headers=lan).status_code == 200
        assert client.post(f"/v1/reports/{urgent}/claim", headers=minh).status_code == 409
        assert client.post(f"/v1/reports/{urgent}/forward", json={"target": "police"}, headers=lan).status_code == 200
        closed = client.post(f"/v1/reports/{urgent}/status", json={"to": "closed", "reason": "đã chuyển công an"}, headers=lan)
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert [r["id"] for r in client.get("/v1/queue", headers=minh).json()] == [advert]


def test_the_live_stream_sends_a_whole_backlog_stamped_at_one_instant(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a Redis outage the relay stamps hundreds of reports with one ``updated_at``: a page of 500 must
    not be the end of it (the P1 past row 500 would never reach a console)."""
    from tests.triage_api.test_outbox import submit_many
    from triage_api.routers import queue

    monkeypatch.setattr(client.app.state.settings, "stream_lifetime_s", 0.5)  # type: ignore[attr-defined]
    monkeypatch.setattr(queue, "POLL_S", 0.05)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    ids = set(submit_many(sessions, 520))
    with sessions() as s:  # the relay's one stamp for the whole batch
        s.execute(update(Report).values(updated_at=datetime.now(UTC)))
        s.commit()
    with client.stream("GET", "/v1/queue/events", headers=login(client, "operator")) as r:
        lines = list(r.iter_lines())
    sent = [line for line in lines if line.startswith("data: ")]
    assert {line.split('"id":"')[1].split('"')[0] for line in sent} == ids and len(sent) == len(ids)


def test_a_claim_protects_the_report_from_everyone_but_its_holder_and_supervisors(client: TestClient) -> None:
    rid = submit(client, P1)
    lan, minh, boss, police = (login(client, "operator"), login(client, "operator"), login(client, "supervisor"),
                               login(client, "police"))
    assert client.post(f"/v1/reports/{rid}/forward", json={"target": "police"}, headers=minh).status_code == 200  # unclaimed
    assert client.post(f"/v1/reports/{rid}/claim", headers=lan).status_code == 200
    for path, body in (("status", {"to": "closed", "reason": "trùng tin báo"}),
                       ("urgency", {"to": "P3", "reason": "gọi lại: đã an toàn"}),
                       ("forward", {"target": "victim_support"})):
        refused = client.post(f"/v1/reports/{rid}/{path}", json=body, headers=minh)
        assert refused.status_code == 409, (path, refused.text)
        problem = refused.json()
        assert problem["code"] == "claimed_by_other" and problem["message_vi"] and problem["message_en"]
    view = client.get(f"/v1/reports/{rid}", headers=boss).json()
    assert (view["status"], view["urgency"]) == ("received", "P1")
    assert [e["kind"] for e in view["history"]] == ["received", "forward", "claim"]  # nothing of minh's after the claim
    assert client.post(f"/v1/reports/{rid}/forward", json={"target": "victim_support"}, headers=lan).status_code == 200
    assert client.post(f"/v1/reports/{rid}/urgency", json={"to": "P2", "reason": "đã gọi lại"}, headers=boss).status_code == 200
    assert client.post(f"/v1/reports/{rid}/status", json={"to": "queued"}, headers=police).status_code == 200  # police flow
    closed = client.post(f"/v1/reports/{rid}/status", json={"to": "closed", "reason": "đã chuyển công an"}, headers=lan)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_two_operators_claiming_at_once_one_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read the report free before either writes (a barrier holds them there): exactly one gets it."""
    import threading

    from tests.triage_api.test_outbox import sessions_for, submit_many
    from triage_api import assignment
    from triage_api.lifecycle import LifecycleError
    from triage_api.models import ReportEvent

    sessions = sessions_for(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    (rid,) = submit_many(sessions, 1)
    both_read = threading.Barrier(2, timeout=10)
    read = assignment._open_report
    waited: set[str] = set()

    def read_then_wait(session: Any, report_id: str) -> Report:
        report = read(session, report_id)
        name = threading.current_thread().name
        if name.startswith("claim-") and name not in waited:  # the first read only
            waited.add(name)
            both_read.wait()
        return report

    monkeypatch.setattr(assignment, "_open_report", read_then_wait)
    outcomes: dict[str, str] = {}

    def take(actor: str) -> None:
        try:
            assignment.claim(sessions, rid, actor=actor)
            outcomes[actor] = "won"
        except LifecycleError as error:
            outcomes[actor] = error.code

    threads = [threading.Thread(target=take, args=(a,), name=f"claim-{a}") for a in ("user:lan", "user:minh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["claimed_by_other", "won"], outcomes
    winner = next(a for a, o in outcomes.items() if o == "won")
    with sessions() as s:
        assert s.get(Report, rid).claimed_by == winner  # type: ignore[union-attr]
        assert [e.actor for e in s.scalars(select(ReportEvent).where(ReportEvent.kind == "claim"))] == [winner]


def test_logout_revokes_the_token(client: TestClient) -> None:
    headers = login(client, "operator")
    assert client.get("/v1/me", headers=headers).status_code == 200
    assert client.post("/v1/logout").status_code == 401
    r = client.post("/v1/logout", headers=headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get("/v1/me", headers=headers).status_code == 401  # a copy of the token no longer works
    assert client.get("/v1/queue", headers=headers).status_code == 401
    assert client.post("/v1/logout", headers=headers).status_code == 401
