"""The web chat page: ``GET /webhooks/webchat/`` serves a Vietnamese, mobile-first page (``webchat/``) and
``POST /webhooks/webchat/message`` answers it on the same origin, collecting the bot's replies like Rasa's REST
channel. ``POST /webhooks/webchat/forget`` (sent by the page's quick exit) deletes the conversation.

For a person whose phone may be checked: the page makes no third-party request (Content-Security-Policy
``default-src 'self'``), nothing is cached (``Cache-Control: no-store``, which also keeps it out of the
back-forward cache), no cookie is set, the conversation lives only in the page's memory under a random id made at
each load, and the quick exit clears the page and replaces it with a neutral site. Tracker ids are
``webchat-<32 hex>``, so a web visitor can never write into a Zalo or Telegram conversation.

A forgotten id stays forgotten: the channel remembers it (bounded, for as long as Redis keeps a tracker), refuses
further messages under it (410; the page makes a new id at each load), deletes the conversation again when a turn
that was running at the quick exit finishes (that turn saves the tracker once more), and, when the delete fails
because Redis is away, keeps it pending and retries at the next quick exit and every ``retry_s`` seconds (not on
messages: a Redis that does not answer would hold each one up).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
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
PAGE = Path(__file__).with_name("webchat")
PREFIX = "webchat-"
SENDER = re.compile(r"^[0-9a-f]{32}$")
ASSETS = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
DEFAULT_EXIT = "https://www.google.com/search?q=th%E1%BB%9Di+ti%E1%BA%BFt"
FORGOTTEN_S = 7 * 24 * 3600.0  # as long as Redis keeps a tracker (record_exp)
FORGOTTEN_MAX = 100_000
RETRY_S = 30.0


class Forgotten:
    """Ids seen at most ``ttl_s`` ago, at most ``max_ids`` of them (the oldest go first).

    >>> now = [0.0]
    >>> ids = Forgotten(ttl_s=10, max_ids=2, clock=lambda: now[0])
    >>> ids.add("a"); ids.add("b"); ids.add("c")
    >>> "a" in ids, "b" in ids, "c" in ids
    (False, True, True)
    >>> now[0] = 11.0
    >>> "c" in ids, len(ids)
    (False, 0)
    """

    def __init__(self, *, ttl_s: float = FORGOTTEN_S, max_ids: int = FORGOTTEN_MAX,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_ids, self._clock = ttl_s, max_ids, clock
        self._ids: OrderedDict[str, float] = OrderedDict()

    def _prune(self) -> None:
        now = self._clock()
        while self._ids and (len(self._ids) > self.max_ids or now - next(iter(self._ids.values())) > self.ttl_s):
            self._ids.popitem(last=False)

    def add(self, key: str) -> None:
        self._ids.pop(key, None)
        self._ids[key] = self._clock()
        self._prune()

    def discard(self, key: str) -> None:
        self._ids.pop(key, None)

    def __contains__(self, key: object) -> bool:
        self._prune()
        return key in self._ids

    def __len__(self) -> int:
        self._prune()
        return len(self._ids)

    def __iter__(self) -> Any:
        self._prune()
        return iter(list(self._ids))


def _json(payload: Any, status: int = 200, **extra: str) -> HTTPResponse:
    return response.json(payload, status=status, headers={**HEADERS, **extra})


def _stores(store: Any) -> list[Any]:
    """The tracker store and what it wraps (Rasa nests them: fail-safe → awaitable → Redis/memory)."""
    found, todo = [], [store]
    while todo:
        s = todo.pop()
        if s is None or any(s is f for f in found):
            continue
        found.append(s)
        todo += [getattr(s, "_tracker_store", None), getattr(s, "_fallback_tracker_store", None)]
    return found


def forget(app: Any, sender_id: str) -> bool:
    """Delete ``sender_id``'s conversation from the Rasa server's tracker store; False when there is none.

    Every store is tried; the first failure (Redis away) is raised after the others were cleared."""
    agent = getattr(app.ctx, "agent", None)
    deleted, failure = False, None
    for store in _stores(getattr(agent, "tracker_store", None)):
        if isinstance(getattr(store, "store", None), dict):  # InMemoryTrackerStore
            store.store.pop(sender_id, None)
            deleted = True
        erase = getattr(store, "forget", None)  # bot.stores: its outage copy and Redis
        if erase is None and hasattr(store, "red") and hasattr(store, "key_prefix"):  # Rasa's RedisTrackerStore
            def erase(sender: str, store: Any = store) -> None:
                store.red.delete(store.key_prefix + sender)
        if erase is not None:
            try:
                erase(sender_id)
            except Exception as error:  # noqa: BLE001 - raised below, once the other stores are cleared
                failure = failure or error
            deleted = True
    if failure is not None:
        raise failure
    return deleted


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(exit_url=str((credentials or {}).get("exit_url") or DEFAULT_EXIT))

    def __init__(self, *, exit_url: str = DEFAULT_EXIT, limits: SenderLimits | None = None,
                 forgotten: Forgotten | None = None, retry_s: float = RETRY_S) -> None:
        self.exit_url = exit_url if exit_url.startswith("https://") else DEFAULT_EXIT
        self.limits = limits or SenderLimits.from_env()
        self.forgotten = forgotten if forgotten is not None else Forgotten()  # tracker ids the person forgot
        self.pending = Forgotten()  # forgotten ids whose delete failed (Redis away): retried
        self.retry_s = retry_s
        self._retrier: asyncio.Task[None] | None = None

    def erase(self, app: Any, sender_id: str) -> bool:
        """Delete the conversation; when that fails it stays pending and is retried. True when it is gone."""
        try:
            forget(app, sender_id)
        except Exception as error:  # noqa: BLE001 - Redis away: retried (the tracker expires anyway, record_exp)
            logger.error("webchat forget failed, will retry: %s", type(error).__name__)
            self.pending.add(sender_id)
            return False
        self.pending.discard(sender_id)
        return True

    def retry_pending(self, app: Any) -> None:
        for sender_id in self.pending:
            if not self.erase(app, sender_id):
                return  # still away: the rest waits for the next try

    async def _retry_forever(self, app: Any) -> None:
        while True:
            await asyncio.sleep(self.retry_s)
            self.retry_pending(app)

    def page(self) -> str:
        return (PAGE / "index.html").read_text(encoding="utf-8") \
            .replace("{{exit_url}}", html.escape(self.exit_url, quote=True)) \
            .replace("{{max_chars}}", str(self.limits.max_chars))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat", __name__)

        @bp.listener("after_server_start")
        async def start_retrier(app: Any, _: Any) -> None:
            self._retrier = asyncio.ensure_future(self._retry_forever(app))

        @bp.listener("before_server_stop")
        async def stop_retrier(_: Any, __: Any) -> None:
            if self._retrier is not None:
                self._retrier.cancel()

        @bp.route("/", methods=["GET"])
        async def index(_: Request) -> HTTPResponse:
            return response.html(self.page(), headers=HEADERS)

        for asset, content_type in ASSETS.items():
            bp.add_route(_asset(asset, content_type), f"/{asset}", methods=["GET"], name=asset.replace(".", "_"))

        @bp.route("/message", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if self.limits.body_too_big(request.body):
                return _json({"messages": [{"text": reply("too_long")}]}, 413)
            body = _body(request)
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not SENDER.fullmatch(sender) or not isinstance(text, str):
                return _json({"error": "expected {sender: 32 hex digits, message: text}"}, 400)
            if PREFIX + sender in self.forgotten:  # after the quick exit: the page makes a new id at each load
                return _json({"messages": []}, 410)
            if self.limits.check(PREFIX + sender) is not Verdict.ALLOW:
                return _json({"messages": [{"text": reply("too_fast")}]}, 429, **{"Retry-After": "60"})
            if self.limits.too_long(text):
                return _json({"messages": [{"text": reply("too_long")}]})
            if not clean(text):
                return _json({"messages": []})
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(clean(text), collector, PREFIX + sender, input_channel=self.name()))
            except Exception as error:  # noqa: BLE001 - the page must get an answer, with 113 and 111
                logger.error("webchat message failed: %s", type(error).__name__)
                return _json({"messages": [{"text": reply("failure")}]})
            finally:
                if PREFIX + sender in self.forgotten:  # the quick exit came during this turn, which saved it again
                    self.erase(request.app, PREFIX + sender)
            return _json({"messages": [_public(m) for m in answered(collector.messages, PREFIX + sender)]})

        @bp.route("/forget", methods=["POST"])
        async def forget_conversation(request: Request) -> HTTPResponse:
            sender = _body(request).get("sender")
            if not isinstance(sender, str) or not SENDER.fullmatch(sender):
                return _json({"error": "expected {sender: 32 hex digits}"}, 400)
            self.forgotten.add(PREFIX + sender)
            self.retry_pending(request.app)
            self.erase(request.app, PREFIX + sender)
            return response.empty(headers={**HEADERS, "Clear-Site-Data": '"cache", "cookies", "storage"'})

        return bp


def _asset(name: str, content_type: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
    async def serve(_: Request) -> HTTPResponse:
        return response.text((PAGE / name).read_text(encoding="utf-8"), headers=HEADERS, content_type=content_type)

    return serve


def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _public(message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": str(message.get("text") or "")}
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in message.get("buttons") or [] if isinstance(b, dict)]
    if buttons:
        out["buttons"] = buttons
    return out
