"""Chaos: the action server, the triage API and Redis each stop and come back in turn, during a
conversation and while reports are being submitted directly. Afterwards every submitted report is in
the database and in the intake stream exactly once, and every tip was answered with 113 and 111.

The stack runs as `make run` starts it (bot/stack.py) on a Redis of its own, which this test stops and
restarts (append-only, as `make run` runs it, so the stream survives the restart). Each phase:

- **actions down** when a tip arrives: the channel answers with 113 and 111 at once; the person writes
  again once the action server is back, and the report goes through.
- **API down** during the whole conversation: the bot still gives 113 and 111, finishes the form and
  keeps the report in the actions' outbox, which delivers it when the API returns.
- **Redis down** in the middle of the form: the conversation goes on in the bot's memory; the API
  stores the report and its outbox row waits until Redis is back.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from bot.stack import MODEL, Stack, running
from tests.services import RedisServer

pytestmark = pytest.mark.stack
TIP = "Cứu em với, em đang bị nhốt ở Campuchia, bọn nó đánh em, nhà em ở Nghệ An"
# the form's questions, by a word each asks with, and a person's answer
ANSWERS = [("ẩn danh", "ẩn danh"), ("ở đâu", "Nghệ An"), ("khi nào", "đang diễn ra"), ("ai đang gặp", "em, 17 tuổi"),
           ("liên quan", "không biết")]
DIRECT = "Tôi thấy trên Facebook có bài tuyển người đi Campuchia làm việc nhẹ lương cao, bao vé máy bay"
RECEIPT = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4,5}")
SUBMISSIONS_PER_PHASE = 12


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, RedisServer]]:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    server = RedisServer(tmp_path_factory.mktemp("chaos-redis"))
    server.start()
    try:
        with running(tmp_path_factory.mktemp("chaos"), server.url, redis_db=0, extra_env={"BOT_OUTBOX_RETRY_S": "1"}) as stack:
            yield stack, server
    finally:
        server.stop()


def say(stack: Stack, sender: str, text: str) -> list[str]:
    """One turn as a channel sends it; what the person sees (an error page shows them nothing)."""
    try:
        r = httpx.post(f"{stack.bot_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    except httpx.HTTPError:
        return []
    return [m.get("text", "") for m in r.json()] if r.status_code == 200 else []


def complete_form(stack: Stack, sender: str, replies: list[str]) -> list[str]:
    """Answer the report form's questions, whichever it asks (what the tip already said is not asked)."""
    said: list[str] = []
    for _ in range(8):
        if RECEIPT.search(" ".join(replies)) or any("lưu an toàn" in t for t in replies):
            return said + replies
        question = replies[-1].lower() if replies else ""
        answer = next((a for cue, a in ANSWERS if cue in question), None)
        assert answer, f"unexpected question: {replies}"
        said += replies
        replies = say(stack, sender, answer)
    raise AssertionError(f"the form did not finish: {said}")


def safety_first(replies: list[str]) -> bool:
    return bool(replies) and "113" in replies[0] and "111" in replies[0]


class Submitter(threading.Thread):
    """Direct submissions while a service is away, each retried under its Idempotency-Key until accepted."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack, self.accepted = stack, list[str]()

    def run(self) -> None:
        body = {"channel": "web", "reporter_role": "witness", "consent": "anonymous", "narrative": DIRECT}
        for _ in range(SUBMISSIONS_PER_PHASE):
            key, deadline = str(uuid.uuid4()), time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    r = httpx.post(f"{self.stack.api_url}/v1/reports", json=body, headers={"Idempotency-Key": key}, timeout=10)
                    if r.status_code in (200, 201):
                        self.accepted.append(r.json()["id"])
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            time.sleep(0.1)


def phase(stack: Stack, conversation: Callable[[str], list[str]], restore: Callable[[], None]) -> list[str]:
    """``conversation`` (which stops and starts a service) while direct submissions run; ``restore`` in any case."""
    submitter = Submitter(stack)
    submitter.start()
    time.sleep(0.5)
    try:
        final = conversation(f"chaos-{uuid.uuid4().hex[:8]}")
    finally:
        restore()
    submitter.join(300)
    assert not submitter.is_alive() and len(submitter.accepted) == SUBMISSIONS_PER_PHASE, "a direct submission was lost"
    return final


def test_actions_down_when_a_tip_arrives(chaos: tuple[Stack, RedisServer]) -> None:
    stack, _ = chaos
    first: list[str] = []

    def conversation(sender: str) -> list[str]:
        stack.stop("actions")
        first.extend(say(stack, sender, TIP))
        stack.start("actions")
        again = say(stack, sender, TIP)  # written again once the bot can triage
        assert safety_first(again), again
        return complete_form(stack, sender, again)

    final = phase(stack, conversation, lambda: None if "actions" in stack.processes else stack.start("actions"))
    assert safety_first(first), first
    assert RECEIPT.search(" ".join(final)), final


def test_api_down_for_the_whole_conversation(chaos: tuple[Stack, RedisServer]) -> None:
    stack, _ = chaos
    first: list[str] = []

    def conversation(sender: str) -> list[str]:
        stack.stop("api")
        first.extend(say(stack, sender, TIP))
        return complete_form(stack, sender, first)

    final = phase(stack, conversation, lambda: stack.start("api"))
    assert safety_first(first), first
    assert any("lưu an toàn" in t for t in final), final  # kept in the outbox, delivered when the API is back


def test_redis_down_in_the_middle_of_the_form(chaos: tuple[Stack, RedisServer]) -> None:
    stack, server = chaos
    first: list[str] = []

    def conversation(sender: str) -> list[str]:
        first.extend(say(stack, sender, TIP))
        server.stop()
        return complete_form(stack, sender, first)

    final = phase(stack, conversation, server.start)
    assert safety_first(first), first
    assert RECEIPT.search(" ".join(final)), final


def test_every_report_is_stored_and_streamed_exactly_once(chaos: tuple[Stack, RedisServer]) -> None:
    stack, server = chaos
    client = redis.Redis.from_url(server.url)
    deadline = time.monotonic() + 90
    while True:  # the actions' outbox and the API's relay catch up after the last restart
        with sqlite3.connect(stack.database) as db:
            ids = [row[0] for row in db.execute("SELECT id FROM reports")]
            tips = db.execute("SELECT COUNT(*) FROM reports WHERE urgency = 'P1'").fetchone()[0]
            keys = db.execute("SELECT COUNT(DISTINCT idempotency_key) FROM reports").fetchone()[0]
        streamed = Counter(fields[b"report_id"].decode() for _, fields in client.xrange("intake:reports"))
        if (tips == 3 and set(ids) <= set(streamed)) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert tips == 3, "each phase's conversation must end in exactly one stored report"
    assert len(ids) == 3 * SUBMISSIONS_PER_PHASE + 3 and keys == len(ids)  # never two for one submission
    assert set(streamed) == set(ids), f"{len(set(ids) - set(streamed))} stored reports missing from the stream"
    assert max(streamed.values()) == 1, "a report was published twice"


def test_no_message_text_reached_a_log(chaos: tuple[Stack, RedisServer]) -> None:
    logs = chaos[0].log_text()
    for secret in ("bị nhốt", "Campuchia", "17 tuổi"):
        assert secret not in logs and json.dumps(secret)[1:-1] not in logs, secret  # raw or JSON-escaped
