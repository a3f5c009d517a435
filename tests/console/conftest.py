"""The console's tests: the real API in a uvicorn subprocess on a free loopback port (SQLite in a temporary
folder, a fresh Fernet key, no Redis), users made with the admin command, and Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật khẩu thử nghiệm đủ dài"
ROLES = ("operator", "supervisor", "auditor", "police")


@dataclass
class Server:
    url: str
    env: dict[str, str]
    database: Path
    log: Path

    def token(self, role: str) -> str:
        r = httpx.post(f"{self.url}/v1/token", data={"username": f"{role}-1", "password": PASSWORD})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def close_all(self) -> None:
        """Close every open report (with a reason), so a test starts from an empty queue."""
        headers = self.headers("supervisor")
        for report in httpx.get(f"{self.url}/v1/queue", params={"limit": 500}, headers=headers).json():
            r = httpx.post(f"{self.url}/v1/reports/{report['id']}/status", headers=headers,
                           json={"to": "closed", "reason": "bài thử: dọn hàng đợi"})
            assert r.status_code == 200, r.text

    def submit(self, narrative: str, **fields: Any) -> dict[str, Any]:
        body = {"channel": "web", "reporter_role": "family", "consent": "confidential", "narrative": narrative, **fields}
        r = httpx.post(f"{self.url}/v1/reports", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_user(env: dict[str, str], name: str, role: str) -> None:
    subprocess.run([sys.executable, "-m", "triage_api", "add-user", "--name", name, "--role", role],
                   input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("console")
    database = folder / "reports.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": "",
           "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(), "TRIAGE_REPORTS_PER_MINUTE": "1000",
           "TRIAGE_READS_PER_MINUTE": "10000",
           "TRIAGE_STREAM_LIFETIME_S": "2"}  # the browser tests cross several stream renewals
    for role in ROLES:
        add_user(env, f"{role}-1", role)
    add_user(env, "operator-2", "operator")
    port = _free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "triage_api.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--timeout-graceful-shutdown", "1"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the API did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    yield Server(url, env, database, log)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context (own sessionStorage) whose every request is recorded in ``page.requests_seen``."""
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    page.requests_seen = []
    page.console_errors = []
    page.on("request", lambda request: page.requests_seen.append(request.url))
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def sign_in(page: Any, server: Server, role: str) -> None:
    page.goto(f"{server.url}/console/")
    page.fill("#username", f"{role}-1")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#queue:not(.hidden)")
