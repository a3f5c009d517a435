"""The CPU accounting of ``make bench-intake``: what it prints as each part's CPU per report."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage_api.bench_intake import _cpu_seconds

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def test_cpu_burnt_by_the_server_process_is_counted_as_the_apis() -> None:
    before = _cpu_seconds(os.getpid())
    assert before is not None
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:  # burn 0.3 s of CPU in "the server" (this process)
        pass
    after = _cpu_seconds(os.getpid())
    assert after is not None
    assert 0.2 <= after["API workers"] - before["API workers"] <= 1.0
    assert set(after) == {"API workers", "PostgreSQL", "Redis"}


def test_a_child_of_the_server_counts_too() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time() + 0.3\nwhile time.process_time() < t: pass\ntime.sleep(30)"])
    try:
        before = _cpu_seconds(os.getpid())
        time.sleep(1.5)  # the child burns its 0.3 s and sleeps, still alive
        after = _cpu_seconds(os.getpid())
        assert before is not None and after is not None
        assert after["API workers"] - before["API workers"] >= 0.1
    finally:
        child.kill()
        child.wait()
