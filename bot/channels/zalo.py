"""Zalo Official Account channel: ``POST /webhooks/zalo/webhook`` receives the OA's events, replies go out
through the customer-service message API (:mod:`bot.channels.zalo_api`).

Every event is checked before anything else happens: ``X-ZEvent-Signature`` must be ``mac=`` + SHA-256 of
app id + raw body + the body's ``timestamp`` + the OA secret key (compared in constant time; 401 otherwise);
a timestamp more than ``MAX_AGE_S`` away from now is refused (403), and an event id seen before is
acknowledged without being processed again (Zalo re-sends when it did not get its 200 in time). A valid event
is acknowledged at once (200) and handled in a background task. Text goes to the bot; images, stickers,
files, voice and video get a kind "text only" reply; a shared location gets a request to type the province
(there is no trustworthy coordinate-to-province data here, and a wrong province would misroute a report);
``follow`` gets a welcome and privacy line. Tracker ids are ``zalo-<user id>``.

credentials.yml::

    bot.channels.zalo.ZaloInput:
      app_id: ${ZALO_APP_ID}
      oa_secret_key: ${ZALO_OA_SECRET_KEY}
      app_secret: ${ZALO_APP_SECRET}
      ...
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.always import Watched
from bot.channels.background import DRAIN_S, Background
from bot.channels.inbound import clean
from bot.channels.limits import SenderLimits, Verdict
from bot.channels.replay import ReplayGuard
from bot.channels.replies import reply
from bot.channels.zalo_api import TokenKeeper, ZaloApiError, ZaloClient

logger = logging.getLogger(__name__)
MAX_AGE_S = 300
PREFIX = "zalo-"
MEDIA_EVENTS = {"user_send_image", "user_send_sticker", "user_send_gif", "user_send_file", "user_send_audio",
                "user_send_video", "user_send_link", "user_send_business_card"}


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The ``X-ZEvent-Signature`` value Zalo sends for ``body``.

    >>> signature("1", b"{}", "2", "k") == "mac=" + hashlib.sha256(b"1{}2k").hexdigest()
    True
    """
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


