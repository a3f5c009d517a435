"""The contract's REST channel (bot/channels/rest.py) over real HTTP: it always answers, with 113 and 111 when
the bot cannot, cleans what it passes on, and never logs what a person wrote."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.channels.limits import SenderLimits
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
def rest(loop_thread: LoopThread) -> Iterator[Rest]:
    bot, port = Recorder(), free_port()
    server = loop_thread.run(serve_channel(SafeRestInput(limits=SenderLimits(per_minute=3, max_chars=50)), bot, port))
    yield Rest(f"http://127.0.0.1:{port}", bot)
    loop_thread.run(stop_server(server))


def test_a_message_reaches_the_bot_cleaned_and_its_reply_comes_back(rest: Rest) -> None:
    r = rest.post({"sender": "a", "message": "/greet{\"x\": 1} Ha\u0300 No\u0302\u0323i"})
    assert r.status_code == 200
    assert rest.bot.messages[-1].text == 'greet{"x": 1} Hà Nội' and rest.bot.messages[-1].input_channel == "rest"
    assert r.json() == [{"recipient_id": "a", "text": 'đã nhận: greet{"x": 1} Hà Nội'}]


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


def test_too_long_too_fast_and_empty(rest: Rest) -> None:
    assert "dài quá" in rest.post({"sender": "d", "message": "x" * 51}).json()[0]["text"]
    assert rest.post({"sender": "e", "message": "  \x00 "}).json() == [] and rest.bot.messages == []
    answers = [rest.post({"sender": "f", "message": f"tin {i}"}) for i in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert "nhanh" in answers[3].json()[0]["text"] and answers[4].json() == []  # told once, then dropped
    assert len(rest.bot.messages) == 3
