"""The REST channel of the contract (``POST /webhooks/rest/webhook``), made safe to face the public.

Rasa's own ``rest`` channel answers ``[]`` when the action server or Redis is away (the person sees
nothing — not even 113) and, when a message fails, logs the message's *text* with the traceback. This
one has the same URL and body (``{"sender", "message"}`` → ``[{"recipient_id", "text"}, …]``) and:

- always answers (bot/channels/always.py): no reply, or a failure, gives the failure reply with 113 and 111;
- logs a failure by its exception class only;
- cleans the text as every channel does (NFC, no control characters, no ``/intent`` syntax) and applies
  the shared per-sender and size limits.

"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.always import answered
from bot.channels.inbound import clean
from bot.channels.limits import SenderLimits, Verdict
from bot.channels.replies import reply

logger = logging.getLogger(__name__)


class SafeRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(self, *, limits: SenderLimits | None = None) -> None:
        self.limits = limits or SenderLimits.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("custom_webhook_SafeRestInput", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.limits.body_too_big(request.body):
                return response.json([{"text": reply("too_long")}], status=413)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("message"), str) \
                    or not isinstance(body.get("sender", "default"), str):
                return response.json({"error": "expected {sender: text, message: text}"}, status=400)
            sender, text = str(body.get("sender") or "default"), clean(body["message"])
            verdict = self.limits.check(f"rest-{sender}")
            if verdict is not Verdict.ALLOW:
                return response.json([{"recipient_id": sender, "text": reply("too_fast")}] if verdict is Verdict.WARN else [],
                                     status=429, headers={"Retry-After": "60"})
            if self.limits.too_long(text):
                return response.json([{"recipient_id": sender, "text": reply("too_long")}])
            if not text:
                return response.json([])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None))
            except Exception as error:  # noqa: BLE001 - the person must get an answer, with 113 and 111
                logger.error("rest message failed: %s", type(error).__name__)
                collector.messages = []
            return response.json(answered(collector.messages, sender))

        return bp
