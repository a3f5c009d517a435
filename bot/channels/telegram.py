"""Telegram channel: Rasa's ``TelegramInput`` with the webhook's secret token required.

``POST /webhooks/telegram/webhook`` answers 403 unless ``X-Telegram-Bot-Api-Secret-Token`` equals the secret
given to ``setWebhook`` (constant-time comparison); an authentic update is always answered 200, even when it
is garbage, because Telegram holds back later updates while it retries one. Differences from Rasa's channel:
no ``getMe`` call per update and no ``setWebhook`` at start-up (the secret replaces both; register with
``python -m bot.channels.telegram set-webhook``); private chats only (a tip in a group would expose people);
photos, stickers, files and voice get a kind "text only" reply; a location asks for the province; ``/start``
gets the welcome; the Bot API server is configurable (``TELEGRAM_API_BASE``) so tests use a fake one. Tracker
ids are ``telegram-<chat id>``.

Like Zalo's, the webhook answers 200 at once and handles the update in a background task: Telegram resends an
update it has not had an answer to within its timeout, so a slow Rasa turn would otherwise be handled twice. A
resent update is recognised by its ``update_id`` (bot/channels/replay.py; shared through ``CHANNELS_REDIS_URL``)
and handled once. On shutdown the updates being handled get ``DRAIN_S`` seconds to finish.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.always import Watched
from bot.channels.background import DRAIN_S, Background
from bot.channels.inbound import clean
from bot.channels.limits import SenderLimits, Verdict
from bot.channels.replay import ReplayGuard
from bot.channels.replies import reply

logger = logging.getLogger(__name__)
logging.getLogger("aiogram").setLevel(logging.INFO)  # its debug lines hold message text and the token in URLs
PREFIX = "telegram-"
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # Telegram allows 1-256 of these; 16+ is our floor
MEDIA = ("photo", "sticker", "document", "voice", "audio", "video", "video_note", "animation", "contact")
DEFAULT_API = "https://api.telegram.org"
REPLAY_TTL_S = 24 * 3600  # Telegram keeps an undelivered update for 24 hours


class SafeTelegramOutput(TelegramOutput):
    """Rasa's Telegram output against a configurable Bot API server, for ``telegram-<chat id>`` trackers."""

    def __init__(self, access_token: str, api_base: str = DEFAULT_API) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_base))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await super().send_text_message(_chat(recipient_id), text, **kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     button_type: str | None = "inline", **kwargs: Any) -> None:
        await super().send_text_with_buttons(_chat(recipient_id), text, buttons, button_type, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await super().send_image_url(_chat(recipient_id), image, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await super().send_custom_json(_chat(recipient_id), json_message, **kwargs)


def _chat(recipient_id: str) -> str:
    return str(recipient_id).removeprefix(PREFIX)


class SecretTelegramInput(TelegramInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        c = {k: ("" if v is None else str(v)) for k, v in (credentials or {}).items()}
        return cls(c.get("access_token", ""), c.get("verify", ""), c.get("webhook_url", ""),
                   secret_token=c.get("secret_token", ""), api_base=c.get("api_base") or DEFAULT_API,
                   replay_redis_url=c.get("replay_redis_url", ""))

    def __init__(self, access_token: str | None, verify: str | None, webhook_url: str | None, debug_mode: bool = False,
                 *, secret_token: str = "", api_base: str = DEFAULT_API, limits: SenderLimits | None = None,
                 replay_redis_url: str = "", drain_s: float = DRAIN_S) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.secret_token, self.api_base = secret_token, api_base
        self.limits = limits or SenderLimits.from_env()
        self.replays = ReplayGuard(ttl_s=REPLAY_TTL_S, redis_url=replay_redis_url or None, prefix="telegram:seen:")
        self.background = Background("telegram", drain_s=drain_s)
        token_ok = bool(access_token) and re.fullmatch(r"\d+:[A-Za-z0-9_-]+", access_token or "") is not None
        self.configured = token_ok and SECRET_TOKEN.fullmatch(secret_token) is not None
        if not self.configured:
            logger.info("telegram channel is off: TELEGRAM_TOKEN and a TELEGRAM_SECRET_TOKEN of 16-256 "
                        "characters [A-Za-z0-9_-] are not both set")
        self._out: SafeTelegramOutput | None = None

    def get_output_channel(self) -> SafeTelegramOutput:
        if self._out is None:
            self._out = SafeTelegramOutput(self.access_token or "", self.api_base)
        return self._out

    @property
    def tasks(self) -> set[asyncio.Task[None]]:
        return self.background.tasks

    async def drain(self) -> None:
        """Wait for the updates being handled (tests)."""
        await self.background.drain()

    def authentic(self, request: Request) -> bool:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return response.json({"error": "telegram channel is not configured"}, status=503)
            if not self.authentic(request):
                logger.warning("telegram update refused: wrong or missing secret token")
                return response.json({"error": "forbidden"}, status=403)
            if self.limits.body_too_big(request.body):
                return response.json({"status": "ignored"})  # 200: Telegram would retry it forever
            try:
                data = json.loads(request.body or b"")
                update = Update(**data) if isinstance(data, dict) else None
            except Exception:  # noqa: BLE001 - whatever aiogram makes of garbage, it is ignored
                update = None
            if update is None:
                logger.info("telegram update ignored: malformed")
                return response.json({"status": "ignored"})
            if update.update_id is not None and not await self.replays.first_time(f"update:{update.update_id}"):
                logger.info("telegram update already handled: ignored")
                return response.json({"status": "duplicate"})
            self.background.start(self.handle(update, on_new_message))
            return response.json({"status": "ok"})

        @bp.listener("before_server_stop")
        async def close(*_: Any) -> None:
            await self.background.stop()
            if self._out is not None and self._out._session is not None:
                await self._out._session.close()

        return bp

    async def handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """One authentic update; never raises (failures are logged by type, without content)."""
        out = self.get_output_channel()
        chat = ""
        try:
            if update.callback_query is not None:
                msg, text = update.callback_query.message, update.callback_query.data
            else:
                msg = update.message or update.edited_message
                text = msg.text if msg is not None else None
            if msg is None or msg.chat is None or msg.chat.type != "private" or msg.chat.id is None:
                logger.info("telegram update ignored: not a private message")
                return
            chat = str(msg.chat.id)
            verdict = self.limits.check(PREFIX + chat)
            if verdict is not Verdict.ALLOW:
                if verdict is Verdict.WARN:
                    await out.send_message(chat, reply("too_fast"))
                return
            if isinstance(text, str) and text.strip():
                if text.strip() == "/start":
                    await out.send_message(chat, reply("welcome"))
                elif self.limits.too_long(text):
                    await out.send_message(chat, reply("too_long"))
                elif clean(text):
                    watched = Watched(out)
                    await on_new_message(UserMessage(clean(text), watched, PREFIX + chat, input_channel=self.name(),
                                                     metadata=None))
                    if not watched.sent:  # the bot said nothing (actions or Redis away): 113 and 111 all the same
                        await out.send_message(chat, reply("failure"))
            elif msg.location is not None or msg.venue is not None:
                await out.send_message(chat, reply("location"))  # coordinates neither used nor kept
            elif any(getattr(msg, kind, None) for kind in MEDIA):
                await out.send_message(chat, reply("text_only"))
        except Exception as error:  # noqa: BLE001 - a bad update must never take the channel down
            logger.error("telegram update failed: %s", type(error).__name__)
            if chat:
                try:
                    await out.send_message(chat, reply("failure"))
                except Exception as again:  # noqa: BLE001 - the person gets 113/111 whenever Telegram answers
                    logger.error("telegram failure reply not sent: %s", type(again).__name__)


def call_bot_api(api_base: str, token: str, method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One Bot API call (``POST {api_base}/bot<token>/<method>``, JSON), its decoded answer."""
    request = urllib.request.Request(f"{api_base.rstrip('/')}/bot{token}/{method}", method="POST",
                                     data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return dict(json.loads(r.read()))
    except urllib.error.HTTPError as error:
        return dict(json.loads(error.read() or b"{}"))


def main(argv: list[str] | None = None) -> int:
    """``set-webhook`` registers TELEGRAM_WEBHOOK_URL with TELEGRAM_SECRET_TOKEN; ``info`` shows what Telegram
    has (getWebhookInfo); ``delete-webhook`` removes it."""
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram", description=main.__doc__)
    parser.add_argument("command", choices=["set-webhook", "info", "delete-webhook"])
    parser.add_argument("--drop-pending", action="store_true", help="drop updates Telegram is still holding")
    args = parser.parse_args(argv)
    token, secret = os.environ.get("TELEGRAM_TOKEN", ""), os.environ.get("TELEGRAM_SECRET_TOKEN", "")
    url, api = os.environ.get("TELEGRAM_WEBHOOK_URL", ""), os.environ.get("TELEGRAM_API_BASE") or DEFAULT_API
    if not token:
        print("TELEGRAM_TOKEN is not set (the token @BotFather gave)", file=sys.stderr)
        return 2
    if args.command == "set-webhook":
        if not url.startswith("https://") or not url.rstrip("/").endswith("/webhooks/telegram/webhook"):
            print("TELEGRAM_WEBHOOK_URL must be https://<your host>/webhooks/telegram/webhook", file=sys.stderr)
            return 2
        if not SECRET_TOKEN.fullmatch(secret):
            print("TELEGRAM_SECRET_TOKEN must be 16-256 characters of A-Z a-z 0-9 _ - "
                  "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')", file=sys.stderr)
            return 2
        answer = call_bot_api(api, token, "setWebhook", {
            "url": url, "secret_token": secret, "drop_pending_updates": args.drop_pending,
            "allowed_updates": ["message", "edited_message", "callback_query"]})
    elif args.command == "info":
        answer = call_bot_api(api, token, "getWebhookInfo", {})
    else:
        answer = call_bot_api(api, token, "deleteWebhook", {"drop_pending_updates": args.drop_pending})
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
