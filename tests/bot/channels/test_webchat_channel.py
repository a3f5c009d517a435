"""The web chat channel over real HTTP (the page itself is driven in Chromium by tests/stack/test_webchat.py)."""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
import requests
import yaml
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.limits import SenderLimits
from bot.channels.webchat import PAGE, WebChatInput
from bot.stores import ResilientRedisTrackerStore
from tests.bot.channels.harness import LoopThread, Recorder, serve_channel, stop_server
from tests.bot.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]


class Page:
    def __init__(self, url: str, bot: Recorder, store: InMemoryTrackerStore) -> None:
        self.url, self.bot, self.store = url, bot, store

    def say(self, sender: str, message: Any) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/webchat/message", json={"sender": sender, "message": message},
                             timeout=10)


@pytest.fixture
def web(loop_thread: LoopThread) -> Iterator[Page]:
    store = InMemoryTrackerStore(Domain.empty())
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store))
    channel = WebChatInput(exit_url="https://thoitiet.example.vn/", limits=SenderLimits(per_minute=5, max_chars=100))
    bot, port = Recorder(), free_port()
    server = loop_thread.run(serve_channel(channel, bot, port, agent=agent))
    yield Page(f"http://127.0.0.1:{port}", bot, store)
    loop_thread.run(stop_server(server))


def test_the_page_is_vietnamese_strictly_same_origin_and_never_cached(web: Page) -> None:
    r = requests.get(f"{web.url}/webhooks/webchat/", timeout=5)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and "Thoát nhanh" in r.text and 'data-exit="https://thoitiet.example.vn/"' in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store" and "set-cookie" not in r.headers
    for asset in ("chat.js", "chat.css"):
        a = requests.get(f"{web.url}/webhooks/webchat/{asset}", timeout=5)
        assert a.status_code == 200 and a.headers["cache-control"] == "no-store"


def test_the_page_asks_for_nothing_from_another_site() -> None:
    for path in PAGE.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path.name
        assert not re.search(r"url\(|@import|localStorage\.setItem|sessionStorage\.setItem|document\.cookie", text), path.name


def test_a_message_gets_the_bots_replies_under_a_webchat_id(web: Page) -> None:
    sender = secrets.token_hex(16)
    r = web.say(sender, "xin chào")
    assert r.status_code == 200 and r.json() == {"messages": [{"text": "đã nhận: xin chào"}]}
    [m] = web.bot.messages
    assert (m.sender_id, m.input_channel) == (f"webchat-{sender}", "webchat")


@pytest.mark.parametrize("body", [b"", b"nope", b"[]", b'{"sender": "zalo-8412345678901234567", "message": "x"}',
                                  b'{"sender": "' + b"a" * 32 + b'", "message": 5}', b'{"message": "x"}'])
def test_garbage_gets_400_and_never_reaches_the_bot(web: Page, body: bytes) -> None:
    r = requests.post(f"{web.url}/webhooks/webchat/message", data=body, timeout=5)
    assert r.status_code == 400 and web.bot.messages == []


def test_too_long_too_big_and_too_fast_get_kind_answers(web: Page) -> None:
    sender = secrets.token_hex(16)
    long = web.say(sender, "a" * 101)
    assert long.status_code == 200 and "dài" in long.json()["messages"][0]["text"] and web.bot.messages == []
    big = web.say(sender, "a" * 70_000)
    assert big.status_code == 413 and "111" in big.json()["messages"][0]["text"]
    answers = [web.say(sender, f"tin {i}") for i in range(6)]
    assert [a.status_code for a in answers] == [200] * 4 + [429] * 2  # 5 a minute, the long one counted
    assert "nhanh" in answers[-1].json()["messages"][0]["text"] and answers[-1].headers["retry-after"] == "60"


def test_when_the_bot_fails_the_page_still_gets_113_and_111(web: Page) -> None:
    web.bot.fail = True
    r = web.say(secrets.token_hex(16), "cứu")
    assert r.status_code == 200 and "113" in r.json()["messages"][0]["text"]


def test_when_the_bot_says_nothing_the_page_still_gets_113_and_111(web: Page) -> None:
    web.bot.silent = True
    r = web.say(secrets.token_hex(16), "cứu em")
    assert r.status_code == 200 and "113" in r.json()["messages"][0]["text"] and "111" in r.json()["messages"][0]["text"]


