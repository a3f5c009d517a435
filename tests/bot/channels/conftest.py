"""Fixtures of the channel tests: one background event loop for the servers of a test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.channels.harness import LoopThread


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.stop()
