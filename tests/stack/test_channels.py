"""Zalo and Telegram through the whole stack as `make run` starts it (credentials.yml, the real Rasa server and
actions), against fake Zalo OA and Telegram Bot APIs on loopback: a signed Zalo event and a Telegram update
with its secret get the bot's answer delivered to the fake API; the token refresh happens on the way; wrong
credentials are refused; nothing personal reaches the logs.

Needs the trained model (models/bot.tar.gz; marker ``stack``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.stack import MODEL, Stack, running
from tests.stack import fakes as f
from tests.stack.fakes import APP_SECRET, CHAT, OA_SECRET, TG_SECRET, TG_TOKEN, USER, FakeApis

pytestmark = pytest.mark.stack
ASK = "cho tôi số đường dây nóng"
SECRET = "Trần Văn Khải 0977123456"  # must never reach a log line


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[Stack, FakeApis, Path]]:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    fakes = FakeApis()
    workdir = tmp_path_factory.mktemp("channels")
    token_file = workdir / "zalo_tokens.json"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {**f.zalo_env(fakes, token_file), "TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_SECRET_TOKEN": TG_SECRET,
                            "TELEGRAM_API_BASE": fakes.url, "TELEGRAM_USERNAME": "tipbot"}.items():
            mp.setenv(name, value)
        with running(workdir, redis_url, redis_db=7) as started:
            yield started, fakes, token_file
    fakes.server.shutdown()


def test_a_signed_zalo_message_is_answered_by_the_bot_through_the_cs_api(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, token_file = stack
    assert httpx.get(f"{started.bot_url}/webhooks/zalo/", timeout=10).json() == {"status": "ok"}
    r = f.zalo_post(started, f.zalo_text(ASK, "stack-m-1"))
    assert r.status_code == 200  # acknowledged at once; the answer follows
    sent = fakes.wait_for("/v3.0/oa/message/cs")
    assert sent, fakes.calls
    [refresh] = fakes.to("/v4/oa/access_token")  # no access token at start: refreshed first
    assert refresh["headers"]["secret_key"] == APP_SECRET and refresh["body"]["refresh_token"] == "zalo-refresh-0"
    assert json.loads(token_file.read_text())["refresh_token"] == "zalo-refresh-1"
    texts = [c["body"]["message"]["text"] for c in sent if c["body"]["recipient"] == {"user_id": USER}]
    assert any("111" in t for t in texts), texts
    assert f.zalo_post(started, f.zalo_text(SECRET, "stack-m-2"), secret="wrong").status_code == 401


def test_a_telegram_update_with_the_secret_is_answered_through_the_bot_api(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, _ = stack
    update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "text": ASK,
                                          "chat": {"id": CHAT, "type": "private"},
                                          "from": {"id": CHAT, "is_bot": False, "first_name": "A"}}}
    url = f"{started.bot_url}/webhooks/telegram/webhook"
    refused = httpx.post(url, json={**update, "message": {**update["message"], "text": SECRET}}, timeout=30,
                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert refused.status_code == 403
    r = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=60)
    assert r.status_code == 200
    sent = fakes.wait_for(f"/bot{TG_TOKEN}/sendMessage")
    assert sent and all(c["body"]["chat_id"] == str(CHAT) for c in sent)
    assert any("111" in c["body"]["text"] for c in sent), sent
    assert fakes.to(f"/bot{TG_TOKEN}/getMe") == [] and fakes.to(f"/bot{TG_TOKEN}/setWebhook") == []


def test_no_message_text_user_id_or_token_in_the_logs(stack: tuple[Stack, FakeApis, Path]) -> None:
    started, fakes, _ = stack
    f.zalo_post(started, f.zalo_text(SECRET, "stack-m-3"))
    fakes.wait_for("/v3.0/oa/message/cs", count=2)
    logs = started.log_text()
    for secret in ("Trần Văn Khải", "0977123456", USER, str(CHAT), "zalo-access-1", "zalo-refresh", TG_TOKEN, TG_SECRET,
                   OA_SECRET, APP_SECRET, ASK):
        assert secret not in logs, secret
