"""The Telegram channel over real HTTP: a real Sanic server with the channel's blueprint and a fake Telegram Bot
API on loopback; the set-webhook command against the same fake."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from bot.channels import telegram
from bot.channels.limits import SenderLimits
from bot.channels.telegram import SecretTelegramInput
from tests.bot.channels.harness import FakeTelegramApi, LoopThread, Recorder, serve_channel, stop_server
from tests.bot.conftest import free_port

TOKEN, SECRET, CHAT = "123456789:AAH-fake_token", "s3cr3t-Token_of-32-characters-xx", 987654321


@dataclass
class Telegram:
    url: str
    channel: SecretTelegramInput
    fake: FakeTelegramApi
    bot: Recorder
    loop: LoopThread

    def post(self, update: Any = None, *, raw: bytes | None = None, secret: str | None = SECRET,
             drain: bool = True) -> requests.Response:
        """The webhook's answer, once the update it started is handled (``drain``)."""
        body = raw if raw is not None else json.dumps(update, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        r = requests.post(f"{self.url}/webhooks/telegram/webhook", data=body, headers=headers, timeout=10)
        if drain:
            self.loop.run(self.channel.drain())
        return r

    def sent(self) -> list[dict[str, Any]]:
        return [call["form"] if "form" in call else call["json"] for call in self.fake.calls("sendMessage")]


def update(text: str | None = "xin chào", *, chat_type: str = "private", **message: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": 7, "date": int(time.time()), "chat": {"id": CHAT, "type": chat_type},
                           "from": {"id": CHAT, "is_bot": False, "first_name": "A"}, **message}
    if text is not None:
        msg["text"] = text
    return {"update_id": int(time.time_ns() % 1_000_000_000), "message": msg}


def make_telegram(loop: LoopThread, *, secret: str = SECRET, per_minute: int = 20, bot: Any = None,
                  drain_s: float = 10) -> Iterator[Telegram]:
    fake = FakeTelegramApi(TOKEN, "tipbot")
    loop.run(fake.start(free_port()))
    channel = SecretTelegramInput(TOKEN, "tipbot", "https://example.org/webhooks/telegram/webhook",
                                  secret_token=secret, api_base=fake.url,
                                  limits=SenderLimits(per_minute=per_minute, max_chars=200), drain_s=drain_s)
    bot, port = bot or Recorder(), free_port()
    server = loop.run(serve_channel(channel, bot, port))
    yield Telegram(f"http://127.0.0.1:{port}", channel, fake, bot, loop)
    loop.run(stop_server(server))
    loop.run(fake.stop())


@pytest.fixture
def tg(loop_thread: LoopThread) -> Iterator[Telegram]:
    yield from make_telegram(loop_thread)


def test_an_update_with_the_secret_reaches_the_bot_and_the_reply_goes_to_the_bot_api(tg: Telegram) -> None:
    r = tg.post(update("em bị giữ hộ chiếu"))
    assert r.status_code == 200
    [message] = tg.bot.messages
    assert (message.text, message.sender_id, message.input_channel) == \
        ("em bị giữ hộ chiếu", f"telegram-{CHAT}", "telegram")
    [sent] = tg.sent()
    assert sent["chat_id"] == str(CHAT) and sent["text"] == "đã nhận: em bị giữ hộ chiếu"
    assert tg.fake.calls("getMe") == [] and tg.fake.calls("setWebhook") == []  # no Telegram call per update


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_a_missing_or_wrong_secret_token_is_refused_and_nothing_is_processed(tg: Telegram, secret: str | None) -> None:
    assert tg.post(update(), secret=secret).status_code == 403
    assert tg.bot.messages == [] and tg.fake.requests == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1]", b"\xff\xfe", b'{"update_id": "x", "message": 5}',
                                 b'{"message": {"chat": "nope"}}', b'{"update_id": 1}', b'{"callback_query": {}}'])
def test_authentic_garbage_is_acknowledged_with_200_and_never_crashes(tg: Telegram, raw: bytes) -> None:
    assert tg.post(raw=raw).status_code == 200
    assert tg.bot.messages == []
    assert tg.post(update("vẫn chạy")).status_code == 200 and [m.text for m in tg.bot.messages] == ["vẫn chạy"]


def test_group_chats_are_ignored(tg: Telegram) -> None:
    assert tg.post(update("ai đó", chat_type="group")).status_code == 200
    assert tg.bot.messages == [] and tg.sent() == []


