"""Configuration, read from the environment (prefix ``TRIAGE_``) through one cached ``get_settings()``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    max_text_chars: int = Field(default=5000, ge=1, description="Longest message accepted, in characters")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body accepted")
    warm_up: bool = Field(default=True, description="Load the language models at start-up, not on the first request")
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = Field(default="json", description="json: one object a line (report ids, never text)")

    # reports: the database of record, the intake stream, the keys for personal fields
    database_url: str = Field(
        default="sqlite:///var/reports.sqlite3",
        validation_alias=AliasChoices("DATABASE_URL", "TRIAGE_DATABASE_URL"),
        description="SQLAlchemy URL; SQLite by default, postgresql+psycopg://… in production",
    )
    redis_url: str | None = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "TRIAGE_REDIS_URL"),
        description="The intake stream's Redis; reports wait in the outbox while it is unreachable",
    )
    data_keys: SecretStr | None = Field(
        default=None, description="Fernet keys for personal fields, comma-separated, newest first"
    )
    data_key_file: Path = Field(default=Path("var/data.keys"), description="Used (and created) when data_keys is unset")
    relay_interval_s: float = Field(default=0.2, gt=0, description="How often the outbox relay looks for new rows")
    reports_per_minute: int = Field(default=30, ge=1, description="Reports one client may submit a minute")
    reads_per_minute: int = Field(default=600, ge=1, description="Other report and intake calls one client may make a minute")
    retention_days: int = Field(default=365, ge=1, description="Narratives and contacts are erased this long after closure")
    stream_lifetime_s: float = Field(default=15, gt=0, description="The console's live stream ends (and reopens) this often")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
