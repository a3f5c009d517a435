"""What the API and the commands share: the migrated database, its sessions, and the field cipher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from triage_api.crypto import FieldCipher, load_keys
from triage_api.db import connect, migrate, session_maker
from triage_api.settings import Settings

__all__ = ["Resources", "open_resources"]


@dataclass(frozen=True, slots=True)
class Resources:
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: FieldCipher

    def close(self) -> None:
        self.engine.dispose()


def open_resources(settings: Settings) -> Resources:
    engine = connect(settings.database_url)
    migrate(engine)
    keys = settings.data_keys.get_secret_value() if settings.data_keys else None
    return Resources(engine, session_maker(engine), FieldCipher(load_keys(keys, settings.data_key_file)))
