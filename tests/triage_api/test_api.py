"""The HTTP contract of POST /v1/triage and GET /healthz, and how bad input is refused."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.triage_api.conftest import settings_for
from triage_api.main import create_app

SECRET = "Nguyễn Thị Hoa 0912345678"  # stands for what a victim might write; must never leak


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_triage_contract(client: TestClient) -> None:
    text = "Con gái tôi 15 tuổi bị nhốt ở Bắc Giang, cứu với"
    r = client.post("/v1/triage", json={"text": text})
    assert r.status_code == 200
    body = r.json()
    assert body["urgency"] == "P1"
    confinement = next(i for i in body["indicators"] if i["code"] == "CONFINEMENT")
    assert confinement["evidence"] == "bị nhốt"
    assert text[confinement["start"] : confinement["end"]] == "bị nhốt"
    assert body["entities"]["province"] == "Bắc Ninh"
    assert body["entities"]["province_mentioned"] == "Bắc Giang"
    assert body["entities"]["ages"] == [15]
    assert {"CHILD_INVOLVED", "IMMEDIATE_DANGER"} <= {i["code"] for i in body["indicators"]}
    assert isinstance(body["explanation"], str) and body["explanation"]


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["message_vi"] and body["message_en"]
    return body


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"text": ""}, 422, "text_empty"),
        ({"text": "   \n\t "}, 422, "text_empty"),
        ({"text": "x" * 5001}, 422, "text_too_long"),
        ({"text": "em bị\x00 nhốt"}, 422, "text_control_characters"),
        ({"text": "em bị\x1b[31m nhốt"}, 422, "text_control_characters"),
        ({"text": 123}, 422, "invalid_body"),
        ({"text": None}, 422, "invalid_body"),
        ({"text": ["a"]}, 422, "invalid_body"),
        ({}, 422, "invalid_body"),
        ({"text": "a", "extra": 1}, 422, "invalid_body"),
        ([1, 2], 422, "invalid_body"),
    ],
)
def test_bad_input_is_a_clear_4xx(client: TestClient, payload: object, status: int, code: str) -> None:
    body = _problem(client.post("/v1/triage", json=payload), status)
    assert body["code"] == code


def test_invalid_json_is_400(client: TestClient) -> None:
    r = client.post("/v1/triage", content=b'{"text": "em bi nhot', headers={"content-type": "application/json"})
    assert _problem(r, 400)["code"] == "invalid_json"


def test_huge_body_is_413_before_it_is_read(client: TestClient) -> None:
    r = client.post("/v1/triage", content=b"x" * (1024 * 1024), headers={"content-type": "application/json"})
    assert _problem(r, 413)["code"] == "body_too_large"


def test_exactly_5000_characters_is_accepted(client: TestClient) -> None:
    text = ("em bị nhốt ở Campuchia. " * 300)[:5000]
    assert client.post("/v1/triage", json={"text": text}).status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        "em bị nhốt ở 柬埔寨 (Campuchia), cứu em",  # Chinese place name pasted from an ad
        "em bị nhốt ở Сampuchia",  # a Cyrillic С
        "🆘 bị nhốt 🙏🙏",
        "e\u0301m bi\u0323 nho\u0302\u0301t",  # NFD
        "\u202eem bị nhốt",  # bidi override
        "em\u200bbị\u200bnhốt",  # zero-width spaces
    ],
)
def test_odd_unicode_and_mixed_scripts_are_triaged(client: TestClient, text: str) -> None:
    r = client.post("/v1/triage", json={"text": text})
    assert r.status_code == 200
    for hit in r.json()["indicators"]:
        assert text[hit["start"] : hit["end"]] == hit["evidence"]


def test_errors_and_logs_never_echo_the_text(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bad = [
        {"text": SECRET + "\x00"},
        {"text": SECRET * 300},
        {"text": 5, "name": SECRET},
        {"text": SECRET, "unexpected": SECRET},
    ]
    for payload in bad:
        r = client.post("/v1/triage", json=payload)
        assert 400 <= r.status_code < 500
        assert "Nguyễn" not in r.text and "0912345678" not in r.text
    r = client.post("/v1/triage", content=('{"text": "' + SECRET).encode(), headers={"content-type": "application/json"})
    assert "Nguyễn" not in r.text
    assert client.post("/v1/triage", json={"text": SECRET}).status_code == 200
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "Nguyễn" not in logged and "0912345678" not in logged


def test_openapi_documents_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/triage"]["post"]
    assert "422" in post["responses"] and "200" in post["responses"]
    assert json.dumps(spec)  # serialisable


def test_the_length_limit_is_the_apps_own_setting(tmp_path: Path) -> None:
    """Each app keeps to the settings it was made with (read from app.state, not a process-wide cache)."""
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'short.db'}", max_text_chars=40))
    with TestClient(app, raise_server_exceptions=False) as short:
        assert short.post("/v1/triage", json={"text": "em bị nhốt ở Bắc Giang"}).status_code == 200
        body = _problem(short.post("/v1/triage", json={"text": "em bị nhốt ở Bắc Giang, họ đánh em mỗi ngày, cứu em"}), 422)
        assert body["code"] == "text_too_long"


def test_what_start_up_loads_is_kept_out_of_full_garbage_collections(client: TestClient) -> None:
    """The engine's matchers and models (half a million objects) are frozen once loaded: a full
    collection would otherwise walk them all and pause the worker (~350 ms, ``make bench-intake``)."""
    import gc

    from triage_api.engine.patterns import compiled

    assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() > 100_000
    assert not any(obj is compiled() for obj in gc.get_objects(generation=2))  # frozen, not in the oldest generation
