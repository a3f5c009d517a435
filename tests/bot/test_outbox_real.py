"""The outbox against the real triage API (started from .venv): a report kept while the API is down is
stored exactly once when it comes back, under its Idempotency-Key."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from cryptography.fernet import Fernet

from actions import outbox
from actions.report import ActionSubmitReport
from tests.bot.conftest import free_port, texts, tracker
from tests.bot.test_actions import run

ROOT = Path(__file__).resolve().parents[2]
UVICORN = ROOT / ".venv" / "bin" / "uvicorn"


@pytest.mark.skipif(not UVICORN.exists(), reason="the API environment (.venv) is not built: make setup")
def test_a_report_kept_while_the_api_is_down_is_stored_once_when_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("TRIAGE_API_URL", f"http://127.0.0.1:{port}")
    dispatcher, _ = run(ActionSubmitReport(), tracker("form_done"))  # nothing listens yet
    assert "lưu an toàn" in texts(dispatcher)[0] and len(outbox.pending()) == 1

    database = tmp_path / "api.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": "", "PYTHONPATH": str(ROOT),
           "TRIAGE_DATA_KEYS": Fernet.generate_key().decode()}
    api = subprocess.Popen([str(UVICORN), "triage_api.main:app", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except (URLError, OSError):
                assert time.monotonic() < deadline and api.poll() is None, "the API did not start"
                time.sleep(0.3)
        assert outbox.deliver() == (1, 0) and outbox.pending() == []
        outbox.put("6f1c1f0e-2a52-4c55-9d7e-3b1f6f9f0b11", {"channel": "zalo", "consent": "anonymous", "narrative": "x"})
        outbox.deliver()  # the same key again with another body: refused as a conflict, never a second report
        with sqlite3.connect(database) as db:
            rows = db.execute("SELECT channel, consent, province FROM reports").fetchall()
        assert rows == [("zalo", "confidential", "Nghệ An")]
    finally:
        api.terminate()
        api.wait(20)
