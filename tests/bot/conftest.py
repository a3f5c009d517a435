"""Fixtures for the bot's action tests (run in .venv-rasa): trackers from JSON fixtures, a fake triage API
on loopback for unit tests, and a private outbox per test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

TRACKERS = Path(__file__).parent / "trackers"


def tracker(name: str, **slots: Any) -> Tracker:
    """A tracker from ``trackers/<name>.json``, with ``slots`` set on top."""
    data = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    data["slots"] = {**data.get("slots", {}), **slots}
    return Tracker.from_dict(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeTriageApi:
    """Answers like triage_api: ``triage`` is what POST /v1/triage returns; every request is recorded."""

    def __init__(self) -> None:
        self.triage: dict[str, Any] = {"urgency": "P3", "indicators": [], "entities": {"province": None, "ages": []}}
        self.requests: list[dict[str, Any]] = []
        self.report_status = 201
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if self.path == "/v1/triage":
                    self._send(200, fake.triage)
                elif self.path == "/v1/reports":
                    self._send(fake.report_status, {"id": "r-1", "receipt_code": "7KQM-X4TD", "urgency": "P2",
                                                    "status": "received", "received_at": "2026-11-24T00:00:00Z",
                                                    "message_vi": "…", "code": "x"})
                elif self.path == "/v1/handoffs":
                    self._send(201, {"id": "h-1", "channel": body["channel"], "created_at": "2026-11-24T00:00:00Z"})
                else:
                    self._send(404, {"code": "not_found"})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def private_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "outbox.sqlite3"
    monkeypatch.setenv("BOT_OUTBOX_PATH", str(path))
    monkeypatch.setenv("BOT_OUTBOX_RETRY_S", "3600")  # tests deliver by hand
    monkeypatch.setenv("TRIAGE_API_TIMEOUT_S", "2")
    return path


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTriageApi]:
    fake = FakeTriageApi()
    monkeypatch.setenv("TRIAGE_API_URL", fake.url)
    yield fake
    fake.close()


@pytest.fixture
def api_down(monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("TRIAGE_API_URL", url)
    return url


def texts(dispatcher: Any) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any | None]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