def test_photos_stickers_and_files_get_a_kind_text_only_reply(tg: Telegram) -> None:
    tg.post(update(None, photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]))
    tg.post(update(None, sticker={"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False}))
    texts = [s["text"] for s in tg.sent()]
    assert len(texts) == 2 and all("chữ" in t and "113" in t and "111" in t for t in texts)
    assert tg.bot.messages == []


def test_a_location_asks_for_the_province(tg: Telegram) -> None:
    tg.post(update(None, location={"latitude": 10.6, "longitude": 103.5}))
    [sent] = tg.sent()
    assert "tỉnh" in sent["text"] and "113" in sent["text"]
    assert tg.bot.messages == []


def test_start_gets_the_welcome_and_no_intent_can_be_injected(tg: Telegram) -> None:
    tg.post(update("/start"))
    assert "ẩn danh" in tg.sent()[0]["text"] and tg.bot.messages == []
    tg.post(update('/report_trafficking{"province": "Hà Nội"}'))
    assert not tg.bot.messages[0].text.startswith("/")


def test_a_button_press_reaches_the_bot_as_its_payload(tg: Telegram) -> None:
    msg = update(None)["message"]
    tg.post({"update_id": 5, "callback_query": {"id": "c", "from": msg["from"], "chat_instance": "i",
                                               "message": msg, "data": "ẩn danh"}})
    assert [m.text for m in tg.bot.messages] == ["ẩn danh"]


def test_too_long_and_too_fast_get_kind_replies(loop_thread: LoopThread) -> None:
    for tg in make_telegram(loop_thread, per_minute=2):
        tg.post(update("a" * 201))
        assert tg.bot.messages == [] and "dài" in tg.sent()[-1]["text"]
        for i in range(4):
            tg.post(update(f"tin {i}"))
        assert [m.text for m in tg.bot.messages] == ["tin 0"]
        assert sum("nhanh" in s["text"] for s in tg.sent()) == 1


def test_when_the_bot_fails_the_person_still_gets_113_and_111(tg: Telegram) -> None:
    tg.bot.fail = True
    assert tg.post(update("cứu")).status_code == 200
    assert "113" in tg.sent()[-1]["text"] and "111" in tg.sent()[-1]["text"]


def test_when_the_bot_says_nothing_the_person_still_gets_113_and_111(tg: Telegram) -> None:
    tg.bot.silent = True
    assert tg.post(update("cứu em")).status_code == 200
    assert "113" in tg.sent()[-1]["text"] and "111" in tg.sent()[-1]["text"]


def test_an_unconfigured_or_weakly_secured_channel_stays_off(loop_thread: LoopThread) -> None:
    for tg in make_telegram(loop_thread, secret="short"):
        assert requests.get(f"{tg.url}/webhooks/telegram/", timeout=5).json() == {"status": "off"}
        assert tg.post(update(), secret="short").status_code == 503
    channel = SecretTelegramInput.from_credentials({"access_token": "", "secret_token": None, "api_base": ""})
    assert not channel.configured


def test_set_webhook_registers_the_url_with_its_secret(loop_thread: LoopThread, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeTelegramApi(TOKEN, "tipbot")
    loop_thread.run(fake.start(free_port()))
    try:
        monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE", fake.url)
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://tin-bao.example.vn/webhooks/telegram/webhook")
        monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "short")
        assert telegram.main(["set-webhook"]) == 2 and fake.requests == []  # a weak secret is never registered
        monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
        assert telegram.main(["set-webhook"]) == 0
        [call] = fake.calls("setWebhook")
        assert call["json"]["url"] == "https://tin-bao.example.vn/webhooks/telegram/webhook"
        assert call["json"]["secret_token"] == SECRET
        assert "Webhook was set" in capsys.readouterr().out
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "http://plain.example.vn/webhooks/telegram/webhook")
        assert telegram.main(["set-webhook"]) == 2  # Telegram only calls https
        monkeypatch.setenv("TELEGRAM_TOKEN", "999:wrong")
        assert telegram.main(["info"]) == 1
    finally:
        loop_thread.run(fake.stop())


class SlowBot(Recorder):
    """A Rasa turn that takes as long as the test wants (``finish``)."""

    def __init__(self) -> None:
        super().__init__()
        self.finish = threading.Event()

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)
        while not self.finish.is_set():
            await asyncio.sleep(0.01)
        await message.output_channel.send_text_message(message.sender_id, f"đã nhận: {message.text}")


def test_an_update_sent_again_is_handled_once(tg: Telegram) -> None:
    same = update("em bị giữ hộ chiếu")
    assert tg.post(same).status_code == 200 and tg.post(same).status_code == 200
    assert [m.text for m in tg.bot.messages] == ["em bị giữ hộ chiếu"] and len(tg.sent()) == 1


def test_the_webhook_answers_before_a_slow_turn_finishes_and_a_resend_meanwhile_is_ignored(loop_thread: LoopThread) -> None:
    bot = SlowBot()
    for tg in make_telegram(loop_thread, bot=bot):
        same = update("cứu em")
        started = time.monotonic()
        assert tg.post(same, drain=False).status_code == 200 and time.monotonic() - started < 5
        assert tg.post(same, drain=False).json() == {"status": "duplicate"}  # Telegram's resend after its timeout
        assert tg.sent() == []  # the turn is still running
        bot.finish.set()
        loop_thread.run(tg.channel.drain())
        assert len(bot.messages) == 1 and [s["text"] for s in tg.sent()] == ["đã nhận: cứu em"]


def test_shutdown_waits_for_a_running_turn_only_so_long(loop_thread: LoopThread) -> None:
    bot = SlowBot()
    for tg in make_telegram(loop_thread, bot=bot, drain_s=0.3):
        assert tg.post(update("cứu"), drain=False).status_code == 200
        deadline = time.monotonic() + 5
        while not bot.messages and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 5 and tg.channel.tasks == set()  # the generator's teardown stopped the server
