"""Zalo and Telegram through the whole stack as `make run` starts it (credentials.yml, the real Rasa server and
actions), against fake Zalo OA and Telegram Bot APIs on loopback: a signed Zalo event and a Telegram update
with its secret get the bot's answer delivered to the fake API; the token refresh happens on the way; wrong
credentials are refused; nothing personal reaches the logs.

Needs the trained model (models/bot.tar.gz; marker ``stack``)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from bot.stack import MODEL, Stack, running

pytestmark = pytest.mark.stack
APP_ID, OA_SECRET, APP_SECRET = "4291763606161179100", "oa-secret-key-stack", "app-secret-stack"
TG_TOKEN, TG_SECRET = "123456789:AAH-stack_token", "stack-secret-token-0123456789abcdef"
USER, CHAT = "8412345678901234567", 555000111
ASK = "cho tôi số đường dây nóng"
SECRET = "Trần Văn Khải 0977123456"  # must never reach a log line


class FakeApis:
    """Zalo OA (CS messages, token refresh) and Telegram Bot API on one loopback port, every call recorded."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                body = json.loads(raw) if "json" in kind else {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                fake.calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path == "/v4/oa/access_token":
                    answer: dict[str, Any] = {"access_token": "zalo-access-1", "refresh_token": "zalo-refresh-1",
                                              "expires_in": "90000"}
                elif self.path == "/v3.0/oa/message/cs":
                    ok = self.headers.get("access_token") == "zalo-access-1"
                    answer = {"error": 0, "message": "Success"} if ok else {"error": -216, "message": "invalid"}
                elif self.path.startswith(f"/bot{TG_TOKEN}/"):
                    answer = {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}}}
                else:
                    answer = {"error": "not found"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"] == path]

    def wait_for(self, path: str, count: int = 1, seconds: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.to(path)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.to(path)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[Stack, FakeApis, Path]]:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    fakes = FakeApis()
    workdir = tmp_path_factory.mktemp("channels")
    token_file = workdir / "zalo_tokens.json"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_APP_SECRET": APP_SECRET,
                            "ZALO_REFRESH_TOKEN": "zalo-refresh-0", "ZALO_ACCESS_TOKEN": "",
                            "ZALO_TOKEN_FILE": str(token_file), "ZALO_API_BASE": fakes.url, "ZALO_OAUTH_BASE": fakes.url,
                            "TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_SECRET_TOKEN": TG_SECRET, "TELEGRAM_API_BASE": fakes.url,
                            "TELEGRAM_USERNAME": "tipbot"}.items():
            mp.setenv(name, value)
        with running(workdir, redis_url, redis_db=7) as started:
            yield started, fakes, token_file
    fakes.server.shutdown()


def zalo_post(stack: Stack, event: dict[str, Any], secret: str = OA_SECRET) -> httpx.Response:
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(APP_ID.encode() + body + event["timestamp"].encode() + secret.encode()).hexdigest()
    return httpx.post(f"{stack.bot_url}/webhooks/zalo/webhook", content=body, timeout=30,
                      headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"})


def zalo_text(text: str, msg_id: str) -> dict[str, Any]:
    return {"app_id": APP_ID, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": USER}, "recipient": {"id": "579745863508352884"}, "message": {"text": text, "msg_id": msg_id}}


def test_a_signed_zalo_message_is_answered_by_the_bot_through_the_cs_api(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, token_file = stack
    assert httpx.get(f"{started.bot_url}/webhooks/zalo/", timeout=10).json() == {"status": "ok"}
    r = zalo_post(started, zalo_text(ASK, "stack-m-1"))
    assert r.status_code == 200  # acknowledged at once; the answer follows
    sent = fakes.wait_for("/v3.0/oa/message/cs")
    assert sent, fakes.calls
    [refresh] = fakes.to("/v4/oa/access_token")  # no access token at start: refreshed first
    assert refresh["headers"]["secret_key"] == APP_SECRET and refresh["body"]["refresh_token"] == "zalo-refresh-0"
    assert json.loads(token_file.read_text())["refresh_token"] == "zalo-refresh-1"
    texts = [c["body"]["message"]["text"] for c in sent if c["body"]["recipient"] == {"user_id": USER}]
    assert any("111" in t for t in texts), texts
    assert zalo_post(started, zalo_text(SECRET, "stack-m-2"), secret="wrong").status_code == 401


def test_a_telegram_update_with_the_secret_is_answered_through_the_bot_api(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, _ = stack
    update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "text": ASK,
                                          "chat": {"id": CHAT, "type": "private"},
                                          "from": {"id": CHAT, "is_bot": False, "first_name": "A"}}}
    url = f"{started.bot_url}/webhooks/telegram/webhook"
    refused = httpx.post(url, json={**update, "message": {**update["message"], "text": SECRET}}, timeout=30,
                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert refused.status_code == 403
    r = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=60)
    assert r.status_code == 200
    sent = fakes.wait_for(f"/bot{TG_TOKEN}/sendMessage")
    assert sent and all(c["body"]["chat_id"] == str(CHAT) for c in sent)
    assert any("111" in c["body"]["text"] for c in sent), sent
    assert fakes.to(f"/bot{TG_TOKEN}/getMe") == [] and fakes.to(f"/bot{TG_TOKEN}/setWebhook") == []


def test_no_message_text_user_id_or_token_in_the_logs(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, _ = stack
    zalo_post(started, zalo_text(SECRET, "stack-m-3"))
    fakes.wait_for("/v3.0/oa/message/cs", count=2)
    logs = started.log_text()
    for secret in ("Trần Văn Khải", "0977123456", USER, str(CHAT), "zalo-access-1", "zalo-refresh", TG_TOKEN, TG_SECRET,
                   OA_SECRET, APP_SECRET, ASK):
        assert secret not in logs, secret
