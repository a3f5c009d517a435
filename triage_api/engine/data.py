"""Where the engine's data files live (``triage_api/data``), and loading them once."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DATA_DIR", "data_path", "load_yaml"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_path(name: str) -> Path:
    """The path of a data file shipped with the engine."""
    return DATA_DIR / name


@cache
def load_yaml(name: str) -> Any:
    """Parse a YAML data file once per process."""
    with data_path(name).open(encoding="utf-8") as f:
        return yaml.safe_load(f)
