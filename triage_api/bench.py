"""``make bench-triage``: how fast the engine is, in process and through the batch CLI.

Prints p50/p95/max latency per message after warm-up (for all messages and for those of
400–500 characters), and the batch CLI's throughput in messages per second on one process
(one core), with and without its start-up time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from triage_api.engine.triage import triage, warm_up
from triage_api.evaluation import load_set

__all__ = ["main", "sample_messages"]

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILES = (ROOT / "eval" / "triage_dev.jsonl", ROOT / "eval" / "triage_test.jsonl")
TARGET_P95_MS = 15.0
TARGET_RATE = 200.0


def sample_messages() -> list[str]:
    """The labelled messages, plus messages of 400–500 characters built by joining them."""
    texts = [item["text"] for path in EVAL_FILES if path.exists() for item in load_set(path)]
    if not texts:
        raise SystemExit("no messages: eval/triage_*.jsonl are missing")
    long: list[str] = []
    current = ""
    for text in texts * 2:
        if len(current) + len(text) + 1 > 500:
            if len(current) >= 400:
                long.append(current)
            current = ""
        current = f"{current} {text}".strip()
    return texts + long


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _latency(messages: list[str]) -> list[float]:
    times = []
    for text in messages:
        start = time.perf_counter()
        triage(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _cli_rate(messages: list[str], count: int) -> tuple[float, float, float]:
    lines = "".join(json.dumps({"id": i, "text": messages[i % len(messages)]}, ensure_ascii=False) + "\n" for i in range(count))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "triage_api", "classify"], input=lines, capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    total = time.perf_counter() - start
    out = done.stdout.splitlines()
    assert len(out) == count, f"batch CLI returned {len(out)} lines for {count}"
    # start-up (interpreter, models) measured separately on one message
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "triage_api", "classify"], input=lines.splitlines(keepends=True)[0], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    startup = time.perf_counter() - start
    return count / total, count / max(total - startup, 1e-9), startup


def main(*, messages: int = 2000) -> int:
    sample = sample_messages()
    warm_up()
    _latency(sample[:50])
    times = _latency(sample)
    long_times = [t for t, m in zip(times, sample, strict=True) if 400 <= len(m) <= 500]
    print(f"in process, one message at a time, after warm-up ({os.cpu_count()} cores on this machine)")
    print(f"{'messages':<28}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, values in (("all", times), ("400-500 characters", long_times)):
        if values:
            print(f"{name:<28}{len(values):>6}{statistics.median(values):>10.2f}{_percentile(values, 0.95):>10.2f}{max(values):>10.2f}")
    print(f"target: p95 <= {TARGET_P95_MS:.0f} ms per message up to 500 characters")
    print()
    rate, steady, startup = _cli_rate(sample, messages)
    print(f"batch CLI (python -m triage_api classify), one process, {messages} messages")
    print(f"  throughput incl. start-up: {rate:8.1f} msg/s")
    print(f"  throughput after start-up: {steady:8.1f} msg/s   (start-up {startup:.2f} s)")
    print(f"target: >= {TARGET_RATE:.0f} msg/s per core")
    return 0
