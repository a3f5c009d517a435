"""The whole stack as `make run` starts it — triage API, action server, Rasa server with the REST channel and
a Redis tracker store — driven through /webhooks/rest/webhook like a channel would.

Needs the trained model (models/bot.tar.gz): `make test` runs these after training (marker ``stack``)."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest
import redis

from bot.stack import MODEL, Stack, running

pytestmark = pytest.mark.stack
SECRET = "Trần Văn Khải 0977123456"  # must never reach a log line


class Conversation:
    def __init__(self, stack: Stack, client: redis.Redis) -> None:
        self.stack, self.redis = stack, client

    def say(self, sender: str, text: str) -> list[str]:
        r = httpx.post(f"{self.stack.bot_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
        r.raise_for_status()
        return [m.get("text", "") for m in r.json()]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Conversation]:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    with running(tmp_path_factory.mktemp("stack"), redis_url, redis_db=3) as started:
        url = urlparse(redis_url)  # the db in the URL would win over db=3
        client = redis.Redis(host=url.hostname or "127.0.0.1", port=url.port or 6379, db=3)
        client.flushdb()
        yield Conversation(started, client)
        client.close()


def test_a_p1_tip_gets_safety_first_then_a_short_form_and_a_receipt(stack: Conversation) -> None:
    sender = f"p1-{uuid.uuid4().hex[:8]}"
    first = stack.say(sender, "Cứu em với, em đang bị nhốt ở Campuchia, bọn nó đánh em, nhà em ở Nghệ An")
    assert "113" in first[0] and "111" in first[0], first  # the very next message
    assert any("khi nào" in t.lower() for t in first[1:]), first  # the province was understood: "when" comes next
    stack.say(sender, "đang diễn ra")
    stack.say(sender, f"em, 17 tuổi, anh trai em là {SECRET}")
    consent_question = stack.say(sender, "không biết")
    assert any("ẩn danh" in t.lower() for t in consent_question), consent_question
    final = stack.say(sender, "ẩn danh")  # anonymous: no contact asked
    receipt = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{5}", " ".join(final))
    assert receipt, final
    with sqlite3.connect(stack.stack.database) as db:
        rows = db.execute("SELECT urgency, consent, contact_enc, province FROM reports WHERE receipt_code = ?",
                          (receipt.group(),)).fetchall()
    assert rows == [("P1", "anonymous", None, "Nghệ An")]


def test_a_rights_question_without_diacritics_is_answered_with_the_article(stack: Conversation) -> None:
    replies = stack.say(f"q-{uuid.uuid4().hex[:8]}", "mua ban nguoi bi phat tu bao nhieu nam")
    assert any("Điều 150" in t for t in replies), replies


def test_a_request_for_a_human_is_flagged_for_operators(stack: Conversation) -> None:
    sender = f"h-{uuid.uuid4().hex[:8]}"
    replies = stack.say(sender, "cho toi noi chuyen voi nguoi that")
    assert any("111" in t for t in replies), replies
    with sqlite3.connect(stack.stack.database) as db:
        assert db.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0] >= 1


def test_conversations_expire_and_no_message_text_is_logged(stack: Conversation) -> None:
    keys = stack.redis.keys("bot*")
    assert keys and all(0 < stack.redis.ttl(k) <= 7 * 24 * 3600 for k in keys)  # the tracker store forgets
    logs = stack.stack.log_text()
    assert SECRET not in logs and "bị nhốt" not in logs and "mua ban nguoi" not in logs
