"""GET /metrics, GET /readyz and the JSON access log: figures that move with the work, and no text of anyone's."""

import json
import logging
import re
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from tests.triage_api.conftest import settings_for
from tests.triage_api.test_reports import SECRET_NAME, SECRET_PHONE, report
from triage_api.logs import JsonFormatter, TextFormatter
from triage_api.main import create_app


def gauge(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} missing from /metrics"
    return float(match.group(1))


def test_metrics_count_p1_waiting_and_requests_by_route_template(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}"))
    with TestClient(app) as client:
        before = client.get("/metrics")
        assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
        assert gauge(before.text, "triage_p1_waiting") == 0
        posted = '{method="POST",route="/v1/reports",status="201"}'
        posted_before = gauge(before.text, "triage_http_requests_total", posted) if posted in before.text else 0.0
        accepted = client.post("/v1/reports", json=report(), headers={"Idempotency-Key": str(uuid.uuid4())})
        assert accepted.status_code == 201
        client.get(f"/v1/reports/{uuid.uuid4()}")  # 401: counted under the template, not the id
        after = client.get("/metrics").text
    assert gauge(after, "triage_p1_waiting") == 1
    p1 = re.findall(r'^triage_reports\{status="(\w+)",urgency="P1"\} (\S+)$', after, re.MULTILINE)
    assert sum(float(n) for _, n in p1) == 1, p1
    assert gauge(after, "triage_outbox_pending") == 1  # no Redis here: the report waits
    assert gauge(after, "triage_redis_up") == 0
    assert gauge(after, "triage_http_requests_total", posted) == posted_before + 1  # counters are the process's
    assert '/v1/reports/{report_id}' in after and SECRET_NAME not in after and SECRET_PHONE not in after


def test_metrics_read_the_intake_stream_when_redis_answers(tmp_path: Path, clean_redis: redis.Redis, redis_url: str) -> None:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}", redis_url))) as client:
        assert client.post("/v1/reports", json=report(), headers={"Idempotency-Key": str(uuid.uuid4())}).status_code == 201
        for _ in range(100):
            text = client.get("/metrics").text
            if gauge(text, "triage_outbox_pending") == 0:
                break
        assert gauge(text, "triage_redis_up") == 1
        assert gauge(text, "triage_intake_stream_length") == 1
        assert gauge(text, "triage_intake_unread") == 1  # no police consumer has read it yet


def test_readyz_says_what_is_down(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}", "redis://127.0.0.1:1/0"))
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["redis"].startswith("down")  # degraded, still taking reports
        app.state.sessions.kw["bind"].dispose()
        app.state.sessions.kw["bind"] = __import__("sqlalchemy").create_engine("sqlite:////nonexistent/dir/x.sqlite3")
        down = client.get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["database"].startswith("down")


def test_access_log_is_json_with_the_report_id_and_no_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}"))) as client:
        caplog.set_level(logging.INFO, logger="triage_api")
        report_id = str(uuid.uuid4())
        client.post("/v1/reports", json=report(), headers={"Idempotency-Key": str(uuid.uuid4())})
        client.get(f"/v1/reports/{report_id}?q={SECRET_NAME}")
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "triage_api.access"]
    assert {"method": "POST", "route": "/v1/reports", "status": 201}.items() <= lines[0].items()
    assert lines[1]["report_id"] == report_id and lines[1]["route"] == "/v1/reports/{report_id}"
    assert all(SECRET_NAME not in json.dumps(line, ensure_ascii=False) for line in lines)
    assert all(SECRET_NAME not in r.getMessage() and SECRET_PHONE not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_formatters_keep_the_exception_class_not_its_message(formatter: logging.Formatter) -> None:
    try:
        raise ValueError(f"bad input {SECRET_NAME}")
    except ValueError:
        import sys

        record = logging.LogRecord("triage_api", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = formatter.format(record)
    assert "ValueError" in line and SECRET_NAME not in line


def test_a_path_value_that_is_not_an_id_is_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}"))) as client:
        caplog.set_level(logging.INFO, logger="triage_api")
        client.get(f"/v1/reports/{SECRET_NAME}")
        client.request("PROPFIND", "/metrics")
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "triage_api.access"]
    assert "report_id" not in lines[0] and lines[0]["route"] == "/v1/reports/{report_id}"
    assert lines[1]["method"] == "OTHER"
