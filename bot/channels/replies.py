"""The channels' own replies (``replies.yml``), loaded once.

>>> "113" in reply("failure") and "111" in reply("failure")
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

REPLIES = Path(__file__).with_name("replies.yml")


@cache
def _all() -> dict[str, str]:
    return dict(yaml.safe_load(REPLIES.read_text(encoding="utf-8")))


def reply(name: str) -> str:
    return _all()[name]
