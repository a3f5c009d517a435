"""End to end (issue 7): tips sent through the Zalo webhook (a fake Zalo OA API on loopback) → the real Rasa
bot and action server → triage → a stored report → the intake stream → the console's queue → acknowledged by
the reference police consumer (``python -m triage_api consume``) → the statistics change.

Three people write P1 tips on Zalo and answer the report form as a person would (read from the messages the
fake API receives); each gets 113 and 111 first and a receipt code at the end. A P3 report submitted directly
beforehand must still sit below them in the queue. The stack runs as `make run` starts it (bot/stack.py), on a
Redis of its own (so the stream and the consumer group hold only this test's entries).

Needs the trained model (models/bot.tar.gz; marker ``stack``)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis

from bot.stack import MODEL, ROOT, Stack, running
from tests.services import RedisServer
from tests.stack.fakes import FakeApis, zalo_env, zalo_post, zalo_text

pytestmark = pytest.mark.stack
PASSWORD = "mật khẩu thử nghiệm đủ dài"
RECEIPT = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4,5}\b")
BOT_DB = 1  # the bot's conversations; the intake stream is in db 0
DIRECT = "Tôi thấy trên Facebook có bài tuyển người đi Campuchia làm việc nhẹ lương cao, bao vé máy bay"
# the form's questions, by words each asks with
CUES = {"consent": ("theo cách nào", "bạn chọn"), "contact": ("để lại số điện thoại",), "where": ("ở đâu",),
        "when": ("khi nào",), "who_at_risk": ("ai đang gặp",), "suspects": ("có liên quan",),
        "what_happened": ("kể giúp",)}
PEOPLE: list[dict[str, Any]] = [
    {"user": "8412345678900000001", "consent": "share_with_police", "contact": "0912 345 678",
     "tip": "Cứu em với, em đang bị nhốt ở Campuchia, bọn nó đánh em, nhà em ở Nghệ An",
     # the choice's own words, which the NLU reads as request_human: the form still takes them as the answer
     "answers": {"consent": "chia sẻ với công an", "contact": "0912 345 678", "where": "xã Quỳnh Lập, Nghệ An",
                 "when": "đang diễn ra", "who_at_risk": "em, 17 tuổi", "suspects": "không biết",
                 "what_happened": "em bị lừa sang làm việc rồi bị nhốt"}},
    {"user": "8412345678900000002", "consent": "confidential", "contact": "zalo của tôi là chị Hoa Móng Cái",
     "tip": "Em gái tôi 16 tuổi bị bán sang Trung Quốc, bọn chúng đang giữ nó và đòi tiền chuộc, cứu em tôi với",
     "answers": {"consent": "bảo mật", "contact": "zalo của tôi là chị Hoa Móng Cái", "where": "Móng Cái, Quảng Ninh",
                 "when": "tuần trước", "who_at_risk": "em gái tôi, 16 tuổi",
                 "suspects": "nó dùng Zalo số 0988 765 432", "what_happened": "em gái tôi bị bán sang Trung Quốc"}},
    {"user": "8412345678900000003", "consent": "anonymous", "contact": None,
     "tip": "e bi nhot o cam, ho doi 8000 do tien chuoc, cuu e voi",
     "answers": {"consent": "ẩn danh", "contact": "không", "where": "o cam, nha e o Ha Tinh", "when": "dang dien ra",
                 "who_at_risk": "e, 19 tuoi", "suspects": "ko biet", "what_happened": "e bi nhot"}},
]
STREAM_FIELDS = {"report_id", "urgency", "province", "indicators", "channel", "consent", "received_at"}


def wait(condition: Any, what: str, seconds: float = 60, every: float = 0.1) -> Any:
    """``condition()`` once it is truthy; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(every)


def turn_done(bot_redis: redis.Redis, user: str, msg_id: str) -> bool:
    """The bot has handled message ``msg_id`` and listens again: Rasa saves the conversation once per turn,
    after every reply of the turn went out through the channel."""
    raw = bot_redis.get(f"bot:tracker:zalo-{user}")
    if raw is None:
        return False
    events = json.loads(raw)["events"]
    mine = [i for i, e in enumerate(events) if e.get("event") == "user" and e.get("message_id") == msg_id]
    return bool(mine) and events[-1].get("event") == "action" and events[-1].get("name") == "action_listen"


def say(stack: Stack, fakes: FakeApis, bot_redis: redis.Redis, user: str, text: str) -> list[str]:
    """One Zalo message from ``user``; what the OA sent back to them in that turn."""
    before, msg_id = len(fakes.zalo_texts(user)), uuid.uuid4().hex
    r = zalo_post(stack, zalo_text(text, msg_id, user=user))
    assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
    try:
        wait(lambda: turn_done(bot_redis, user, msg_id), "the bot's answer to a Zalo message")
    except AssertionError:
        raw = bot_redis.get(f"bot:tracker:zalo-{user}")
        events = json.loads(raw)["events"][-6:] if raw else None
        raise AssertionError(f"no end of turn; last events {events}, sent {fakes.zalo_texts(user)[before:]}") from None
    return fakes.zalo_texts(user)[before:]


