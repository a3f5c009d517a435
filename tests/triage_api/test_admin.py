"""Administration commands, run as an administrator would."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.triage_api.test_outbox import SECRET
from triage_api.admin import rotate_keys
from triage_api.auth import authenticate
from triage_api.crypto import FieldCipher
from triage_api.db import connect, migrate, session_maker
from triage_api.models import Report
from triage_api.reports import submit
from triage_api.schemas import ReportCreate

ROOT = Path(__file__).resolve().parents[2]


def test_add_key_prints_a_key_that_works_and_stores_only_its_hash(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "TRIAGE_DATA_KEYS": Fernet.generate_key().decode()}
    out = subprocess.run([sys.executable, "-m", "triage_api", "add-key", "--name", "bot", "--role", "service"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    sessions = session_maker(connect(database))
    principal = authenticate(sessions, out)
    assert principal is not None and (principal.name, principal.role) == ("key:bot", "service")
    assert out.encode() not in (tmp_path / "r.sqlite3").read_bytes()


def test_add_user_reads_the_password_from_stdin_and_refuses_short_ones(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}", "TRIAGE_DATA_KEYS": Fernet.generate_key().decode()}
    command = [sys.executable, "-m", "triage_api", "add-user", "--name", "lan", "--role", "operator"]
    short = subprocess.run(command, check=False, cwd=ROOT, env=env, input="ngắn\n", capture_output=True, text=True)
    assert short.returncode == 2 and "12" in short.stderr
    ok = subprocess.run(command, check=False, cwd=ROOT, env=env, input="một mật khẩu đủ dài\n", capture_output=True, text=True)
    assert ok.returncode == 0 and "mật khẩu" not in ok.stdout


def test_rotating_keys_moves_every_personal_field_to_the_new_key(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = connect(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    migrate(engine)
    sessions = session_maker(engine)
    body = ReportCreate(channel="web", consent="confidential", contact="0912000333", narrative=f"{SECRET} bị nhốt")
    rid = submit(sessions, FieldCipher([old]), body, str(uuid.uuid4())).report.id
    assert rotate_keys(sessions, FieldCipher([new, old])) >= 5
    with sessions() as s:
        report = s.scalars(select(Report).where(Report.id == rid)).one()
    only_new = FieldCipher([new])
    assert only_new.decrypt(report.narrative_enc or "").startswith(SECRET)
    assert only_new.decrypt(report.contact_enc or "") == "0912000333"


def test_demo_accounts_work_for_this_run_only(tmp_path: Path) -> None:
    import time

    from triage_api.auth import create_user, issue_token

    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "TRIAGE_DATA_KEYS": Fernet.generate_key().decode()}
    sessions = session_maker(connect(database))
    migrate(connect(database))
    create_user(sessions, "lan", "operator", "một mật khẩu thật dài")  # a real user is left alone
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "triage_api", "demo-accounts"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        runs.append(out)
        time.sleep(1.1)  # names carry the second they were made
    (old_operator, old_supervisor, old_password), (operator, supervisor, password) = runs
    assert issue_token(sessions, old_operator, old_password) is None  # disabled by the next run
    assert issue_token(sessions, old_supervisor, old_password) is None
    assert issue_token(sessions, operator, password) is not None and issue_token(sessions, supervisor, password) is not None
    assert issue_token(sessions, "lan", "một mật khẩu thật dài") is not None