class ZaloOutput(OutputChannel):
    """Text replies through the CS message API; buttons become lines of the same message."""

    @classmethod
    def name(cls) -> str:
        return "zalo"

    def __init__(self, client: ZaloClient) -> None:
        self.client = client

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.client.send_text(recipient_id.removeprefix(PREFIX), text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        """One message: the text, then each choice on its own line (the person answers in words)."""
        choices = "\n".join(f"• {b.get('title', '')}" for b in buttons if isinstance(b, dict) and b.get("title"))
        await self.send_text_message(recipient_id, f"{text}\n{choices}" if choices else text)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        logger.debug("zalo: image replies are not sent")


class ZaloInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        c = {k: ("" if v is None else str(v)) for k, v in (credentials or {}).items()}
        return cls(app_id=c.get("app_id", ""), oa_secret_key=c.get("oa_secret_key", ""),
                   app_secret=c.get("app_secret", ""), access_token=c.get("access_token", ""),
                   refresh_token=c.get("refresh_token", ""),
                   token_file=c.get("token_file") or "var/zalo_tokens.json",
                   api_base=c.get("api_base") or "https://openapi.zalo.me",
                   oauth_base=c.get("oauth_base") or "https://oauth.zaloapp.com",
                   replay_redis_url=c.get("replay_redis_url", ""))

    def __init__(self, *, app_id: str, oa_secret_key: str, app_secret: str = "", access_token: str = "",
                 refresh_token: str = "", token_file: str = "var/zalo_tokens.json",
                 api_base: str = "https://openapi.zalo.me", oauth_base: str = "https://oauth.zaloapp.com",
                 replay_redis_url: str = "", limits: SenderLimits | None = None,
                 clock: Callable[[], float] = time.time, refresh_check_s: float = 300,
                 drain_s: float = DRAIN_S) -> None:
        self.app_id, self.oa_secret_key = app_id, oa_secret_key
        self.configured = bool(app_id and oa_secret_key and (access_token or refresh_token))
        self.tokens = TokenKeeper(app_id=app_id, app_secret=app_secret, oauth_base=oauth_base, path=Path(token_file),
                                  access_token=access_token, refresh_token=refresh_token)
        self.client = ZaloClient(api_base=api_base, tokens=self.tokens)
        self.replays = ReplayGuard(ttl_s=2 * MAX_AGE_S, redis_url=replay_redis_url or None, prefix="zalo:seen:")
        self.limits = limits or SenderLimits.from_env()
        self._clock = clock
        self.background = Background("zalo", drain_s=drain_s)
        self.refresh_check_s = refresh_check_s
        self._keeper: asyncio.Task[None] | None = None
        if not self.configured:
            logger.info("zalo channel is off: ZALO_APP_ID, ZALO_OA_SECRET_KEY and a token are not all set")

    def get_output_channel(self) -> OutputChannel:
        return ZaloOutput(self.client)

    @property
    def tasks(self) -> set[asyncio.Task[None]]:
        return self.background.tasks

    async def drain(self) -> None:
        """Wait for the events being handled (tests)."""
        await self.background.drain()

    def verify(self, request: Request, event: dict[str, Any]) -> HTTPResponse | None:
        """None when the event is authentic and fresh, else the answer to give."""
        timestamp = str(event.get("timestamp", ""))
        given = request.headers.get("X-ZEvent-Signature", "")
        expected = signature(self.app_id, request.body, timestamp, self.oa_secret_key)
        if not hmac.compare_digest(given.encode(), expected.encode()) or str(event.get("app_id", "")) != self.app_id:
            return response.json({"error": "invalid signature"}, status=401)
        try:
            age_s = abs(self._clock() - int(timestamp) / 1000)
        except ValueError:
            return response.json({"error": "invalid timestamp"}, status=400)
        if age_s > MAX_AGE_S:
            return response.json({"error": "stale event"}, status=403)
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("zalo_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return response.json({"error": "zalo channel is not configured"}, status=503)
            if self.limits.body_too_big(request.body):
                return response.json({"error": "too large"}, status=413)
            try:
                event = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "malformed body"}, status=400)
            if not isinstance(event, dict):
                return response.json({"error": "malformed body"}, status=400)
            refused = self.verify(request, event)
            if refused is not None:
                logger.warning("zalo event refused: %s", refused.status)
                return refused
            if not await self.replays.first_time(_event_id(event)):
                logger.info("zalo event already handled: ignored")
                return response.json({"status": "duplicate"})
            self.background.start(self.handle(event, on_new_message))
            return response.json({"status": "ok"})

        @bp.listener("after_server_start")
        async def start_keeping_fresh(*_: Any) -> None:
            if self.configured:
                self._keeper = asyncio.get_running_loop().create_task(self.keep_fresh())

        @bp.listener("before_server_stop")
        async def close(*_: Any) -> None:
            if self._keeper is not None:
                self._keeper.cancel()
            await self.background.stop()
            await self.client.close()

        return bp

    async def keep_fresh(self) -> None:
        """Refresh the access token before it expires even when nobody writes: the refresh token is only
        valid for a limited time too, and each refresh renews it. Checks every ``refresh_check_s``, and writes the
        tokens again there if their last write failed."""
        while True:
            self.tokens.save_pending()  # a rotated refresh token whose write failed
            if not self.tokens.fresh_enough():
                try:
                    await self.tokens.access_token(self.client.session())
                except ZaloApiError:
                    pass  # logged with its code; tried again at the next check
                except Exception as error:  # noqa: BLE001 - Zalo unreachable: try again later
                    logger.warning("zalo token refresh: %s", type(error).__name__)
            await asyncio.sleep(self.refresh_check_s)

    async def handle(self, event: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """One authentic event; never raises (a failure is logged by type, without content)."""
        name = str(event.get("event_name", ""))
        user = _user_id(event)
        try:
            if not user or not (name in MEDIA_EVENTS or name in {"user_send_text", "user_send_location", "follow"}):
                logger.info("zalo event %s ignored", name if name.replace("_", "").isalnum() else "?")
                return
            if name == "follow":
                await self.client.send_text(user, reply("welcome"))
                return
            verdict = self.limits.check(PREFIX + user)
            if verdict is not Verdict.ALLOW:
                if verdict is Verdict.WARN:
                    await self.client.send_text(user, reply("too_fast"))
                return
            message = event.get("message") if isinstance(event.get("message"), dict) else {}
            if name in MEDIA_EVENTS:
                await self.client.send_text(user, reply("text_only"))
            elif name == "user_send_location":
                await self.client.send_text(user, reply("location"))  # the coordinates are neither used nor kept
            else:
                text = message.get("text")
                if not isinstance(text, str) or not clean(text):
                    await self.client.send_text(user, reply("text_only"))
                elif self.limits.too_long(text):
                    await self.client.send_text(user, reply("too_long"))
                else:
                    out = Watched(self.get_output_channel())
                    await on_new_message(UserMessage(clean(text), out, PREFIX + user,
                                                     input_channel=self.name(), message_id=_msg_id(message)))
                    if not out.sent:  # the bot said nothing (actions or Redis away): 113 and 111 all the same
                        await self.client.send_text(user, reply("failure"))
        except ZaloApiError:
            pass  # logged by the client with its code
        except Exception as error:  # noqa: BLE001 - a bad event must never take the channel down
            logger.error("zalo event %s failed: %s", name, type(error).__name__)
            try:
                await self.client.send_text(user, reply("failure"))
            except Exception as again:  # noqa: BLE001 - the person still gets 113/111 when Zalo answers
                logger.error("zalo failure reply not sent: %s", type(again).__name__)


def _user_id(event: dict[str, Any]) -> str:
    for key in ("follower", "sender"):
        part = event.get(key)
        if isinstance(part, dict) and isinstance(part.get("id"), (str, int)) and str(part["id"]).isdigit():
            return str(part["id"])
    return ""


def _msg_id(message: dict[str, Any]) -> str | None:
    value = message.get("msg_id")
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def _event_id(event: dict[str, Any]) -> str:
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    msg_id = _msg_id(message)
    if msg_id:
        return f"msg:{msg_id}"
    return f"{event.get('event_name')}:{_user_id(event)}:{event.get('timestamp')}"
