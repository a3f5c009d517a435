"""Fakes the stack tests share: the Zalo OA and Telegram Bot APIs on one loopback port (every call recorded),
and signed Zalo events as the OA's webhook sends them."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from bot.stack import Stack

APP_ID, OA_SECRET, APP_SECRET = "4291763606161179100", "oa-secret-key-stack", "app-secret-stack"
TG_TOKEN, TG_SECRET = "123456789:AAH-stack_token", "stack-secret-token-0123456789abcdef"
USER, CHAT = "8412345678901234567", 555000111
ZALO_CS = "/v3.0/oa/message/cs"
ZALO_TOKEN = "/v4/oa/access_token"


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
                if self.path == ZALO_TOKEN:
                    answer: dict[str, Any] = {"access_token": "zalo-access-1", "refresh_token": "zalo-refresh-1",
                                              "expires_in": "90000"}
                elif self.path == ZALO_CS:
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

    def zalo_texts(self, user: str) -> list[str]:
        """What the OA sent one Zalo user, in order."""
        return [c["body"]["message"]["text"] for c in self.to(ZALO_CS) if c["body"].get("recipient") == {"user_id": user}]


def zalo_env(fakes: FakeApis, token_file: Path) -> dict[str, str]:
    """The Zalo channel on, talking to ``fakes``, starting with a refresh token only (so it refreshes first)."""
    return {"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_APP_SECRET": APP_SECRET,
            "ZALO_REFRESH_TOKEN": "zalo-refresh-0", "ZALO_ACCESS_TOKEN": "", "ZALO_TOKEN_FILE": str(token_file),
            "ZALO_API_BASE": fakes.url, "ZALO_OAUTH_BASE": fakes.url}


def zalo_post(stack: Stack, event: dict[str, Any], secret: str = OA_SECRET) -> httpx.Response:
    """``event`` to the bot's Zalo webhook, signed as the OA signs it (with ``secret``)."""
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(APP_ID.encode() + body + event["timestamp"].encode() + secret.encode()).hexdigest()
    return httpx.post(f"{stack.bot_url}/webhooks/zalo/webhook", content=body, timeout=30,
                      headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"})


def zalo_text(text: str, msg_id: str, user: str = USER) -> dict[str, Any]:
    """A ``user_send_text`` event from ``user``."""
    return {"app_id": APP_ID, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": user}, "recipient": {"id": "579745863508352884"}, "message": {"text": text, "msg_id": msg_id}}
