"""The contract's standard REST channel (bot/channels/rest.py) over real HTTP: it always answers, with 113 and 111
when the bot cannot, keeps Rasa's /intent syntax, has no rate limit, and never logs what a person wrote."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.channels.rest import SafeRestInput
from tests.bot.channels.harness import LoopThread, Recorder, serve_channel, stop_server
from tests.bot.conftest import free_port

SECRET = "Trần Thị Mai bị nhốt ở Mộc Bài"


class Rest:
    def __init__(self, url: str, bot: Recorder) -> None:
        self.url, self.bot = url, bot

    def post(self, body: Any) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=10)


@pytest.fixture
def rest(loop_thread: LoopThread, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rest]:
    monkeypatch.delenv("TRIAGE_MAX_TEXT_CHARS", raising=False)
    bot, port = Recorder(), free_port()
    server = loop_thread.run(serve_channel(SafeRestInput(), bot, port))
    yield Rest(f"http://127.0.0.1:{port}", bot)
    loop_thread.run(stop_server(server))


def test_a_message_reaches_the_bot_normalised_with_its_intent_syntax_and_its_reply_comes_back(rest: Rest) -> None:
    r = rest.post({"sender": "a", "message": "/greet{\"x\": 1} Ha\u0300 No\u0302\u0323i\x00"})
    assert r.status_code == 200
    assert rest.bot.messages[-1].text == '/greet{"x": 1} Hà Nội' and rest.bot.messages[-1].input_channel == "rest"
    assert r.json() == [{"recipient_id": "a", "text": 'đã nhận: /greet{"x": 1} Hà Nội'}]
    assert rest.post({"sender": "a", "message": "/restart"}).status_code == 200
    assert rest.bot.messages[-1].text == "/restart"  # what evaluations send to start a conversation afresh


@pytest.mark.parametrize("mode", ["silent", "fail"])
def test_when_the_bot_cannot_answer_the_person_gets_113_and_111(rest: Rest, mode: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    setattr(rest.bot, mode, True)
    r = rest.post({"sender": "b", "message": SECRET})
    assert r.status_code == 200 and "113" in r.json()[0]["text"] and "111" in r.json()[0]["text"]
    assert "Mai" not in caplog.text and "nhốt" not in caplog.text


@pytest.mark.parametrize("body", [None, [], {"sender": "c"}, {"message": 5}, {"sender": 3, "message": "x"}])
def test_malformed_bodies_get_400_and_reach_no_one(rest: Rest, body: Any) -> None:
    assert rest.post(body).status_code == 400 and rest.bot.messages == []


def test_too_long_and_empty_without_any_rate_limit(rest: Rest) -> None:
    assert rest.post({"sender": "d", "message": "x" * 5000}).json() == [{"recipient_id": "d", "text": "đã nhận: " + "x" * 5000}]
    assert "dài quá" in rest.post({"sender": "d", "message": "x" * 5001}).json()[0]["text"]
    assert rest.post({"sender": "e", "message": "  \x00 "}).json() == [] and len(rest.bot.messages) == 1
    answers = [rest.post({"sender": "f", "message": f"tin {i}"}) for i in range(30)]
    assert [a.status_code for a in answers] == [200] * 30 and len(rest.bot.messages) == 31


def test_the_length_limit_is_the_apis(loop_thread: LoopThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_MAX_TEXT_CHARS", "20")
    bot, port = Recorder(), free_port()
    server = loop_thread.run(serve_channel(SafeRestInput(), bot, port))
    answer = Rest(f"http://127.0.0.1:{port}", bot).post({"sender": "g", "message": "x" * 21})
    assert "dài quá" in answer.json()[0]["text"] and bot.messages == []
    loop_thread.run(stop_server(server))


@pytest.mark.parametrize("sender", ["zalo-8412345678901234567", "telegram-123456", "webchat-" + "a" * 32, "s" * 129])
def test_another_channels_conversation_or_a_huge_sender_is_refused(rest: Rest, sender: str) -> None:
    assert rest.post({"sender": sender, "message": "xin chào"}).status_code == 400 and rest.bot.messages == []
    assert rest.post({"sender": "s" * 128, "message": "xin chào"}).status_code == 200
