"""Configuration, read from the environment (prefix ``TRIAGE_``) through one cached ``get_settings()``."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    max_text_chars: int = Field(default=5000, ge=1, description="Longest message accepted, in characters")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body accepted")
    warm_up: bool = Field(default=True, description="Load the language models at start-up, not on the first request")
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
