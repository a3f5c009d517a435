"""The real server, as `make run` starts it: uvicorn serving triage_api.main:app, no database or Redis needed."""

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
def server() -> Iterator[str]:
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "REDIS_URL": "redis://127.0.0.1:1/0", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
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


def test_server_answers_without_database_or_redis(server: str) -> None:
    r = httpx.post(server + "/v1/triage", json={"text": "em bi nhot o Bac Giang, cuu em"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["urgency"] == "P1"
    assert httpx.post(server + "/v1/triage", content=b"{", headers={"content-type": "application/json"}).status_code == 400
