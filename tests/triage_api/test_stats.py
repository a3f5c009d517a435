"""Statistics for the plans: shares, time to acknowledgement, counts with small cells suppressed."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.triage_api.conftest import settings_for
from tests.triage_api.test_access import bearer
from triage_api.lifecycle import move
from triage_api.main import create_app
from triage_api.reports import submit
from triage_api.schemas import ReportCreate
from triage_api.stats import compute, period_bounds

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def app_client(tmp_path: Path) -> TestClient:
    client = TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}")))
    client.__enter__()
    state = client.app.state  # type: ignore[attr-defined]
    # 4 from Bắc Giang (→ Bắc Ninh), 2 from Nghệ An; 3 acknowledged within the hour, 1 resolved, 1 closed
    for n, (province, text) in enumerate([("Bắc Giang", "em bị nhốt, cứu em")] * 4 + [("Nghệ An", "tuyển người đi Campuchia lương cao")] * 2):
        body = ReportCreate(channel="hotline" if n % 2 else "web", consent="anonymous", narrative=text, location={"province": province})  # type: ignore[arg-type]
        rid = submit(state.sessions, state.cipher, body, str(uuid.uuid4()), now=NOW + timedelta(minutes=n)).report.id
        if n < 3:
            move(state.sessions, state.cipher, rid, "acknowledged", actor="police:x", now=NOW + timedelta(minutes=n + 10 * (n + 1)))
        if n == 0:
            move(state.sessions, state.cipher, rid, "resolved", actor="police:x", now=NOW + timedelta(days=1))
        if n == 5:
            move(state.sessions, state.cipher, rid, "closed", actor="operator:lan", reason="Quảng cáo, đã cảnh báo", now=NOW + timedelta(days=1))
    submit(state.sessions, state.cipher, ReportCreate(channel="web", consent="anonymous", narrative="tháng sau"),  # type: ignore[arg-type]
           str(uuid.uuid4()), now=NOW + timedelta(days=30))
    return client


def test_periods_are_in_vietnam_time() -> None:
    start, end = period_bounds("month", 2026, 12)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+07:00", "2027-01-01T00:00:00+07:00")
    assert period_bounds("half", 2026, 2)[0].month == 7 and period_bounds("year", 2026)[1].year == 2027
    with pytest.raises(ValueError):
        period_bounds("quarter", 2026, 5)


def test_figures_for_a_month(app_client: TestClient) -> None:
    s = compute(app_client.app.state.sessions, "month", 2026, 11)  # type: ignore[attr-defined]
    assert s.received == 6 and s.classified_share == 1.0
    assert s.resolved_share == round(1 / 6, 4) and s.finished_share == round(2 / 6, 4)
    assert s.by_province == {"Bắc Ninh": 4, "Nghệ An": None}  # 2 is under 3: suppressed
    assert s.by_channel == {"hotline": 3, "web": 3}
    p1 = s.minutes_to_acknowledge["P1"]
    assert p1["acknowledged"] == 3 and p1["median"] == 20.0  # waits of 10, 20 and 30 minutes
    assert s.minutes_to_acknowledge["P3"]["median"] is None


def test_the_api_serves_json_csv_and_xlsx_to_supervisors_only(app_client: TestClient) -> None:
    params = {"period": "month", "year": 2026, "number": 11}
    assert app_client.get("/v1/stats", params=params).status_code == 401
    assert app_client.get("/v1/stats", params=params, headers=bearer(app_client, "operator", person=True)).status_code == 403
    supervisor = bearer(app_client, "supervisor", person=True)
    assert app_client.get("/v1/stats", params=params, headers=supervisor).json()["received"] == 6
    rows = list(csv.reader(io.StringIO(app_client.get("/v1/stats.csv", params=params, headers=supervisor).text)))
    assert ["by_province", "Nghệ An", "<3"] in rows and ["by_province", "Bắc Ninh", "4"] in rows
    book = load_workbook(io.BytesIO(app_client.get("/v1/stats.xlsx", params=params, headers=supervisor).content))
    cells = [tuple(c.value for c in row) for row in book.active.iter_rows()]
    assert ("by_province", "Nghệ An", "<3") in cells and ("received", None, 6) in cells
    by_province = app_client.get("/v1/stats", params={**params, "province": "Bắc Ninh"}, headers=supervisor).json()
    assert by_province["received"] == 4
    assert app_client.get("/v1/stats", params={**params, "province": "Atlantis"}, headers=supervisor).status_code == 422
    assert app_client.get("/v1/stats", params={"period": "quarter", "year": 2026, "number": 7}, headers=supervisor).status_code == 422
