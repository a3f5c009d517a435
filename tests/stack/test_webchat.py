"""The web chat page in headless Chromium (Debian's), served by the whole stack as `make run` starts it: a
message and the bot's reply on a 320 px wide screen, no request to any other site, and the quick exit — button
or Esc — leaves nothing of the conversation on the page, in the browser's storage, in its history, or in the
bot's tracker store. Screenshots: results/screenshots/webchat_*.png.

Needs the trained model (models/bot.tar.gz; marker ``stack``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import redis

from bot.stack import MODEL, Stack, running
from tests.browser import screenshot

pytestmark = pytest.mark.stack
EXIT = "https://thoi-tiet.example/"  # the neutral site, answered by Playwright: nothing leaves the machine
SAID = "cho tôi số đường dây nóng"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[Stack, redis.Redis]]:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WEBCHAT_EXIT_URL", EXIT)
        with running(tmp_path_factory.mktemp("webchat"), redis_url, redis_db=6) as started:
            url = urlparse(redis_url)
            client = redis.Redis(host=url.hostname or "127.0.0.1", port=url.port or 6379, db=6)
            yield started, client
            client.close()


class Visit:
    """A phone-sized browser context whose requests are all recorded; the exit site is answered locally and
    anything else off loopback is refused."""

    def __init__(self, browser: Any, stack: Stack) -> None:
        self.context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=1,
                                           is_mobile=True, has_touch=True, locale="vi-VN")
        self.requests: list[Any] = []
        self.foreign: list[str] = []

        def refuse(route: Any) -> None:
            if urlparse(route.request.url).hostname != "127.0.0.1":
                self.foreign.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        self.context.route("**/*", refuse)
        self.context.route(f"{EXIT}**", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body="<!doctype html><title>Thời tiết</title><p>Trời nắng</p>"))
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request))
        self.chat_url = f"{stack.bot_url}/webhooks/webchat/"

    def sender(self) -> str:
        [body] = {r.post_data for r in self.requests if r.url.endswith("/webhooks/webchat/message")}
        return str(json.loads(body)["sender"])

    def close(self) -> None:
        self.context.close()


def chat(page: Any, text: str) -> list[str]:
    before = page.locator(".msg.bot").count()
    page.fill("#text", text)
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(before).wait_for(timeout=60_000)  # (the CSP forbids eval: no wait_for_function)
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    return page.locator(".msg.bot").all_inner_texts()[before:]


def tracker_keys(client: redis.Redis, sender: str) -> list[bytes]:
    return [k for k in client.keys("*") if sender.encode() in k]


def assert_nothing_left(visit: Visit, client: redis.Redis, sender: str, replies: list[str]) -> None:
    page = visit.page
    page.wait_for_url(f"{EXIT}**")
    content = page.content()
    assert SAID not in content and all(r[:20] not in content for r in replies)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert visit.context.cookies() == []
    page.go_back()  # location.replace: Back goes to what was before the chat (here Playwright's blank page)
    assert not page.url.startswith(visit.chat_url) and SAID not in page.content()
    page.go_forward()
    deadline = time.monotonic() + 10
    while tracker_keys(client, sender) and time.monotonic() < deadline:  # the beacon asked the bot to forget
        time.sleep(0.2)
    assert tracker_keys(client, sender) == []
    probe = visit.context.new_page()  # the chat's own origin keeps nothing either
    probe.goto(visit.chat_url)
    assert probe.evaluate("localStorage.length + sessionStorage.length") == 0 and visit.context.cookies() == []
    assert SAID not in probe.content()
    probe.close()
    assert visit.foreign == [] or all(u.startswith(EXIT) for u in visit.foreign)


def test_a_message_gets_the_bots_reply_and_quick_exit_leaves_nothing(browser: Any, stack: tuple[Stack, redis.Redis]) -> None:
    started, client = stack
    visit = Visit(browser, started)
    try:
        page = visit.page
        page.goto(visit.chat_url)
        assert page.locator("html").get_attribute("lang") == "vi"
        screenshot(page, "webchat_start")
        replies = chat(page, SAID)
        assert replies and any("111" in r for r in replies), replies
        assert page.locator(".msg.me").all_inner_texts() == [SAID]
        assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling on a small phone
        assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.msg.bot')).fontSize)") >= 16
        screenshot(page, "webchat_reply")
        sender = visit.sender()
        assert tracker_keys(client, sender)  # the conversation is in the tracker store…
        assert [u for u in visit.foreign if not u.startswith(EXIT)] == []  # …and nothing went to another site
        page.click("#exit")
        assert_nothing_left(visit, client, sender, replies)
        screenshot(page, "webchat_after_quick_exit")
    finally:
        visit.close()


def test_escape_is_a_quick_exit_too(browser: Any, stack: tuple[Stack, redis.Redis]) -> None:
    started, client = stack
    visit = Visit(browser, started)
    try:
        page = visit.page
        page.goto(visit.chat_url)
        replies = chat(page, SAID)
        sender = visit.sender()
        page.keyboard.press("Escape")
        assert_nothing_left(visit, client, sender, replies)
    finally:
        visit.close()
