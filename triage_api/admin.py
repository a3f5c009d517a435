"""Administration commands: add a user or an API key, re-encrypt personal fields under the newest key,
erase what the retention period has run out on."""

from __future__ import annotations

import getpass
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.auth import Role, create_api_key, create_user
from triage_api.crypto import FieldCipher
from triage_api.models import Base
from triage_api.resources import open_resources
from triage_api.retention import erase_expired
from triage_api.settings import Settings

__all__ = ["rotate_keys", "run_admin"]


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
