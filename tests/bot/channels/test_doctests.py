"""The channel modules' usage examples (their docstrings) still hold: make test-bot runs tests/bot only."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["limits", "replay", "replies", "inbound", "zalo", "zalo_api", "defaults", "webchat"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"bot.channels.{name}")
    failed, _ = doctest.testmod(module)
    assert failed == 0
