"""The real server, as `make run` starts it on a fresh machine: uvicorn serving triage_api.main:app on
its embedded defaults (SQLite, a generated data key), with no Redis reachable: reports wait in the outbox."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, var = free_port(), tmp_path_factory.mktemp("var")
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(ROOT), "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": f"sqlite:///{var / 'reports.sqlite3'}", "TRIAGE_DATA_KEY_FILE": str(var / "data.keys"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "triage_api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the API did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
        assert "bị nhốt" not in output and "bi nhot" not in output, "message text reached the server log"
        assert "0912000444" not in output, "a contact reached the server log"


def test_server_takes_a_report_while_redis_is_unreachable(server: str) -> None:
    body = {"channel": "web", "consent": "confidential", "contact": "0912000444", "narrative": "em bi nhot o Bac Giang"}
    r = httpx.post(server + "/v1/reports", json=body, headers={"Idempotency-Key": "server-test-1"}, timeout=10)
    assert r.status_code == 201 and r.json()["urgency"] == "P1"


def test_server_answers_without_postgresql_or_redis(server: str) -> None:
    r = httpx.post(server + "/v1/triage", json={"text": "em bi nhot o Bac Giang, cuu em"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["urgency"] == "P1"
    assert httpx.post(server + "/v1/triage", content=b"{", headers={"content-type": "application/json"}).status_code == 400
