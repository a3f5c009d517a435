"""Administration commands: add a user or an API key, re-encrypt personal fields under the newest key,
erase what the retention period has run out on."""

from __future__ import annotations

import getpass
import secrets
import sys
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.auth import Role, create_api_key, create_user
from triage_api.crypto import FieldCipher
from triage_api.models import Base, User
from triage_api.resources import open_resources
from triage_api.retention import erase_expired
from triage_api.settings import Settings

__all__ = ["demo_accounts", "rotate_keys", "run_admin"]

DEMO_PREFIX = "demo-"


def demo_accounts(sessions: sessionmaker[Session]) -> tuple[str, str, str]:
    """For ``make run`` on a developer machine: disable every earlier demo account and make an operator and a
    supervisor for this run, with one new random password. Returns (operator, supervisor, password)."""
    now = datetime.now(UTC)
    with sessions() as session:
        for user in session.scalars(select(User).where(User.username.startswith(DEMO_PREFIX), User.disabled_at.is_(None))):
            user.disabled_at = now
        session.commit()
    password, stamp = secrets.token_urlsafe(12), now.strftime("%Y%m%d%H%M%S")
    operator, supervisor = (f"{DEMO_PREFIX}{role}-{stamp}" for role in ("operator", "supervisor"))
    create_user(sessions, operator, "operator", password)
    create_user(sessions, supervisor, "supervisor", password)
    return operator, supervisor, password


def rotate_keys(sessions: sessionmaker[Session], cipher: FieldCipher) -> int:
    """Re-encrypt every personal field with the newest key; returns how many values changed."""
    changed = 0
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.info.get("personal")]
            if not columns:
                continue
            key = next(iter(table.primary_key.columns))
            for row in session.execute(select(key, *columns)).all():
                values = {c.name: cipher.rotate(v) for c, v in zip(columns, row[1:], strict=True) if v is not None}
                if values:
                    session.execute(table.update().where(key == row[0]).values(**values))
                    changed += len(values)
        session.commit()
    return changed


def run_admin(command: str, settings: Settings, *, name: str | None = None, role: str | None = None) -> int:
    resources = open_resources(settings)
    try:
        if command == "add-user":
            assert name and role
            password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("Mật khẩu: ")
            create_user(resources.sessions, name, role, password)  # type: ignore[arg-type]
            print(f"user {name} ({role}) added")
        elif command == "add-key":
            assert name and role
            role_: Role = role  # type: ignore[assignment]
            print(create_api_key(resources.sessions, name, role_))
        elif command == "demo-accounts":
            print(*demo_accounts(resources.sessions))
        elif command == "retention":
            print(f"{erase_expired(resources.sessions, retention_days=settings.retention_days)} reports erased")
        elif command == "rotate-keys":
            print(f"{rotate_keys(resources.sessions, resources.cipher)} values re-encrypted under the newest key")
        return 0
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        resources.close()
