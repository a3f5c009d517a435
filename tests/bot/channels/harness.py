"""Real HTTP on loopback for the channel tests: a channel's Sanic blueprint served by a real Sanic app, and fake
Zalo OA and Telegram Bot APIs (aiohttp servers), all in one event loop on a background thread."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

T = TypeVar("T")
Sanic.test_mode = True  # several apps in one process: Sanic 21.12 must keep the originals it rewrites at start-up


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class Recorder:
    """An ``on_new_message`` that records what reached the bot and answers "đã nhận: <text>" on the channel."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.fail = False
        self.silent = False  # what Rasa does when the action server or Redis is away: no error, no reply

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("the bot broke")
        if self.silent:
            return
        await message.output_channel.send_text_message(message.sender_id, f"đã nhận: {message.text}")


async def serve_channel(channel: InputChannel, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                        port: int, *, agent: Any = None) -> Any:
    app = Sanic(f"test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = agent  # what Rasa's server keeps there (the web chat's forget reaches the tracker store)
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.url_prefix()}")
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server


async def stop_server(server: Any) -> None:
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


class FakeApi:
    """An aiohttp server on loopback; ``routes`` maps (method, path) to a handler returning (status, json)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        record: dict[str, Any] = {"method": request.method, "path": request.path, "headers": dict(request.headers),
                                  "raw": raw}
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            record["form"] = {k: str(v) for k, v in (await request.post()).items()}
        elif raw:
            record["json"] = await request.json()
        self.requests.append(record)
        status, body = self.answer(record)
        return web.json_response(body, status=status)

    def answer(self, record: dict[str, Any]) -> tuple[int, Any]:
        return 404, {"error": "not found"}

    def to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]


class FakeZaloApi(FakeApi):
    """openapi.zalo.me (CS messages) and oauth.zaloapp.com (token refresh) in one: a message is accepted only
    with the current access token; a refresh only with the app secret and the current (single-use) refresh
    token, and it rotates both."""

    def __init__(self, *, app_secret: str, access_token: str, refresh_token: str) -> None:
        super().__init__()
        self.app_secret, self.access_token, self.refresh_token = app_secret, access_token, refresh_token
        self.expires_in = "90000"
        self.refreshes = 0
        self.delivered: list[dict[str, Any]] = []  # messages accepted with a valid token

    def answer(self, record: dict[str, Any]) -> tuple[int, Any]:
        if record["path"] == "/v3.0/oa/message/cs":
            if record["headers"].get("access_token") != self.access_token:
                return 200, {"error": -216, "message": "Access token is invalid"}
            self.delivered.append(record["json"])
            return 200, {"error": 0, "message": "Success", "data": {"message_id": uuid.uuid4().hex}}
        if record["path"] == "/v4/oa/access_token":
            form = record.get("form", {})
            if (record["headers"].get("secret_key") != self.app_secret or form.get("grant_type") != "refresh_token"
                    or form.get("refresh_token") != self.refresh_token):
                return 200, {"error": -14014, "error_name": "Invalid refresh_token"}
            self.refreshes += 1
            self.access_token, self.refresh_token = f"access-{self.refreshes}", f"refresh-{self.refreshes}"
            return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token,
                         "expires_in": self.expires_in}
        return super().answer(record)

    def texts_to(self, user_id: str) -> list[str]:
        return [m["message"]["text"] for m in self.delivered if m["recipient"] == {"user_id": user_id}]


class FakeTelegramApi(FakeApi):
    """api.telegram.org: ``/bot<token>/<method>``; records every call, answers ``ok``."""

    def __init__(self, token: str, username: str) -> None:
        super().__init__()
        self.token, self.username = token, username

    def answer(self, record: dict[str, Any]) -> tuple[int, Any]:
        prefix = f"/bot{self.token}/"
        if not record["path"].startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = record["path"][len(prefix):]
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "bot", "username": self.username}}
        if method == "sendMessage":
            return 200, {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
        if method == "setWebhook":
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        return 200, {"ok": True, "result": True}

    def calls(self, method: str) -> list[dict[str, Any]]:
        return self.to(f"/bot{self.token}/{method}")
