"""`make run`'s script (bot/run.sh) as a person uses it: it says where everything is, the web chat answers,
the demo sign-in works, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.stack import MODEL, ROOT, free_port

pytestmark = pytest.mark.stack


def _session_processes(sid: int) -> list[str]:
    ps = subprocess.run(["ps", "-e", "-o", "pid=,sid=,args="], capture_output=True, text=True, check=True).stdout
    return [line for line in ps.splitlines() if line.split()[1] == str(sid)]


def test_make_run_prints_the_urls_answers_in_the_web_chat_and_stops_cleanly_on_ctrl_c(tmp_path: Path, redis_url: str) -> None:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    api, actions, bot = free_port(), free_port(), free_port()
    env = {**os.environ, "API_PORT": str(api), "ACTIONS_PORT": str(actions), "BOT_PORT": str(bot), "REDIS_URL": redis_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'reports.sqlite3'}", "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(),
           "TRIAGE_API_KEY": "not-needed-here", "TRIAGE_DEMO_ACCOUNTS": "1", "BOT_OUTBOX_PATH": str(tmp_path / "outbox.sqlite3")}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(["bash", "bot/run.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "the stack is up" not in log.read_text():
            assert run.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the stack did not come up in 5 minutes"
            time.sleep(1)
        banner = log.read_text()
        for url in (f"http://127.0.0.1:{bot}/webhooks/webchat/", f"http://127.0.0.1:{api}/console/",
                    f"http://127.0.0.1:{api}/docs", f"http://127.0.0.1:{api}/metrics"):
            assert url in banner and httpx.get(url, timeout=10).status_code == 200, url
        reply = httpx.post(f"http://127.0.0.1:{bot}/webhooks/webchat/message",
                           json={"sender": secrets.token_hex(16), "message": "xin chào"}, timeout=60)
        assert reply.status_code == 200 and reply.json()["messages"] and reply.json()["messages"][0]["text"]
        user, password = re.search(r"demo sign-in\s+(\S+) / (\S+)", banner).groups()  # type: ignore[union-attr]
        token = httpx.post(f"http://127.0.0.1:{api}/v1/token", data={"username": user, "password": password}, timeout=10)
        assert token.status_code == 200 and token.json()["access_token"]
        assert len(_session_processes(run.pid)) >= 4  # the script, the API, the action server, the bot
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole foreground group
        try:
            run.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + 30
    while _session_processes(run.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _session_processes(run.pid) == [], "processes were left running after Ctrl-C"
    assert "stopping the stack" in log.read_text()