def test_forget_deletes_the_conversation_and_only_a_webchat_one(web: Page, loop_thread: LoopThread) -> None:
    sender = secrets.token_hex(16)
    for key in (f"webchat-{sender}", "zalo-8412345678901234567"):
        loop_thread.run(web.store.save(DialogueStateTracker(key, slots=[])))
    r = requests.post(f"{web.url}/webhooks/webchat/forget", json={"sender": sender}, timeout=5)
    assert r.status_code == 204 and "storage" in r.headers["clear-site-data"]
    assert set(web.store.store) == {"zalo-8412345678901234567"}
    refused = requests.post(f"{web.url}/webhooks/webchat/forget", json={"sender": "zalo-8412345678901234567"}, timeout=5)
    assert refused.status_code == 400 and set(web.store.store) == {"zalo-8412345678901234567"}


def test_every_number_the_channels_can_say_is_111_or_113() -> None:
    """The channels' own replies and the page: a wrong hotline number is a real harm."""
    texts = [yaml.safe_dump(yaml.safe_load((ROOT / "bot/channels/replies.yml").read_text(encoding="utf-8")),
                            allow_unicode=True)]
    texts.append(re.sub(r"<[^>]*>", " ", (PAGE / "index.html").read_text(encoding="utf-8")))  # what is shown
    texts += re.findall(r'"([^"]*)"', (PAGE / "chat.js").read_text(encoding="utf-8"))  # its string literals
    assert any("111" in t for t in texts[2:])
    for text in texts:
        numbers = set(re.findall(r"(?<![\d/.])\d{3,}(?![\d/.])", text))
        assert numbers <= {"111", "113"}, numbers


class SlowTurn:
    """A Rasa turn that saves the tracker, is still running when the person presses Esc, then saves it again."""

    def __init__(self, store: InMemoryTrackerStore) -> None:
        self.store, self.started, self.finish = store, threading.Event(), threading.Event()
        self.calls = 0

    async def __call__(self, message: Any) -> None:
        self.calls += 1
        await self.store.save(DialogueStateTracker(message.sender_id, slots=[]))
        self.started.set()
        while not self.finish.is_set():
            await asyncio.sleep(0.01)
        await self.store.save(DialogueStateTracker(message.sender_id, slots=[]))
        await message.output_channel.send_text_message(message.sender_id, "xong")


def _serve(loop_thread: LoopThread, bot: Any, tracker_store: Any, **kwargs: Any) -> tuple[str, Any]:
    port = free_port()
    agent = SimpleNamespace(tracker_store=tracker_store)
    server = loop_thread.run(serve_channel(WebChatInput(**kwargs), bot, port, agent=agent))
    return f"http://127.0.0.1:{port}/webhooks/webchat", server


def test_a_turn_running_at_the_quick_exit_does_not_leave_the_conversation_stored(loop_thread: LoopThread) -> None:
    store = InMemoryTrackerStore(Domain.empty())
    bot = SlowTurn(store)
    url, server = _serve(loop_thread, bot, FailSafeTrackerStore(store))
    sender = secrets.token_hex(16)
    answers: list[requests.Response] = []
    talking = threading.Thread(target=lambda: answers.append(
        requests.post(f"{url}/message", json={"sender": sender, "message": "cứu"}, timeout=10)))
    talking.start()
    assert bot.started.wait(5)
    assert requests.post(f"{url}/forget", json={"sender": sender}, timeout=5).status_code == 204
    assert store.store == {}
    bot.finish.set()
    talking.join(10)
    assert answers[0].status_code == 200
    assert store.store == {}  # the turn saved it again after the quick exit: deleted once more
    again = requests.post(f"{url}/message", json={"sender": sender, "message": "còn đó không"}, timeout=5)
    assert again.status_code == 410 and again.json() == {"messages": []} and bot.calls == 1 and store.store == {}
    loop_thread.run(stop_server(server))


class FlakyRedis:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.down = False

    def delete(self, key: str) -> int:
        if self.down:
            raise redis.ConnectionError("Redis is away")
        return int(self.data.pop(key, None) is not None)


def test_when_redis_is_away_the_quick_exit_is_retried_until_the_conversation_is_gone(loop_thread: LoopThread) -> None:
    red = FlakyRedis()
    store = ResilientRedisTrackerStore(Domain.empty(), host="127.0.0.1", port=1)  # the bot's store, on a flaky Redis
    store.red = red  # type: ignore[assignment]
    url, server = _serve(loop_thread, Recorder(), store, retry_s=0.05)
    sender = secrets.token_hex(16)
    key = store.key_prefix + f"webchat-{sender}"
    red.data[key], store._recent[f"webchat-{sender}"] = b"{}", (0.0, "{}", True)
    red.down = True
    assert requests.post(f"{url}/forget", json={"sender": sender}, timeout=5).status_code == 204
    assert store._recent == {} and key in red.data  # the copy in memory goes at once
    time.sleep(0.3)
    assert key in red.data
    red.down = False
    deadline = time.monotonic() + 5
    while red.data and time.monotonic() < deadline:
        time.sleep(0.05)
    assert red.data == {}
    loop_thread.run(stop_server(server))