def converse(stack: Stack, fakes: FakeApis, bot_redis: redis.Redis, person: dict[str, Any]) -> list[list[str]]:
    """The tip, then the form's questions answered by their cue words, until the receipt code; every turn's replies."""
    turns = [say(stack, fakes, bot_redis, person["user"], person["tip"])]
    asked: list[str] = []
    for _ in range(9):
        if RECEIPT.search(" ".join(turns[-1])):
            assert len(asked) == len(set(asked)), f"a question was asked twice: {asked}"
            return turns
        assert turns[-1], f"the bot said nothing: {turns}"
        question = turns[-1][-1].lower()
        slot = next((s for s, cues in CUES.items() if any(c in question for c in cues)), None)
        assert slot, f"unexpected question: {turns[-1]}"
        asked.append(slot)
        turns.append(say(stack, fakes, bot_redis, person["user"], person["answers"][slot]))
    raise AssertionError(f"the form did not finish: {turns}")


def admin(stack: Stack, *args: str, password: str | None = None) -> str:
    return subprocess.run([sys.executable, "-m", "triage_api", *args], input=password and password + "\n", text=True,
                          env=stack.env, cwd=ROOT, check=True, capture_output=True, timeout=60).stdout.strip()


def test_a_zalo_tip_reaches_the_police_and_the_statistics(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("models/bot.tar.gz is missing: run `make train` first (make test does)")
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    server.start()
    fakes = FakeApis()
    workdir = tmp_path / "stack"
    workdir.mkdir()
    consumer_err = workdir / "consumer.err"
    try:
        with running(workdir, server.url, redis_db=BOT_DB, extra_env=zalo_env(fakes, workdir / "zalo_tokens.json")) as stack:
            intake, bot_redis = redis.Redis.from_url(server.url), redis.Redis(port=server.port, db=BOT_DB)
            api = httpx.Client(base_url=stack.api_url, timeout=30)
            admin(stack, "add-user", "--name", "lan", "--role", "operator", password=PASSWORD)
            admin(stack, "add-user", "--name", "minh", "--role", "supervisor", password=PASSWORD)
            police = {"Authorization": f"Bearer {admin(stack, 'add-key', '--name', 'police-1', '--role', 'police')}"}

            def bearer(name: str) -> dict[str, str]:
                r = api.post("/v1/token", data={"username": name, "password": PASSWORD})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            operator, supervisor = bearer("lan"), bearer("minh")
            now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))

            def stats() -> dict[str, Any]:
                r = api.get("/v1/stats", params={"period": "month", "year": now.year, "number": now.month}, headers=supervisor)
                assert r.status_code == 200, r.text
                return r.json()  # type: ignore[no-any-return]

            assert stats()["received"] == 0
            # an older, less urgent report: P1 must still come first
            r = api.post("/v1/reports", headers={"Idempotency-Key": str(uuid.uuid4())},
                         json={"channel": "web", "reporter_role": "witness", "consent": "anonymous", "narrative": DIRECT})
            assert r.status_code == 201 and r.json()["urgency"] == "P3", r.text
            direct_id = r.json()["id"]

            # 1. three people write on Zalo
            assert httpx.get(f"{stack.bot_url}/webhooks/zalo/", timeout=10).json() == {"status": "ok"}
            codes = []
            for person in PEOPLE:
                turns = converse(stack, fakes, bot_redis, person)
                first = turns[0]
                assert first and "113" in first[0] and "111" in first[0], f"113 and 111 must come first: {first}"
                [code] = RECEIPT.findall(turns[-1][-1])
                codes.append(code)
            assert fakes.to("/v4/oa/access_token"), "the channel refreshes its token with the fake Zalo API"
            assert len(set(codes)) == 3

            # 2. stored: one report per conversation, from Zalo, P1, with the consent chosen, personal fields encrypted
            with sqlite3.connect(stack.database) as db:
                db.row_factory = sqlite3.Row
                rows = {row["receipt_code"]: dict(row) for row in db.execute("SELECT * FROM reports")}
            assert set(rows) == {*codes, r.json()["receipt_code"]}, "one report per conversation, none lost or doubled"
            ids = [rows[code]["id"] for code in codes]
            for code, person in zip(codes, PEOPLE, strict=True):
                row = rows[code]
                assert (row["channel"], row["urgency"], row["consent"]) == ("zalo", "P1", person["consent"]), row
                stored = json.dumps(row, ensure_ascii=False, default=str)
                assert person["tip"] not in stored and person["answers"]["who_at_risk"] not in stored
            assert rows[codes[0]]["province"] == "Nghệ An"

            # 3. in the intake stream, once each, without personal data
            def streamed() -> dict[str, dict[str, str]]:
                entries = {fields[b"report_id"].decode(): {k.decode(): v.decode() for k, v in fields.items()}
                           for _, fields in intake.xrange("intake:reports")}
                return entries if set(entries) >= {*ids, direct_id} else {}

            entries = wait(streamed, "every report in intake:reports", seconds=30)
            assert intake.xlen("intake:reports") == 4
            personal = [p[k] for p in PEOPLE for k in ("tip", "user")] + [
                a for p in PEOPLE for a in p["answers"].values() if len(a) > 8] + ["0912345678", "0988765432"]
            for report_id in ids:
                entry = entries[report_id]
                assert set(entry) == STREAM_FIELDS and (entry["urgency"], entry["channel"]) == ("P1", "zalo"), entry
                assert not [p for p in personal if p in json.dumps(entry, ensure_ascii=False)], entry

            # 4. in the console's queue: the three P1 on top, the older P3 below, no personal field
            def queue() -> list[dict[str, Any]]:
                r = api.get("/v1/queue", headers=operator)
                assert r.status_code == 200, r.text
                return r.json()  # type: ignore[no-any-return]

            listed = wait(lambda: (q := queue()) and all(i["status"] == "queued" for i in q) and q, "queued (relay)", 30)
            assert [i["id"] for i in listed[:3]] == ids and listed[3]["id"] == direct_id, listed  # P1, oldest first
            assert [i["urgency"] for i in listed] == ["P1", "P1", "P1", "P3"] and listed[0]["channel"] == "zalo"
            assert not [p for p in personal if p in json.dumps(listed, ensure_ascii=False)]
            before = stats()
            assert before["received"] == 4 and before["by_channel"] == {"web": None, "zalo": 3}
            assert before["by_urgency"] == {"P1": 3, "P3": None}  # 1 is published «<3»
            assert before["minutes_to_acknowledge"]["P1"] == {"acknowledged": 0, "median": None, "p90": None}

            # 5. the reference police consumer acknowledges every entry, prints each, and stops on SIGTERM
            with consumer_err.open("w") as err:
                consumer = subprocess.Popen([sys.executable, "-m", "triage_api", "consume", "--name", "police-1"], cwd=ROOT,
                                            env=stack.env, stdout=subprocess.PIPE, stderr=err, text=True)
            printed: list[dict[str, str]] = []
            reader = threading.Thread(target=lambda: printed.extend(json.loads(line) for line in consumer.stdout or []),
                                      daemon=True)
            reader.start()
            try:
                wait(lambda: len(printed) >= 4, "the consumer acknowledges 4 entries", seconds=60)
                wait(lambda: intake.xpending("intake:reports", "police")["pending"] == 0, "nothing left pending", 10)
            finally:
                consumer.terminate()
                assert consumer.wait(15) == 0
            reader.join(5)
            assert sorted(e["report_id"] for e in printed) == sorted([*ids, direct_id]) and len(printed) == 4
            assert all(e["entry"] and set(e) == {"entry", *STREAM_FIELDS} for e in printed), printed
            assert not [p for p in personal if p in json.dumps(printed, ensure_ascii=False)]
            [group] = intake.xinfo_groups("intake:reports")
            assert group["name"] == b"police" and group["pending"] == 0 and group["entries-read"] == 4

            # 6. acknowledged, as the police and the person holding the receipt code see it
            for report_id, code, person in zip(ids, codes, PEOPLE, strict=True):
                r = api.get(f"/v1/reports/{report_id}", headers=police)
                assert r.status_code == 200, r.text
                report = r.json()
                assert report["status"] == "acknowledged" and report["receipt_code"] == code
                assert ("acknowledged", "police:police-1") in [(h["to_value"], h["actor"]) for h in report["history"]]
                # police see a contact only when the person chose to share it with them
                assert report["contact"] == (person["contact"] if person["consent"] == "share_with_police" else None)
                receipt = api.get(f"/v1/receipts/{code}").json()
                assert receipt["status"] == "acknowledged", receipt
            assert [i["status"] for i in queue()] == ["acknowledged"] * 4

            # 7. the statistics now count the acknowledgements
            after = stats()
            acked = after["minutes_to_acknowledge"]["P1"]
            assert acked["acknowledged"] == 3 and acked["median"] is not None and 0 <= acked["median"] < 10, after
            assert after["minutes_to_acknowledge"]["P3"]["acknowledged"] is None  # 1 acknowledged: published «<3»
            assert after["received"] == 4 and after["classified_share"] == 1.0

            # 8. no message text, user id or contact in any log (raw or JSON-escaped)
            logs = stack.log_text() + consumer_err.read_text()
            assert "POST /v1/reports 201" in logs and "GET /v1/queue 200" in logs  # the logs are the real ones
            said = [p["tip"] for p in PEOPLE] + [a for p in PEOPLE for a in p["answers"].values()] + [
                p["user"] for p in PEOPLE] + ["0912345678", "0988765432", DIRECT]
            leaked = [s for s in said if s in logs or json.dumps(s)[1:-1] in logs]
            assert not leaked, leaked
    finally:
        fakes.server.shutdown()
        server.stop()
