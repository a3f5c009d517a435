"""The standard REST channel of the contract (``POST /webhooks/rest/webhook``), for evaluations and the stack
tests — internal only: it is never exposed to the public (README, "Deploying on several machines").

Rasa's own ``rest`` channel answers ``[]`` when the action server or Redis is away (nothing — not even 113)
and, when a message fails, logs the message's *text* with the traceback. This one has the same URL, body
(``{"sender", "message"}``) and answer (``[{"recipient_id", "text"}, …]``) and:

- always answers (bot/channels/always.py): no reply, or a failure, gives the failure reply with 113 and 111;
- logs a failure by its exception class only, never the text;
- keeps Rasa's ``/intent`` syntax (``/restart`` resets a conversation), only NFC-normalising the text and
  removing control characters (``inbound.normalise``);
- has no per-sender rate limit (callers are ours); a message may be ``TRIAGE_MAX_TEXT_CHARS`` long (5000, the
  API's limit), the body ``CHANNEL_MAX_BODY_BYTES`` (64 KiB);
- refuses (400) a sender over 128 characters or one that starts like another channel's tracker id
  (``zalo-``, ``telegram-``, ``webchat-``): a REST caller must not drive a person's conversation.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.always import answered
from bot.channels.inbound import normalise
from bot.channels.replies import reply

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128
OTHER_CHANNELS = ("zalo-", "telegram-", "webchat-")


class SafeRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(self, *, max_chars: int | None = None, max_body_bytes: int | None = None) -> None:
        self.max_chars = max_chars or int(os.environ.get("TRIAGE_MAX_TEXT_CHARS") or 5000)
        self.max_body_bytes = max_body_bytes or int(os.environ.get("CHANNEL_MAX_BODY_BYTES") or 64 * 1024)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("custom_webhook_SafeRestInput", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > self.max_body_bytes:
                return response.json([{"text": reply("too_long")}], status=413)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("message"), str) \
                    or not isinstance(body.get("sender", "default"), str):
                return response.json({"error": "expected {sender: text, message: text}"}, status=400)
            sender, text = str(body.get("sender") or "default"), normalise(body["message"])
            if len(sender) > MAX_SENDER_CHARS or sender.startswith(OTHER_CHANNELS):
                return response.json({"error": f"sender: at most {MAX_SENDER_CHARS} characters, and not another "
                                               f"channel's id ({', '.join(OTHER_CHANNELS)}…)"}, status=400)
            if len(text) > self.max_chars:
                return response.json([{"recipient_id": sender, "text": reply("too_long")}])
            if not text:
                return response.json([])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None))
            except Exception as error:  # noqa: BLE001 - the caller must get an answer, with 113 and 111
                logger.error("rest message failed: %s", type(error).__name__)
                collector.messages = []
            return response.json(answered(collector.messages, sender))

        return bp
