"""The relay and the reference police consumer as the commands operators run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.triage_api.test_outbox import SECRET
from triage_api.crypto import FieldCipher
from triage_api.db import connect, migrate, session_maker
from triage_api.models import Report
from triage_api.reports import submit
from triage_api.schemas import ReportCreate

ROOT = Path(__file__).resolve().parents[2]


def test_relay_and_consumer_commands_move_reports_to_acknowledged(tmp_path: Path, clean_redis: redis.Redis, redis_url: str) -> None:
    key = Fernet.generate_key().decode()
    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    engine = connect(database)
    migrate(engine)
    sessions = session_maker(engine)
    ids = {
        submit(sessions, FieldCipher([key]), ReportCreate(channel="web", consent="confidential", contact="0912000333",
                                                       narrative=f"{SECRET}: chị tôi bị nhốt ở Lào, lần {n}"), f"k{n}").report.id
        for n in range(3)
    }
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "TRIAGE_DATA_KEYS": key}
    command = [sys.executable, "-m", "triage_api"]
    relay = subprocess.Popen([*command, "relay"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    consumer = subprocess.Popen([*command, "consume", "--name", "police-test"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as s:
                if {r.status for r in s.scalars(select(Report))} == {"acknowledged"}:
                    break
            time.sleep(0.2)
    finally:
        for proc in (relay, consumer):
            proc.send_signal(signal.SIGTERM)
        out, err = consumer.communicate(timeout=20)
        relay_out = relay.communicate(timeout=20)[0]
    assert (relay.returncode, consumer.returncode) == (0, 0)
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Report))} == {"acknowledged"}
    printed = [json.loads(line) for line in out.decode().splitlines()]
    assert {p["report_id"] for p in printed} == ids
    for stream in (out, err, relay_out):
        assert SECRET.encode() not in stream and b"0912000333" not in stream
