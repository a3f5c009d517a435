"""POST /v1/reports: receipt at once, exactly one report per submission, nothing personal in clear."""

import json
import logging
import sqlite3
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from triage_api.db import MIGRATIONS, connect, migrate
from triage_api.models import Base, personal_columns
from triage_api.receipt import is_valid

SECRET_NAME, SECRET_PHONE = "Nguyễn Thị Hoa", "0912000111"


def report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web", "reporter_role": "family", "consent": "confidential", "contact": SECRET_PHONE,
        "narrative": f"Em gái tôi {SECRET_NAME} 17 tuổi bị nhốt ở Campuchia, họ đòi 8000 đô, cứu với",
        "people_at_risk": [{"age": 17, "gender": "female", "relation": "em gái"}],
        "location": {"province": "Bắc Giang", "commune": "xã Tân Yên"},
        "suspects": [{"kind": "zalo", "value": "0987000222"}],
    }
    body.update(overrides)
    return body


def post(client: TestClient, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post("/v1/reports", json=body, headers=headers)


def database_file(client: TestClient) -> str:
    return client.app.state.settings.database_url.removeprefix("sqlite:///")  # type: ignore[attr-defined,no-any-return]


def test_a_report_is_accepted_at_once_with_a_receipt_code(client: TestClient) -> None:
    r = post(client, report())
    assert r.status_code == 201
    body = r.json()
    assert is_valid(body["receipt_code"]) and body["urgency"] == "P1" and body["status"] == "received"
    assert body["receipt_code"] in body["message_vi"] and "113" in body["message_vi"]


def test_the_same_submission_twice_is_one_report(client: TestClient) -> None:
    key = str(uuid.uuid4())
    first, again = post(client, report(), key), post(client, report(), key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    with sqlite3.connect(database_file(client)) as db:
        (count,) = db.execute("SELECT count(*) FROM reports WHERE id = ?", (first.json()["id"],)).fetchone()
    assert count == 1


def test_the_same_key_for_another_report_is_a_conflict(client: TestClient) -> None:
    key = str(uuid.uuid4())
    assert post(client, report(), key).status_code == 201
    r = post(client, report(narrative="Một nội dung khác hẳn"), key)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "idempotency_key_required"), ({"Idempotency-Key": "  "}, "idempotency_key_required"),
     ({"Idempotency-Key": "x" * 201}, "idempotency_key_invalid")],
)
def test_a_submission_needs_a_usable_idempotency_key(client: TestClient, headers: dict[str, str], code: str) -> None:
    r = client.post("/v1/reports", json=report(), headers=headers)
    assert r.status_code == 400 and r.json()["code"] == code


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consent": "anonymous"}, "contact_with_anonymous"),
        ({"location": {"province": "Tỉnh Không Có"}}, "unknown_province"),
        ({"narrative": "   "}, "text_empty"),
        ({"narrative": "x" * 5001}, "text_too_long"),
        ({"channel": "sms"}, "invalid_body"),
        ({"people_at_risk": [{"age": 300}]}, "invalid_body"),
        ({"unexpected": 1}, "invalid_body"),
    ],
)
def test_bad_reports_get_a_clear_error_that_quotes_nothing(
    client: TestClient, caplog: pytest.LogCaptureFixture, overrides: dict[str, Any], code: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        r = post(client, report(**overrides))
    assert r.status_code == 422 and r.json()["code"] == code
    assert SECRET_NAME not in r.text and SECRET_PHONE not in r.text and "Không Có" not in r.text
    assert SECRET_NAME not in caplog.text and SECRET_PHONE not in caplog.text


def test_a_refusal_names_the_fields_at_fault(client: TestClient) -> None:
    r = post(client, report(people_at_risk=[{"age": 300, "relation": "em gái"}], channel="sms"))
    problem = r.json()
    assert r.status_code == 422 and problem["code"] == "invalid_body"
    for field in ("people_at_risk.0.age", "channel"):
        assert field in problem["message_en"] and field in problem["message_vi"]


def test_short_fields_typed_with_line_breaks_or_stray_control_characters_are_kept_as_one_clean_line(
    client: TestClient,
) -> None:
    """A commune typed over two lines in a chat, a NUL pasted into a destination: the tip is taken, and
    stored as one line (PostgreSQL could not keep the NUL at all)."""
    r = post(client, report(destination_country="Cam\u0000pu\nchia", location={"commune": "xã Tân Yên,\r\nBắc Giang\u001b"}))
    assert r.status_code == 201
    with sqlite3.connect(database_file(client)) as db:
        (stored,) = db.execute("SELECT destination_country FROM reports WHERE id = ?", (r.json()["id"],)).fetchone()
    assert stored == "Campu chia"
    from triage_api.schemas import Location

    assert Location(commune="xã Tân Yên,\r\nBắc Giang\u001b").commune == "xã Tân Yên, Bắc Giang"


def test_a_field_the_schema_does_not_have_is_refused_without_echoing_its_name(client: TestClient) -> None:
    r = post(client, report(**{SECRET_NAME: "x"}))
    assert r.status_code == 422 and "unexpected field" in r.json()["message_en"] and SECRET_NAME not in r.text


def test_short_fields_are_kept_in_nfc() -> None:
    from unicodedata import normalize

    from triage_api.schemas import ReportCreate

    nfd = normalize("NFD", "Lào")
    body = ReportCreate.model_validate(report(destination_country=nfd, contact=normalize("NFD", "Zalo: Hoà")))
    assert body.destination_country == "Lào" and body.contact == "Zalo: Hoà"
    assert nfd != "Lào"  # the test would prove nothing if the input were NFC already


def test_anonymous_reports_work_and_keep_no_contact(client: TestClient) -> None:
    r = post(client, report(consent="anonymous", contact=None))
    assert r.status_code == 201
    with sqlite3.connect(database_file(client)) as db:
        (contact,) = db.execute("SELECT contact_enc FROM reports WHERE id = ?", (r.json()["id"],)).fetchone()
    assert contact is None


def test_old_province_names_are_stored_as_the_new_unit(client: TestClient) -> None:
    r = post(client, report(location={"province": "bac giang"}))
    with sqlite3.connect(database_file(client)) as db:
        (province,) = db.execute("SELECT province FROM reports WHERE id = ?", (r.json()["id"],)).fetchone()
    assert province == "Bắc Ninh"


def test_nothing_personal_is_stored_in_clear_or_queued(client: TestClient) -> None:
    r = post(client, report())
    with sqlite3.connect(database_file(client)) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM reports WHERE id = ?", (r.json()["id"],)).fetchone())
        (payload,) = db.execute("SELECT payload FROM outbox WHERE report_id = ?", (r.json()["id"],)).fetchone()
        events = [dict(e) for e in db.execute("SELECT * FROM report_events WHERE report_id = ?", (r.json()["id"],))]
    everything = json.dumps([row, payload, events], ensure_ascii=False)
    for secret in (SECRET_NAME, SECRET_PHONE, "0987000222", "Tân Yên", "em gái", "Campuchia, họ"):
        assert secret not in everything
    queued = json.loads(payload)
    assert set(queued) == {"report_id", "urgency", "province", "indicators", "channel", "consent", "received_at"}
    assert queued["urgency"] == "P1" and "CONFINEMENT" in queued["indicators"] and queued["province"] == "Bắc Ninh"
    assert row["narrative_enc"] and row["contact_enc"] and row["people_enc"] and row["suspects_enc"]


def test_personal_columns_are_marked_in_the_schema() -> None:
    marked = personal_columns()
    assert {"contact_enc", "narrative_enc", "people_enc", "suspects_enc", "commune_enc", "explanation_enc"} <= set(marked["reports"])
    assert all(name.endswith("_enc") for names in marked.values() for name in names)


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = connect(database_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []
    assert (MIGRATIONS / "versions").is_dir()
    create_engine("sqlite://").dispose()


def test_a_database_that_goes_away_is_a_503_that_says_what_to_do(tmp_path: Any) -> None:
    from tests.triage_api.conftest import settings_for
    from triage_api.db import session_maker
    from triage_api.main import create_app
    from triage_api.writer import Writer

    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}")), raise_server_exceptions=False) as client:
        # the database server disappears after start-up: nothing listens on port 1
        gone = session_maker(connect("postgresql://nobody@127.0.0.1:1/gone"))
        client.app.state.sessions = gone  # type: ignore[attr-defined]
        client.app.state.writer = Writer(gone)  # type: ignore[attr-defined]
        r = post(client, report())
    assert r.status_code == 503 and r.json()["code"] == "storage_unavailable" and "113" in r.json()["message_vi"]
    assert r.headers["Retry-After"] and SECRET_NAME not in r.text and SECRET_PHONE not in r.text
