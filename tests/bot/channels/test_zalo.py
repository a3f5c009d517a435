"""The Zalo OA channel over real HTTP: a real Sanic server with the channel's blueprint, a fake Zalo OA API and
OAuth server on loopback (tests/bot/channels/harness.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.channels.limits import SenderLimits
from bot.channels.zalo import ZaloInput, signature
from tests.bot.channels.harness import FakeZaloApi, LoopThread, Recorder, serve_channel, stop_server
from tests.bot.conftest import free_port

APP_ID, OA_SECRET, APP_SECRET = "4291763606161179100", "oa-secret-key", "app-secret"
USER = "8412345678901234567"
SECRET_TEXT = "Trần Thị Mai 0977123456 bị giữ ở Sihanoukville"  # must never reach a log line


@dataclass
class Zalo:
    url: str
    channel: ZaloInput
    fake: FakeZaloApi
    bot: Recorder
    loop: LoopThread
    token_file: Path

    def post(self, event: dict[str, Any] | None = None, *, raw: bytes | None = None, sign: str | None = None,
             headers: dict[str, str] | None = None, drain: bool = True) -> requests.Response:
        body = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
        ts = str(event.get("timestamp", "")) if isinstance(event, dict) else ""
        sig = sign if sign is not None else signature(APP_ID, body, ts, OA_SECRET)
        r = requests.post(f"{self.url}/webhooks/zalo/webhook", data=body, timeout=10,
                          headers={"X-ZEvent-Signature": sig, "Content-Type": "application/json", **(headers or {})})
        if drain:
            self.loop.run(self.channel.drain())
        return r


def event(name: str = "user_send_text", *, text: str | None = "xin chào", user: str = USER, msg_id: str | None = None,
          ts_ms: int | None = None, **extra: Any) -> dict[str, Any]:
    ts = ts_ms if ts_ms is not None else int(time.time() * 1000)
    e: dict[str, Any] = {"app_id": APP_ID, "user_id_by_app": "552177279717587730", "event_name": name,
                         "timestamp": str(ts), "sender": {"id": user}, "recipient": {"id": "579745863508352884"}}
    if name == "user_send_text":
        e["message"] = {"text": text, "msg_id": msg_id or f"m-{time.monotonic_ns()}"}
    e.update(extra)
    return e


def make_zalo(loop: LoopThread, tmp_path: Path, *, access_token: str = "access-0", refresh_token: str = "refresh-0",
              per_minute: int = 20, max_chars: int = 2000, expires_in: str = "90000", bot: Any = None,
              **options: Any) -> Iterator[Zalo]:
    fake = FakeZaloApi(app_secret=APP_SECRET, access_token="access-0", refresh_token="refresh-0")
    fake.expires_in = expires_in
    loop.run(fake.start(free_port()))
    token_file = tmp_path / "var" / "zalo_tokens.json"
    channel = ZaloInput(app_id=APP_ID, oa_secret_key=OA_SECRET, app_secret=APP_SECRET, access_token=access_token,
                        refresh_token=refresh_token, token_file=str(token_file), api_base=fake.url,
                        oauth_base=fake.url, limits=SenderLimits(per_minute=per_minute, max_chars=max_chars), **options)
    bot, port = bot or Recorder(), free_port()
    server = loop.run(serve_channel(channel, bot, port))
    yield Zalo(f"http://127.0.0.1:{port}", channel, fake, bot, loop, token_file)
    loop.run(stop_server(server))
    loop.run(fake.stop())


def wait_for_refreshes(zalo: Zalo, count: int) -> None:
    deadline = time.monotonic() + 10
    while zalo.fake.refreshes < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert zalo.fake.refreshes >= count


@pytest.fixture
def zalo(loop_thread: LoopThread, tmp_path: Path) -> Iterator[Zalo]:
    yield from make_zalo(loop_thread, tmp_path)


def test_a_signed_text_reaches_the_bot_and_the_reply_is_sent_through_the_cs_api(zalo: Zalo) -> None:
    r = zalo.post(event(text="em bị nhốt, cứu em", msg_id="m-1"))
    assert r.status_code == 200
    [message] = zalo.bot.messages
    assert (message.text, message.sender_id, message.input_channel, message.message_id) == \
        ("em bị nhốt, cứu em", f"zalo-{USER}", "zalo", "m-1")
    [sent] = zalo.fake.to("/v3.0/oa/message/cs")
    assert sent["headers"]["access_token"] == "access-0"
    assert sent["json"] == {"recipient": {"user_id": USER}, "message": {"text": "đã nhận: em bị nhốt, cứu em"}}


@pytest.mark.parametrize("sign", ["", "mac=" + "0" * 64, "sha256=abc", "mac=" + signature(APP_ID, b"{}", "1", OA_SECRET)[4:]])
def test_an_invalid_signature_is_refused_and_nothing_is_processed(zalo: Zalo, sign: str) -> None:
    r = zalo.post(event(), sign=sign)
    assert r.status_code == 401
    assert zalo.bot.messages == [] and zalo.fake.requests == []


def test_a_signature_made_with_another_secret_or_over_another_body_is_refused(zalo: Zalo) -> None:
    e = event(text="thật")
    body = json.dumps(e).encode()
    assert zalo.post(e, sign=signature(APP_ID, body, e["timestamp"], "wrong-secret")).status_code == 401
    tampered = body.replace("thật".encode("unicode_escape"), b"gia")
    assert zalo.post(raw=tampered, sign=signature(APP_ID, body, e["timestamp"], OA_SECRET)).status_code == 401
    other_app = {**e, "app_id": "1"}
    other_body = json.dumps(other_app).encode()
    assert zalo.post(raw=other_body, sign=signature("1", other_body, e["timestamp"], OA_SECRET)).status_code == 401
    assert zalo.bot.messages == []


def test_a_replayed_event_is_acknowledged_but_handled_once(zalo: Zalo) -> None:
    e = event(text="một lần thôi", msg_id="m-replay")
    first, again = zalo.post(e), zalo.post(e)
    assert (first.status_code, again.status_code) == (200, 200) and again.json() == {"status": "duplicate"}
    assert [m.text for m in zalo.bot.messages] == ["một lần thôi"]
    re_signed = {**e, "timestamp": str(int(e["timestamp"]) + 1000)}  # same message id, new timestamp
    assert zalo.post(re_signed).json() == {"status": "duplicate"} and len(zalo.bot.messages) == 1


@pytest.mark.parametrize("age_s", [-400, 301, 3600 * 24])
def test_a_stale_or_future_timestamp_is_refused(zalo: Zalo, age_s: int) -> None:
    r = zalo.post(event(ts_ms=int((time.time() - age_s) * 1000)))
    assert r.status_code == 403
    assert zalo.bot.messages == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe{", b'{"app_id": '])
def test_malformed_bodies_get_400_and_the_server_keeps_answering(zalo: Zalo, raw: bytes) -> None:
    assert zalo.post(raw=raw, sign="mac=x").status_code == 400
    assert requests.get(f"{zalo.url}/webhooks/zalo/", timeout=5).json() == {"status": "ok"}
    assert zalo.post(event(text="vẫn chạy")).status_code == 200 and len(zalo.bot.messages) == 1


def test_a_signed_event_with_a_bad_timestamp_or_shape_never_crashes(zalo: Zalo) -> None:
    assert zalo.post({**event(), "timestamp": "hôm qua"}).status_code == 400
    for broken in ({**event(), "sender": "x"}, {**event(), "message": ["x"]}, {**event(), "message": {"text": 42}},
                   {**event(), "sender": {"id": {"nested": 1}}}, {**event(), "event_name": None}):
        assert zalo.post(broken).status_code == 200
    assert zalo.bot.messages == []
    assert all("111" in t for t in zalo.fake.texts_to(USER))  # a non-text "text" gets the kind text-only reply


def test_an_oversized_body_is_refused_with_413(zalo: Zalo) -> None:
    assert zalo.post(event(text="a" * 70_000)).status_code == 413
    assert zalo.bot.messages == []


@pytest.mark.parametrize("name", ["user_reacted_message", "oa_send_text", "user_seen_message", "unfollow",
                                  "anonymous_send_text", "made_up_event"])
def test_unknown_or_irrelevant_events_are_acknowledged_and_ignored(zalo: Zalo, name: str) -> None:
    assert zalo.post(event(name)).status_code == 200
    assert zalo.bot.messages == [] and zalo.fake.to("/v3.0/oa/message/cs") == []


@pytest.mark.parametrize("name", ["user_send_image", "user_send_sticker", "user_send_file", "user_send_audio",
                                  "user_send_gif"])
def test_images_stickers_and_files_get_a_kind_text_only_reply(zalo: Zalo, name: str) -> None:
    e = event(name, message={"msg_id": "m-img", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]})
    assert zalo.post(e).status_code == 200
    [said] = zalo.fake.texts_to(USER)
    assert "chữ" in said and "113" in said and "111" in said
    assert zalo.bot.messages == []


def test_a_shared_location_asks_for_the_province_and_is_not_kept(zalo: Zalo) -> None:
    e = event("user_send_location", message={"msg_id": "m-loc", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "10.6274", "longitude": "103.5228"}}}]})
    assert zalo.post(e).status_code == 200
    [said] = zalo.fake.texts_to(USER)
    assert "tỉnh" in said and "113" in said
    assert zalo.bot.messages == []


def test_a_follow_gets_a_welcome_with_privacy_advice(zalo: Zalo) -> None:
    e = {"app_id": APP_ID, "oa_id": "579745863508352884", "event_name": "follow", "timestamp": str(int(time.time() * 1000)),
         "source": "oa_profile", "follower": {"id": USER}, "user_id_by_app": "552177279717587730"}
    assert zalo.post(e).status_code == 200
    [said] = zalo.fake.texts_to(USER)
    assert "ẩn danh" in said and "xóa" in said and "113" in said and "111" in said


def test_without_an_access_token_one_is_fetched_at_once_and_the_new_pair_is_kept_private(
        loop_thread: LoopThread, tmp_path: Path) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, access_token=""):
        assert zalo.post(event(text="chào")).status_code == 200
        [refresh] = zalo.fake.to("/v4/oa/access_token")
        assert refresh["headers"]["secret_key"] == APP_SECRET
        assert refresh["form"] == {"app_id": APP_ID, "refresh_token": "refresh-0", "grant_type": "refresh_token"}
        [sent] = zalo.fake.to("/v3.0/oa/message/cs")
        assert sent["headers"]["access_token"] == "access-1"
        kept = json.loads(zalo.token_file.read_text())
        assert (kept["access_token"], kept["refresh_token"]) == ("access-1", "refresh-1")
        assert kept["expires_at"] == pytest.approx(time.time() + 90000, abs=30)
        assert stat.S_IMODE(os.stat(zalo.token_file).st_mode) == 0o600


def test_a_token_about_to_expire_is_refreshed_before_sending_and_the_rotated_refresh_token_is_used(
        loop_thread: LoopThread, tmp_path: Path) -> None:
    # tokens that live less than the refresh margin: every send refreshes first
    for zalo in make_zalo(loop_thread, tmp_path, access_token="", expires_in="300"):
        wait_for_refreshes(zalo, 1)  # the one made at start-up (no access token yet)
        zalo.post(event(text="một"))
        zalo.post(event(text="hai"))
        refreshes = zalo.fake.to("/v4/oa/access_token")
        assert [r["form"]["refresh_token"] for r in refreshes] == ["refresh-0", "refresh-1", "refresh-2"]
        assert [r["headers"]["access_token"] for r in zalo.fake.to("/v3.0/oa/message/cs")] == ["access-2", "access-3"]
        assert zalo.fake.texts_to(USER) == ["đã nhận: một", "đã nhận: hai"]


def test_a_token_zalo_calls_invalid_is_refreshed_and_the_message_sent_again(zalo: Zalo) -> None:
    zalo.fake.access_token = "revoked-elsewhere"  # the stored one is now refused with -216
    assert zalo.post(event(text="gửi lại")).status_code == 200
    assert [r["headers"]["access_token"] for r in zalo.fake.to("/v3.0/oa/message/cs")] == ["access-0", "access-1"]
    assert zalo.fake.texts_to(USER) == ["đã nhận: gửi lại"]


def test_the_kept_tokens_survive_a_restart_and_a_new_refresh_token_in_the_environment_wins(
        loop_thread: LoopThread, tmp_path: Path) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, access_token=""):
        zalo.post(event(text="một"))
    for zalo in make_zalo(loop_thread, tmp_path, access_token=""):  # restarted: the file's tokens, no refresh
        assert zalo.channel.tokens.tokens.refresh_token == "refresh-1"
    for zalo in make_zalo(loop_thread, tmp_path, access_token="", refresh_token="refresh-new"):
        assert zalo.channel.tokens.tokens.refresh_token == "refresh-new"


def test_a_refused_refresh_is_logged_by_code_and_never_crashes(loop_thread: LoopThread, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, access_token="", refresh_token="stolen-and-used"):
        assert zalo.post(event(text=SECRET_TEXT)).status_code == 200
        assert "-14014" in caplog.text
        assert zalo.post(event(text="vẫn nhận")).status_code == 200


def test_too_long_a_message_gets_a_kind_reply_instead_of_the_bot(loop_thread: LoopThread, tmp_path: Path) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, max_chars=50):
        assert zalo.post(event(text="a " * 40)).status_code == 200
        assert zalo.bot.messages == []
        [said] = zalo.fake.texts_to(USER)
        assert "dài" in said and "111" in said


def test_a_flood_from_one_sender_is_told_once_then_dropped_and_others_still_pass(
        loop_thread: LoopThread, tmp_path: Path) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, per_minute=3):
        for i in range(6):
            assert zalo.post(event(text=f"tin {i}")).status_code == 200
        assert [m.text for m in zalo.bot.messages] == ["tin 0", "tin 1", "tin 2"]
        warnings = [t for t in zalo.fake.texts_to(USER) if "nhanh" in t]
        assert len(warnings) == 1
        zalo.post(event(text="người khác", user="8400000000000000001"))
        assert zalo.bot.messages[-1].text == "người khác"


def test_when_the_bot_fails_the_person_still_gets_113_and_111(zalo: Zalo) -> None:
    zalo.bot.fail = True
    assert zalo.post(event(text="cứu")).status_code == 200
    [said] = zalo.fake.texts_to(USER)
    assert "113" in said and "111" in said
    zalo.bot.fail = False
    assert zalo.post(event(text="lại")).status_code == 200


def test_when_the_bot_says_nothing_the_person_still_gets_113_and_111(zalo: Zalo) -> None:
    zalo.bot.silent = True
    assert zalo.post(event(text="cứu em")).status_code == 200
    [said] = zalo.fake.texts_to(USER)
    assert "113" in said and "111" in said


def test_no_message_text_user_id_or_token_reaches_the_logs(zalo: Zalo, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    zalo.post(event(text=SECRET_TEXT))
    zalo.post(event(text=SECRET_TEXT), sign="mac=bad")
    zalo.post(event("user_send_image"))
    zalo.bot.fail = True
    zalo.post(event(text=SECRET_TEXT))
    logged = caplog.text
    assert caplog.records
    for secret in ("Trần", "0977123456", USER, "access-0", OA_SECRET, APP_SECRET):
        assert secret not in logged


def test_an_unconfigured_channel_refuses_politely_and_the_server_still_starts(loop_thread: LoopThread) -> None:
    channel = ZaloInput.from_credentials({"app_id": "", "oa_secret_key": "", "api_base": None})
    port = free_port()
    server = loop_thread.run(serve_channel(channel, Recorder(), port))
    try:
        assert requests.get(f"http://127.0.0.1:{port}/webhooks/zalo/", timeout=5).json() == {"status": "off"}
        r = requests.post(f"http://127.0.0.1:{port}/webhooks/zalo/webhook", json=event(), timeout=5)
        assert r.status_code == 503
    finally:
        loop_thread.run(stop_server(server))


def test_the_replay_guard_can_live_in_redis_for_several_servers(loop_thread: LoopThread, tmp_path: Path) -> None:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    e = event(text="hai máy chủ", msg_id=f"m-{time.time_ns()}")
    for first in make_zalo(loop_thread, tmp_path / "a", replay_redis_url=url):
        assert first.post(e).json() == {"status": "ok"}
    for second in make_zalo(loop_thread, tmp_path / "b", replay_redis_url=url):
        assert second.post(e).json() == {"status": "duplicate"} and second.bot.messages == []


def test_buttons_arrive_as_one_message_with_a_line_per_choice(zalo: Zalo, loop_thread: LoopThread) -> None:
    out = zalo.channel.get_output_channel()
    loop_thread.run(out.send_response(f"zalo-{USER}", {"text": "Bạn muốn báo theo cách nào?", "buttons": [
        {"title": "Ẩn danh", "payload": "ẩn danh"}, {"title": "Bảo mật", "payload": "bảo mật"}]}))
    assert zalo.fake.texts_to(USER) == ["Bạn muốn báo theo cách nào?\n• Ẩn danh\n• Bảo mật"]


def test_the_token_is_refreshed_before_it_expires_even_when_nobody_writes(loop_thread: LoopThread, tmp_path: Path) -> None:
    # always inside the refresh margin: every check refreshes
    for zalo in make_zalo(loop_thread, tmp_path, access_token="", refresh_check_s=0.05, expires_in="300"):
        wait_for_refreshes(zalo, 3)
        forms = [r["form"]["refresh_token"] for r in zalo.fake.to("/v4/oa/access_token")]
        assert forms[:3] == ["refresh-0", "refresh-1", "refresh-2"]  # each one the newest, rotated
        assert zalo.bot.messages == [] and zalo.fake.to("/v3.0/oa/message/cs") == []


class StuckBot(Recorder):
    """A Rasa turn that never ends (an action server that does not answer)."""

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)
        await asyncio.sleep(3600)


def test_shutdown_waits_for_a_stuck_turn_only_so_long(loop_thread: LoopThread, tmp_path: Path) -> None:
    bot = StuckBot()
    for zalo in make_zalo(loop_thread, tmp_path, bot=bot, drain_s=0.3):
        assert zalo.post(event(text="cứu"), drain=False).status_code == 200
        deadline = time.monotonic() + 5
        while not bot.messages and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bot.messages
        started = time.monotonic()
    assert time.monotonic() - started < 5 and zalo.channel.tasks == set()  # the teardown stopped the server


def test_a_rotated_refresh_token_that_could_not_be_saved_is_saved_at_the_next_check(
        loop_thread: LoopThread, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    (tmp_path / "var").write_text("not a directory")  # the token file cannot be written
    for zalo in make_zalo(loop_thread, tmp_path, access_token="", refresh_check_s=0.05):
        wait_for_refreshes(zalo, 1)
        deadline = time.monotonic() + 5
        while "zalo tokens not saved" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        [failed, *_] = [r for r in caplog.records if "zalo tokens not saved" in r.getMessage()]
        assert failed.levelno == logging.ERROR
        (tmp_path / "var").unlink()
        while not zalo.token_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        kept = json.loads(zalo.token_file.read_text())
        assert (kept["access_token"], kept["refresh_token"]) == ("access-1", "refresh-1") and zalo.fake.refreshes == 1
    assert "refresh-1" not in caplog.text and "access-1" not in caplog.text


def test_a_refresh_without_a_refresh_token_is_logged(loop_thread: LoopThread, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    for zalo in make_zalo(loop_thread, tmp_path, refresh_token=""):
        zalo.fake.access_token = "revoked-elsewhere"
        assert zalo.post(event(text="gửi")).status_code == 200
        assert [r.levelno for r in caplog.records if "no_refresh_token" in r.getMessage()] == [logging.ERROR]
